package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.data.Seeds;
import org.resnetj.engine.HiddenCaches;
import org.resnetj.model.ModelRegistry;
import org.resnetj.train.Sgd;

/**
 * End-to-end training of the detector: the summed losses fall on an image seen again and again, a
 * run resumed from a checkpoint ends bit for bit where an uninterrupted one does, and a run writes
 * the metrics, curves and checkpoints of a classifier's run.
 */
class DetectorTrainerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    /**
     * Renames a tree's images as VOC 2012 names its own ({@code 2012_000001}), apart from 2007's.
     */
    private static void asVoc2012Ids(Path tree, List<String> ids) throws IOException {
        for (String id : ids) {
            Files.move(
                    tree.resolve("Annotations/" + id + ".xml"),
                    tree.resolve("Annotations/2012_" + id + ".xml"));
            Files.move(
                    tree.resolve("JPEGImages/" + id + ".jpg"),
                    tree.resolve("JPEGImages/2012_" + id + ".jpg"));
        }
        Files.write(
                tree.resolve("ImageSets/Main/train.txt"),
                ids.stream().map(id -> "2012_" + id).toList());
    }

    @Test
    void moreTrainingSetsAreJoinedAsVoc07Plus12AndKeptInTheRunConfiguration() throws IOException {
        SyntheticShapes.write(dir.resolve("VOC2007"), 3, 0, 1, 0);
        SyntheticShapes.write(dir.resolve("VOC2012"), 2, 0, 0, 1);
        asVoc2012Ids(dir.resolve("VOC2012"), List.of("000001", "000002"));
        DetectionRun one =
                DetectionFixtures.run(
                        DetectionFixtures.smallSynthetic(2), dir.resolve("VOC2007"), true, 1);
        DetectionData voc12 = DetectionData.recognise(dir.resolve("VOC2012"), null, "train", null);
        DetectionRun joined =
                new DetectionRun(
                        one.detector(),
                        one.train(),
                        one.test(),
                        one.imagenet(),
                        one.seed(),
                        one.threads(),
                        one.logEvery(),
                        one.evalEvery(),
                        one.checkpointEvery(),
                        one.keepCheckpoints(),
                        one.synthetic(),
                        one.codeVersion(),
                        List.of(voc12),
                        null);

        assertThat(DetectorTrainer.Training.open(one).set().images()).hasSize(3);
        assertThat(DetectorTrainer.Training.open(joined).set().images()).hasSize(5);
        Files.createDirectories(dir.resolve("run"));
        joined.write(dir.resolve("run"));
        assertThat(DetectionRun.read(dir.resolve("run"))).isEqualTo(joined);
        assertThat(joined.withIterations(4).moreTrain()).containsExactly(voc12);
    }

    @Test
    void theSummedLossFallsOnOneImageTrainedRepeatedly() throws IOException {
        AnnotatedImage image = oneSyntheticImage();
        RgbImage pixels = RgbImage.read(image.file());
        DetectorConfig config = DetectionFixtures.smallSynthetic(100);
        Engine.getInstance().setRandomSeed(5);
        List<Float> losses = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
                Detector detector =
                        Detector.fromScratch(
                                config,
                                ModelRegistry.get("resnet18").defaults(),
                                Preprocessing.Torchvision.IMAGENET,
                                m);
                Sgd sgd = new Sgd(detector.trainableParameters(), 0.9f, 1e-4f, m)) {
            detector.requireGradients();
            for (int i = 0; i < 12; i++) {
                DetectorTrainer.StepResult step =
                        DetectorTrainer.step(
                                detector,
                                sgd,
                                pixels,
                                image.objects(),
                                Seeds.random(0, Seeds.DETECTION_SAMPLING, i),
                                0.01f);
                float total = 0;
                for (float l : step.losses()) {
                    assertThat(l).isFinite().isGreaterThanOrEqualTo(0f);
                    total += l;
                }
                losses.add(total);
            }
        }
        double first = (losses.get(0) + losses.get(1) + losses.get(2)) / 3;
        double last = (losses.get(9) + losses.get(10) + losses.get(11)) / 3;
        assertThat(last).as("losses %s", losses).isLessThan(0.7 * first);
    }

    /**
     * A fine-tuning step (BN frozen and folded into the convolutions) and a test leave no array
     * behind in the detector's managers, with 1×1 convolutions on oneDNN and as matrix products
     * (the hidden-caches workaround): an array left there lives as long as the detector, one per
     * step per layer. Both once did (the products in the workaround, a folded BN's variance).
     */
    @ParameterizedTest(name = "cache workaround {0}")
    @ValueSource(strings = {"on", "off"})
    void stepsAndTestsLeaveNoArrayInTheDetectorsManagers(String workaround) throws Exception {
        AnnotatedImage image = oneSyntheticImage();
        RgbImage pixels = RgbImage.read(image.file());
        DetectorConfig small = DetectionFixtures.smallSynthetic(10);
        DetectorConfig config =
                new DetectorConfig(
                        "resnet50",
                        small.classes(),
                        small.scale(),
                        small.rpn(),
                        small.fastRcnn(),
                        small.solver());
        Engine.getInstance().setRandomSeed(5);
        System.setProperty(HiddenCaches.PROPERTY, workaround);
        try (NDManager m = NDManager.newBaseManager();
                Detector detector =
                        Detector.create(
                                config,
                                ModelRegistry.get("resnet50").defaults(),
                                Preprocessing.Torchvision.IMAGENET,
                                m);
                Sgd sgd = DetectorTrainer.optimizer(detector, m)) {
            detector.requireGradients();
            List<Integer> arrays = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                DetectorTrainer.step(
                        detector,
                        sgd,
                        pixels,
                        image.objects(),
                        Seeds.random(0, Seeds.DETECTION_SAMPLING, i),
                        0.001f);
                DetectorInference.detect(detector, pixels, "test");
                arrays.add(arrays(m));
            }
            assertThat(arrays).as("arrays after each step and test").containsOnly(arrays.get(0));
        } finally {
            System.clearProperty(HiddenCaches.PROPERTY);
        }
    }

    /** The one training image of a synthetic set of one image with 3 objects, written here. */
    private AnnotatedImage oneSyntheticImage() throws IOException {
        Path data = dir.resolve("shapes");
        SyntheticShapes.write(data, 1, 0, 0, 3);
        return SyntheticShapes.read(data, "train").images().get(0);
    }

    /** The arrays held by {@code manager} and its sub-managers. */
    private static int arrays(Object manager) throws ReflectiveOperationException {
        Field resources = BaseNDManager.class.getDeclaredField("resources");
        resources.setAccessible(true);
        int count = 0;
        for (Object r : ((Map<?, ?>) resources.get(manager)).values()) {
            count += r instanceof BaseNDManager sub ? arrays(sub) : r instanceof NDArray ? 1 : 0;
        }
        return count;
    }

    @Test
    void aRunResumedFromItsCheckpointEndsBitForBitAsAnUninterruptedOne() throws IOException {
        Path data = dir.resolve("shapes");
        SyntheticShapes.write(data, 3, 0, 1, 4);
        DetectionRun run =
                DetectionFixtures.run(DetectionFixtures.smallSynthetic(4), data, false, 2);
        Path whole = dir.resolve("whole");
        DetectorTrainer.start(run, whole);

        Path resumed = dir.resolve("resumed");
        Files.createDirectories(Checkpoint.folder(resumed));
        Files.copy(whole.resolve(DetectionRun.FILE), resumed.resolve(DetectionRun.FILE));
        String two = Checkpoint.fileName(2);
        Files.copy(Checkpoint.folder(whole).resolve(two), Checkpoint.folder(resumed).resolve(two));
        Files.write(
                resumed.resolve("metrics.jsonl"),
                Files.readAllLines(whole.resolve("metrics.jsonl")).subList(0, 2));
        DetectorTrainer.resume(resumed);

        String four = Checkpoint.fileName(4);
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoint.Contents a = Checkpoint.read(Checkpoint.folder(whole).resolve(four), m);
            Checkpoint.Contents b = Checkpoint.read(Checkpoint.folder(resumed).resolve(four), m);
            assertThat(a.iteration()).isEqualTo(4);
            assertSame(a.model(), b.model());
            assertSame(a.optimizer(), b.optimizer());
            assertThat(a.section("loop")).isEqualTo(b.section("loop"));
        }
        assertThat(losses(resumed)).isEqualTo(losses(whole)).hasSize(4);
    }

    @Test
    void aPretrainedRunFreezesBnAfterItsCropsAndResumesFromItsFirstCheckpointBitForBit()
            throws IOException {
        Path data = dir.resolve("shapes-pretrained");
        SyntheticShapes.write(data, 3, 0, 1, 8);
        DetectionRun plain =
                DetectionFixtures.run(DetectionFixtures.smallSynthetic(2), data, false, 2);
        DetectionRun run =
                new DetectionRun(
                        plain.detector(),
                        plain.train(),
                        plain.test(),
                        null,
                        plain.seed(),
                        plain.threads(),
                        plain.logEvery(),
                        plain.evalEvery(),
                        plain.checkpointEvery(),
                        plain.keepCheckpoints(),
                        plain.synthetic(),
                        plain.codeVersion(),
                        List.of(),
                        new CropPretraining.Settings(2, 4, 64, 0.01, 1, 0.25));
        assertThatThrownBy(
                        () ->
                                new DetectionRun(
                                        run.detector(),
                                        run.train(),
                                        run.test(),
                                        "imagenet.ckpt",
                                        run.seed(),
                                        run.threads(),
                                        run.logEvery(),
                                        run.evalEvery(),
                                        run.checkpointEvery(),
                                        run.keepCheckpoints(),
                                        run.synthetic(),
                                        run.codeVersion(),
                                        List.of(),
                                        run.pretraining()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not both");
        Path whole = dir.resolve("pretrained-whole");
        DetectorTrainer.start(run, whole);

        Path resumed = dir.resolve("pretrained-resumed");
        Files.createDirectories(Checkpoint.folder(resumed));
        Files.copy(whole.resolve(DetectionRun.FILE), resumed.resolve(DetectionRun.FILE));
        String zero = Checkpoint.fileName(0);
        Files.copy(
                Checkpoint.folder(whole).resolve(zero), Checkpoint.folder(resumed).resolve(zero));
        DetectorTrainer.resume(resumed);

        String two = Checkpoint.fileName(2);
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoint.Contents start = Checkpoint.read(Checkpoint.folder(whole).resolve(zero), m);
            Checkpoint.Contents a = Checkpoint.read(Checkpoint.folder(whole).resolve(two), m);
            Checkpoint.Contents b = Checkpoint.read(Checkpoint.folder(resumed).resolve(two), m);
            assertThat(start.meta()).containsEntry("scratch", false);
            assertSame(a.model(), b.model());
            assertSame(a.optimizer(), b.optimizer());
            // Frozen after pretraining: BN statistics, conv1 and conv2_x stay as the crops left
            // them.
            for (String name :
                    List.of(
                            "conv1.weight",
                            "conv2_1.branch2a.weight",
                            "conv3_1.branch2a.bn.running_mean",
                            "conv4_2.branch2b.bn.gamma")) {
                assertThat(a.model().get(name).toFloatArray())
                        .as(name)
                        .containsExactly(start.model().get(name).toFloatArray());
            }
            assertThat(a.model().get("cls_score.weight").toFloatArray())
                    .isNotEqualTo(start.model().get("cls_score.weight").toFloatArray());
        }
    }

    @Test
    void aRunLogsItsLossesEvaluatesTheTestSetAndLeavesALoadableDetector() throws IOException {
        Path data = dir.resolve("shapes");
        SyntheticShapes.write(data, 2, 0, 2, 6);
        DetectionRun run =
                DetectionFixtures.run(DetectionFixtures.smallSynthetic(2), data, true, 2);
        Path runDir = dir.resolve("run");
        DetectorTrainer.start(run, runDir);
        List<Map<?, ?>> rows = rows(runDir);
        assertThat(rows.stream().map(r -> String.valueOf(r.get("type"))).toList())
                .containsExactly("train", "train", "detection_eval");
        Map<?, ?> eval = rows.get(2);
        assertThat(eval.get("metric")).isEqualTo("voc07");
        assertThat(((Number) eval.get("map")).doubleValue()).isBetween(0.0, 1.0);
        assertThat(eval.get("synthetic")).isEqualTo(true);
        assertThat(runDir.resolve("curves.png")).exists();
        try (NDManager m = NDManager.newBaseManager();
                DetectorCheckpoint.Loaded loaded = DetectorCheckpoint.load(runDir, m)) {
            assertThat(loaded.classNames()).isEqualTo(SyntheticShapes.CLASSES);
            assertThat(loaded.detector().scratch()).isTrue();
            assertThat(loaded.detector().config()).isEqualTo(run.detector());
            assertThat(loaded.detector().roiSize()).isEqualTo(7);
        }
    }

    /**
     * The paper's setting (ResNet-101 C4 from an ImageNet checkpoint, shorter side 600, 256
     * anchors, 128 RoIs, frozen BN and conv1/conv2_x) trains two iterations on two small images
     * scaled to 600 pixels and evaluates one: the smallest faithful form of a real run (about 2
     * minutes on 2 busy cores).
     */
    @Test
    void thePapersResNet101SettingTrainsAndEvaluates() throws IOException {
        Path data = dir.resolve("shapes");
        SyntheticShapes.write(data, 2, 0, 1, 8);
        org.resnetj.model.ModelSpec spec = ModelRegistry.get("resnet101");
        Path imagenet;
        Engine.getInstance().setRandomSeed(2);
        try (NDManager m = NDManager.newBaseManager();
                org.resnetj.model.Network network =
                        org.resnetj.model.Network.create(spec.plan(), m)) {
            // BN is frozen at the checkpoint's statistics (here mean 0, variance 1): with every
            // residual branch's last BN scale at 0, as a trained net's are small, 100 random
            // layers stay finite.
            network.parameters()
                    .forEach(
                            (name, w) -> {
                                if (name.contains("branch2c") && name.endsWith(".gamma")) {
                                    w.intern(w.zerosLike());
                                }
                            });
            imagenet =
                    DetectionFixtures.imagenetCheckpoint(
                            dir, spec, spec.defaults(), network, List.of());
        }
        DetectorConfig paper = DetectorConfig.voc("resnet101");
        DetectorConfig config =
                new DetectorConfig(
                        paper.backbone(),
                        SyntheticShapes.CLASSES.size(),
                        paper.scale(),
                        paper.rpn(),
                        paper.fastRcnn(),
                        new DetectorConfig.Solver(0.001, 1, 2, 0.1, 0.9, 1e-4));
        DetectionRun small = DetectionFixtures.run(config, data, true, 2);
        DetectionRun run =
                new DetectionRun(
                        config,
                        small.train(),
                        small.test(),
                        imagenet.toString(),
                        small.seed(),
                        small.threads(),
                        1,
                        0,
                        2,
                        1,
                        true,
                        "test",
                        List.of(),
                        null);
        Path runDir = dir.resolve("paper");
        DetectorTrainer.start(run, runDir);
        List<Map<?, ?>> rows = rows(runDir);
        assertThat(rows.stream().map(r -> String.valueOf(r.get("type"))).toList())
                .containsExactly("train", "train", "detection_eval");
        assertThat(((Number) rows.get(1).get("loss")).doubleValue()).isFinite().isPositive();
        try (NDManager m = NDManager.newBaseManager();
                DetectorCheckpoint.Loaded loaded = DetectorCheckpoint.load(runDir, m)) {
            assertThat(loaded.detector().scratch()).isFalse();
            assertThat(loaded.detector().roiSize()).isEqualTo(14);
            // frozen: conv1 and BN are the ImageNet checkpoint's, untouched by two iterations
            try (NDManager n = NDManager.newBaseManager()) {
                Checkpoint.Contents start = Checkpoint.read(imagenet, n);
                assertThat(loaded.detector().parameters().get("conv1.weight").toFloatArray())
                        .isEqualTo(start.model().get("conv1.weight").toFloatArray());
            }
        }
    }

    /** Every array of {@code b} equals {@code a}'s to the bit. */
    private static void assertSame(Map<String, NDArray> a, Map<String, NDArray> b) {
        assertThat(b.keySet()).isEqualTo(a.keySet());
        List<String> differing = new ArrayList<>();
        a.forEach(
                (name, array) -> {
                    if (!java.util.Arrays.equals(
                            array.toFloatArray(), b.get(name).toFloatArray())) {
                        differing.add(
                                name
                                        + " (max difference "
                                        + array.sub(b.get(name)).abs().max().getFloat()
                                        + ")");
                    }
                });
        assertThat(differing).isEmpty();
    }

    private static List<Object> losses(Path runDir) throws IOException {
        List<Object> out = new ArrayList<>();
        for (Map<?, ?> row : rows(runDir)) {
            out.add(List.of(row.get("iteration"), row.get("loss"), row.get("train_error")));
        }
        return out;
    }

    private static List<Map<?, ?>> rows(Path runDir) throws IOException {
        List<Map<?, ?>> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            out.add(JSON.readValue(line, Map.class));
        }
        return out;
    }
}
