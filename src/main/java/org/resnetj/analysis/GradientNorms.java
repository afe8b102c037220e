package org.resnetj.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The per-layer gradient norms that training records with {@code grad_norm_every} ("the backward
 * propagated gradients exhibit healthy norms with BN", Sec. 4.1): one line per recorded iteration,
 * layers in the order of the network on the x axis, the L2 norm of each weight's gradient on a log
 * scale.
 */
public final class GradientNorms {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The norms of one recorded iteration of one run, by weight name in network order. */
    public record Record(
            String run, long iteration, boolean synthetic, Map<String, Double> norms) {}

    private GradientNorms() {}

    /**
     * Reads the {@code grad_norms} lines of a run's {@code metrics.jsonl}; a line cut short by a
     * kill (the last) is skipped.
     *
     * @throws IOException naming the file if it is missing or a complete line is not JSON
     */
    public static List<Record> read(Path runDir) throws IOException {
        Path file = runDir.resolve(RunMetrics.METRICS_FILE);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(
                    file.toString(), null, "no metrics in this run directory");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line;
            try {
                line = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                if (i == lines.size() - 1) {
                    break;
                }
                throw new IOException(file + ":" + (i + 1) + ": not a JSON object");
            }
            if (!"grad_norms".equals(line.path("type").asText())) {
                continue;
            }
            Map<String, Double> norms = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = line.path("norms").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                norms.put(e.getKey(), e.getValue().asDouble());
            }
            records.add(
                    new Record(
                            runDir.getFileName().toString(),
                            line.path("iteration").asLong(),
                            line.path("synthetic").asBoolean(false),
                            norms));
        }
        return records;
    }

    /**
     * Draws the records of several runs on one chart, written as PNG or SVG by the extension.
     *
     * @throws IllegalArgumentException if there is nothing to draw or the extension is unknown
     */
    public static void write(List<Record> records, Path file) throws IOException {
        Curves.Format format = Curves.Format.of(file);
        if (records.isEmpty()) {
            throw new IllegalArgumentException(
                    "no gradient norms recorded: train with --set grad_norm_every=N to record"
                            + " them");
        }
        boolean synthetic = records.stream().anyMatch(Record::synthetic);
        XYChart chart =
                new XYChartBuilder()
                        .width(900)
                        .height(520)
                        .title("Gradient norm per layer" + (synthetic ? " (synthetic data)" : ""))
                        .xAxisTitle("layer (weights in network order)")
                        .yAxisTitle("L2 norm of the gradient")
                        .build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(3);
        for (Record record : records) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            int layer = 1;
            for (double norm : record.norms().values()) {
                if (norm > 0) { // a log axis cannot show a zero
                    x.add((double) layer);
                    y.add(norm);
                }
                layer++;
            }
            if (x.isEmpty()) {
                continue;
            }
            XYSeries series =
                    chart.addSeries(
                            String.format(
                                    Locale.ROOT, "%s iter %d", record.run(), record.iteration()),
                            x,
                            y);
            series.setMarker(SeriesMarkers.CIRCLE);
        }
        byte[] bytes =
                org.knowm.xchart.ChartEncoder.getBytes(
                        (Chart<?, ?>) chart, format.name().toLowerCase(Locale.ROOT));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Curves.writeAtomically(file, bytes);
    }
}
