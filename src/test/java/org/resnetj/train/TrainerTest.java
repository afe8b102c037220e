package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.data.Cifar10;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.ModelRegistry;

/**
 * End-to-end runs of a tiny net (ResNet-8, n = 1) on a small synthetic set: the loss falls, a
 * run killed with SIGKILL and resumed writes the same metrics as an uninterrupted one, and
 * checkpoints that do not fit are refused.
 */
class TrainerTest {

    private static final List<String> RECIPE =
            List.of("batch=32", "iterations=24", "log_every=3", "eval_every=12", "checkpoint_every=6",
                    "threads=2", "seed=7", "keep_checkpoints=10", "grad_norm_every=12");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dir;
    static Path data;
    static Path uninterrupted;

    @BeforeAll
    static void trainOnce() throws IOException {
        data = dir.resolve("data");
        SyntheticCifar.write(data, 640, 100, 3);
        uninterrupted = dir.resolve("a");
        Trainer.start("resnet8", ModelRegistry.get("resnet8").defaults(), data, Recipe.paper().with(RECIPE), uninterrupted);
    }

    @Test
    void tinyRunLowersTheTrainingLossAndLeavesARunDirectory() throws IOException {
        List<Map<String, Object>> train = rows(uninterrupted, "train");
        assertThat(train).hasSize(8);
        double first = ((Number) train.get(0).get("loss")).doubleValue();
        double last = ((Number) train.get(train.size() - 1).get("loss")).doubleValue();
        assertThat(last).isLessThan(first);
        assertThat(train).allSatisfy(r -> assertThat(r.get("synthetic")).isEqualTo(true));
        assertThat(rows(uninterrupted, "eval")).hasSize(2);
        assertThat(uninterrupted.resolve("curves.png")).isNotEmptyFile();
        assertThat(uninterrupted.resolve("curves.svg")).isNotEmptyFile();
        assertThat(Checkpoint.list(uninterrupted.resolve("checkpoints"))).hasSize(4);
    }

    @Test
    void gradientNormsOfEveryWeightAreRecordedAtTheChosenIterationsAndPlotted() throws IOException {
        List<Map<String, Object>> records = rows(uninterrupted, "grad_norms");
        assertThat(records).extracting(r -> r.get("iteration")).containsExactly(12, 24);
        @SuppressWarnings("unchecked")
        Map<String, Object> norms = (Map<String, Object>) records.get(0).get("norms");
        assertThat(norms.keySet()).containsExactly(
                "conv1.weight",
                "conv2_1.branch2a.weight", "conv2_1.branch2b.weight",
                "conv3_1.branch2a.weight", "conv3_1.branch2b.weight",
                "conv4_1.branch2a.weight", "conv4_1.branch2b.weight",
                "fc.weight");
        assertThat(norms.values()).allSatisfy(v -> assertThat(((Number) v).doubleValue()).isPositive().isFinite());
        Path chart = dir.resolve("norms.png");
        org.resnetj.analysis.GradientNorms.write(org.resnetj.analysis.GradientNorms.read(uninterrupted), chart);
        assertThat(chart).isNotEmptyFile();
    }

    @Test
    void warmUpRunsAtItsOwnRateUntilTheErrorFallsThenReturnsToTheBaseRate() throws IOException {
        Path run = dir.resolve("warmup");
        List<String> recipe = new ArrayList<>(RECIPE);
        // An untrained net errs on some of its first 96 images, so the warm-up ends after the
        // first logging interval exactly.
        recipe.addAll(List.of("iterations=12", "warmup=on", "warmup_until_error=1.0", "eval_every=0"));
        Trainer.start("resnet8", ModelRegistry.get("resnet8").defaults(), data, Recipe.paper().with(recipe), run);
        List<Double> lrs = rows(run, "train").stream().map(r -> ((Number) r.get("lr")).doubleValue()).toList();
        // warm-up, then back to 0.1 (not left at 0.01), then the unshifted steps at 6 and 9 of 12
        assertThat(lrs).hasSize(4);
        assertThat(lrs.get(0)).isCloseTo(0.01, within(1e-7));
        assertThat(lrs.get(1)).isCloseTo(0.1, within(1e-7));
        assertThat(lrs.get(2)).isCloseTo(0.01, within(1e-7));
        assertThat(lrs.get(3)).isCloseTo(0.001, within(1e-7));
    }

