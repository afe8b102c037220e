package org.resnetj.analysis;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The paper's Fig. 7 for any set of models: the response std of every 3×3 layer, on top in the
 * layers' original order and below ranked in descending order, one colour per model; as in the
 * paper, plain nets are dashed and residual nets solid.
 *
 * <p>{@link #write} puts three files in a directory:
 *
 * <ul>
 *   <li>{@value #CSV}: one row per model and layer, with the columns {@code model, checkpoint,
 *       layer_index} (1-based, plan order){@code , layer_name, std, rank} (1 for the largest std of
 *       the model, ties by layer index){@code , synthetic} ({@code true} if the test set was
 *       synthetic data);
 *   <li>{@value #PNG} and {@value #SVG}: both panels stacked in one image. The SVG's {@code
 *       <title>} and {@code <desc>} carry the title and the models, since XChart draws text as
 *       outlines.
 * </ul>
 *
 * Every file is replaced atomically. Runs on synthetic data say so in the title.
 */
public final class ResponseFigure {

    /** The numbers behind the figure. */
    public static final String CSV = "responses.csv";

    /** Both panels, as PNG. */
    public static final String PNG = "responses.png";

    /** Both panels, as SVG. */
    public static final String SVG = "responses.svg";

    static final String TITLE = "Standard deviations of layer responses (Fig. 7)";

    static final int WIDTH = 800;
    static final int PANEL_HEIGHT = 400;

    private static final BasicStroke RESIDUAL_STROKE =
            new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    private static final BasicStroke PLAIN_STROKE =
            new BasicStroke(
                    1.5f,
                    BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_ROUND,
                    10f,
                    new float[] {6f, 3f},
                    0f);

    static {
        // Charts render off screen, in CI and on servers with no display.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /**
     * One model's measured responses.
     *
     * @param label the legend's name for it, unique within a figure
     * @param residual whether its blocks have shortcuts (drawn solid) or not (dashed)
     * @param checkpoint the checkpoint the weights came from
     * @param layers the std of each 3×3 layer, in plan order
     */
    public record Model(
            String label, boolean residual, Path checkpoint, List<LayerResponses.LayerStd> layers) {
        /** Keeps an unmodifiable copy of the layers. */
        public Model {
            layers = List.copyOf(layers);
        }

        /** The stds, largest first. */
        double[] sorted() {
            return ranked().stream().mapToDouble(i -> layers.get(i).std()).toArray();
        }

        /** Layer positions (0-based) from the largest std to the smallest, ties by position. */
        List<Integer> ranked() {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                order.add(i);
            }
            order.sort(
                    Comparator.<Integer>comparingDouble(i -> -layers.get(i).std())
                            .thenComparing(i -> i));
            return order;
        }
    }

    private ResponseFigure() {}

    /**
     * Writes {@value #CSV}, {@value #PNG} and {@value #SVG} to {@code outDir}, creating it if
     * needed.
     *
     * @param synthetic whether the responses were measured on synthetic data
     * @throws IllegalArgumentException if there is no model, a model has no layers, or two share a
     *     label
     */
    public static void write(List<Model> models, boolean synthetic, Path outDir)
            throws IOException {
        XYChart[] panels = panels(models, synthetic);
        byte[] csv = csv(models, synthetic).getBytes(StandardCharsets.UTF_8);
        byte[] png = png(panels);
        byte[] svg = svg(panels, models).getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new IOException(
                    "cannot create the output directory " + outDir + ": " + e.getMessage(), e);
        }
        Curves.writeAtomically(outDir.resolve(CSV), csv);
        Curves.writeAtomically(outDir.resolve(PNG), png);
        Curves.writeAtomically(outDir.resolve(SVG), svg);
    }

    /** The CSV of the class comment. */
    static String csv(List<Model> models, boolean synthetic) {
        StringBuilder out =
                new StringBuilder("model,checkpoint,layer_index,layer_name,std,rank,synthetic\n");
        for (Model model : models) {
            int[] rank = new int[model.layers().size()];
            List<Integer> ranked = model.ranked();
            for (int r = 0; r < ranked.size(); r++) {
                rank[ranked.get(r)] = r + 1;
            }
            for (int i = 0; i < model.layers().size(); i++) {
                LayerResponses.LayerStd layer = model.layers().get(i);
                out.append(field(model.label()))
                        .append(',')
                        .append(field(String.valueOf(model.checkpoint())))
                        .append(',')
                        .append(i + 1)
                        .append(',')
                        .append(field(layer.layer()))
                        .append(',')
                        .append(layer.std())
                        .append(',')
                        .append(rank[i])
                        .append(',')
                        .append(synthetic)
                        .append('\n');
            }
        }
        return out.toString();
    }

    /** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
    private static String field(String value) {
        if (value.indexOf(',') < 0
                && value.indexOf('"') < 0
                && value.indexOf('\n') < 0
                && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    /** The top (original order) and bottom (descending) panels. Package-private for tests. */
    static XYChart[] panels(List<Model> models, boolean synthetic) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("no models to draw");
        }
        Set<String> labels = new HashSet<>();
        for (Model model : models) {
            if (!labels.add(model.label())) {
                throw new IllegalArgumentException(
                        "two models are both labelled '" + model.label() + "'; labels must differ");
            }
            if (model.layers().isEmpty()) {
                throw new IllegalArgumentException(
                        model.label() + " has no 3×3 layer followed by BN");
            }
        }
        double top =
                models.stream()
                        .flatMap(m -> m.layers().stream())
                        .mapToDouble(LayerResponses.LayerStd::std)
                        .max()
                        .orElse(0);
        int longest = models.stream().mapToInt(m -> m.layers().size()).max().orElse(1);
        XYChart original = panel(title(synthetic), "layer index (original)", top, longest);
        XYChart sorted = panel("", "layer index (sorted by magnitude)", top, longest);
        for (int m = 0; m < models.size(); m++) {
            Model model = models.get(m);
            double[] x = new double[model.layers().size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            double[] y =
                    model.layers().stream().mapToDouble(LayerResponses.LayerStd::std).toArray();
            style(original.addSeries(model.label(), x, y), model, m);
            style(sorted.addSeries(model.label(), x, model.sorted()), model, m);
        }
        return new XYChart[] {original, sorted};
    }

    static String title(boolean synthetic) {
        return synthetic ? TITLE + " (synthetic data)" : TITLE;
    }

    private static XYChart panel(String title, String xAxis, double maxStd, int layers) {
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(PANEL_HEIGHT)
                        .title(title)
                        .xAxisTitle(xAxis)
                        .yAxisTitle("std")
                        .build();
        XYStyler styler = chart.getStyler();
        Curves.paperStyle(styler);
        styler.setXAxisDecimalPattern("0");
        styler.setYAxisDecimalPattern("0.0#");
        styler.setMarkerSize(4);
        styler.setXAxisMin(0.0).setXAxisMax((double) layers + 1);
        styler.setYAxisMin(0.0).setYAxisMax(maxStd > 0 ? maxStd * 1.1 : 1.0);
        return chart;
    }

    private static void style(XYSeries series, Model model, int index) {
        Color colour = Curves.colour(index);
        series.setLineColor(colour);
        series.setLineStyle(model.residual() ? RESIDUAL_STROKE : PLAIN_STROKE);
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setMarkerColor(colour);
    }

    /** Both panels stacked in one bitmap. */
    private static byte[] png(XYChart[] panels) throws IOException {
        BufferedImage image =
                new BufferedImage(WIDTH, PANEL_HEIGHT * panels.length, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            paint(g, panels);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }

    /** Both panels stacked in one SVG document, with a readable title and description. */
    private static String svg(XYChart[] panels, List<Model> models) throws IOException {
        VectorGraphics2D g = new VectorGraphics2D();
        paint(g, panels);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new SVGProcessor()
                .getDocument(
                        g.getCommands(), new PageSize(0, 0, WIDTH, PANEL_HEIGHT * panels.length))
                .writeTo(bytes);
        String svg = bytes.toString(StandardCharsets.UTF_8);
        int root = svg.indexOf("<svg");
        int rootEnd = root < 0 ? -1 : svg.indexOf('>', root);
        if (rootEnd < 0) {
            throw new IllegalStateException(
                    "VectorGraphics2D wrote an SVG without an <svg> element");
        }
        String names = models.stream().map(Model::label).collect(Collectors.joining(", "));
        String metadata =
                "\n  <title>"
                        + xml(panels[0].getTitle())
                        + "</title>"
                        + "\n  <desc>"
                        + xml(
                                "Std of each 3×3 layer's response after BN, before ReLU or"
                                        + " addition; top: layers in their original order, bottom:"
                                        + " sorted in descending order. Models: "
                                        + names
                                        + ".")
                        + "</desc>";
        return svg.substring(0, rootEnd + 1) + metadata + svg.substring(rootEnd + 1);
    }

    private static void paint(Graphics2D g, XYChart[] panels) {
        for (int i = 0; i < panels.length; i++) {
            Graphics2D panel = (Graphics2D) g.create(0, i * PANEL_HEIGHT, WIDTH, PANEL_HEIGHT);
            try {
                panels[i].paint(panel, WIDTH, PANEL_HEIGHT);
            } finally {
                panel.dispose();
            }
        }
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
