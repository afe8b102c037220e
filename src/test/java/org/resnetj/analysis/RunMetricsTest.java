package org.resnetj.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run directory's error curves, in percent and iteration order, also where a resumed run repeats
 * iterations, and the errors that name a corrupt or missing file.
 */
class RunMetricsTest {

    @TempDir Path tmp;

    static String train(long iteration, double error) {
        return "{\"type\":\"train\",\"iteration\":"
                + iteration
                + ",\"epoch\":0.256,\"loss\":1.93,\"train_error\":"
                + error
                + ",\"lr\":0.1,\"images_per_sec\":412.3,\"synthetic\":true}\n";
    }

    static String eval(long iteration, String split, double error) {
        return "{\"type\":\"eval\",\"iteration\":"
                + iteration
                + ",\"split\":\""
                + split
                + "\",\"top1_error\":"
                + error
                + ",\"top5_error\":0.08,\"images\":10000,\"synthetic\":true}\n";
    }

    static Path run(Path dir, String config, String metrics) throws IOException {
        Files.createDirectories(dir);
        if (config != null) {
            Files.writeString(dir.resolve("config.json"), config);
        }
        Files.writeString(dir.resolve("metrics.jsonl"), metrics);
        return dir;
    }

    static String config(String model, boolean synthetic) {
        return "{\"model\":\""
                + model
                + "\",\"synthetic\":"
                + synthetic
                + ",\"data\":\"x\",\"iterations\":400,\"batch\":128}";
    }

    @Test
    void readsTrainingAndTestErrorAsPercentInIterationOrder() throws IOException {
        Path dir =
                run(
                        tmp.resolve("r"),
                        config("resnet20", false),
                        train(100, 0.61)
                                + eval(100, "test", 0.42)
                                + eval(100, "val", 0.9)
                                + train(200, 0.5)
                                + "{\"type\":\"checkpoint\",\"iteration\":200}\n");

        RunMetrics run = RunMetrics.read(dir);

        assertThat(run.label()).isEqualTo("resnet20");
        assertThat(run.plannedIterations()).isEqualTo(400);
        assertThat(run.train()).extracting(RunMetrics.Point::iteration).containsExactly(100L, 200L);
        assertThat(run.train().get(0).errorPercent()).isCloseTo(61.0, offset(1e-9));
        assertThat(run.test()).containsExactly(new RunMetrics.Point(100, 42.0));
    }

    /**
     * The planned iterations are the recipe's; a configuration of the older layout, which also
     * repeated them at the top, still gives them.
     */
    @Test
    void plannedIterationsComeFromTheRecipeOrFromAnOlderLayoutsTopLevel() throws IOException {
        String recipeOnly =
                "{\"model\":\"resnet20\",\"data\":\"x\",\"recipe\":{\"iterations\":64000,"
                        + "\"batch\":128}}";
        assertThat(RunMetrics.read(run(tmp.resolve("new"), recipeOnly, train(1, 0.5))))
                .extracting(RunMetrics::plannedIterations)
                .isEqualTo(64000L);
        assertThat(
                        RunMetrics.read(
                                run(tmp.resolve("old"), config("resnet20", false), train(1, 0.5))))
                .extracting(RunMetrics::plannedIterations)
                .isEqualTo(400L);
    }

    @Test
    void aRunThatHeldOutAValidationSetShowsItsValidationError() throws IOException {
        Path val =
                run(
                        tmp.resolve("v"),
                        config("resnet20", false),
                        train(100, 0.6) + eval(100, "val", 0.5));
        Path both =
                run(
                        tmp.resolve("b"),
                        config("resnet20", false),
                        eval(100, "val", 0.5) + eval(100, "test", 0.4));

        RunMetrics run = RunMetrics.read(val);
        assertThat(run.testSplit()).isEqualTo(RunMetrics.VALIDATION);
        assertThat(run.test()).containsExactly(new RunMetrics.Point(100, 50.0));
        assertThat(RunMetrics.read(both).testSplit()).isEqualTo(RunMetrics.TEST);
        assertThat(RunMetrics.read(both).test()).containsExactly(new RunMetrics.Point(100, 40.0));
    }

    @Test
    void syntheticComesFromTheConfigOrFromAnyLine() throws IOException {
        String realLine =
                "{\"type\":\"train\",\"iteration\":1,\"train_error\":0.5,\"synthetic\":false}\n";
        assertThat(RunMetrics.read(run(tmp.resolve("a"), config("m", true), realLine)).synthetic())
                .isTrue();
        assertThat(RunMetrics.read(run(tmp.resolve("b"), config("m", false), realLine)).synthetic())
                .isFalse();
        assertThat(RunMetrics.read(run(tmp.resolve("c"), null, train(1, 0.5))).synthetic())
                .isTrue();
    }

    @Test
    void ignoresAPartialLastLineLeftByAKilledRun() throws IOException {
        String partial = train(200, 0.5).substring(0, 40);
        Path dir = run(tmp.resolve("r"), config("resnet20", true), train(100, 0.6) + partial);

        assertThat(RunMetrics.read(dir).train())
                .extracting(RunMetrics.Point::iteration)
                .containsExactly(100L);
    }

