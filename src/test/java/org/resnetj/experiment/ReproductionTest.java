package org.resnetj.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.experiment.Experiment.Check;
import org.resnetj.experiment.Experiment.Dataset;
import org.resnetj.experiment.Experiment.Drawing;
import org.resnetj.experiment.Experiment.PaperValue;
import org.resnetj.experiment.Experiment.Relation;
import org.resnetj.experiment.Experiment.Run;
import org.resnetj.train.Checkpoint;
import org.resnetj.train.Recipe;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A tiny experiment end to end: two declared runs (one with two seeds) of 4 iterations at batch
 * 16 on 100 synthetic images, its figure, table, summary and report; then a second reproduction
 * that skips the finished runs, one that resumes an interrupted run, and one that refuses a
 * directory holding a different run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReproductionTest {

    private static final List<String> TINY =
            List.of("batch=16", "iterations=4", "log_every=2", "checkpoint_every=2", "keep_checkpoints=5", "threads=2");

    private static final Experiment EXPERIMENT = new Experiment(
            "tiny",
            "A tiny plain net against a tiny ResNet",
            "Fig. 1",
            Dataset.CIFAR10,
            Drawing.CURVES,
            List.of(new Run("plain8", "plain8", null, 1, null),
                    new Run("resnet8", "resnet8", null, 2, new PaperValue(6.43, null, 6.61, 0.16))),
            List.of(),
            "test error (%), CIFAR-10 (Table 6)",
            List.of(new Check("the plain net ends higher", "plain8", Relation.HIGHER, "resnet8", 1.0)),
            "A test experiment.");

    private static final List<String> DIRS = List.of("plain8", "resnet8-seed0", "resnet8-seed1");

    @TempDir static Path tmp;
    static Path data;
    static Path out;
    static Results first;

    @BeforeAll
    static void reproduceOnce() throws IOException {
        data = tmp.resolve("data");
        SyntheticCifar.write(data, 100, 40, 1);
        out = tmp.resolve("tiny");
        first = Reproduction.run(EXPERIMENT, settings(TINY));
    }

    private static Reproduction.Settings settings(List<String> overrides) {
        return new Reproduction.Settings(data, Recipe.paper(), overrides, null, out, null);
    }

    @Test
    @Order(1)
    void trainsEveryRunAndSeedAndWritesFigureTableSummaryAndReport() throws Exception {
        for (String dir : DIRS) {
            assertThat(out.resolve(dir).resolve("config.json")).isRegularFile();
            assertThat(out.resolve(dir).resolve("metrics.jsonl")).isNotEmptyFile();
            assertThat(out.resolve(dir).resolve("checkpoints").resolve(Checkpoint.fileName(4))).isRegularFile();
        }
        assertThat(Files.readAllBytes(out.resolve(Reproduction.FIGURE_PNG))).startsWith(0x89, 'P', 'N', 'G');
        assertThat(Files.readString(out.resolve(Reproduction.FIGURE_SVG))).contains("<svg").contains("synthetic data");
        assertThat(Files.readAllLines(out.resolve(Reproduction.TABLE_CSV))).hasSize(1 + 3 + 1);
        assertThat(Files.readString(out.resolve(Reproduction.TABLE_MD))).contains("resnet8: best (mean±std) of 2 seeds");

        JsonNode summary = new ObjectMapper().readTree(out.resolve(Reproduction.SUMMARY).toFile());
        assertThat(summary.path("experiment").asText()).isEqualTo("tiny");
        assertThat(summary.path("synthetic").asBoolean()).isTrue();
        assertThat(summary.path("runs")).hasSize(3);
        for (JsonNode run : summary.path("runs")) {
            assertThat(run.path("iterations").asLong()).isEqualTo(4);
            assertThat(run.path("final_train_error").asDouble()).isBetween(0.0, 100.0);
            assertThat(run.path("final_test_top1_error").asDouble()).isBetween(0.0, 100.0);
        }
        assertThat(summary.path("runs").get(2).path("seed").asLong()).isEqualTo(1);
        assertThat(summary.path("groups").get(1).path("paper").path("top1_error").asDouble()).isEqualTo(6.43);
        assertThat(summary.path("checks")).hasSize(1);
        assertThat(summary.path("phenomenon").isBoolean()).isTrue();
        assertThat(summary.path("verdict").asText()).startsWith("The paper's phenomenon");
    }

    @Test
    @Order(2)
    void theReportIsOneWellFormedPageWithEmbeddedFiguresPaperValuesAndASyntheticBanner() throws Exception {
        Path report = out.resolve(Report.FILE);
        String html = Files.readString(report);
        Document page = parse(report);

        NodeList images = page.getElementsByTagName("img");
        assertThat(images.getLength()).isEqualTo(1);
        assertThat(((Element) images.item(0)).getAttribute("src")).startsWith("data:image/png;base64,iVBOR");
        // Nothing to fetch: no external images, scripts, style sheets or links.
        assertThat(html).doesNotContain("src=\"http", "href=", "<script", "<link", "url(");
        String text = page.getDocumentElement().getTextContent();
        assertThat(text).contains("plain8", "resnet8-seed0", "resnet8-seed1", "6.43 (6.61±0.16)", "SYNTHETIC DATA");
        assertThat(text).contains("\"model\" : \"resnet8\"", "\"batch\" : 16");
        assertThat(page.getElementsByTagName("details").getLength()).isEqualTo(3);
    }

    @Test
    @Order(3)
    void aSecondReproductionSkipsFinishedRuns() throws Exception {
        Map<String, String> before = snapshot();

        Results second = Reproduction.run(EXPERIMENT, settings(TINY));

        assertThat(snapshot()).isEqualTo(before);
        assertThat(second.runs()).isEqualTo(first.runs());
    }

    @Test
    @Order(4)
    void anInterruptedRunResumesFromItsNewestCheckpoint() throws Exception {
        Path checkpoints = out.resolve("resnet8-seed1").resolve("checkpoints");
        Files.delete(checkpoints.resolve(Checkpoint.fileName(4)));
        Map<String, String> before = snapshot();
        Reproduction.Planned planned = Reproduction.plan(EXPERIMENT, Recipe.paper(), TINY, null).get(2);
        assertThat(Reproduction.state(out.resolve("resnet8-seed1"), planned, data)).isEqualTo(Reproduction.State.INTERRUPTED);

        Reproduction.run(EXPERIMENT, settings(TINY));

        assertThat(checkpoints.resolve(Checkpoint.fileName(4))).isRegularFile();
        Map<String, String> after = snapshot();
        assertThat(after).containsEntry("plain8", before.get("plain8")).containsEntry("resnet8-seed0", before.get("resnet8-seed0"));
    }

    @Test
    @Order(5)
    void aDirectoryHoldingADifferentRunIsRefusedBeforeAnyTraining() throws Exception {
        Map<String, String> before = snapshot();
        List<String> longer = new ArrayList<>(TINY);
        longer.add("iterations=6");

        assertThatThrownBy(() -> Reproduction.run(EXPERIMENT, settings(longer)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plain8 holds a different run (iterations=4, expected 6)")
                .hasMessageContaining("choose another --out");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    @Order(6)
    void theReportOfOneRunShowsItsConfigurationCurvesAndBanner() throws Exception {
        Path report = Report.write(out.resolve("plain8"));

        Document page = parse(report);
        assertThat(((Element) page.getElementsByTagName("img").item(0)).getAttribute("src")).startsWith("data:image/png;base64,");
        assertThat(page.getDocumentElement().getTextContent())
                .contains("Run plain8: plain8", "SYNTHETIC DATA", "\"model\" : \"plain8\"", "4 of 4");
    }

    @Test
    void aDirectoryThatIsNeitherARunNorAnExperimentIsAClearError() {
        assertThatThrownBy(() -> Report.write(tmp.resolve("data")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("not a run or experiment directory");
    }

    /** Each run's metrics and checkpoint names with their modification times. */
    private static Map<String, String> snapshot() throws IOException {
        Map<String, String> state = new LinkedHashMap<>();
        for (String dir : DIRS) {
            Path run = out.resolve(dir);
            StringBuilder s = new StringBuilder(Files.readString(run.resolve("metrics.jsonl")));
            s.append(Files.getLastModifiedTime(run.resolve("metrics.jsonl")));
            for (Path checkpoint : Checkpoint.list(run.resolve("checkpoints"))) {
                s.append(' ').append(checkpoint.getFileName()).append('@').append(Files.getLastModifiedTime(checkpoint));
            }
            state.put(dir, s.toString());
        }
        return state;
    }

    private static Document parse(Path html) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(html.toFile());
    }
}