    @Test
    void runKilledWithSigkillResumesToTheSameMetrics() throws Exception {
        Path killed = dir.resolve("b");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "org.resnetj.cli.Main", "train", "--model", "resnet8", "--data", data.toString(),
                "--out", killed.toString()));
        RECIPE.forEach(s -> command.addAll(List.of("--set", s)));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("b.log").toFile())
                .start();
        Path first = killed.resolve("checkpoints").resolve(Checkpoint.fileName(6));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(first) && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(process.isAlive()).as("the run must still be going when it is killed").isTrue();
        process.destroyForcibly(); // SIGKILL
        process.waitFor();
        assertThat(Checkpoint.list(killed.resolve("checkpoints")).size()).isLessThan(4);

        Trainer.resume(killed);

        List<Map<String, Object>> expected = rows(uninterrupted, null);
        List<Map<String, Object>> actual = rows(killed, null);
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Map<String, Object> e = expected.get(i);
            Map<String, Object> a = actual.get(i);
            assertThat(a.keySet()).isEqualTo(e.keySet());
            for (String key : e.keySet()) {
                if (key.equals("images_per_sec")) {
                    continue;
                }
                if (e.get(key) instanceof Number n) {
                    assertThat(((Number) a.get(key)).doubleValue()).as(key + " at line " + i)
                            .isCloseTo(n.doubleValue(), within(1e-5 * Math.max(1, Math.abs(n.doubleValue()))));
                } else {
                    assertThat(a.get(key)).as(key + " at line " + i).isEqualTo(e.get(key));
                }
            }
        }
    }

    @Test
    void evaluationOfTheFinalCheckpointMatchesTheLastMetricsLine() throws IOException {
        Evaluator.Result result = LoadedModel.evaluate(uninterrupted, Cifar10.read(data).test(), 64);
        Map<String, Object> last = rows(uninterrupted, "eval").get(1);
        assertThat(result.images()).isEqualTo(100);
        assertThat(result.top1Error()).isCloseTo(((Number) last.get("top1_error")).doubleValue(), within(1e-9));
        assertThat(result.top5Error()).isCloseTo(((Number) last.get("top5_error")).doubleValue(), within(1e-9));
    }

    @Test
    void checkpointOfAnotherModelIsRefused() throws IOException {
        Path other = dir.resolve("other");
        Files.createDirectories(other.resolve("checkpoints"));
        Path checkpoint = Checkpoint.resolve(uninterrupted);
        Files.copy(checkpoint, other.resolve("checkpoints").resolve(checkpoint.getFileName()));
        RunConfig config = RunConfig.read(uninterrupted);
        new RunConfig("plain8", config.options(), config.data(), true, config.recipe(), config.codeVersion()).write(other);
        assertThatThrownBy(() -> Trainer.resume(other))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is for resnet8")
                .hasMessageContaining("expected plain8");
    }

    @Test
    void corruptCheckpointIsRefusedAndTruncatedOneToo() throws IOException {
        Path good = Checkpoint.resolve(uninterrupted);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.zip");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path flipped = dir.resolve("flipped.zip");
        byte[] changed = bytes.clone();
        changed[changed.length / 2] ^= 0x5A;
        Files.write(flipped, changed);
        Path text = dir.resolve("text.zip");
        Files.writeString(text, "hello");
        for (Path bad : List.of(truncated, flipped, text)) {
            assertThatThrownBy(() -> LoadedModel.evaluate(bad, Cifar10.read(data).test(), 64))
                    .as(bad.toString())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(bad.toString());
        }
    }

    @Test
    void startRefusesANonEmptyRunDirectoryAndKeepsItsFiles() throws IOException {
        long before = Files.size(uninterrupted.resolve("metrics.jsonl"));
        assertThatThrownBy(() -> Trainer.start("resnet8", ModelRegistry.get("resnet8").defaults(), data,
                        Recipe.paper().with(RECIPE), uninterrupted))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not empty");
        assertThat(Files.size(uninterrupted.resolve("metrics.jsonl"))).isEqualTo(before);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Path run, String type) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            Map<String, Object> row = JSON.readValue(line, Map.class);
            if (type == null || type.equals(row.get("type"))) {
                rows.add(row);
            }
        }
        return rows;
    }
}
