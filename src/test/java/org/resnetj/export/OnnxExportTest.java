package org.resnetj.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnetj.model.Classifier;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.resnetj.model.Shortcut;

/**
 * Exported models run in ONNX Runtime and give the logits our network gives in inference mode,
 * within 1e-4, at more than one batch size from one file. BN statistics, scales and shifts are made
 * non-trivial first: with fresh BN (mean 0, variance 1, scale 1, shift 0) a wrong fold would go
 * unnoticed.
 */
class OnnxExportTest {

    /** The tolerance on the logits. */
    static final double TOLERANCE = 1e-4;

    private static final int SEED = 20151210;

    @TempDir static Path dir;
    static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** One export to check: a model, its options and input size, and how to write it. */
    record Case(String model, ModelOptions options, int size, OnnxExport.Settings settings) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%s shortcut %s %dx%d opset %d%s",
                    model,
                    options.shortcut(),
                    size,
                    size,
                    settings.opset(),
                    settings.foldBatchNorm() ? "" : " BN kept");
        }
    }

    static Stream<Arguments> cases() {
        OnnxExport.Settings folded = OnnxExport.Settings.defaults();
        return Stream.of(
                // The three: a CIFAR net with option-A shortcuts, resnet18 and resnet50.
                of("resnet20", Shortcut.A, 32, folded),
                of("resnet18", Shortcut.B, 64, folded),
                of("resnet50", Shortcut.B, 64, folded),
                // The other shapes a registered network takes, and the settings.
                of("resnet20", Shortcut.A, 32, new OnnxExport.Settings(13, false)),
                of("resnet8", Shortcut.B, 32, new OnnxExport.Settings(11, false)),
                of("resnet8", Shortcut.C, 32, new OnnxExport.Settings(21, true)),
                of("plain20", Shortcut.A, 32, folded),
                of("vgg16", Shortcut.B, 32, folded));
    }

    private static Arguments of(
            String model, Shortcut shortcut, int size, OnnxExport.Settings settings) {
        ModelSpec spec = ModelRegistry.get(model);
        ModelOptions options = spec.defaults().withShortcut(shortcut);
        if (spec.family() == ModelSpec.Family.REFERENCE) {
            options = options.withClasses(10); // VGG's fc layers at 1000 classes only slow the test
        }
        return Arguments.of(new Case(model, options, size, settings));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void onnxRuntimeGivesOurLogitsAtBatchSizesOneAndThree(Case c) throws Exception {
        ModelSpec spec = ModelRegistry.get(c.model());
        Engine.getInstance().setRandomSeed(SEED);
        try (Network network = Network.create(spec.plan(c.options(), c.size()), manager)) {
            randomizeBatchNorm(network, c.size(), new Random(SEED));
            Path file =
                    dir.resolve(
                            c.model()
                                    + "-"
                                    + c.options().shortcut()
                                    + "-"
                                    + c.settings().opset()
                                    + ".onnx");
            OnnxExport.write(
                    network.plan(),
                    OnnxExport.weights(network),
                    OnnxExport.Input.of(spec, c.size()),
                    OnnxExport.describe(spec, c.options()),
                    c.settings(),
                    file);
            try (OrtSession session = session(file)) {
                long[] inputShape =
                        ((TensorInfo) session.getInputInfo().get(OnnxExport.INPUT).getInfo())
                                .getShape();
                boolean dynamicSize = spec.family() == ModelSpec.Family.IMAGENET;
                assertThat(inputShape)
                        .containsExactly(
                                -1, 3, dynamicSize ? -1 : c.size(), dynamicSize ? -1 : c.size());
                assertThat(session.getMetadata().getCustomMetadata())
                        .containsEntry("model", c.model());
                double worst = 0;
                for (int batch : new int[] {1, 3}) {
                    worst =
                            Math.max(
                                    worst,
                                    maxAbsDifference(
                                            network,
                                            session,
                                            batch,
                                            c.size(),
                                            c.options().classes()));
                }
                if (dynamicSize) {
                    worst =
                            Math.max(
                                    worst,
                                    maxAbsDifference(
                                            network,
                                            session,
                                            2,
                                            c.size() + 32,
                                            c.options().classes()));
                }
                System.out.printf(Locale.ROOT, "%s: max abs difference %.3g%n", c, worst);
                assertThat(worst).isLessThan(TOLERANCE);
            }
            assertThat(file.resolveSibling(file.getFileName() + ".tmp")).doesNotExist();
        }
    }

    @Test
    void batchNormIsFoldedIntoTheConvolutionsUnlessKept() throws Exception {
        ModelSpec spec = ModelRegistry.get("resnet8");
        try (Network network = Network.create(spec.plan(), manager)) {
            Path folded = dir.resolve("folded.onnx");
            Path kept = dir.resolve("kept.onnx");
            OnnxExport.write(network, spec, spec.defaults(), 32, folded);
            OnnxExport.write(
                    network.plan(),
                    OnnxExport.weights(network),
                    OnnxExport.Input.of(spec, 32),
                    OnnxExport.describe(spec, spec.defaults()),
                    new OnnxExport.Settings(13, false),
                    kept);
            String foldedBytes =
                    Files.readString(folded, java.nio.charset.StandardCharsets.ISO_8859_1);
            String keptBytes = Files.readString(kept, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(foldedBytes)
                    .doesNotContain("BatchNormalization")
                    .contains("Conv", "Slice", "Pad", "Gemm");
            assertThat(keptBytes).contains("BatchNormalization", "conv1.bn.running_var");
            try (OrtSession session = session(folded)) {
                Map<String, String> meta = session.getMetadata().getCustomMetadata();
                assertThat(meta).containsEntry("shortcut", "A").containsEntry("classes", "10");
                assertThat(meta.get("batch_norm")).startsWith("folded");
            }
        }
    }

    @Test
    void badSettingsAndPathsAreRefusedInOneLineNamingThem() throws IOException {
        assertThatThrownBy(() -> new OnnxExport.Settings(7, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the ONNX opset must be between 11 and 21, got 7");
        ModelSpec spec = ModelRegistry.get("resnet8");
        try (Network network = Network.create(spec.plan(), manager)) {
            Path missingDir = dir.resolve("no-such-dir").resolve("m.onnx");
            assertThatThrownBy(
                            () -> OnnxExport.write(network, spec, spec.defaults(), 32, missingDir))
                    .isInstanceOf(IOException.class)
                    .hasMessage(
                            "cannot write "
                                    + missingDir
                                    + ": no such directory "
                                    + missingDir.getParent());
            Files.createDirectories(dir.resolve("a-directory"));
            assertThatThrownBy(
                            () ->
                                    OnnxExport.write(
                                            network,
                                            spec,
                                            spec.defaults(),
                                            32,
                                            dir.resolve("a-directory")))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("it is a directory");
        }
    }

    /** The largest |ours − ONNX Runtime's| over the logits of a random batch. */
    static double maxAbsDifference(
            Classifier network, OrtSession session, int batch, int size, int classes)
            throws OrtException {
        float[] x = randomImages(new Random(SEED + batch), batch, size);
        float[] ours;
        try (NDManager scope = network.manager().newSubManager()) {
            NDArray input = scope.create(x, new Shape(batch, 3, size, size));
            ours = network.logits(input).toFloatArray();
        }
        float[][] theirs;
        try (OnnxTensor input =
                        OnnxTensor.createTensor(
                                OrtEnvironment.getEnvironment(),
                                FloatBuffer.wrap(x),
                                new long[] {batch, 3, size, size});
                OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            theirs = (float[][]) result.get(OnnxExport.OUTPUT).orElseThrow().getValue();
        }
        assertThat(theirs.length).isEqualTo(batch);
        double worst = 0;
        for (int n = 0; n < batch; n++) {
            assertThat(theirs[n]).hasSize(classes);
            for (int k = 0; k < classes; k++) {
                worst = Math.max(worst, Math.abs(ours[n * classes + k] - theirs[n][k]));
            }
        }
        return worst;
    }

    static OrtSession session(Path file) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(2);
        return OrtEnvironment.getEnvironment().createSession(file.toString(), options);
    }

    /**
     * Makes BN non-trivial: every BN scale random in [0.5, 1.5], except the last BN of each
     * residual branch, in [0.1, 0.5], every BN shift and every bias in [−0.2, 0.2], then running
     * statistics taken from random batches in training mode, so that each channel has its own mean
     * and variance yet the activations stay at the scale of a trained network's.
     *
     * <p>Why the ranges: random running statistics that do not match the activations, or scales
     * near 1 on the BN before each addition, make the residual stream of a deep net grow from block
     * to block. Then float32 rounding alone separates any two implementations: for ResNet-50 with
     * all scales in [0.5, 1.5], both ours and ONNX Runtime's logits are about 2e-4 from a float64
     * evaluation of the same network. Trained ResNets keep that last scale small, and so does this.
     */
    static void randomizeBatchNorm(Network network, int size, Random random) {
        Set<String> beforeAddition = new HashSet<>();
        lastBatchNormOfEachBranch(network.plan(), beforeAddition);
        network.parameters()
                .forEach(
                        (name, array) -> {
                            double[] range;
                            if (name.endsWith(".gamma")) {
                                boolean last =
                                        beforeAddition.contains(
                                                name.substring(
                                                        0, name.length() - ".gamma".length()));
                                range = last ? new double[] {0.1, 0.5} : new double[] {0.5, 1.5};
                            } else if (name.endsWith(".beta") || name.endsWith(".bias")) {
                                range = new double[] {-0.2, 0.2};
                            } else {
                                return;
                            }
                            float[] values = new float[(int) array.size()];
                            for (int i = 0; i < values.length; i++) {
                                values[i] =
                                        (float)
                                                (range[0]
                                                        + (range[1] - range[0])
                                                                * random.nextDouble());
                            }
                            // create() may borrow the Java buffer, which intern() would not keep
                            // alive: take over
                            // a native copy, as ArrayCopy.copy does.
                            array.intern(
                                    network.manager().create(values, array.getShape()).add(0f));
                        });
        // BN keeps 0.1 of each batch's statistics: after 30 batches the initial 0 and 1 weigh 4%.
        for (int i = 0; i < 30; i++) {
            try (NDManager scope = network.manager().newSubManager()) {
                network.forward(
                        scope.create(randomImages(random, 4, size), new Shape(4, 3, size, size)),
                        true);
            }
        }
    }

    private static void lastBatchNormOfEachBranch(Layer layer, Set<String> into) {
        if (layer instanceof Layer.Block b && !(b.shortcut() instanceof Layer.NoShortcut)) {
            b.branch().layers().stream()
                    .filter(Layer.BatchNorm.class::isInstance)
                    .reduce((first, second) -> second)
                    .ifPresent(bn -> into.add(((Layer.BatchNorm) bn).name()));
        } else if (layer instanceof Layer.Sequence s) {
            s.layers().forEach(l -> lastBatchNormOfEachBranch(l, into));
        }
    }

    /** Random images at about the spread of mean-subtracted pixels in [0, 1]. */
    static float[] randomImages(Random random, int batch, int size) {
        float[] x = new float[batch * 3 * size * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.25 * random.nextGaussian());
        }
        return x;
    }
}
