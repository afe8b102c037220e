package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Option A where the dimensions increase (Section 3.3): the shortcut takes every second pixel and
 * appends zero channels. Checked on resnet20's own conv3_1 block (16 → 32 channels, stride 2) with
 * its branch silenced, so that the block's output is relu(shortcut(x)), in inference and, through
 * its gradient, in training.
 */
class ZeroPadShortcutTest {

    private static final int IN = 16;
    private static final int OUT = 32;
    private static final int BATCH = 2;

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(ModelTestSupport.SEED);
    }

    @ParameterizedTest(name = "{0}×{0} input")
    @ValueSource(ints = {5, 8})
    void zeroPaddedShortcutSubsamplesByTwoAndAppendsZeroChannels(int size) {
        Layer.Block block = ModelTestSupport.block(ModelRegistry.get("resnet20").plan(), "conv3_1");
        assertThat(block.shortcut()).isEqualTo(new Layer.ZeroPad(2, IN, OUT));

        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(new Layer.Sequence("", List.of(block)), manager)) {
            // Zero conv weights: in inference mode each BN then gives gamma·(0 − 0)/sqrt(1 + eps) +
            // 0.
            network.parameters()
                    .forEach(
                            (name, array) -> {
                                if (name.endsWith(".weight")) {
                                    array.set(new float[(int) array.size()]);
                                }
                            });
            float[] x = manager.randomNormal(new Shape(BATCH, IN, size, size)).toFloatArray();

            var output =
                    network.forward(manager.create(x, new Shape(BATCH, IN, size, size)), false);

            int half = (size + 1) / 2;
            assertThat(output.getShape()).isEqualTo(new Shape(BATCH, OUT, half, half));
            float[] y = output.toFloatArray();
            for (int n = 0; n < BATCH; n++) {
                for (int c = 0; c < OUT; c++) {
                    for (int i = 0; i < half; i++) {
                        for (int j = 0; j < half; j++) {
                            float expected =
                                    c < IN
                                            ? Math.max(
                                                    0f,
                                                    x[((n * IN + c) * size + 2 * i) * size + 2 * j])
                                            : 0f;
                            float actual = y[((n * OUT + c) * half + i) * half + j];
                            assertThat(actual).as("y[%d,%d,%d,%d]", n, c, i, j).isEqualTo(expected);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}×{0} input")
    @ValueSource(ints = {5, 8})
    void inTrainingTheGradientReachesExactlyTheSubsampledPixels(int size) {
        Layer.Block block = ModelTestSupport.block(ModelRegistry.get("resnet20").plan(), "conv3_1");
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(new Layer.Sequence("", List.of(block)), manager)) {
            // Zero conv weights: in training mode each BN then gives its shift, 0, so the block
            // computes relu(shortcut(x)), and d(sum(r * block(x)))/dx is r at the kept pixels
            // where x > 0 and 0 everywhere else.
            network.parameters()
                    .forEach(
                            (name, array) -> {
                                if (name.endsWith(".weight")) {
                                    array.set(new float[(int) array.size()]);
                                }
                            });
            int half = (size + 1) / 2;
            float[] x = manager.randomNormal(new Shape(BATCH, IN, size, size)).toFloatArray();
            float[] r = manager.randomNormal(new Shape(BATCH, OUT, half, half)).toFloatArray();
            NDArray input = manager.create(x, new Shape(BATCH, IN, size, size));
            input.setRequiresGradient(true);

            float[] gradient;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray output = network.forward(input, true);
                collector.backward(
                        output.mul(manager.create(r, new Shape(BATCH, OUT, half, half))).sum());
                gradient = input.getGradient().toFloatArray();
            }

            for (int n = 0; n < BATCH; n++) {
                for (int c = 0; c < IN; c++) {
                    for (int i = 0; i < size; i++) {
                        for (int j = 0; j < size; j++) {
                            int at = ((n * IN + c) * size + i) * size + j;
                            boolean kept = i % 2 == 0 && j % 2 == 0 && x[at] > 0;
                            float expected =
                                    kept ? r[((n * OUT + c) * half + i / 2) * half + j / 2] : 0f;
                            assertThat(gradient[at])
                                    .as("dx[%d,%d,%d,%d]", n, c, i, j)
                                    .isEqualTo(expected);
                        }
                    }
                }
            }
        }
    }
}