    @Test
    void ignoresAPartialLastLineCutInsideAMultiByteCharacter() throws IOException {
        Path dir = run(tmp.resolve("r"), config("resnet20", true), train(100, 0.6));
        byte[] cut = "{\"type\":\"train\",\"note\":\"\u00e9".getBytes(StandardCharsets.UTF_8);
        Files.write(
                dir.resolve("metrics.jsonl"),
                Arrays.copyOf(cut, cut.length - 1),
                StandardOpenOption.APPEND);

        assertThat(RunMetrics.read(dir).train()).hasSize(1);
    }

    @Test
    void laterLinesWinWhenAResumedRunRepeatsIterations() throws IOException {
        // Checkpoint at 200, killed after 400; the resumed run logs 300 and 400 again, then more.
        String metrics =
                train(100, 0.9)
                        + train(200, 0.8)
                        + eval(200, "test", 0.85)
                        + train(300, 0.7)
                        + train(400, 0.6)
                        + eval(400, "test", 0.65)
                        + train(300, 0.75)
                        + train(400, 0.55)
                        + eval(400, "test", 0.6)
                        + train(500, 0.5);
        RunMetrics run = RunMetrics.read(run(tmp.resolve("r"), config("resnet20", true), metrics));

        // The resumed run's errors 0.75 and 0.55 replace the first attempt's 0.7 and 0.6 at 300 and
        // 400.
        assertThat(run.train())
                .extracting(RunMetrics.Point::iteration)
                .containsExactly(100L, 200L, 300L, 400L, 500L);
        assertThat(run.train().stream().mapToDouble(RunMetrics.Point::errorPercent).toArray())
                .containsExactly(new double[] {90.0, 80.0, 75.0, 55.0, 50.0}, offset(1e-9));
        assertThat(run.test()).extracting(RunMetrics.Point::iteration).containsExactly(200L, 400L);
        assertThat(run.test().get(1).errorPercent()).isEqualTo(60.0);
    }

    @Test
    void pointsOfAnAbandonedAttemptBeyondTheResumedRunAreDropped() throws IOException {
        String metrics = train(100, 0.9) + train(200, 0.8) + train(300, 0.7) + train(200, 0.85);
        RunMetrics run = RunMetrics.read(run(tmp.resolve("r"), config("resnet20", true), metrics));

        assertThat(run.train()).extracting(RunMetrics.Point::iteration).containsExactly(100L, 200L);
        assertThat(run.train().get(1).errorPercent()).isEqualTo(85.0);
    }

    @Test
    void aCorruptLineInTheMiddleIsAnErrorNamingFileAndLine() throws IOException {
        Path dir =
                run(
                        tmp.resolve("r"),
                        config("resnet20", true),
                        train(100, 0.6) + "{\"type\":\"tra\n" + train(200, 0.5));

        assertThatThrownBy(() -> RunMetrics.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(dir.resolve("metrics.jsonl") + ":2: ")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aTrainLineWithoutItsErrorOrWithAPercentIsAnError() throws IOException {
        Path missing =
                run(
                        tmp.resolve("a"),
                        null,
                        "{\"type\":\"train\",\"iteration\":1}\n" + train(2, 0.5));
        Path percent = run(tmp.resolve("b"), null, train(1, 61.0) + train(2, 0.5));

        assertThatThrownBy(() -> RunMetrics.read(missing))
                .hasMessageContaining(":1: ")
                .hasMessageContaining("train_error");
        assertThatThrownBy(() -> RunMetrics.read(percent))
                .hasMessageContaining("fraction in [0, 1]");
    }

    @Test
    void aMissingRunDirectoryOrMetricsFileIsAnErrorNamingThePath() throws IOException {
        Path absent = tmp.resolve("absent");
        Path empty = Files.createDirectories(tmp.resolve("empty"));

        assertThatThrownBy(() -> RunMetrics.read(absent))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(absent.toString());
        assertThatThrownBy(() -> RunMetrics.read(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(empty.resolve("metrics.jsonl").toString());
    }

    @Test
    void aCorruptConfigIsAnErrorNamingIt() throws IOException {
        Path dir = run(tmp.resolve("r"), "{\"model\":", train(1, 0.5));

        assertThatThrownBy(() -> RunMetrics.read(dir))
                .hasMessageStartingWith(dir.resolve("config.json").toString());
    }

    @Test
    void runsAreLabelledByModelAndByDirectoryWhereModelsCollide() throws IOException {
        Path a = run(tmp.resolve("plain20-seed1"), config("plain20", true), train(1, 0.5));
        Path b = run(tmp.resolve("plain20-seed2"), config("plain20", true), train(1, 0.5));
        Path c = run(tmp.resolve("x"), config("plain56", true), train(1, 0.5));
        Path d = run(tmp.resolve("no-config"), null, train(1, 0.5));

        assertThat(RunMetrics.readAll(List.of(a, b, c, d)))
                .extracting(RunMetrics::label)
                .containsExactly("plain20-seed1", "plain20-seed2", "plain56", "no-config");
    }

    @Test
    void runsWhoseModelsAndDirectoryNamesCollideAreLabelledByPath() throws IOException {
        Path a = run(tmp.resolve("a/run"), config("plain20", true), train(1, 0.5));
        Path b = run(tmp.resolve("b/run"), config("plain20", true), train(1, 0.5));

        assertThat(RunMetrics.readAll(List.of(a, b)))
                .extracting(RunMetrics::label)
                .containsExactly(a.toString(), b.toString());
    }
}
