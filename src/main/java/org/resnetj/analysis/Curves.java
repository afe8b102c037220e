package org.resnetj.analysis;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.knowm.xchart.ChartEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Training curves in the style of the paper's Fig. 1 and Fig. 6: error (%) against iterations, each
 * run in its own colour, its training error a thin dashed line and its test error a bold line. A
 * chart that shows any run on synthetic data says so in its title.
 */
public final class Curves {

    /** The chart {@link #writeRunCurves} keeps up to date in a run directory, as PNG. */
    public static final String RUN_PNG = "curves.png";

    /** The same chart as SVG. */
    public static final String RUN_SVG = "curves.svg";

    static final String DEFAULT_TITLE = "Training curves";

    static final int WIDTH = 800;
    static final int HEIGHT = 500;

    /**
     * The paper labels its axis "iter. (1e4)" once runs are tens of thousands of iterations long.
     */
    static final long TEN_THOUSANDS_FROM = 20_000;

    /** Matplotlib's "tab10": distinct, and readable in print. */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
                new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
                new Color(0x17becf),
    };

    static final BasicStroke TRAIN_STROKE =
            new BasicStroke(
                    1.0f,
                    BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_ROUND,
                    10f,
                    new float[] {5f, 3f},
                    0f);
    static final BasicStroke TEST_STROKE =
            new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);

    /** Below this mean width in pixels, a segment is too short to show a dash and its gap. */
    private static final double DASH_PERIOD_PX = 8;

    /**
     * Roughly the plot's width in pixels: the chart less the axis on the left and the legend on the
     * right.
     */
    private static final double PLOT_WIDTH_PX = 0.7 * WIDTH;

    static {
        // Charts render off screen, in CI and on servers with no display.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Curves() {}

    /** The file formats a chart can be written in, chosen by the file's extension. */
    enum Format {
        PNG,
        SVG;

        static Format of(Path file) {
            String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
            if (name.endsWith(".png")) {
                return PNG;
            }
            if (name.endsWith(".svg")) {
                return SVG;
            }
            throw new IllegalArgumentException(
                    "a chart file must end in .png or .svg, got " + file);
        }
    }

    /**
     * Draws the runs on one chart and writes it to {@code file}, as PNG or SVG by its extension.
     * The file is replaced atomically; missing parent directories are created.
     *
     * @param title the chart's title, or null for a default; "synthetic data" is added if a run
     *     used it
     * @throws IllegalArgumentException if the extension is neither .png nor .svg, or two runs share
     *     a label
     */
    public static void write(List<RunMetrics> runs, Path file, String title) throws IOException {
        Format format = Format.of(file);
        XYChart chart = chart(runs, title);
        byte[] bytes = encode(chart, caption(runs), format);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            writeAtomically(file, bytes);
        } catch (IOException e) {
            throw new IOException("cannot write the chart " + file + ": " + reason(e), e);
        }
    }

    /**
     * Redraws {@code runDir/curves.png} and {@code runDir/curves.svg} from the run's metrics. Safe
     * to call repeatedly while the run trains: each file is replaced atomically.
     */
    public static void writeRunCurves(Path runDir) throws IOException {
        List<RunMetrics> runs = List.of(RunMetrics.read(runDir));
        XYChart chart = chart(runs, null);
        writeAtomically(runDir.resolve(RUN_PNG), encode(chart, caption(runs), Format.PNG));
        writeAtomically(runDir.resolve(RUN_SVG), encode(chart, caption(runs), Format.SVG));
    }

    /** The chart of the class comment. Package-private so tests can inspect its series. */
    static XYChart chart(List<RunMetrics> runs, String title) {
        requireDistinctLabels(runs);
        long maxIteration = 0;
        double maxError = 0;
        for (RunMetrics run : runs) {
            maxIteration = Math.max(maxIteration, run.plannedIterations());
            for (RunMetrics.Point p : concat(run.train(), run.test())) {
                maxIteration = Math.max(maxIteration, p.iteration());
                maxError = Math.max(maxError, p.errorPercent());
            }
        }
        boolean tenThousands = maxIteration >= TEN_THOUSANDS_FROM;
        // The data are scaled, not just the labels: XChart picks round tick values in data units.
        double unit = tenThousands ? 1e4 : 1;
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(title(runs, title))
                        .xAxisTitle(
                                (tenThousands ? "iter. (1e4)" : "iter.") + "      " + caption(runs))
                        .yAxisTitle("error (%)")
                        .build();
        style(chart.getStyler());
        if (maxIteration > 0) {
            chart.getStyler().setXAxisMin(0.0).setXAxisMax(maxIteration / unit);
        }
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(errorAxisMax(maxError));

        boolean mixedData = !same(runs, RunMetrics::synthetic);
        boolean mixedSplits = !same(runs, RunMetrics::testSplit);
        for (int i = 0; i < runs.size(); i++) {
            RunMetrics run = runs.get(i);
            Color colour = colour(i);
            String label =
                    run.label()
                            + (mixedData && run.synthetic() ? " (synthetic)" : "")
                            + (mixedSplits && run.testSplit().equals(RunMetrics.VALIDATION)
                                    ? " (val)"
                                    : "");
            // Test before training: when all x values, in series order, are equally spaced (as a
            // densely logged training curve's are), XChart puts x ticks only at data values, such
            // as
            // 0.3, 0.6, ...; the sparser test points first keep its round ticks.
            XYSeries test = addCurve(chart, label, label, run.test(), unit, colour, TEST_STROKE);
            XYSeries train =
                    addCurve(
                            chart,
                            label + " train",
                            label,
                            run.train(),
                            unit,
                            colour,
                            TRAIN_STROKE);
            if (train != null) {
                // The legend shows each run once, by its bold line if it has one yet.
                train.setShowInLegend(test == null);
                // XChart draws a plain line segment by segment, restarting the dash pattern each
                // time, so a densely logged curve would look solid. A smooth series is one path,
                // dashed throughout; its curves wobble visibly only where points are far apart.
                train.setSmooth(denselyLogged(run.train(), maxIteration));
            }
        }
        return chart;
    }

    /**
     * The upper end of the error axis: the largest error rounded up to a multiple of 5 or 10, at
     * most 100.
     */
    static double errorAxisMax(double maxErrorPercent) {
        double step = maxErrorPercent <= 20 ? 5 : 10;
        double top = Math.ceil(maxErrorPercent / step) * step;
        return Math.min(100, Math.max(step, top));
    }

    /**
     * What the line styles mean: the bold line is validation error for runs that logged no test
     * error.
     */
    static String caption(List<RunMetrics> runs) {
        boolean anyValidation =
                runs.stream().anyMatch(r -> r.testSplit().equals(RunMetrics.VALIDATION));
        String bold =
                !anyValidation
                        ? "test error"
                        : same(runs, RunMetrics::testSplit)
                                ? "validation error"
                                : "test error, or validation error (val)";
        return "dashed: training error, bold: " + bold;
    }

    private static boolean same(List<RunMetrics> runs, Function<RunMetrics, ?> property) {
        return runs.stream().map(property).distinct().count() <= 1;
    }

    /** The requested or default title, with the data's being synthetic stated. */
    static String title(List<RunMetrics> runs, String requested) {
        String title = requested == null || requested.isBlank() ? DEFAULT_TITLE : requested.strip();
        boolean any = runs.stream().anyMatch(RunMetrics::synthetic);
        if (!any || title.toLowerCase(Locale.ROOT).contains("synthetic data")) {
            return title;
        }
        boolean all = runs.stream().allMatch(RunMetrics::synthetic);
        return title + (all ? " (synthetic data)" : " (some runs on synthetic data)");
    }

    private static void style(XYStyler styler) {
        paperStyle(styler);
        styler.setYAxisDecimalPattern("0");
        styler.setXAxisDecimalPattern("0.##");
    }

    /**
     * The look every chart of the project shares: white, thin grid, legend outside on the right.
     */
    static void paperStyle(XYStyler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(Color.BLACK);
        styler.setPlotGridLinesColor(new Color(0xe0e0e0));
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setLegendSeriesLineLength(36);
        styler.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        styler.setLocale(Locale.ROOT);
    }

    /** Adds one curve, or nothing (null) if it has no points yet. */
    private static XYSeries addCurve(
            XYChart chart,
            String name,
            String label,
            List<RunMetrics.Point> points,
            double unit,
            Color colour,
            BasicStroke stroke) {
        if (points.isEmpty()) {
            return null;
        }
        double[] x = points.stream().mapToDouble(p -> p.iteration() / unit).toArray();
        double[] y = points.stream().mapToDouble(RunMetrics.Point::errorPercent).toArray();
        XYSeries series = chart.addSeries(name, x, y);
        series.setLabel(label);
        series.setLineColor(colour);
        series.setLineStyle(stroke);
        // A single point (a run shorter than one logging interval) has no line to draw: mark it.
        series.setMarker(points.size() == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        series.setMarkerColor(colour);
        return series;
    }

    /** Whether the curve's points lie closer together on the chart than one dash and its gap. */
    static boolean denselyLogged(List<RunMetrics.Point> points, long axisIterations) {
        if (points.size() < 2 || axisIterations <= 0) {
            return false;
        }
        double span = points.get(points.size() - 1).iteration() - points.get(0).iteration();
        double meanSegmentPx = PLOT_WIDTH_PX * span / (points.size() - 1) / axisIterations;
        return meanSegmentPx < DASH_PERIOD_PX;
    }

    /** The colour of the n-th series: tab10, then golden-angle hues. */
    static Color colour(int run) {
        if (run < PALETTE.length) {
            return PALETTE[run];
        }
        // Beyond the palette: hues spaced by the golden angle stay apart however many runs there
        // are.
        float hue = (float) ((run * 0.618033988749895) % 1.0);
        return Color.getHSBColor(hue, 0.75f, 0.75f);
    }

    private static void requireDistinctLabels(List<RunMetrics> runs) {
        Set<String> seen = new HashSet<>();
        for (RunMetrics run : runs) {
            if (!seen.add(run.label())) {
                throw new IllegalArgumentException(
                        "two runs are both labelled '" + run.label() + "'; labels must differ");
            }
        }
    }

    private static List<RunMetrics.Point> concat(
            List<RunMetrics.Point> a, List<RunMetrics.Point> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }

    static byte[] encode(XYChart chart, String caption, Format format) throws IOException {
        String extension = format.name().toLowerCase(Locale.ROOT);
        byte[] bytes = ChartEncoder.getBytes(chart, extension);
        if (format == Format.PNG) {
            return bytes;
        }
        return withTitle(new String(bytes, StandardCharsets.UTF_8), chart, caption)
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * XChart draws text as outlines, so an SVG holds none of its words; a {@code <title>} and
     * {@code <desc>} make the chart's title (and its "synthetic data") readable and searchable.
     */
    static String withTitle(String svg, XYChart chart, String caption) {
        int root = svg.indexOf("<svg");
        int rootEnd = root < 0 ? -1 : svg.indexOf('>', root);
        if (rootEnd < 0) {
            throw new IllegalStateException("XChart wrote an SVG without an <svg> element");
        }
        String runs =
                chart.getSeriesCollection().stream()
                        .filter(XYSeries::isShowInLegend)
                        .map(XYSeries::getLabel)
                        .collect(Collectors.joining(", "));
        String metadata =
                "\n  <title>"
                        + xml(chart.getTitle())
                        + "</title>"
                        + "\n  <desc>"
                        + xml("Error (%) against iterations; " + caption + ". Runs: " + runs + ".")
                        + "</desc>";
        return svg.substring(0, rootEnd + 1) + metadata + svg.substring(rootEnd + 1);
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Why a file operation failed, in words: NIO's messages are often just the path. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied on " + e.getMessage();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory " + e.getMessage();
        }
        if (e instanceof FileAlreadyExistsException) {
            return "not a directory: " + e.getMessage();
        }
        return e.getMessage();
    }

    /** Writes next to the target and renames, so a reader never sees half a file. */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        // Unique per call, so concurrent writers never share it. Not Files.createTempFile: its
        // owner-only permissions would carry over to the chart.
        Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.write(temp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.move(
                        temp,
                        target,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
