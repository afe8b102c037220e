package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link InferenceNetwork}: the compiled TorchScript path (BN folded, oneDNN's layout, packed
 * weights) gives the logits of the eager, unfolded network, for every kind of layer and shortcut
 * the plans have, at batch 1 and above.
 */
class InferenceNetworkTest {

    /** Largest allowed |compiled − eager| over the largest |eager| logit. */
    private static final double RELATIVE_TOLERANCE = 1e-4;

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(ModelTestSupport.SEED);
    }

    @ParameterizedTest(name = "{0}, shortcut {1}, stride on {2}, {3}×{3}, batch {4}")
    @CsvSource({
        "resnet50, B, 3x3, 64, 1",
        "resnet50, B, 1x1, 64, 3",
        "resnet18, C, 1x1, 64, 2",
        "resnet34, A, 1x1, 64, 1",
        "plain18, B, 1x1, 64, 1",
        "resnet20, A, 1x1, 32, 4",
        "resnet20, B, 1x1, 32, 1",
        "plain20, A, 1x1, 32, 2",
        "vgg16, B, 1x1, 32, 2"
    })
    void compiledLogitsEqualEagerLogits(String model, String shortcut, String strideOn, int size, int batch) {
        ModelSpec spec = ModelRegistry.get(model);
        ModelOptions options = spec.defaults()
                .withShortcut(Shortcut.valueOf(shortcut))
                .withStridePlacement(strideOn.equals("3x3") ? StridePlacement.MIDDLE_3X3 : StridePlacement.FIRST_1X1)
                .withClasses(100);
        try (NDManager manager = NDManager.newBaseManager()) {
            Network network = Network.create(spec.plan(options, size), manager);
            ModelTestSupport.randomiseBatchNorm(network, manager, size);
            NDArray x = manager.randomNormal(new Shape(batch, 3, size, size));
            float[] eager = network.forward(x, false).toFloatArray();

            try (InferenceNetwork compiled = InferenceNetwork.compile(network)) {
                NDArray logits = compiled.logits(x);

                assertThat(logits.getShape()).isEqualTo(new Shape(batch, 100));
                assertThat(logits.getManager()).isSameAs(x.getManager());
                float[] values = logits.toFloatArray();
                assertThat(ModelTestSupport.relativeDifference(values, eager)).isLessThan(RELATIVE_TOLERANCE);
                assertThat(ModelTestSupport.maxAbs(eager)).as("logits of a sane scale").isBetween(1e-2, 1e3);
                assertThat(compiled.logits(x).toFloatArray()).as("a second batch through the same weights").containsExactly(values);
            }
        }
    }

    @Test
    void aNetworkThatWasTrainingCompilesToItsInferenceLogits() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Network network = Network.create(ModelRegistry.get("resnet20").plan(), manager);
            network.requireGradients();
            ModelTestSupport.randomiseBatchNorm(network, manager, 32);
            NDArray x = manager.randomNormal(new Shape(2, 3, 32, 32));
            float[] eager = network.forward(x, false).toFloatArray();

            try (InferenceNetwork compiled = InferenceNetwork.compile(network)) {
                assertThat(ModelTestSupport.relativeDifference(compiled.logits(x).toFloatArray(), eager)).isLessThan(RELATIVE_TOLERANCE);
            }
        }
    }

    @Test
    void compilingConsumesTheNetworkAndTheCompiledOneOwnsItsWeights() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Network network = Network.create(ModelRegistry.get("resnet20").plan(), manager);
            NDArray conv1 = network.parameters().get("conv1.weight");
            NDArray fc = network.parameters().get("fc.weight");
            List<Path> before = moduleFiles();
            InferenceNetwork compiled = InferenceNetwork.compile(network);

            assertThat(moduleFiles()).as("the module's temporary file is deleted once loaded").isEqualTo(before);

            if (HiddenCaches.active()) {
                assertThat(conv1.getManager()).as("the folded dense weights move to the compiled network").isSameAs(compiled.manager());
            } else {
                assertThat(conv1.isReleased()).as("the dense weights are freed once packed").isTrue();
            }
            assertThat(network.manager().isOpen()).isFalse();
            assertThat(fc.getManager()).isSameAs(compiled.manager());
            assertThat(compiled.plan()).isSameAs(network.plan());

            compiled.close();
            assertThat(fc.isReleased()).isTrue();
            assertThat(conv1.isReleased()).isTrue();
            assertThat(compiled.manager().isOpen()).isFalse();
        }
    }

    private static List<Path> moduleFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(f -> f.getFileName().toString().startsWith("resnetj-inference-")).sorted().toList();
        }
    }
}
