package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.resnetj.checkpoint.Checkpoint;

/**
 * Reads run directories for tests: their metrics lines, and their trained state compared bit for
 * bit.
 */
final class Runs {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Runs() {}

    /**
     * The lines of a run's {@code metrics.jsonl} of one type ({@code train}, {@code eval}, ...), or
     * all if null.
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> rows(Path run, String type) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line :
                Files.readAllLines(run.resolve(MetricsWriter.FILE), StandardCharsets.UTF_8)) {
            Map<String, Object> row = JSON.readValue(line, Map.class);
            if (type == null || type.equals(row.get("type"))) {
                rows.add(row);
            }
        }
        return rows;
    }

    /** One number of every line of a type, in order. */
    static List<Double> column(Path run, String type, String key) throws IOException {
        return rows(run, type).stream().map(r -> ((Number) r.get(key)).doubleValue()).toList();
    }

    /**
     * What a run killed right after writing its checkpoint at {@code iteration} leaves: a copy of
     * {@code run}'s configuration and metrics (lines past the checkpoint included, as a killed run
     * writes some) with only the checkpoints up to {@code iteration}. The run must have kept them.
     */
    static Path cutBack(Path run, int iteration, Path copy) throws IOException {
        Files.createDirectories(copy.resolve("checkpoints"));
        Files.copy(run.resolve(RunConfig.FILE), copy.resolve(RunConfig.FILE));
        Files.copy(run.resolve(MetricsWriter.FILE), copy.resolve(MetricsWriter.FILE));
        Path checkpoint = run.resolve("checkpoints").resolve(Checkpoint.fileName(iteration));
        assertThat(checkpoint)
                .as("the run must keep its checkpoint at %d", iteration)
                .isRegularFile();
        for (Path file : Checkpoint.list(run.resolve("checkpoints"))) {
            if (file.getFileName().toString().compareTo(checkpoint.getFileName().toString()) <= 0) {
                Files.copy(file, copy.resolve("checkpoints").resolve(file.getFileName()));
            }
        }
        return copy;
    }

    /**
     * Asserts that the newest checkpoints of two runs are at the same iteration and hold the same
     * arrays, bit for bit: every parameter, every BN running statistic and every momentum buffer,
     * by name. A difference is reported per array: how many values differ and by how much.
     */
    static void assertSameFinalState(Path expectedRun, Path actualRun) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Checkpoint.Contents expected = Checkpoint.read(expectedRun, manager);
            Checkpoint.Contents actual = Checkpoint.read(actualRun, manager);
            assertThat(actual.iteration())
                    .as("iteration of the newest checkpoint")
                    .isEqualTo(expected.iteration());
            assertThat(expected.model().keySet())
                    .as("the state compared holds BN running statistics")
                    .anyMatch(name -> name.endsWith(".running_mean"))
                    .anyMatch(name -> name.endsWith(".running_var"));
            assertThat(expected.optimizer()).as("momentum buffers").isNotEmpty();
            expected.model()
                    .forEach(
                            (name, array) ->
                                    assertThat(
                                                    array.isInfinite().any().getBoolean()
                                                            || array.isNaN().any().getBoolean())
                                            .as(
                                                    "%s is finite (NaNs would compare equal bit for"
                                                            + " bit)",
                                                    name)
                                            .isFalse());
            List<String> differences = new ArrayList<>();
            differences.addAll(differences("model", expected.model(), actual.model()));
            differences.addAll(differences("optimizer", expected.optimizer(), actual.optimizer()));
            assertThat(differences)
                    .as("arrays that differ between %s and %s", expectedRun, actualRun)
                    .isEmpty();
        }
    }

    private static List<String> differences(
            String part, Map<String, NDArray> expected, Map<String, NDArray> actual) {
        List<String> differences = new ArrayList<>();
        if (!expected.keySet().equals(actual.keySet())) {
            differences.add(part + " names: " + expected.keySet() + " vs " + actual.keySet());
            return differences;
        }
        for (Map.Entry<String, NDArray> e : expected.entrySet()) {
            NDArray a = actual.get(e.getKey());
            if (!a.getShape().equals(e.getValue().getShape())) {
                differences.add(
                        part
                                + " "
                                + e.getKey()
                                + ": shape "
                                + a.getShape()
                                + " vs "
                                + e.getValue().getShape());
            } else if (!Arrays.equals(e.getValue().toByteArray(), a.toByteArray())) {
                float[] x =
                        e.getValue()
                                .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                                .toFloatArray();
                float[] y = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
                int count = 0;
                double largest = 0;
                double scale = 0;
                for (int i = 0; i < x.length; i++) {
                    if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                        count++;
                        largest = Math.max(largest, Math.abs((double) x[i] - y[i]));
                    }
                    scale = Math.max(scale, Math.abs(x[i]));
                }
                differences.add(
                        String.format(
                                Locale.ROOT,
                                "%s %s: %d of %d values differ, by up to %.3g (largest |value|"
                                        + " %.3g)",
                                part,
                                e.getKey(),
                                count,
                                x.length,
                                largest,
                                scale));
            }
        }
        return differences;
    }

    /**
     * Asserts that two runs wrote the same metrics lines, every value equal, but the speed (a
     * measurement of the machine, not of the run).
     */
    static void assertSameMetrics(Path expectedRun, Path actualRun) throws IOException {
        List<Map<String, Object>> expected = rows(expectedRun, null);
        List<Map<String, Object>> actual = rows(actualRun, null);
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Map<String, Object> e = expected.get(i);
            Map<String, Object> a = actual.get(i);
            assertThat(a.keySet()).as("keys at line %d", i).isEqualTo(e.keySet());
            for (String key : e.keySet()) {
                if (!key.equals("images_per_sec")) {
                    assertThat(a.get(key)).as("%s at line %d", key, i).isEqualTo(e.get(key));
                }
            }
        }
    }
}
