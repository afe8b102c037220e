package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.detection.SyntheticShapes;
import org.resnetj.experiment.Experiments;

/**
 * {@code resnet reproduce} and {@code resnet report} as a user calls them: what they print, their
 * exit status, and the files they leave. Errors are reported as {@link Main} reports them: one line
 * on stderr, status 1.
 */
class ReproduceCommandTest {

    @TempDir static Path tmp;
    static Path data;

    @BeforeAll
    static void tinyData() throws IOException {
        data = tmp.resolve("data");
        SyntheticCifar.write(data, 100, 40, 1);
    }

    @Test
    void listShowsEveryExperimentWithItsRuns() {
        CommandRun outcome = CommandRun.of("reproduce", "--list");

        assertThat(outcome.status()).isZero();
        Experiments.all().forEach(e -> assertThat(outcome.out()).contains(e.name()));
        assertThat(outcome.out())
                .contains("resnet110 ×5")
                .contains("(needs --data: an image folder)");
    }

    @Test
    void listShowsTheDetectionTablesWithThePapersNumbers() {
        CommandRun outcome = CommandRun.of("reproduce", "--list");

        assertThat(outcome.out())
                .contains("table7")
                .contains("vgg16 (mAP 73.2), resnet101 (mAP 76.4)")
                .contains("VOC 07+12 trainval, tested on VOC 2007 test")
                .contains("table8")
                .contains(
                        "vgg16 (mAP@.5 41.5, mAP@[.5,.95] 21.2), resnet101 (mAP@.5 48.4,"
                                + " mAP@[.5,.95] 27.2)");
    }

    @Test
    void aDetectionTableSaysInOneLineWhatDataAndCheckpointsItNeeds() throws IOException {
        Path out = tmp.resolve("table7");
        CommandRun noData = CommandRun.of("reproduce", "table7", "--out", out.toString());
        assertThat(noData.status()).isEqualTo(1);
        assertThat(noData.err().strip().lines())
                .containsExactly(
                        "error: table7 reports the paper's numbers on real data and has no"
                                + " default: give --data DIR, a VOCdevkit directory holding"
                                + " VOC2007/ (trainval and test) and VOC2012/ (trainval), each"
                                + " with Annotations/, JPEGImages/, ImageSets/Main/");

        Path devkit = tmp.resolve("VOCdevkit");
        SyntheticShapes.write(devkit.resolve("VOC2007"), 1, 0, 1, 0);
        SyntheticShapes.write(devkit.resolve("VOC2012"), 1, 0, 0, 1);
        CommandRun noCheckpoint =
                CommandRun.of(
                        "reproduce",
                        "table7",
                        "--data",
                        devkit.toString(),
                        "--out",
                        out.toString());
        assertThat(noCheckpoint.status()).isEqualTo(1);
        assertThat(noCheckpoint.err().strip().lines())
                .containsExactly(
                        "error: table7 fine-tunes vgg16 from ImageNet: give --imagenet"
                                + " vgg16=CHECKPOINT");
        assertThat(out).doesNotExist();
    }

    @Test
    void anImagenetExperimentSaysInOneLineThatItNeedsAnImageFolder() {
        CommandRun outcome =
                CommandRun.of("reproduce", "table3", "--out", tmp.resolve("table3").toString());

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.err().strip().lines())
                .containsExactly(
                        "error: table3 is an ImageNet experiment and has no embedded default: give"
                                + " --data DIR, an image folder (DIR/train/CLASS/*.jpg,"
                                + " DIR/val/CLASS/*.jpg)");
        assertThat(tmp.resolve("table3")).doesNotExist();
    }

    @Test
    void userErrorsAreOneLine() {
        assertThat(CommandRun.of("reproduce").err().strip())
                .isEqualTo("error: give an experiment NAME, or --list to see them");
        assertThat(CommandRun.of("reproduce", "fig99").err().strip())
                .startsWith("error: unknown experiment 'fig99'");
        CommandRun badKey =
                CommandRun.of(
                        "reproduce",
                        "fig1",
                        "--data",
                        data.toString(),
                        "--set",
                        "speed=11",
                        "--out",
                        tmp.resolve("bad").toString());
        assertThat(badKey.status()).isEqualTo(1);
        assertThat(badKey.err().strip()).startsWith("error: unknown recipe key 'speed'");
        assertThat(CommandRun.of("report", tmp.toString()).err().strip())
                .contains("not a run or experiment directory");
    }

    @Test
    void reproduceFig1TrainsBothRunsAndReportsThemThenReportRewritesThePage() throws IOException {
        Path out = tmp.resolve("fig1");
        CommandRun outcome =
                CommandRun.of(
                        "reproduce",
                        "fig1",
                        "--data",
                        data.toString(),
                        "--iterations",
                        "2",
                        "--set",
                        "batch=8",
                        "--threads",
                        "2",
                        "--out",
                        out.toString());

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out())
                .contains("fig1 (Fig. 1): 2 runs in " + out + ", on SYNTHETIC data")
                .contains(
                        "plain20",
                        "plain56",
                        "the deeper plain net ends with a higher training error");
        assertThat(out.resolve("plain20").resolve("checkpoints").resolve("ckpt-00000002.zip"))
                .isRegularFile();
        assertThat(out.resolve("plain56").resolve("checkpoints").resolve("ckpt-00000002.zip"))
                .isRegularFile();
        assertThat(out.resolve("figure.png")).isNotEmptyFile();
        assertThat(out.resolve("table.md")).isNotEmptyFile();
        assertThat(out.resolve("experiment.json")).isNotEmptyFile();

        Files.delete(out.resolve("report.html"));
        CommandRun report = CommandRun.of("report", out.toString());
        assertThat(report.status()).isZero();
        assertThat(report.out().strip()).isEqualTo("wrote " + out.resolve("report.html"));
        assertThat(Files.readString(out.resolve("report.html")))
                .contains("data:image/png;base64,", "SYNTHETIC DATA");
    }

    @Test
    void reproduceFig7DrawsTheLayerResponsesIntoItsReport() throws IOException {
        Path out = tmp.resolve("fig7");
        CommandRun outcome =
                CommandRun.of(
                        "reproduce",
                        "fig7",
                        "--data",
                        data.toString(),
                        "--iterations",
                        "1",
                        "--set",
                        "batch=4",
                        "--threads",
                        "2",
                        "--out",
                        out.toString());

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(out.resolve("responses").resolve("responses.png")).isNotEmptyFile();
        assertThat(out.resolve("responses").resolve("responses.csv")).isNotEmptyFile();
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html.split("src=\"data:image/png;base64,", -1))
                .as("curves and responses embedded")
                .hasSize(3);
    }
}
