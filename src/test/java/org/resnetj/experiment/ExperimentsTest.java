package org.resnetj.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnetj.data.ImageFolderFiles;
import org.resnetj.experiment.Experiment.Dataset;
import org.resnetj.experiment.Experiment.Drawing;
import org.resnetj.experiment.Experiment.Run;
import org.resnetj.model.Shortcut;
import org.resnetj.train.Recipe;
import org.resnetj.train.RunConfig;
import org.resnetj.train.Setup;

/** The registry against the issue's list of experiments and the paper's tables. */
class ExperimentsTest {

    private static List<String> runs(String experiment) {
        return Experiments.get(experiment).runs().stream().map(Run::name).toList();
    }

    private static List<String> models(String experiment) {
        return Experiments.get(experiment).runs().stream().map(Run::model).toList();
    }

    @Test
    void everyExperimentOfTheIssueIsRegisteredWithItsModels() {
        assertThat(models("fig1")).containsExactly("plain20", "plain56");
        assertThat(models("fig6-left")).containsExactly("plain20", "plain32", "plain44", "plain56");
        assertThat(models("fig6-middle"))
                .containsExactly("resnet20", "resnet32", "resnet44", "resnet56", "resnet110");
        assertThat(models("fig6-right")).containsExactly("resnet110", "resnet1202");
        assertThat(models("table6"))
                .containsExactly(
                        "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet1202");
        assertThat(models("fig7"))
                .containsExactly("plain20", "plain56", "resnet20", "resnet56", "resnet110");
        assertThat(models("table2-fig4"))
                .containsExactly("plain18", "plain34", "resnet18", "resnet34");
        assertThat(runs("table3"))
                .containsExactly(
                        "plain34",
                        "resnet34-A",
                        "resnet34-B",
                        "resnet34-C",
                        "resnet50",
                        "resnet101",
                        "resnet152");
        assertThat(models("degradation"))
                .containsExactly("plain20", "plain56", "resnet20", "resnet56");
    }

    @Test
    void drawingsAndDataSetsFollowThePaper() {
        assertThat(Experiments.get("fig1").drawing()).isEqualTo(Drawing.CURVES);
        assertThat(Experiments.get("table6").drawing()).isEqualTo(Drawing.TABLE);
        assertThat(Experiments.get("table3").drawing()).isEqualTo(Drawing.TABLE);
        assertThat(Experiments.get("fig7").drawing()).isEqualTo(Drawing.LAYER_RESPONSES);
        assertThat(Experiments.get("table2-fig4").dataset()).isEqualTo(Dataset.IMAGENET);
        assertThat(Experiments.get("table3").dataset()).isEqualTo(Dataset.IMAGENET);
        assertThat(Experiments.get("degradation").dataset()).isEqualTo(Dataset.CIFAR10);
    }

    @Test
    void table6TrainsResnet110WithFiveSeedsAndQuotesBestMeanStd() {
        Run resnet110 = Experiments.get("table6").run("resnet110");
        assertThat(resnet110.seeds()).isEqualTo(5);
        assertThat(resnet110.paper().top1Text()).isEqualTo("6.43 (6.61±0.16)");
        assertThat(
                        Experiments.get("table6").runs().stream()
                                .filter(r -> r.seeds() > 1)
                                .map(Run::name))
                .containsExactly("resnet110");
        Map<String, Double> table6 =
                Map.of(
                        "resnet20",
                        8.75,
                        "resnet32",
                        7.51,
                        "resnet44",
                        7.17,
                        "resnet56",
                        6.97,
                        "resnet110",
                        6.43,
                        "resnet1202",
                        7.93);
        table6.forEach(
                (model, top1) ->
                        assertThat(Experiments.get("table6").run(model).paper().top1())
                                .as(model)
                                .isEqualTo(top1));
    }

    @Test
    void imagenetTablesCarryThePapersTop1AndTop5() {
        Experiment table2 = Experiments.get("table2-fig4");
        assertThat(table2.runs())
                .extracting(r -> r.paper().top1())
                .containsExactly(27.94, 28.54, 27.88, 25.03);
        assertThat(table2.run("resnet34").options().shortcut()).isEqualTo(Shortcut.A);
        Experiment table3 = Experiments.get("table3");
        assertThat(table3.runs())
                .extracting(r -> r.paper().top1())
                .containsExactly(28.54, 25.03, 24.52, 24.19, 22.85, 21.75, 21.43);
        assertThat(table3.runs())
                .extracting(r -> r.paper().top5())
                .containsExactly(10.02, 7.76, 7.46, 7.40, 6.71, 6.05, 5.71);
        assertThat(table3.runs())
                .extracting(r -> r.options().shortcut())
                .containsExactly(
                        Shortcut.B,
                        Shortcut.A,
                        Shortcut.B,
                        Shortcut.C,
                        Shortcut.B,
                        Shortcut.B,
                        Shortcut.B);
    }

