package org.resnetj.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.experiment.Experiment.Check;
import org.resnetj.experiment.Experiment.Dataset;
import org.resnetj.experiment.Experiment.Drawing;
import org.resnetj.experiment.Experiment.PaperValue;
import org.resnetj.experiment.Experiment.Relation;
import org.resnetj.experiment.Experiment.Run;

/** Final errors, seed summaries and checks computed from hand-written metrics. */
class ResultsTest {

    @TempDir Path tmp;

    /**
     * A metrics file whose training error is {@code errors[i]} at iteration 10·(i+1), then one test
     * error.
     */
    private Path run(String name, double testError, double... errors) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < errors.length; i++) {
            lines.append("{\"type\":\"train\",\"iteration\":")
                    .append(10 * (i + 1))
                    .append(",\"train_error\":")
                    .append(errors[i])
                    .append(",\"synthetic\":true}\n");
        }
        lines.append("{\"type\":\"eval\",\"iteration\":")
                .append(10 * errors.length)
                .append(",\"split\":\"test\",\"top1_error\":")
                .append(testError)
                .append(",\"top5_error\":0.01,\"synthetic\":true}\n");
        Files.writeString(dir.resolve("metrics.jsonl"), lines);
        return dir;
    }

    private static double[] constant(int n, double value) {
        double[] values = new double[n];
        java.util.Arrays.fill(values, value);
        return values;
    }

    @Test
    void finalTrainingErrorIsTheMeanOfTheLastTenthOfTheLoggedIntervals() throws IOException {
        double[] errors = constant(20, 0.9);
        errors[18] = 0.10;
        errors[19] = 0.20;
        Results.RunResult result = Results.RunResult.read(run("a", 0.25, errors), "a", 0);
        assertThat(result.trainError()).isCloseTo(15.0, offset(1e-9));
        assertThat(result.testError()).isCloseTo(25.0, offset(1e-9));
        assertThat(result.iterations()).isEqualTo(200);
        assertThat(result.synthetic()).isTrue();
        // Fewer than ten intervals: the last one alone.
        assertThat(Results.RunResult.read(run("b", 0.3, 0.5, 0.4), "b", 0).trainError())
                .isCloseTo(40.0, offset(1e-9));
    }

    @Test
    void severalSeedsGiveBestMeanAndSampleStdLikeThePaper() throws IOException {
        Run deep =
                new Run("resnet110", "resnet110", null, 3, new PaperValue(6.43, null, 6.61, 0.16));
        Experiment experiment =
                new Experiment(
                        "t",
                        "t",
                        "Table 6",
                        Dataset.CIFAR10,
                        Drawing.TABLE,
                        List.of(deep),
                        List.of(),
                        "test error (%)",
                        List.of(),
                        "");
        Map<String, List<Results.Trained>> dirs = new LinkedHashMap<>();
        List<Results.Trained> seeds = new ArrayList<>();
        double[] tests = {0.06, 0.07, 0.08};
        for (int s = 0; s < 3; s++) {
            seeds.add(new Results.Trained(run("resnet110-seed" + s, tests[s], 0.01), s));
        }
        dirs.put("resnet110", seeds);

        Results results = Results.collect(experiment, dirs);

        Results.Group group = results.groups().get(0);
        assertThat(group.testBest()).isCloseTo(6.0, offset(1e-9));
        assertThat(group.testMean()).isCloseTo(7.0, offset(1e-9));
        assertThat(group.testStd()).isCloseTo(1.0, offset(1e-9));
        assertThat(group.testText()).isEqualTo("6.00 (7.00±1.00)");
        assertThat(results.csv().lines()).hasSize(1 + 3 + 1);
        assertThat(results.markdown())
                .contains("resnet110: best (mean±std) of 3 seeds")
                .contains("6.43 (6.61±0.16)")
                .contains("Synthetic data");
        assertThat(results.phenomenon()).isNull();
        assertThat(results.verdict()).isEmpty();
    }

    @Test
    void checksCompareFinalTrainingErrorsWithTheirMargin() throws IOException {
        List<Run> runs =
                List.of(
                        new Run("plain20", "plain20", null, 1, null),
                        new Run("plain56", "plain56", null, 1, null),
                        new Run("resnet20", "resnet20", null, 1, null),
                        new Run("resnet56", "resnet56", null, 1, null));
        List<Check> checks =
                List.of(
                        new Check("plain degrades", "plain56", Relation.HIGHER, "plain20", 1.0),
                        new Check(
                                "resnet does not",
                                "resnet56",
                                Relation.NOT_HIGHER,
                                "resnet20",
                                1.0));
        Experiment experiment =
                new Experiment(
                        "d",
                        "d",
                        "Fig. 1",
                        Dataset.CIFAR10,
                        Drawing.CURVES,
                        runs,
                        List.of(),
                        "",
                        checks,
                        "");

        Results appears =
                Results.collect(
                        experiment,
                        Map.of(
                                "plain20", List.of(new Results.Trained(run("p20", 0.1, 0.005), 0)),
                                "plain56", List.of(new Results.Trained(run("p56", 0.5, 0.40), 0)),
                                "resnet20", List.of(new Results.Trained(run("r20", 0.1, 0.003), 0)),
                                "resnet56",
                                        List.of(new Results.Trained(run("r56", 0.1, 0.012), 0))));
        assertThat(appears.checks()).allMatch(Results.CheckOutcome::holds);
        assertThat(appears.phenomenon()).isTrue();
        assertThat(appears.verdict())
                .startsWith("The paper's phenomenon appears on this synthetic data");

        // plain-56 only 0.9 points above plain-20: within the margin, so not degradation.
        Results absent =
                Results.collect(
                        experiment,
                        Map.of(
                                "plain20", List.of(new Results.Trained(run("q20", 0.1, 0.010), 0)),
                                "plain56", List.of(new Results.Trained(run("q56", 0.1, 0.019), 0)),
                                "resnet20", List.of(new Results.Trained(run("s20", 0.1, 0.003), 0)),
                                "resnet56",
                                        List.of(new Results.Trained(run("s56", 0.1, 0.05), 0))));
        assertThat(absent.checks())
                .extracting(Results.CheckOutcome::holds)
                .containsExactly(false, false);
        assertThat(absent.phenomenon()).isFalse();
        assertThat(absent.verdict()).contains("2 of 2 checks fail");
        assertThat(absent.checks().get(1).describe())
                .contains("resnet56 ends at 5.00% training error, resnet20 at 0.30%");
    }
}
