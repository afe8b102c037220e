package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Network#prepareInference}: folding BN into the convolutions changes the speed of
 * inference, not its logits. The networks get random BN scales and shifts, and running
 * statistics calibrated on random batches as training would set them (fresh statistics of mean 0
 * and variance 1 would hide a mix-up of them and let the activations grow without bound).
 */
class FoldedInferenceTest {

    /** Largest allowed |folded − unfolded| over the largest |unfolded| logit. */
    private static final double RELATIVE_TOLERANCE = 1e-4;

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(ModelTestSupport.SEED);
    }

    @ParameterizedTest(name = "{0}, stride on {1}, {2}×{2}")
    @CsvSource({"resnet50, 3x3, 64", "resnet50, 1x1, 64", "resnet18, 1x1, 64", "resnet20, 1x1, 32", "plain20, 1x1, 32", "cifar-resnet50, 1x1, 32"})
    void foldedLogitsEqualUnfoldedLogits(String model, String strideOn, int size) {
        ModelSpec spec = ModelRegistry.get(model);
        ModelOptions options = spec.defaults()
                .withStridePlacement(strideOn.equals("3x3") ? StridePlacement.MIDDLE_3X3 : StridePlacement.FIRST_1X1)
                .withClasses(100);
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(options, size), manager)) {
            randomiseBatchNorm(network, manager, size);
            NDArray x = manager.randomNormal(new Shape(3, 3, size, size));

            float[] unfolded = network.forward(x, false).toFloatArray();
            network.prepareInference();
            float[] folded = network.forward(x, false).toFloatArray();

            assertThat(network.inferencePrepared()).isTrue();
            assertThat(relativeDifference(folded, unfolded)).isLessThan(RELATIVE_TOLERANCE);
            assertThat(maxAbs(unfolded)).as("logits of a sane scale").isBetween(1e-2, 1e3);
        }
    }

    @Test
    void trainingDiscardsTheFoldedConvolutionsSoInferenceSeesTheNewStatistics() {
        ModelSpec spec = ModelRegistry.get("resnet20");
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(), manager)) {
            randomiseBatchNorm(network, manager, 32);
            NDArray x = manager.randomNormal(new Shape(2, 3, 32, 32));
            network.prepareInference();
            float[] before = network.forward(x, false).toFloatArray();

            network.forward(manager.randomNormal(2f, 3f, new Shape(8, 3, 32, 32), ai.djl.ndarray.types.DataType.FLOAT32), true);

            assertThat(network.inferencePrepared()).isFalse();
            float[] after = network.forward(x, false).toFloatArray();
            network.prepareInference();
            float[] refolded = network.forward(x, false).toFloatArray();
            assertThat(relativeDifference(after, before)).as("the training step moved the running statistics").isGreaterThan(1e-3);
            assertThat(relativeDifference(refolded, after)).isLessThan(RELATIVE_TOLERANCE);
        }
    }

    @Test
    void releasingRestoresTheUnfoldedPathAndAnObserverStillSeesEveryBatchNorm() {
        ModelSpec spec = ModelRegistry.get("resnet20");
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(), manager)) {
            randomiseBatchNorm(network, manager, 32);
            NDArray x = manager.randomNormal(new Shape(2, 3, 32, 32));
            float[] unfolded = network.forward(x, false).toFloatArray();
            network.prepareInference();
            List<String> seen = new ArrayList<>();

            float[] observed = network.forward(x, false, (conv, response) -> seen.add(conv.name())).toFloatArray();
            network.releaseInference();
            float[] released = network.forward(x, false).toFloatArray();

            assertThat(seen).hasSize(19).startsWith("conv1");
            assertThat(observed).containsExactly(unfolded);
            assertThat(released).containsExactly(unfolded);
            assertThat(network.inferencePrepared()).isFalse();
        }
    }

    /**
     * Random BN scales in [0.5, 1.5) and shifts of std 0.1, then running statistics averaged over
     * training-mode passes on random batches, so that every BN sees activations like its
     * statistics.
     */
    static void randomiseBatchNorm(Network network, NDManager manager, int size) {
        Random random = new Random(7);
        network.parameters().forEach((name, array) -> {
            float[] values = new float[(int) array.size()];
            if (name.endsWith(".gamma")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = 0.5f + random.nextFloat();
                }
                array.set(values);
            } else if (name.endsWith(".beta")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = 0.1f * (float) random.nextGaussian();
                }
                array.set(values);
            }
        });
        for (int i = 0; i < 30; i++) {
            try (NDManager scope = manager.newSubManager()) {
                network.forward(scope.randomNormal(new Shape(4, 3, size, size)), true);
            }
        }
    }

    private static double relativeDifference(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double diff = 0;
        for (int i = 0; i < actual.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
        }
        return diff / maxAbs(expected);
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
