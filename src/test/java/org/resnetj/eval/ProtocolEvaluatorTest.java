package org.resnetj.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.resnetj.data.BadImages;
import org.resnetj.data.ImagePresets;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.eval.ProtocolEvaluator.Model;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;

/**
 * The testing protocols on networks whose scores can be computed independently: tiny hand-made
 * plans with known weights, and a small random ResNet-18.
 */
class ProtocolEvaluatorTest {

    /** pixel / 255 as it is: torchvision's normalisation with mean 0 and std 1. */
    private static final Preprocessing IDENTITY =
            new Preprocessing.Torchvision(new float[] {0, 0, 0}, new float[] {1, 1, 1});

    /** Another normalisation, so that an ensemble's members differ in it. */
    private static final Preprocessing SHIFTED =
            new Preprocessing.Torchvision(
                    new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.25f, 0.5f, 0.2f});

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(20151210);
    }

    // ---- score averaging

    @Test
    void softmaxOfEachViewIsAveragedIntoItsImage() {
        float ln2 = (float) Math.log(2);
        float[] logits = {
            0,
            ln2,
            2 * ln2, // softmax 1/7, 2/7, 4/7
            2 * ln2,
            ln2,
            0, // 4/7, 2/7, 1/7
            1000,
            1000,
            0 // 1/2, 1/2, 0 without overflow
        };
        double[] sums = new double[2 * 3];

        ProtocolEvaluator.addSoftmax(logits, 3, new int[] {0, 0, 1}, 0.5, sums);

        assertThat(sums[0]).isCloseTo(5 / 14.0, within(1e-7));
        assertThat(sums[1]).isCloseTo(4 / 14.0, within(1e-7));
        assertThat(sums[2]).isCloseTo(5 / 14.0, within(1e-7));
        assertThat(sums[3]).isCloseTo(0.25, within(1e-12));
        assertThat(sums[4]).isCloseTo(0.25, within(1e-12));
        assertThat(sums[5]).isCloseTo(0, within(1e-12));
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aConstantImageScoresTheSoftmaxOfTheLinearLayerOnItsColour(Protocol protocol) {
        // Every view of a constant image is that colour, whatever the crop, scale or flip, and
        // global average pooling then fc scores W·colour + b.
        float[] w = {1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 1, 1};
        float[] b = {0, 0.5f, -0.5f, 0};
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(linearOnMeans(4), manager)) {
            set(network, "fc.weight", w);
            set(network, "fc.bias", b);
            float[] colour = {51 / 255f, 102 / 255f, 204 / 255f};

            float[] scores =
                    ProtocolEvaluator.averageScores(
                            List.of(new Model("linear", network, IDENTITY)),
                            List.of(protocol.views(constant(40, 30, 51, 102, 204))),
                            4);

            double[] logits = new double[4];
            for (int k = 0; k < 4; k++) {
                logits[k] =
                        b[k]
                                + w[3 * k] * colour[0]
                                + w[3 * k + 1] * colour[1]
                                + w[3 * k + 2] * colour[2];
            }
            double[] expected = softmax(logits);
            for (int k = 0; k < 4; k++) {
                assertThat(scores[k]).isCloseTo((float) expected[k], within(1e-6f));
            }
        }
    }

    @Test
    void anEnsembleAveragesTheSoftmaxOfItsModelsEachWithItsOwnPreprocessing() {
        try (NDManager manager = NDManager.newBaseManager();
                Network a = Network.create(tinyConv(3), manager);
                Network b = Network.create(tinyConv(3), manager)) {
            Model first = new Model("a", a, IDENTITY);
            Model second = new Model("b", b, SHIFTED);
            List<List<ImagePresets.View>> views =
                    List.of(
                            Protocol.TEN_CROP.views(random(64, 48, 1)),
                            Protocol.TEN_CROP.views(random(48, 80, 2)));

            float[] ensemble = ProtocolEvaluator.averageScores(List.of(first, second), views, 3);
            float[] ofFirst = ProtocolEvaluator.averageScores(List.of(first), views, 3);
            float[] ofSecond = ProtocolEvaluator.averageScores(List.of(second), views, 3);

            double[] reference = referenceScores(List.of(first, second), views, 3);
            for (int k = 0; k < ensemble.length; k++) {
                assertThat(ensemble[k]).isCloseTo((ofFirst[k] + ofSecond[k]) / 2, within(1e-6f));
                assertThat(ensemble[k]).isCloseTo((float) reference[k], within(1e-5f));
            }
            assertThat(ofFirst).isNotEqualTo(ofSecond);
        }
    }

    @Test
    void tenCropViewsOfSeveralImagesShareAPassAndMultiScaleRunsEachScaleAndItsFlipAsAPass() {
        List<ImagePresets.View> tenCrop = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tenCrop.addAll(Protocol.TEN_CROP.views(random(40, 30, i)));
        }
        List<ImagePresets.View> multiScale =
                new ArrayList<>(Protocol.MULTI_SCALE.views(random(40, 30, 3)));
        multiScale.addAll(Protocol.MULTI_SCALE.views(random(30, 30, 4)));

        assertThat(ProtocolEvaluator.passes(tenCrop)).hasSize(1);
        assertThat(ProtocolEvaluator.passes(tenCrop).get(0)).containsExactly(0, 30);
        List<int[]> passes = ProtocolEvaluator.passes(multiScale);
        assertThat(passes).hasSize(10);
        for (int p = 0; p < 10; p++) {
            assertThat(passes.get(p)).containsExactly(2 * p, 2 * p + 2);
        }
    }

    @Test
    void fullyConnectedLayerAtEveryPositionAveragedEqualsPoolingThenFullyConnected() {
        // The fully convolutional form: fc as a 1×1 convolution over the last map, its scores
        // averaged over the positions, is what global average pooling then fc computes.
        Layer.Conv conv = new Layer.Conv("conv1", 3, 4, 3, 1, 1, true);
        Layer.Sequence pooled =
                new Layer.Sequence(
                        "",
                        List.of(
                                conv,
                                new Layer.Relu(),
                                new Layer.GlobalAvgPool(),
                                new Layer.Linear("fc", 4, 3)));
        Layer.Sequence dense =
                new Layer.Sequence(
                        "",
                        List.of(conv, new Layer.Relu(), new Layer.Conv("fc", 4, 3, 1, 1, 0, true)));
        try (NDManager manager = NDManager.newBaseManager();
                Network a = Network.create(pooled, manager);
                Network b = Network.create(dense, manager)) {
            for (String name : List.of("conv1.weight", "conv1.bias", "fc.weight")) {
                b.parameters().get(name).set(a.parameters().get(name).toFloatArray());
            }
            set(a, "fc.bias", new float[] {0.1f, -0.2f, 0.3f});
            set(b, "fc.bias", new float[] {0.1f, -0.2f, 0.3f});
            NDArray x = manager.randomNormal(new Shape(2, 3, 37, 53));

            NDArray scores = a.forward(x, false);
            NDArray map = b.forward(x, false);
            NDArray averaged = map.reshape(2, 3, 37 * 53).mean(new int[] {2});

            assertThat(map.getShape()).isEqualTo(new Shape(2, 3, 37, 53));
            float[] expected = averaged.toFloatArray();
            float[] got = scores.toFloatArray();
            for (int k = 0; k < got.length; k++) {
                assertThat(got[k]).isCloseTo(expected[k], within(1e-5f));
            }
        }
    }

    // ---- the protocols end to end

    @Test
    void centerProtocolMatchesTheCheckpointsOwnInputThroughTheNetwork() throws IOException {
        ModelSpec spec = ModelRegistry.get("resnet18");
        float[] mean = new float[3 * 224 * 224];
        Random random = new Random(5);
        for (int k = 0; k < mean.length; k++) {
            mean[k] = 0.3f + 0.4f * random.nextFloat();
        }
        Preprocessing preprocessing = new Preprocessing.PerPixelMean(mean);
        List<RgbImage> images = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            images.add(random(64, 64, 10 + i));
        }
        try (NDManager manager = NDManager.newBaseManager();
                Network network =
                        Network.create(spec.plan(spec.defaults().withClasses(4), 224), manager)) {
            // Independently: the preprocessing's own input of each image, one at a time.
            float[][] logits = new float[images.size()][];
            int[] labels = new int[images.size()];
            for (int i = 0; i < images.size(); i++) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray x =
                            scope.create(
                                    preprocessing.input(images.get(i)), new Shape(1, 3, 224, 224));
                    logits[i] = network.forward(x, false).toFloatArray();
                }
                int best = argmax(logits[i]);
                labels[i] = i < 3 ? best : (best + 1) % 4; // right for the first half only
            }
            Model model = new Model("resnet18", network, preprocessing);

            ProtocolEvaluator.Result result =
                    ProtocolEvaluator.evaluate(
                            List.of(model),
                            new MemoryImages(images, labels, 4),
                            Protocol.CENTER,
                            4,
                            2);

            assertThat(result.errors().images()).isEqualTo(6);
            assertThat(result.errors().top1Error()).isEqualTo(0.5);
            assertThat(result.errors().top5Error()).isEqualTo(0.0); // top-4 of 4 classes
            assertThat(result.skipped()).isZero();
            List<List<ImagePresets.View>> views = new ArrayList<>();
            for (RgbImage image : images) {
                views.add(Protocol.CENTER.views(image));
            }
            float[] scores = ProtocolEvaluator.averageScores(List.of(model), views, 4);
            for (int i = 0; i < images.size(); i++) {
                double[] expected = softmax(toDoubles(logits[i]));
                for (int c = 0; c < 4; c++) {
                    assertThat(scores[4 * i + c]).isCloseTo((float) expected[c], within(1e-4f));
                }
            }
        }
    }

    @Test
    void multiScaleRunsEndToEndOnImagesOfTwoAspectRatios() throws IOException {
        List<RgbImage> images = List.of(random(40, 30, 20), random(30, 50, 21));
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(tinyConv(3), manager)) {
            Model model = new Model("tiny", network, SHIFTED);
            List<List<ImagePresets.View>> views = new ArrayList<>();
            for (RgbImage image : images) {
                views.add(Protocol.MULTI_SCALE.views(image));
            }
            double[] reference = referenceScores(List.of(model), views, 3);
            int[] labels = {
                argmax(toFloats(reference, 0, 3)), (argmax(toFloats(reference, 3, 3)) + 1) % 3
            };
            List<Integer> progress = new ArrayList<>();

            ProtocolEvaluator.Result result =
                    ProtocolEvaluator.evaluate(
                            List.of(model),
                            new MemoryImages(images, labels, 3),
                            Protocol.MULTI_SCALE,
                            64,
                            2,
                            BadImages.STOP,
                            progress::add);

            assertThat(result.errors().images()).isEqualTo(2);
            assertThat(result.errors().top1Error()).isEqualTo(0.5);
            assertThat(progress).containsExactly(1, 2);
            float[] scores = ProtocolEvaluator.averageScores(List.of(model), views, 3);
            for (int k = 0; k < scores.length; k++) {
                assertThat(scores[k]).isCloseTo((float) reference[k], within(1e-5f));
            }
        }
    }

    @Test
    void tenCropGivesTheSameErrorsWhateverTheBatchSize() throws IOException {
        List<RgbImage> images = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            images.add(random(50 + 7 * i, 40, 30 + i));
        }
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(tinyConv(3), manager)) {
            Model model = new Model("tiny", network, IDENTITY);
            List<List<ImagePresets.View>> views = new ArrayList<>();
            for (RgbImage image : images) {
                views.add(Protocol.TEN_CROP.views(image));
            }
            double[] reference = referenceScores(List.of(model), views, 3);
            // Right for images 0, 2, 4.
            int[] labels = new int[5];
            for (int i = 0; i < 5; i++) {
                int best = argmax(toFloats(reference, 3 * i, 3));
                labels[i] = i % 2 == 0 ? best : (best + 1) % 3;
            }
            MemoryImages source = new MemoryImages(images, labels, 3);

            for (int batch : new int[] {1, 20, 30, 256}) {
                ProtocolEvaluator.Result result =
                        ProtocolEvaluator.evaluate(
                                List.of(model), source, Protocol.TEN_CROP, batch, 1);

                assertThat(result.errors().top1Error()).as("batch %d", batch).isEqualTo(2 / 5.0);
                assertThat(result.errors().top5Error()).as("batch %d", batch).isEqualTo(0.0);
                assertThat(result.errors().images()).isEqualTo(5);
            }
        }
    }

    // ---- unreadable images

    @Test
    void anUnreadableImageStopsTheEvaluationNamingIt() {
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(linearOnMeans(3), manager)) {
            set(network, "fc.weight", new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1});
            MemoryImages images = coloured(new int[] {0, 2, 1, 0});

            assertThatThrownBy(
                            () ->
                                    ProtocolEvaluator.evaluate(
                                            List.of(new Model("rgb", network, IDENTITY)),
                                            images,
                                            Protocol.CENTER,
                                            2,
                                            2))
                    .isInstanceOf(IOException.class)
                    .hasMessage(
                            "cannot read image /val/n00002/image1.JPEG: Premature end of JPEG"
                                    + " file");
        }
    }

    @Test
    void anUnreadableImageCanBeSkippedAndCounted() throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(linearOnMeans(3), manager)) {
            // fc = identity: each constant image scores its own colour, so red is class 0.
            set(network, "fc.weight", new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1});
            MemoryImages images =
                    coloured(new int[] {0, 2, 1, 0}); // image 1 fails, image 3 is blue labelled 0
            List<Integer> progress = new ArrayList<>();

            ProtocolEvaluator.Result result =
                    ProtocolEvaluator.evaluate(
                            List.of(new Model("rgb", network, IDENTITY)),
                            images,
                            Protocol.CENTER,
                            2,
                            2,
                            BadImages.SKIP,
                            progress::add);

            assertThat(result.skipped()).isEqualTo(1);
            assertThat(result.errors().images()).isEqualTo(3);
            assertThat(result.errors().top1Error()).isEqualTo(1 / 3.0);
            assertThat(result.errors().top5Error()).isEqualTo(0.0);
            assertThat(progress).isSorted().endsWith(4);
        }
    }

    @Test
    void noReadableImageAtAllIsAnError() {
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(linearOnMeans(3), manager)) {
            MemoryImages images = new MemoryImages(Arrays.asList(null, null), new int[] {0, 1}, 3);

            assertThatThrownBy(
                            () ->
                                    ProtocolEvaluator.evaluate(
                                            List.of(new Model("rgb", network, IDENTITY)),
                                            images,
                                            Protocol.TEN_CROP,
                                            10,
                                            1,
                                            BadImages.SKIP,
                                            done -> {}))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith(
                            "none of the 2 images could be read; the first: cannot read image"
                                    + " /val/n00000/image0.JPEG");
        }
    }

    // ---- models that do not fit

    @Test
    void multiScaleRejectsANetworkWhoseFullyConnectedLayerFixesItsInputSize() throws IOException {
        // VGG's shape: a 224×224 input pooled to 7×7, flattened into fc.
        Layer.Sequence plan =
                new Layer.Sequence(
                        "",
                        List.of(
                                new Layer.MaxPool(32, 32, 0),
                                new Layer.Flatten(),
                                new Layer.Linear("fc", 3 * 7 * 7, 3)));
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(plan, manager)) {
            List<Model> models = List.of(new Model("flat", network, IDENTITY));
            MemoryImages images = coloured(new int[] {0});

            assertThatThrownBy(
                            () ->
                                    ProtocolEvaluator.evaluate(
                                            models, images, Protocol.MULTI_SCALE, 8, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(
                            "model flat cannot take the whole images of multi-scale testing")
                    .hasMessageContaining("global average pooling");
            assertThat(
                            ProtocolEvaluator.evaluate(models, images, Protocol.TEN_CROP, 8, 1)
                                    .errors()
                                    .images())
                    .isEqualTo(1);
        }
    }

    @Test
    void planChecksTellWhichRegisteredNetsTakeWhichSizes() {
        ModelSpec vgg = ModelRegistry.get("vgg16");
        ModelSpec resnet = ModelRegistry.get("resnet50");

        assertThat(ProtocolEvaluator.acceptsAnySize(vgg.plan(vgg.defaults(), 224))).isFalse();
        assertThat(ProtocolEvaluator.accepts(vgg.plan(vgg.defaults(), 224), 224)).isTrue();
        assertThat(ProtocolEvaluator.accepts(vgg.plan(vgg.defaults(), 32), 224)).isFalse();
        assertThat(ProtocolEvaluator.acceptsAnySize(resnet.plan())).isTrue();
        assertThat(ProtocolEvaluator.accepts(resnet.plan(), 224)).isTrue();
        assertThat(ProtocolEvaluator.classes(resnet.plan(), "resnet50")).isEqualTo(1000);
        assertThat(ProtocolEvaluator.classes(vgg.plan(vgg.defaults().withClasses(7), 224), "vgg16"))
                .isEqualTo(7);
    }

    @Test
    void aModelTrainedOnAnotherInputSideIsRejected() {
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(tinyConv(3), manager)) {
            Preprocessing cifar = new Preprocessing.PerPixelMean(new float[3 * 32 * 32]);

            assertThatThrownBy(
                            () ->
                                    ProtocolEvaluator.evaluate(
                                            List.of(new Model("cifar", network, cifar)),
                                            coloured(new int[] {0}),
                                            Protocol.CENTER,
                                            8,
                                            1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(
                            "model cifar expects 32×32 inputs (its per_pixel_mean preprocessing);"
                                    + " the center protocol needs a network for 224×224 ImageNet"
                                    + " crops");
        }
    }

    @Test
    void anEnsembleMustScoreOneSetOfClassesAndTheImagesToo() {
        try (NDManager manager = NDManager.newBaseManager();
                Network three = Network.create(linearOnMeans(3), manager);
                Network four = Network.create(linearOnMeans(4), manager)) {
            Model a = new Model("a", three, IDENTITY);
            Model b = new Model("b", four, IDENTITY);

            assertThatThrownBy(
                            () ->
                                    ProtocolEvaluator.evaluate(
                                            List.of(a, b),
                                            coloured(new int[] {0}),
                                            Protocol.CENTER,
                                            8,
                                            1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(
                            "the models of an ensemble must score the same classes: a scores 3, b"
                                    + " scores 4");
            assertThatThrownBy(
                            () ->
                                    ProtocolEvaluator.evaluate(
                                            List.of(b),
                                            coloured(new int[] {0}),
                                            Protocol.CENTER,
                                            8,
                                            1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the images have 3 classes but the model scores 4");
            assertThatThrownBy(
                            () ->
                                    ProtocolEvaluator.evaluate(
                                            List.of(),
                                            coloured(new int[] {0}),
                                            Protocol.CENTER,
                                            8,
                                            1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at least one model");
            assertThatThrownBy(
                            () ->
                                    ProtocolEvaluator.evaluate(
                                            List.of(a),
                                            coloured(new int[] {0}),
                                            Protocol.CENTER,
                                            0,
                                            1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("batch size and threads must be at least 1");
        }
    }

    // ---- helpers

    /** Global average pooling, then fc: the scores are W · channel means + b. */
    private static Layer.Sequence linearOnMeans(int classes) {
        return new Layer.Sequence(
                "", List.of(new Layer.GlobalAvgPool(), new Layer.Linear("fc", 3, classes)));
    }

    /** A small fully convolutional net whose scores depend on where things are in the view. */
    private static Layer.Sequence tinyConv(int classes) {
        return new Layer.Sequence(
                "",
                List.of(
                        new Layer.Conv("conv1", 3, 4, 3, 2, 1, true),
                        new Layer.Relu(),
                        new Layer.GlobalAvgPool(),
                        new Layer.Linear("fc", 4, classes)));
    }

    private static void set(Network network, String name, float[] values) {
        network.parameters().get(name).set(values);
    }

    /**
     * Each view through each model alone, softmax in double, averaged over the views of each image,
     * then over the models.
     */
    private static double[] referenceScores(
            List<Model> models, List<List<ImagePresets.View>> views, int classes) {
        double[] out = new double[views.size() * classes];
        for (int i = 0; i < views.size(); i++) {
            for (Model model : models) {
                for (ImagePresets.View view : views.get(i)) {
                    float[] x =
                            model.preprocessing()
                                    .normalize(view.pixels().clone(), view.height(), view.width());
                    try (NDManager scope = model.network().manager().newSubManager()) {
                        NDArray input =
                                scope.create(x, new Shape(1, 3, view.height(), view.width()));
                        double[] p =
                                softmax(toDoubles(model.network().logits(input).toFloatArray()));
                        for (int c = 0; c < classes; c++) {
                            out[i * classes + c] += p[c] / views.get(i).size() / models.size();
                        }
                    }
                }
            }
        }
        return out;
    }

    private static double[] softmax(double[] logits) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double[] p = Arrays.stream(logits).map(v -> Math.exp(v - max)).toArray();
        double total = Arrays.stream(p).sum();
        return Arrays.stream(p).map(v -> v / total).toArray();
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int k = 0; k < values.length; k++) {
            out[k] = values[k];
        }
        return out;
    }

    private static float[] toFloats(double[] values, int from, int count) {
        float[] out = new float[count];
        for (int k = 0; k < count; k++) {
            out[k] = (float) values[from + k];
        }
        return out;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int k = 1; k < values.length; k++) {
            if (values[k] > values[best]) {
                best = k;
            }
        }
        return best;
    }

    private static RgbImage random(int width, int height, long seed) {
        byte[] chw = new byte[3 * width * height];
        new Random(seed).nextBytes(chw);
        return RgbImage.of(width, height, chw);
    }

    private static RgbImage constant(int width, int height, int r, int g, int b) {
        byte[] chw = new byte[3 * width * height];
        int plane = width * height;
        Arrays.fill(chw, 0, plane, (byte) r);
        Arrays.fill(chw, plane, 2 * plane, (byte) g);
        Arrays.fill(chw, 2 * plane, 3 * plane, (byte) b);
        return RgbImage.of(width, height, chw);
    }

    /**
     * Constant red, (unreadable), green, blue images of 3 classes with the given labels: with fc
     * the identity on the channel means, red scores class 0, green 1 and blue 2.
     */
    private static MemoryImages coloured(int[] labels) {
        List<RgbImage> all =
                Arrays.asList(
                        constant(30, 20, 200, 10, 10),
                        null,
                        constant(30, 20, 10, 200, 10),
                        constant(30, 20, 10, 10, 200));
        return new MemoryImages(all.subList(0, labels.length), labels, 3);
    }
}