    @Test
    void imagenetExperimentsTrainOnAnImageFolderWithTheImageNetRecipe(@TempDir Path dir)
            throws Exception {
        Path folder = ImageFolderFiles.threeClasses(dir.resolve("images"));
        Experiment table2 = Experiments.get("table2-fig4");
        assertThat(table2.dataset().setup().recipe().lrPolicy()).isEqualTo(Recipe.LrPolicy.PLATEAU);
        Path cifar = dir.resolve("cifar");
        Files.createDirectories(cifar);
        Reproduction.Settings wrongKind =
                new Reproduction.Settings(
                        cifar, table2.dataset().setup(), List.of(), null, dir.resolve("x"), null);
        assertThatThrownBy(() -> Reproduction.run(table2, wrongKind))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be an image folder")
                .hasMessageNotContaining("\n");
        Reproduction.Settings tiny =
                new Reproduction.Settings(
                        folder,
                        table2.dataset().setup(),
                        List.of("iterations=1", "batch=2", "log_every=1", "threads=2"),
                        null,
                        dir.resolve("table2"),
                        null);
        Results results = Reproduction.run(table2, tiny);
        assertThat(results.runs()).hasSize(4);
        for (Results.RunResult run : results.runs()) {
            Path runDir = dir.resolve("table2").resolve(run.dir());
            JsonNode eval = lastEvalLine(runDir.resolve("metrics.jsonl"));
            // The folder holds two validation images, so an error is 0, 1 or 2 of them.
            assertThat(eval.get("split").asText()).isEqualTo("val");
            assertThat(eval.get("images").asInt()).isEqualTo(2);
            assertThat(run.split()).as(run.dir()).isEqualTo("val");
            assertThat(run.iterations()).as(run.dir()).isEqualTo(1);
            assertThat(run.testError())
                    .as(run.dir())
                    .isCloseTo(100 * eval.get("top1_error").asDouble(), within(1e-9))
                    .isIn(0.0, 50.0, 100.0);
            assertThat(RunConfig.read(runDir).options().classes()).isEqualTo(3);
        }
        assertThat(dir.resolve("table2/report.html")).isRegularFile();
    }

    /** The last {@code "type":"eval"} line of a metrics log, read without the code under test. */
    private static JsonNode lastEvalLine(Path metrics) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode last = null;
        for (String line : Files.readAllLines(metrics)) {
            JsonNode node = json.readTree(line);
            if (node.get("type").asText().equals("eval")) {
                last = node;
            }
        }
        assertThat(last).as("an eval line in %s", metrics).isNotNull();
        return last;
    }

    @Test
    void degradationChecksPlainDegradesAndResnetDoesNot() {
        Experiment degradation = Experiments.get("degradation");
        assertThat(degradation.checks())
                .extracting(c -> c.deeper() + " " + c.relation().name() + " " + c.shallower())
                .containsExactly("plain56 HIGHER plain20", "resnet56 NOT_HIGHER resnet20");
        Recipe recipe = Setup.cifar10().with(degradation.recipe()).recipe();
        assertThat(recipe.batch()).isEqualTo(128);
        assertThat(recipe.lr()).isEqualTo(0.1f);
        assertThat(recipe.iterations()).isEqualTo(Experiments.DEGRADATION_ITERATIONS);
        assertThat(recipe.lrSteps()).containsExactly(0.5, 0.75);
    }

    @ParameterizedTest
    @MethodSource("all")
    void everyDeclarationIsConsistent(Experiment experiment) {
        // The title heads the figure: it must fit beside the reference and "(synthetic data)".
        assertThat(experiment.title()).isNotBlank().hasSizeLessThanOrEqualTo(60);
        assertThat(experiment.reference()).isNotBlank();
        // Overrides must be valid recipe keys and values.
        Setup.cifar10().with(experiment.recipe());
        for (Run run : experiment.runs()) {
            assertThat(run.spec().family()).as(run.name()).isEqualTo(experiment.dataset().family());
        }
        if (experiment.runs().stream().anyMatch(r -> r.paper() != null)) {
            assertThat(experiment.paperMetric())
                    .as("what the paper's numbers measure")
                    .isNotBlank();
        }
    }

    static Stream<Experiment> all() {
        return Experiments.all().stream();
    }

    @Test
    void namesAreUniqueAndUnknownNamesAreAOneLineError() {
        assertThat(Experiments.all()).extracting(Experiment::name).doesNotHaveDuplicates();
        assertThatThrownBy(() -> Experiments.get("fig99"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown experiment 'fig99'")
                .hasMessageContaining("table6");
    }

    @Test
    void declarationsRejectUnknownRunsInChecksAndDuplicateRuns() {
        Run plain20 = new Run("plain20", "plain20", null, 1, null);
        assertThatThrownBy(
                        () ->
                                new Experiment(
                                        "x",
                                        "t",
                                        "r",
                                        Dataset.CIFAR10,
                                        Drawing.CURVES,
                                        List.of(plain20, plain20),
                                        List.of(),
                                        "",
                                        List.of(),
                                        ""))
                .hasMessageContaining("two runs are named plain20");
        assertThatThrownBy(
                        () ->
                                new Experiment(
                                        "x",
                                        "t",
                                        "r",
                                        Dataset.CIFAR10,
                                        Drawing.CURVES,
                                        List.of(plain20),
                                        List.of(),
                                        "",
                                        List.of(
                                                new Experiment.Check(
                                                        "c",
                                                        "plain56",
                                                        Experiment.Relation.HIGHER,
                                                        "plain20",
                                                        1)),
                                        ""))
                .hasMessageContaining("names a run that is not declared");
        assertThatThrownBy(() -> new Run("p", "plain20", Shortcut.B, 1, null))
                .hasMessageContaining("has no shortcuts");
    }
}
