package org.resnetj.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.resnetj.engine.Host;
import org.resnetj.model.StridePlacement;
import org.resnetj.testing.Reference;

/**
 * The detection workloads: declared as the paper's configuration, left out of the default run, and
 * run end to end on both sides through the worker protocol at a tiny size (a ResNet-18 C4 detector
 * on one 128×213 image), each side reporting its time and where it went.
 */
class DetectionBenchTest {

    /** Training: every phase of an end-to-end iteration. */
    private static final List<String> TRAINING_PHASES =
            List.of("input", "trunk", "rpn", "targets", "roi_head", "backward", "step");

    /** Testing: no targets and no backward pass, but the detections' post-processing. */
    private static final List<String> TESTING_PHASES =
            List.of("input", "trunk", "rpn", "roi_head", "postprocess");

    @Test
    void detectionWorkloadsArePaperSizedResNet101AndNotInTheDefaultRun() {
        List<Workload> detection =
                Workloads.ALL.stream().filter(w -> w.kind().detection()).toList();

        assertThat(detection)
                .extracting(Workload::name)
                .containsExactly("train-detect-resnet101", "infer-detect-resnet101");
        for (Workload w : detection) {
            assertThat(w.model()).isEqualTo("resnet101");
            assertThat(w.stride()).as("torchvision's layout").isEqualTo(StridePlacement.MIDDLE_3X3);
            assertThat(List.of(w.batch(), w.side(), w.detectionWidth()))
                    .containsExactly(1, 600, 1000);
            assertThat(w.quick().side()).isEqualTo(128);
        }
        assertThat(Workloads.defaults()).noneMatch(w -> w.kind().detection());
        assertThat(Workloads.defaults()).hasSize(Workloads.ALL.size() - 2);
        assertThat(Workloads.GOALS)
                .contains(
                        Goal.speed("train-detect-resnet101", 1.0),
                        Goal.speed("infer-detect-resnet101", 1.0));
    }

    @Test
    void aDetectorTakesOneImagePerIteration() {
        assertThatThrownBy(
                        () ->
                                new Workload(
                                        "d",
                                        Workload.Kind.DETECT_TRAIN,
                                        "resnet101",
                                        StridePlacement.MIDDLE_3X3,
                                        2,
                                        600))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one image per iteration, got batch 2");
    }

    @Test
    void bothSidesTrainAndTestATinyDetectorAndReportWhereTheTimeWent() throws IOException {
        Path peerScript = Path.of("bench", "peer").toAbsolutePath();
        Reference.require(Files.isExecutable(Path.of("/usr/bin/python3")), "no /usr/bin/python3");
        Map<String, String> environment = Side.environment(2);
        Side ours = Side.ours(environment);
        Side peer = Side.peer(peerScript, environment);
        Workload.Settings settings = new Workload.Settings(2, 0, 0, 1);
        Workload train = Workload.detectionTraining("train-detect-resnet18", "resnet18", 128);
        Workload test = Workload.detectionInference("infer-detect-resnet18", "resnet18", 128);

        BenchResult.Row trainRow =
                new BenchResult.Row(
                        train,
                        List.of(ours.measure(train, settings)),
                        List.of(peer.measure(train, settings)));
        BenchResult.Row testRow =
                new BenchResult.Row(
                        test,
                        List.of(ours.measure(test, settings)),
                        List.of(peer.measure(test, settings)));

        for (BenchResult.Row row : List.of(trainRow, testRow)) {
            List<String> phases = row == trainRow ? TRAINING_PHASES : TESTING_PHASES;
            for (List<Measurement> side : List.of(row.ours(), row.peer())) {
                Measurement m = side.get(0);
                assertThat(m.imagesPerSec()).as(m.engine()).isPositive();
                assertThat(m.workloadPeakMb()).as(m.engine()).isPositive();
                assertThat(m.phases().keySet()).as(m.engine()).containsAll(phases);
                assertThat(m.phases().values()).allMatch(seconds -> seconds >= 0);
                // The phases account for the iteration: together no more than its wall time,
                // and most of it.
                double sum = m.phases().values().stream().mapToDouble(Double::doubleValue).sum();
                assertThat(sum).as(m.engine()).isBetween(0.5 * m.seconds(), 1.01 * m.seconds());
            }
        }
        assertThat(trainRow.ours().get(0).phases()).doesNotContainKey("postprocess");
        assertThat(testRow.peer().get(0).phases()).doesNotContainKeys("targets", "backward");

        BenchResult result =
                new BenchResult(
                        new Bench.Options(2, 1, 0, true, true, List.of(), peerScript),
                        Workloads.PEAK,
                        List.of(new Measurement(0, 1, 1, 1, 100, 0, 0, "DJL", Map.of())),
                        List.of(new Measurement(0, 1, 1, 1, 90, 0, 0, "PyTorch", Map.of())),
                        "torch",
                        List.of(trainRow, testRow),
                        new Host("test CPU", false, "avx512_core"),
                        2,
                        0.5,
                        0.5,
                        "2026-01-01");
        String table = result.table();
        assertThat(table)
                .contains(
                        "detection: Faster R-CNN",
                        "train-detect-resnet18",
                        "infer-detect-resnet18",
                        "Faster R-CNN resnet18 C4 training, one 128×213 image",
                        "  ours:    input ",
                        "  PyTorch: input ",
                        " trunk ",
                        " targets ",
                        " backward ",
                        " postprocess ");
        assertThat(table.lines().filter(l -> l.startsWith("workload") && l.contains("images/s")))
                .as("no empty images/s table when only detection ran")
                .isEmpty();
        assertThat(table.lines().filter(l -> l.startsWith("train-detect-resnet18")))
                .as("the detection rows are in their own table, in seconds per image")
                .hasSize(1);
        assertThat(result.toJson().toString()).contains("seconds_per_image", "phases_seconds");
    }
}
