package org.resnetj.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
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
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.Provenance;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.experiment.Experiment.Check;
import org.resnetj.experiment.Experiment.Dataset;
import org.resnetj.experiment.Experiment.Drawing;
import org.resnetj.experiment.Experiment.PaperValue;
import org.resnetj.experiment.Experiment.Relation;
import org.resnetj.experiment.Experiment.Run;
import org.resnetj.train.RunConfig;
import org.resnetj.train.Setup;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A tiny experiment end to end: two declared runs (one with two seeds) of 4 iterations at batch 16
 * on 100 synthetic images, its figure, table, summary and report; then a second reproduction that
 * skips the finished runs, one that resumes an interrupted run, and one that refuses a directory
 * holding a different run; and the verdicts over finished runs with hand-written metrics, one where
 * the paper's phenomenon appears and one where it does not.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReproductionTest {

    private static final List<String> TINY =
            List.of(
                    "batch=16",
                    "iterations=4",
                    "log_every=2",
                    "checkpoint_every=2",
                    "keep_checkpoints=5",
                    "threads=2");

    private static final Experiment EXPERIMENT =
            new Experiment(
                    "tiny",
                    "A tiny plain net against a tiny ResNet",
                    "Fig. 1",
                    Dataset.CIFAR10,
                    Drawing.CURVES,
                    List.of(
                            new Run("plain8", "plain8", null, 1, null),
                            new Run(
                                    "resnet8",
                                    "resnet8",
                                    null,
                                    2,
                                    new PaperValue(6.43, null, 6.61, 0.16))),
                    List.of(),
                    "test error (%), CIFAR-10 (Table 6)",
                    List.of(
                            new Check(
                                    "the plain net ends higher",
                                    "plain8",
                                    Relation.HIGHER,
                                    "resnet8",
                                    1.0)),
                    "A test experiment.");

    private static final List<String> DIRS = List.of("plain8", "resnet8-seed0", "resnet8-seed1");

    private static final String APPEARS =
            "The paper's phenomenon appears on this synthetic data: every check holds.";
    private static final String DOES_NOT_APPEAR =
            "The paper's phenomenon does not appear on this synthetic data: 1 of 1 checks fail.";

    /** The modification time {@link #snapshot} gives the files it records. */
    private static final FileTime LONG_AGO = FileTime.from(Instant.parse("2001-01-01T00:00:00Z"));

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
        return new Reproduction.Settings(data, Setup.cifar10(), overrides, null, out, null);
    }

    @Test
    @Order(1)
    void trainsEveryRunAndSeedAndWritesFigureTableSummaryAndReport() throws Exception {
        for (String dir : DIRS) {
            assertThat(out.resolve(dir).resolve("config.json")).isRegularFile();
            assertThat(out.resolve(dir).resolve("metrics.jsonl")).isNotEmptyFile();
            assertThat(out.resolve(dir).resolve("checkpoints").resolve(Checkpoint.fileName(4)))
                    .isRegularFile();
        }
        assertThat(Files.readAllBytes(out.resolve(Reproduction.FIGURE_PNG)))
                .startsWith(0x89, 'P', 'N', 'G');
        assertThat(Files.readString(out.resolve(Reproduction.FIGURE_SVG)))
                .contains("<svg")
                .contains("synthetic data");
        assertThat(Files.readAllLines(out.resolve(Reproduction.TABLE_CSV))).hasSize(1 + 3 + 1);
        assertThat(Files.readString(out.resolve(Reproduction.TABLE_MD)))
                .contains("resnet8: best (mean±std) of 2 seeds");

        JsonNode summary = new ObjectMapper().readTree(out.resolve(Reproduction.SUMMARY).toFile());
        assertThat(summary.path("experiment").asText()).isEqualTo("tiny");
        assertThat(summary.path("synthetic").asBoolean()).isTrue();
        assertThat(summary.path("runs")).hasSize(3);
        for (JsonNode run : summary.path("runs")) {
            String dir = run.path("dir").asText();
            List<JsonNode> lines = metricsLines(out.resolve(dir));
            JsonNode lastTrain = last(lines, "train");
            JsonNode lastEval = last(lines, "eval");
            double train = run.path("final_train_error").asDouble();
            double test = run.path("final_test_top1_error").asDouble();
            assertThat(run.path("iterations").asLong()).isEqualTo(4);
            assertThat(train).isBetween(0.0, 100.0);
            assertThat(test).isBetween(0.0, 100.0);
            // Two logged intervals: the last tenth is the last one, 2 iterations of 16 images.
            assertThat(train)
                    .as(dir)
                    .isCloseTo(100 * lastTrain.path("train_error").asDouble(), offset(1e-9));
            assertThat(train * 32 / 100)
                    .as(dir)
                    .isCloseTo(Math.rint(train * 32 / 100), offset(1e-9));
            // The 40 synthetic test images: an error of k of them.
            assertThat(lastEval.path("images").asInt()).isEqualTo(40);
            assertThat(test)
                    .as(dir)
                    .isCloseTo(100 * lastEval.path("top1_error").asDouble(), offset(1e-9));
            assertThat(test * 40 / 100).as(dir).isCloseTo(Math.rint(test * 40 / 100), offset(1e-9));
        }
        assertThat(summary.path("runs").get(2).path("seed").asLong()).isEqualTo(1);
        assertThat(summary.path("groups").get(1).path("paper").path("top1_error").asDouble())
                .isEqualTo(6.43);
        assertThat(summary.path("checks")).hasSize(1);
        // The check compares plain8's final training error with the mean of resnet8's two seeds.
        double plain = summary.path("runs").get(0).path("final_train_error").asDouble();
        double resnet =
                (summary.path("runs").get(1).path("final_train_error").asDouble()
                                + summary.path("runs").get(2).path("final_train_error").asDouble())
                        / 2;
        JsonNode check = summary.path("checks").get(0);
        assertThat(check.path("deeper_train_error").asDouble()).isCloseTo(plain, offset(1e-9));
        assertThat(check.path("shallower_train_error").asDouble()).isCloseTo(resnet, offset(1e-9));
        boolean appears = plain > resnet + 1.0;
        assertThat(check.path("holds").asBoolean()).isEqualTo(appears);
        assertThat(summary.path("phenomenon").asBoolean()).isEqualTo(appears);
        assertThat(summary.path("verdict").asText()).isEqualTo(appears ? APPEARS : DOES_NOT_APPEAR);
    }

    @Test
    void finishedRunsWhosePlainNetEndsMoreThanTheMarginHigherShowThePhenomenon(
            @TempDir Path fixture) throws IOException {
        // plain8 ends at 40 %, resnet8's seeds at 30 % and 34 %: mean 32 %, and 40 > 32 + 1.
        JsonNode summary = reproduceFinishedRuns(fixture, 0.40);

        assertThat(summary.path("runs"))
                .extracting(r -> r.path("final_train_error").asDouble())
                .satisfiesExactly(
                        e -> assertThat(e).isCloseTo(40.0, offset(1e-9)),
                        e -> assertThat(e).isCloseTo(30.0, offset(1e-9)),
                        e -> assertThat(e).isCloseTo(34.0, offset(1e-9)));
        assertThat(summary.path("runs"))
                .extracting(r -> r.path("final_test_top1_error").asDouble())
                .satisfiesExactly(
                        e -> assertThat(e).isCloseTo(45.0, offset(1e-9)),
                        e -> assertThat(e).isCloseTo(35.0, offset(1e-9)),
                        e -> assertThat(e).isCloseTo(39.0, offset(1e-9)));
        // Test errors 35 and 39: best 35, mean 37, sample std sqrt((2² + 2²) / 1) = 2.83.
        JsonNode resnet8 = summary.path("groups").get(1);
        assertThat(resnet8.path("final_test_top1_error_std").asDouble())
                .isCloseTo(Math.sqrt(8), offset(1e-9));
        assertThat(resnet8.path("test_text").asText()).isEqualTo("35.00 (37.00±2.83)");
        JsonNode check = summary.path("checks").get(0);
        assertThat(check.path("deeper_train_error").asDouble()).isCloseTo(40.0, offset(1e-9));
        assertThat(check.path("shallower_train_error").asDouble()).isCloseTo(32.0, offset(1e-9));
        assertThat(check.path("holds").asBoolean()).isTrue();
        assertThat(summary.path("phenomenon").asBoolean()).isTrue();
        assertThat(summary.path("verdict").asText()).isEqualTo(APPEARS);
    }

    @Test
    void finishedRunsWhosePlainNetEndsWithinTheMarginDoNotShowThePhenomenon(@TempDir Path fixture)
            throws IOException {
        // plain8 ends at 32.5 %, only 0.5 points above resnet8's mean of 32 %: within the 1-point
        // margin.
        JsonNode summary = reproduceFinishedRuns(fixture, 0.325);

        JsonNode check = summary.path("checks").get(0);
        assertThat(check.path("deeper_train_error").asDouble()).isCloseTo(32.5, offset(1e-9));
        assertThat(check.path("shallower_train_error").asDouble()).isCloseTo(32.0, offset(1e-9));
        assertThat(check.path("holds").asBoolean()).isFalse();
        assertThat(summary.path("phenomenon").isBoolean()).isTrue();
        assertThat(summary.path("phenomenon").asBoolean()).isFalse();
        assertThat(summary.path("verdict").asText()).isEqualTo(DOES_NOT_APPEAR);
    }

    @Test
    @Order(2)
    void theReportIsOneWellFormedPageWithEmbeddedFiguresPaperValuesAndASyntheticBanner()
            throws Exception {
        Path report = out.resolve(Report.FILE);
        String html = Files.readString(report);
        Document page = parse(report);

        NodeList images = page.getElementsByTagName("img");
        assertThat(images.getLength()).isEqualTo(1);
        assertThat(((Element) images.item(0)).getAttribute("src"))
                .startsWith("data:image/png;base64,iVBOR");
        // Nothing to fetch: no external images, scripts, style sheets or links.
        assertThat(html).doesNotContain("src=\"http", "href=", "<script", "<link", "url(");
        String text = page.getDocumentElement().getTextContent();
        assertThat(text)
                .contains(
                        "plain8",
                        "resnet8-seed0",
                        "resnet8-seed1",
                        "6.43 (6.61±0.16)",
                        "SYNTHETIC DATA");
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
        Reproduction.Planned planned =
                Reproduction.plan(EXPERIMENT, Setup.cifar10(), TINY, null).get(2);
        assertThat(Reproduction.state(out.resolve("resnet8-seed1"), planned, data))
                .isEqualTo(Reproduction.State.INTERRUPTED);

        Reproduction.run(EXPERIMENT, settings(TINY));

        assertThat(checkpoints.resolve(Checkpoint.fileName(4))).isRegularFile();
        Map<String, String> after = snapshot();
        assertThat(after)
                .containsEntry("plain8", before.get("plain8"))
                .containsEntry("resnet8-seed0", before.get("resnet8-seed0"));
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
        assertThat(((Element) page.getElementsByTagName("img").item(0)).getAttribute("src"))
                .startsWith("data:image/png;base64,");
        assertThat(page.getDocumentElement().getTextContent())
                .contains(
                        "Run plain8: plain8", "SYNTHETIC DATA", "\"model\" : \"plain8\"", "4 of 4");
    }

    @Test
    void aDirectoryThatIsNeitherARunNorAnExperimentIsAClearError() {
        assertThatThrownBy(() -> Report.write(tmp.resolve("data")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("not a run or experiment directory");
    }

    /**
     * Each run's metrics and checkpoint names with their modification times, which are first set to
     * a fixed instant in the past: a file written afterwards shows another time, however coarse the
     * file system's clock and however fast the rewrite.
     */
    private static Map<String, String> snapshot() throws IOException {
        Map<String, String> state = new LinkedHashMap<>();
        for (String dir : DIRS) {
            Path run = out.resolve(dir);
            Path metrics = Files.setLastModifiedTime(run.resolve("metrics.jsonl"), LONG_AGO);
            StringBuilder s = new StringBuilder(Files.readString(metrics));
            s.append(Files.getLastModifiedTime(metrics));
            for (Path checkpoint : Checkpoint.list(run.resolve("checkpoints"))) {
                Files.setLastModifiedTime(checkpoint, LONG_AGO);
                s.append(' ')
                        .append(checkpoint.getFileName())
                        .append('@')
                        .append(Files.getLastModifiedTime(checkpoint));
            }
            state.put(dir, s.toString());
        }
        return state;
    }

    /**
     * Reproduces {@link #EXPERIMENT} into {@code fixture} over finished runs that are written
     * there, not trained: each run's configuration, a checkpoint at its last iteration and
     * hand-written metrics. plain8's final training error is {@code plainTrain}; resnet8's seeds
     * end at 30 % and 34 %; the test errors are 45 %, 35 % and 39 %. The metrics must come out
     * untouched, since finished runs are skipped.
     */
    private static JsonNode reproduceFinishedRuns(Path fixture, double plainTrain)
            throws IOException {
        List<Reproduction.Planned> plan =
                Reproduction.plan(EXPERIMENT, Setup.cifar10(), TINY, null);
        double[] train = {plainTrain, 0.30, 0.34};
        double[] test = {0.45, 0.35, 0.39};
        Map<String, String> metrics = new LinkedHashMap<>();
        for (int i = 0; i < plan.size(); i++) {
            Reproduction.Planned run = plan.get(i);
            Path dir = Files.createDirectories(fixture.resolve(run.dir()));
            new RunConfig(
                            run.run().model(),
                            run.options(),
                            data.toString(),
                            true,
                            run.setup(),
                            new Provenance("fixture", null))
                    .write(dir);
            Files.createFile(
                    Files.createDirectories(dir.resolve("checkpoints"))
                            .resolve(Checkpoint.fileName(4)));
            String lines =
                    metricsLine("train", 2, "\"train_error\":0.9")
                            + metricsLine("train", 4, "\"train_error\":" + train[i])
                            + metricsLine(
                                    "eval",
                                    4,
                                    "\"split\":\"test\",\"top1_error\":"
                                            + test[i]
                                            + ",\"top5_error\":0.1,\"images\":40");
            Files.writeString(dir.resolve("metrics.jsonl"), lines);
            metrics.put(run.dir(), lines);
        }

        Reproduction.run(
                EXPERIMENT,
                new Reproduction.Settings(data, Setup.cifar10(), TINY, null, fixture, null));

        for (Map.Entry<String, String> run : metrics.entrySet()) {
            assertThat(fixture.resolve(run.getKey()).resolve("metrics.jsonl"))
                    .hasContent(run.getValue());
        }
        return new ObjectMapper().readTree(fixture.resolve(Reproduction.SUMMARY).toFile());
    }

    private static String metricsLine(String type, int iteration, String values) {
        return "{\"type\":\""
                + type
                + "\",\"iteration\":"
                + iteration
                + ","
                + values
                + ",\"synthetic\":true}\n";
    }

    /** The lines of a run's metrics log, parsed. */
    private static List<JsonNode> metricsLines(Path runDir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            lines.add(json.readTree(line));
        }
        return lines;
    }

    /** The last line of a type. */
    private static JsonNode last(List<JsonNode> lines, String type) {
        JsonNode last = null;
        for (JsonNode line : lines) {
            if (line.path("type").asText().equals(type)) {
                last = line;
            }
        }
        assertThat(last).as("a %s line", type).isNotNull();
        return last;
    }

    private static Document parse(Path html) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(html.toFile());
    }
}
