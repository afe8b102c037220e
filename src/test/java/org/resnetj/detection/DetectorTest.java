package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.data.Preprocessing;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.resnetj.model.StridePlacement;
import org.resnetj.train.Sgd;

/**
 * The detector network on a ResNet-18 C4 backbone (the small configuration): output shapes and
 * layouts, py-faster-rcnn's initialization, frozen BN and frozen early stages, gradients of the
 * four losses, and loading an ImageNet classification checkpoint into the trunk and head.
 */
class DetectorTest {

    private static final int SEED = 20151210;
    private static final int CLASSES = 3;
    private static final DetectorConfig CONFIG = DetectorConfig.synthetic(CLASSES);

    @TempDir Path dir;

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(SEED);
    }

    private static Detector resnet18(NDManager m) {
        ModelSpec spec = ModelRegistry.get("resnet18");
        return Detector.create(CONFIG, spec.defaults(), Preprocessing.Torchvision.IMAGENET, m);
    }

    @Test
    void featuresAreAtStride16AndTheHeadGivesClassesAndClassSpecificBoxes() {
        try (NDManager m = NDManager.newBaseManager();
                Detector detector = resnet18(m)) {
            NDArray features = detector.trunk(m.randomNormal(new Shape(1, 3, 224, 224)));
            assertThat(features.getShape()).isEqualTo(new Shape(1, 256, 14, 14));
            assertThat(detector.trunk(m.randomNormal(new Shape(1, 3, 160, 200))).getShape())
                    .isEqualTo(new Shape(1, 256, 10, 13));

            Detector.RpnOutput rpn = detector.rpn(features);
            int a = CONFIG.rpn().anchorsPerPosition();
            assertThat(a).isEqualTo(9);
            assertThat(rpn.objectness().getShape()).isEqualTo(new Shape(1, a, 14, 14));
            assertThat(rpn.deltas().getShape()).isEqualTo(new Shape(1, 4 * a, 14, 14));

            NDArray pooled = m.randomNormal(new Shape(5, 256, 14, 14));
            assertThat(detector.roiFeatures(pooled, false).getShape()).isEqualTo(new Shape(5, 512));
            Detector.HeadOutput head = detector.head(pooled, false);
            assertThat(head.classLogits().getShape()).isEqualTo(new Shape(5, CLASSES + 1));
            assertThat(head.boxDeltas().getShape()).isEqualTo(new Shape(5, 4 * (CLASSES + 1)));
        }
    }

    /** py-faster-rcnn's anchors vary fastest, then x, then y; deltas are 4 channels per anchor. */
    @Test
    void perAnchorOutputsFollowPyFasterRcnnsOrder() {
        try (NDManager m = NDManager.newBaseManager();
                Detector detector = resnet18(m)) {
            Detector.RpnOutput rpn =
                    detector.rpn(detector.trunk(m.randomNormal(new Shape(1, 3, 96, 128))));
            long h = rpn.objectness().getShape().get(2);
            long w = rpn.objectness().getShape().get(3);
            int a = CONFIG.rpn().anchorsPerPosition();
            float[] map = rpn.objectness().toFloatArray();
            float[] deltaMap = rpn.deltas().toFloatArray();
            float[] perAnchor = rpn.objectnessPerAnchor().toFloatArray();
            float[] deltas = rpn.deltasPerAnchor().toFloatArray();
            assertThat(perAnchor).hasSize((int) (h * w * a));
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int k = 0; k < a; k++) {
                        int anchor = (int) ((y * w + x) * a + k);
                        assertThat(perAnchor[anchor]).isEqualTo(map[(int) ((k * h + y) * w + x)]);
                        for (int j = 0; j < 4; j++) {
                            assertThat(deltas[anchor * 4 + j])
                                    .isEqualTo(deltaMap[(int) (((4 * k + j) * h + y) * w + x)]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void siblingLayersStartFromPyFasterRcnnsGaussians() {
        try (NDManager m = NDManager.newBaseManager();
                Detector detector = resnet18(m)) {
            Map<String, NDArray> p = detector.parameters();
            assertStd(p.get("rpn_conv/3x3.weight"), 0.01);
            assertStd(p.get("rpn_cls_score.weight"), 0.01);
            assertStd(p.get("rpn_bbox_pred.weight"), 0.01);
            assertStd(p.get("cls_score.weight"), 0.01);
            assertStd(p.get("bbox_pred.weight"), 0.001);
            for (String bias :
                    List.of(
                            "rpn_conv/3x3.bias",
                            "rpn_cls_score.bias",
                            "rpn_bbox_pred.bias",
                            "cls_score.bias",
                            "bbox_pred.bias")) {
                assertThat(p.get(bias).abs().max().getFloat()).as(bias).isZero();
            }
            assertThat(p.get("rpn_conv/3x3.weight").getShape())
                    .isEqualTo(new Shape(256, 256, 3, 3));
        }
    }

    private static void assertStd(NDArray w, double std) {
        float[] v = w.toFloatArray();
        double sum = 0;
        double squares = 0;
        for (float x : v) {
            sum += x;
            squares += (double) x * x;
        }
        double mean = sum / v.length;
        double measured = Math.sqrt(squares / v.length - mean * mean);
        assertThat(measured).isCloseTo(std, within(0.1 * std));
    }

    /**
     * BN is a constant affine map: a training forward equals an inference forward though the
     * running statistics are far from the batch's, and a training step changes neither the
     * statistics nor BN's scale and shift, nor conv1 and conv2_x, while conv3_x on, the RPN and the
     * siblings move.
     */
    @Test
    void bnAndTheFirstStagesStayFixedWhileTheRestTrains() {
        try (NDManager m = NDManager.newBaseManager();
                Detector detector = resnet18(m)) {
            randomizeBn(detector, m);
            NDArray image = m.randomNormal(new Shape(1, 3, 96, 96));
            NDArray pooled = m.randomNormal(new Shape(4, 256, 14, 14));
            float[] inferenceFeatures = detector.trunk(image).toFloatArray();
            float[] inferenceHead = detector.head(pooled, false).classLogits().toFloatArray();
            Map<String, float[]> before = snapshot(detector.parameters());
            Map<String, float[]> statsBefore = snapshot(detector.state());

            detector.requireGradients();
            try (Sgd sgd = new Sgd(detector.trainableParameters(), 0.9f, 1e-4f, m)) {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = image.duplicate();
                    x.attach(step);
                    NDArray p = pooled.duplicate();
                    p.attach(step);
                    try (GradientCollector collector =
                            Engine.getInstance().newGradientCollector()) {
                        NDArray features = detector.trunk(x);
                        assertThat(features.toFloatArray()).containsExactly(inferenceFeatures);
                        Detector.HeadOutput head = detector.head(p, true);
                        assertThat(head.classLogits().toFloatArray())
                                .containsExactly(inferenceHead);
                        NDArray loss = totalLoss(detector, features, head, step);
                        collector.backward(loss);
                    }
                    sgd.step(0.1f);
                }
            }
            Map<String, float[]> statsAfter = snapshot(detector.state());
            statsBefore.forEach(
                    (name, values) -> assertThat(statsAfter.get(name)).as(name).isEqualTo(values));
            Map<String, float[]> after = snapshot(detector.parameters());
            for (String name : before.keySet()) {
                boolean changed = !Arrays.equals(before.get(name), after.get(name));
                assertThat(changed).as(name).isEqualTo(!Backbone.frozen(name));
            }
        }
    }

    /** Every trainable parameter gets a gradient from the four losses; frozen ones record none. */
    @Test
    void gradientsOfTheLossesReachEveryTrainableParameterAndNoFrozenOne() {
        try (NDManager m = NDManager.newBaseManager();
                Detector detector = resnet18(m)) {
            detector.requireGradients();
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(1, 3, 96, 96));
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray features = detector.trunk(x);
                    // Pooled RoIs made from the features, so the trunk is reached through them.
                    NDArray pooled = features.tile(new long[] {2, 1, 3, 3}).get(":, :, :14, :14");
                    Detector.HeadOutput head = detector.head(pooled, true);
                    collector.backward(totalLoss(detector, features, head, step));
                }
                detector.parameters()
                        .forEach(
                                (name, w) -> {
                                    if (Backbone.frozen(name)) {
                                        assertThat(w.hasGradient()).as(name).isFalse();
                                    } else {
                                        double norm = w.getGradient().norm().getFloat();
                                        assertThat(norm).as(name).isGreaterThan(0);
                                    }
                                });
            }
        }
    }

    /**
     * The four losses with labels that make every term count: one positive anchor, one RoI each
     * class.
     */
    private static NDArray totalLoss(
            Detector detector, NDArray features, Detector.HeadOutput head, NDManager m) {
        Detector.RpnOutput rpn = detector.rpn(features);
        NDArray logits = rpn.objectnessPerAnchor();
        int anchors = (int) logits.size();
        int[] labels = new int[anchors];
        for (int i = 0; i < anchors; i++) {
            labels[i] = i % 3 - 1;
        }
        NDArray anchorLabels = m.create(labels);
        NDArray rpnTargets = m.randomNormal(new Shape(anchors, 4));
        long rois = head.classLogits().getShape().get(0);
        int[] roiLabels = new int[(int) rois];
        for (int i = 0; i < rois; i++) {
            roiLabels[i] = (i + 1) % (CLASSES + 1);
        }
        NDArray roiLabelArray = m.create(roiLabels);
        NDArray roiTargets = m.randomNormal(new Shape(rois, 4));
        return DetectionLosses.rpnObjectness(logits, anchorLabels)
                .add(
                        DetectionLosses.rpnBox(
                                rpn.deltasPerAnchor(), rpnTargets, anchorLabels, 1 / 9.0))
                .add(DetectionLosses.fastRcnnClass(head.classLogits(), roiLabelArray))
                .add(DetectionLosses.fastRcnnBox(head.boxDeltas(), roiTargets, roiLabelArray, 1.0));
    }

    /**
     * An ImageNet checkpoint (here with torchvision's stride placement, as an imported one has)
     * fills the trunk and head by name: the trunk gives the classification network's own conv4_x
     * response, and the head's pooled vector through the checkpoint's fc gives its logits.
     */
    @Test
    void anImageNetCheckpointGivesTheClassificationNetsConv4ResponseAndLogits() throws IOException {
        ModelSpec spec = ModelRegistry.get("resnet18");
        ModelOptions options =
                spec.defaults().withStridePlacement(StridePlacement.MIDDLE_3X3).withClasses(10);
        try (NDManager m = NDManager.newBaseManager();
                Network classifier = Network.create(spec.plan(options, 224), m)) {
            randomizeBn(classifier.parameters(), classifier.state(), m);
            Path file = write(spec, options, classifier, Map.of());
            NDArray x = m.randomNormal(new Shape(1, 3, 128, 96));
            NDArray conv4 = x;
            for (String stage : List.of("conv1", "conv2_x", "conv3_x", "conv4_x")) {
                conv4 = classifier.forward(part(classifier.plan(), stage), conv4, false);
            }
            NDArray logits = classifier.forward(x, false);
            try (Detector detector = Detector.fromImageNet(file, CONFIG, m)) {
                assertThat(detector.backbone().options()).isEqualTo(options);
                assertThat(detector.preprocessing()).isInstanceOf(Preprocessing.Torchvision.class);
                NDArray features = detector.trunk(x);
                assertThat(features.getShape()).isEqualTo(conv4.getShape());
                assertThat(features.sub(conv4).abs().max().getFloat()).isLessThan(1e-5f);
                NDArray pooled = detector.roiFeatures(features, false);
                NDArray fc =
                        pooled.matMul(classifier.parameters().get("fc.weight").transpose())
                                .add(classifier.parameters().get("fc.bias"));
                assertThat(fc.sub(logits).abs().max().getFloat()).isLessThan(1e-4f);
            }
        }
    }

    @Test
    void refusesACheckpointOfAnotherNetworkInOneLine() throws IOException {
        ModelSpec plain = ModelRegistry.get("plain18");
        try (NDManager m = NDManager.newBaseManager();
                Network other = Network.create(plain.plan(), m)) {
            Path file = write(plain, plain.defaults(), other, Map.of());
            assertThatThrownBy(() -> Detector.fromImageNet(file, CONFIG, m))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("holds plain18")
                    .hasMessageContaining("backbone is resnet18")
                    .hasMessageNotContaining("\n");
        }
    }

    @Test
    void refusesACheckpointLackingABackboneArrayInOneLine() throws IOException {
        ModelSpec spec = ModelRegistry.get("resnet18");
        try (NDManager m = NDManager.newBaseManager();
                Network classifier = Network.create(spec.plan(), m)) {
            Path file =
                    write(spec, spec.defaults(), classifier, Map.of("conv4_2.branch2b.weight", ""));
            assertThatThrownBy(() -> Detector.fromImageNet(file, CONFIG, m))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("lacks conv4_2.branch2b.weight")
                    .hasMessageNotContaining("\n");
        }
    }

    /**
     * Writes {@code network} as an ImageNet classification checkpoint, leaving out {@code omit}.
     */
    private Path write(
            ModelSpec spec, ModelOptions options, Network network, Map<String, String> omit)
            throws IOException {
        return DetectionFixtures.imagenetCheckpoint(dir, spec, options, network, omit.keySet());
    }

    private static Layer.Sequence part(Layer.Sequence plan, String name) {
        return plan.layers().stream()
                .filter(l -> l instanceof Layer.Sequence s && s.name().equals(name))
                .map(Layer.Sequence.class::cast)
                .findFirst()
                .orElseThrow();
    }

    private static void randomizeBn(Detector detector, NDManager m) {
        randomizeBn(detector.parameters(), detector.state(), m);
    }

    /** BN statistics, scales and shifts away from their initial 0 and 1, so BN's mode matters. */
    private static void randomizeBn(
            Map<String, NDArray> parameters, Map<String, NDArray> state, NDManager m) {
        state.forEach(
                (name, s) -> {
                    NDArray value =
                            name.endsWith("running_var")
                                    ? m.randomUniform(0.5f, 2f, s.getShape())
                                    : m.randomNormal(0f, 0.2f, s.getShape(), DataType.FLOAT32);
                    s.intern(value);
                });
        parameters.forEach(
                (name, p) -> {
                    if (name.endsWith(".gamma")) {
                        p.intern(m.randomUniform(0.5f, 1.5f, p.getShape()));
                    } else if (name.endsWith(".beta")) {
                        p.intern(m.randomNormal(0f, 0.1f, p.getShape(), DataType.FLOAT32));
                    }
                });
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> arrays) {
        Map<String, float[]> out = new LinkedHashMap<>();
        arrays.forEach((name, a) -> out.put(name, a.toFloatArray()));
        return out;
    }
}
