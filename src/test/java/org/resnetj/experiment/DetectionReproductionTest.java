package org.resnetj.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.detection.DetectionData;
import org.resnetj.detection.DetectionRun;
import org.resnetj.detection.SyntheticShapes;

/**
 * Tables 7 and 8 as declared, and a detection experiment's directory: a finished run is not trained
 * again, its final evaluation is set beside the paper's number, and a directory holding another run
 * is refused before any training.
 */
class DetectionReproductionTest {

    @TempDir static Path tmp;
    static Path devkit;

    /** A VOCdevkit tree with VOC2007 (trainval, test) and VOC2012 (trainval), 2 images each. */
    @BeforeAll
    static void devkit() throws IOException {
        devkit = tmp.resolve("VOCdevkit");
        SyntheticShapes.write(devkit.resolve("VOC2007"), 2, 0, 2, 0);
        SyntheticShapes.write(devkit.resolve("VOC2012"), 2, 0, 0, 1);
    }

    @Test
    void tablesSevenAndEightHoldThePapersNumbers() {
        DetectionExperiment table7 = DetectionExperiment.find("table7").orElseThrow();
        assertThat(table7.data()).isEqualTo(DetectionExperiment.Data.VOC07_12);
        assertThat(table7.runs())
                .containsExactly(
                        new DetectionExperiment.Run("vgg16", List.of(73.2)),
                        new DetectionExperiment.Run("resnet101", List.of(76.4)));
        DetectionExperiment table8 = DetectionExperiment.find("table8").orElseThrow();
        assertThat(table8.data().metrics())
                .containsExactly(
                        DetectionExperiment.Metric.COCO_MAP50, DetectionExperiment.Metric.COCO_MAP);
        assertThat(table8.runs())
                .containsExactly(
                        new DetectionExperiment.Run("vgg16", List.of(41.5, 21.2)),
                        new DetectionExperiment.Run("resnet101", List.of(48.4, 27.2)));
        assertThat(DetectionExperiment.find("table3")).isEmpty();
    }

    @Test
    void table7TrainsOnBothTrainvalSetsAndTestsOnVoc2007Test() throws IOException {
        List<DetectionData> train = DetectionExperiment.Data.VOC07_12.train(devkit);
        assertThat(train)
                .extracting(DetectionData::path, DetectionData::imageSet)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                devkit.resolve("VOC2007").toString(), "trainval"),
                        org.assertj.core.groups.Tuple.tuple(
                                devkit.resolve("VOC2012").toString(), "trainval"));
        DetectionData test = DetectionExperiment.Data.VOC07_12.test(devkit);
        assertThat(test.path()).isEqualTo(devkit.resolve("VOC2007").toString());
        assertThat(test.imageSet()).isEqualTo("test");
        assertThatThrownBy(() -> DetectionExperiment.Data.VOC07_12.train(devkit.resolve("VOC2007")))
                .hasMessageContaining("has no VOC2007/ImageSets/Main/trainval.txt")
                .hasMessageContaining("--data must be a VOCdevkit directory");
    }

    @Test
    void theTableSetsOursBesideThePapersAndSaysWhatOursAreFrom() {
        DetectionExperiment table8 = DetectionExperiment.find("table8").orElseThrow();
        String table =
                table8.markdown(
                        Map.of("resnet101", Arrays.asList(30.04, 15.0)), Path.of("/data/coco"));

        assertThat(table)
                .contains("# Table 8: Faster R-CNN with VGG-16 vs ResNet-101 on MS COCO")
                .contains("Paper: trained on COCO train, tested on COCO val")
                .contains("Ours: trained and tested on the data in /data/coco")
                .contains("| backbone | paper mAP@.5 | ours | paper mAP@[.5,.95] | ours |")
                .contains("| vgg16 | 41.5 | n/a | 21.2 | n/a |")
                .contains("| resnet101 | 48.4 | 30.0 | 27.2 | 15.0 |");
    }

    @Test
    void aFinishedRunIsNotTrainedAgainAndItsFinalEvaluationIsTabulated() throws IOException {
        DetectionExperiment table7 = DetectionExperiment.find("table7").orElseThrow();
        Path out = tmp.resolve("finished");
        DetectionReproduction.Settings settings =
                new DetectionReproduction.Settings(devkit, Map.of(), 2, 1, out);
        for (DetectionExperiment.Run run : table7.runs()) {
            finishedRun(table7, run, settings, run.backbone().equals("vgg16") ? 0.625 : 0.75);
        }

        Map<String, List<Double>> ours = DetectionReproduction.run(table7, settings);

        assertThat(ours)
                .containsEntry("vgg16", List.of(62.5))
                .containsEntry("resnet101", List.of(75.0));
        assertThat(Files.readString(out.resolve(DetectionReproduction.TABLE_MD)))
                .contains("| vgg16 | 73.2 | 62.5 |")
                .contains("| resnet101 | 76.4 | 75.0 |");
    }

    @Test
    void aDirectoryHoldingAnotherRunIsRefusedBeforeTraining() throws IOException {
        DetectionExperiment table7 = DetectionExperiment.find("table7").orElseThrow();
        Path out = tmp.resolve("other");
        finishedRun(
                table7,
                table7.runs().get(1),
                new DetectionReproduction.Settings(devkit, Map.of(), 2, 1, out),
                0.5);

        Path vgg16 = Files.writeString(tmp.resolve("vgg16.zip"), "");

        assertThatThrownBy(
                        () ->
                                DetectionReproduction.run(
                                        table7,
                                        new DetectionReproduction.Settings(
                                                devkit, Map.of("vgg16", vgg16), 3, 1, out)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(out.resolve("resnet101") + " holds a different run");
        assertThat(out.resolve("vgg16")).doesNotExist();
    }

    /** A run directory as the trainer leaves it after its last iteration and evaluation. */
    private static void finishedRun(
            DetectionExperiment experiment,
            DetectionExperiment.Run run,
            DetectionReproduction.Settings settings,
            double map)
            throws IOException {
        DetectionData test = experiment.data().test(devkit);
        DetectionRun planned =
                DetectionReproduction.plan(
                        experiment, run, experiment.data().train(devkit), test, settings);
        Path dir = settings.out().resolve(run.backbone());
        Files.createDirectories(Checkpoint.folder(dir));
        planned.write(dir);
        Files.writeString(Checkpoint.folder(dir).resolve(Checkpoint.fileName(2)), "");
        Files.writeString(
                dir.resolve("metrics.jsonl"),
                "{\"type\":\"detection_eval\",\"iteration\":1,\"map\":0.1}\n"
                    + "{\"type\":\"detection_eval\",\"iteration\":2,\"metric\":\"voc07\",\"map\":"
                        + map
                        + "}\n");
    }
}
