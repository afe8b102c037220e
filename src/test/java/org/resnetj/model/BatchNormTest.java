package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * BN as the network runs it, against values computed by hand in double precision. Scale, shift and
 * running statistics are all different and far from their initial values, so that a swap of any two
 * of them changes the result. DJL's PtNDArrayEx passes runningMean, runningVar, gamma, beta to a
 * JniUtils.batchNorm whose parameters are named gamma, beta, runningMean, runningVar; the native
 * function takes running mean, running variance, weight, bias, so only the names are wrong, and
 * these tests pin that the values land where they belong.
 */
class BatchNormTest {

    private static final int N = 4;
    private static final int C = 3;
    private static final int H = 2;
    private static final int W = 3;

    private static final float[] GAMMA = {1.5f, -0.5f, 2.0f};
    private static final float[] BETA = {0.3f, -1.2f, 0.7f};
    private static final float[] RUNNING_MEAN = {0.2f, -0.4f, 1.0f};
    private static final float[] RUNNING_VAR = {0.5f, 2.0f, 1.5f};

    private static final double TOLERANCE = 1e-4;

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(ModelTestSupport.SEED);
    }

    @Test
    void trainingModeNormalizesWithBatchStatisticsAndUpdatesRunningAveragesAsPyTorchDoes() {
        try (NDManager manager = NDManager.newBaseManager();
                Network network = bnNetwork(manager)) {
            float[] x = input(manager);

            float[] y =
                    network.forward(manager.create(x, new Shape(N, C, H, W)), true).toFloatArray();

            int m = N * H * W;
            for (int c = 0; c < C; c++) {
                double mean = channelMean(x, c);
                double biasedVar = channelSquares(x, c, mean) / m;
                double unbiasedVar = channelSquares(x, c, mean) / (m - 1);
                for (int n = 0; n < N; n++) {
                    for (int i = 0; i < H * W; i++) {
                        int at = index(n, c, i);
                        double expected =
                                GAMMA[c]
                                                * (x[at] - mean)
                                                / Math.sqrt(biasedVar + Network.BN_EPSILON)
                                        + BETA[c];
                        assertThat((double) y[at])
                                .as("y[%d,%d,%d]", n, c, i)
                                .isCloseTo(expected, within(TOLERANCE));
                    }
                }
                // running = 0.9·running + 0.1·batch, with the unbiased batch variance (PyTorch).
                assertThat((double) runningMean(network)[c])
                        .as("running mean of channel %d", c)
                        .isCloseTo(0.9 * RUNNING_MEAN[c] + 0.1 * mean, within(TOLERANCE));
                assertThat((double) runningVar(network)[c])
                        .as("running variance of channel %d", c)
                        .isCloseTo(0.9 * RUNNING_VAR[c] + 0.1 * unbiasedVar, within(TOLERANCE));
            }
            assertThat(network.parameters().get("bn.gamma").toFloatArray()).containsExactly(GAMMA);
            assertThat(network.parameters().get("bn.beta").toFloatArray()).containsExactly(BETA);
        }
    }

    @Test
    void inferenceModeNormalizesWithRunningStatisticsAndUpdatesNothing() {
        try (NDManager manager = NDManager.newBaseManager();
                Network network = bnNetwork(manager)) {
            float[] x = input(manager);

            float[] y =
                    network.forward(manager.create(x, new Shape(N, C, H, W)), false).toFloatArray();

            for (int c = 0; c < C; c++) {
                for (int n = 0; n < N; n++) {
                    for (int i = 0; i < H * W; i++) {
                        int at = index(n, c, i);
                        double expected =
                                GAMMA[c]
                                                * (x[at] - RUNNING_MEAN[c])
                                                / Math.sqrt(RUNNING_VAR[c] + Network.BN_EPSILON)
                                        + BETA[c];
                        assertThat((double) y[at])
                                .as("y[%d,%d,%d]", n, c, i)
                                .isCloseTo(expected, within(TOLERANCE));
                    }
                }
            }
            assertThat(runningMean(network)).containsExactly(RUNNING_MEAN);
            assertThat(runningVar(network)).containsExactly(RUNNING_VAR);
        }
    }

    @Test
    void inferenceModeFoldedIntoTheConvolutionBeforeItGivesConvolutionThenBn() {
        float[] weight = {0.5f, -1f, 2f, 1.5f, 0.25f, -0.5f, -2f, 1f, 0.75f}; // 3×3, out × in
        Layer.Sequence plan =
                new Layer.Sequence(
                        "",
                        List.of(
                                new Layer.Conv("conv", C, C, 1, 1, 0, false),
                                new Layer.BatchNorm("bn", C)));
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(plan, manager)) {
            network.parameters().get("conv.weight").set(weight);
            network.parameters().get("bn.gamma").set(GAMMA);
            network.parameters().get("bn.beta").set(BETA);
            network.state().get("bn.running_mean").set(RUNNING_MEAN);
            network.state().get("bn.running_var").set(RUNNING_VAR);
            float[] x = input(manager);

            float[] y =
                    network.forward(manager.create(x, new Shape(N, C, H, W)), false).toFloatArray();

            for (int o = 0; o < C; o++) {
                for (int n = 0; n < N; n++) {
                    for (int i = 0; i < H * W; i++) {
                        double conv = 0;
                        for (int c = 0; c < C; c++) {
                            conv += weight[o * C + c] * (double) x[index(n, c, i)];
                        }
                        double expected =
                                GAMMA[o]
                                                * (conv - RUNNING_MEAN[o])
                                                / Math.sqrt(RUNNING_VAR[o] + Network.BN_EPSILON)
                                        + BETA[o];
                        assertThat((double) y[index(n, o, i)])
                                .as("y[%d,%d,%d]", n, o, i)
                                .isCloseTo(expected, within(TOLERANCE));
                    }
                }
            }
            assertThat(runningMean(network)).containsExactly(RUNNING_MEAN);
            assertThat(runningVar(network)).containsExactly(RUNNING_VAR);
        }
    }

    @Test
    void repeatedTrainingStepsKeepAnExponentialAverageOfTheBatchMeans() {
        try (NDManager manager = NDManager.newBaseManager();
                Network network = bnNetwork(manager)) {
            double expected = RUNNING_MEAN[0];
            for (int step = 0; step < 3; step++) {
                float[] x = input(manager);
                network.forward(manager.create(x, new Shape(N, C, H, W)), true);
                expected = 0.9 * expected + 0.1 * channelMean(x, 0);
            }

            assertThat((double) runningMean(network)[0]).isCloseTo(expected, within(TOLERANCE));
        }
    }

    @Test
    void inferenceLeavesEveryParameterAndRunningStatisticOfAResNetUnchanged() {
        ModelSpec spec = ModelRegistry.get("resnet20");
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(), manager)) {
            Map<String, float[]> before = snapshot(network);

            network.forward(
                    manager.randomNormal(2f, 3f, new Shape(2, 3, 32, 32), DataType.FLOAT32), false);

            Map<String, float[]> after = snapshot(network);
            assertThat(after).hasSameSizeAs(before);
            before.forEach(
                    (name, values) -> assertThat(after.get(name)).as(name).containsExactly(values));
        }
    }

    @Test
    void trainingUpdatesEveryRunningStatisticOfAResNetAndNoParameter() {
        ModelSpec spec = ModelRegistry.get("resnet20");
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(), manager)) {
            Map<String, float[]> before = snapshot(network);

            network.forward(
                    manager.randomNormal(2f, 3f, new Shape(2, 3, 32, 32), DataType.FLOAT32), true);

            Map<String, float[]> after = snapshot(network);
            for (String name : network.state().keySet()) {
                assertThat(Arrays.equals(after.get(name), before.get(name)))
                        .as("%s changed", name)
                        .isFalse();
            }
            for (String name : network.parameters().keySet()) {
                assertThat(after.get(name)).as(name).containsExactly(before.get(name));
            }
        }
    }

    /** A plan of one BN named {@code bn}, with non-trivial scale, shift and running statistics. */
    private static Network bnNetwork(NDManager manager) {
        Network network =
                Network.create(
                        new Layer.Sequence("", List.of(new Layer.BatchNorm("bn", C))), manager);
        network.parameters().get("bn.gamma").set(GAMMA);
        network.parameters().get("bn.beta").set(BETA);
        network.state().get("bn.running_mean").set(RUNNING_MEAN);
        network.state().get("bn.running_var").set(RUNNING_VAR);
        return network;
    }

    /** An NCHW batch whose channels have different means and spreads. */
    private static float[] input(NDManager manager) {
        float[] x = manager.randomNormal(new Shape(N, C, H, W)).toFloatArray();
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < C; c++) {
                for (int i = 0; i < H * W; i++) {
                    x[index(n, c, i)] = x[index(n, c, i)] * (c + 1) + 2 * c - 1;
                }
            }
        }
        return x;
    }

    private static int index(int n, int c, int i) {
        return (n * C + c) * H * W + i;
    }

    private static double channelMean(float[] x, int c) {
        double sum = 0;
        for (int n = 0; n < N; n++) {
            for (int i = 0; i < H * W; i++) {
                sum += x[index(n, c, i)];
            }
        }
        return sum / (N * H * W);
    }

    private static double channelSquares(float[] x, int c, double mean) {
        double sum = 0;
        for (int n = 0; n < N; n++) {
            for (int i = 0; i < H * W; i++) {
                double d = x[index(n, c, i)] - mean;
                sum += d * d;
            }
        }
        return sum;
    }

    private static float[] runningMean(Network network) {
        return network.state().get("bn.running_mean").toFloatArray();
    }

    private static float[] runningVar(Network network) {
        return network.state().get("bn.running_var").toFloatArray();
    }

    private static Map<String, float[]> snapshot(Network network) {
        Map<String, float[]> values = new LinkedHashMap<>();
        network.parameters().forEach((name, array) -> values.put(name, array.toFloatArray()));
        network.state().forEach((name, array) -> values.put(name, array.toFloatArray()));
        return values;
    }
}
