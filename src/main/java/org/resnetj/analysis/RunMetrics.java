package org.resnetj.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The error curves of one training run, read from its run directory ({@code config.json} and {@code
 * metrics.jsonl}).
 *
 * @param label the name shown in a chart's legend: the model name, or the run directory's name
 *     where several runs share a model
 * @param synthetic whether the run trained or evaluated on synthetic data
 * @param plannedIterations the iterations the run was configured for, or 0 if unknown
 * @param train training error over each logging interval, in percent
 * @param test top-1 error on the evaluated split, in percent
 * @param testSplit the evaluated split: {@code "test"}, or {@code "val"} for a run that held out a
 *     validation set (the paper's 45k/5k split of Section 4.2) and logged no test error
 */
public record RunMetrics(
        String label,
        boolean synthetic,
        long plannedIterations,
        List<Point> train,
        List<Point> test,
        String testSplit) {

    /** The split whose error is the bold curve when a run logged it. */
    public static final String TEST = "test";

    /** The held-out split shown instead when a run logged no test error. */
    public static final String VALIDATION = "val";

    /** The metrics log inside a run directory. */
    public static final String METRICS_FILE = "metrics.jsonl";

    /** The resolved configuration inside a run directory. */
    public static final String CONFIG_FILE = "config.json";

    /**
     * One point of a curve.
     *
     * @param iteration iterations done when the error was measured
     * @param errorPercent the error, in percent
     */
    public record Point(long iteration, double errorPercent) {}

    /** Checks the label and freezes the curves. */
    public RunMetrics {
        Objects.requireNonNull(label, "label");
        if (label.isBlank()) {
            throw new IllegalArgumentException("a run's label must not be blank");
        }
        if (plannedIterations < 0) {
            throw new IllegalArgumentException(
                    "planned iterations must not be negative, got " + plannedIterations);
        }
        Objects.requireNonNull(testSplit, "testSplit");
        train = List.copyOf(train);
        test = List.copyOf(test);
    }

    /** This run under another label. */
    public RunMetrics withLabel(String newLabel) {
        return new RunMetrics(newLabel, synthetic, plannedIterations, train, test, testSplit);
    }

    /**
     * Reads one run directory. {@code metrics.jsonl} is required; {@code config.json} is optional
     * and gives the label (its {@code "model"}, else the directory's name), the synthetic flag and
     * the planned iterations.
     *
     * @throws IllegalArgumentException if the directory or its metrics file is missing, or a file
     *     is corrupt; the message names the file (and line)
     */
    public static RunMetrics read(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            throw new IllegalArgumentException("run directory not found: " + runDir);
        }
        Path metricsFile = runDir.resolve(METRICS_FILE);
        if (!Files.isRegularFile(metricsFile)) {
            throw new IllegalArgumentException("metrics file not found: " + metricsFile);
        }
        LoggedCurves log = LoggedCurves.read(metricsFile);

        String label = directoryName(runDir);
        boolean synthetic = log.synthetic();
        long planned = 0;
        Path configFile = runDir.resolve(CONFIG_FILE);
        if (Files.isRegularFile(configFile)) {
            JsonNode config = readConfig(configFile);
            JsonNode model = config.get("model");
            if (model != null && model.isTextual() && !model.asText().isBlank()) {
                label = model.asText();
            }
            synthetic |= config.path("synthetic").asBoolean(false);
            // The recipe's; a configuration of an older layout also repeated it at the top.
            JsonNode iterations = config.path("recipe").get("iterations");
            if (iterations == null) {
                iterations = config.get("iterations");
            }
            if (iterations != null && iterations.canConvertToLong() && iterations.asLong() > 0) {
                planned = iterations.asLong();
            }
        }
        String split =
                !log.evals().containsKey(TEST) && log.evals().containsKey(VALIDATION)
                        ? VALIDATION
                        : TEST;
        return new RunMetrics(
                label,
                synthetic,
                planned,
                log.train(),
                log.evals().getOrDefault(split, List.of()),
                split);
    }

    /**
     * Reads several run directories for one chart. Runs whose models collide are labelled by their
     * directory's name instead, and by the path as given if those collide too.
     */
    public static List<RunMetrics> readAll(List<Path> runDirs) throws IOException {
        List<RunMetrics> runs = new ArrayList<>();
        for (Path dir : runDirs) {
            runs.add(read(dir));
        }
        List<String> byModel = runs.stream().map(RunMetrics::label).toList();
        List<String> byDir = runDirs.stream().map(RunMetrics::directoryName).toList();
        List<String> byPath = runDirs.stream().map(Path::toString).toList();
        List<RunMetrics> labelled = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            String label = byModel.get(i);
            if (Collections.frequency(byModel, label) > 1) {
                label =
                        Collections.frequency(byDir, byDir.get(i)) > 1
                                ? byPath.get(i)
                                : byDir.get(i);
            }
            labelled.add(runs.get(i).withLabel(label));
        }
        return labelled;
    }

    private static JsonNode readConfig(Path configFile) throws IOException {
        JsonNode config;
        try {
            config = new ObjectMapper().readTree(configFile.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    configFile + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException(configFile + ": expected one JSON object");
        }
        return config;
    }

    private static String directoryName(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }
}
