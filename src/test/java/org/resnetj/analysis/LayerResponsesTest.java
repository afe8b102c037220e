package org.resnetj.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.resnetj.data.CifarImages;
import org.resnetj.data.CifarPresets;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;

/**
 * The Fig. 7 statistic: which layers it measures, and its value on a hand-built net whose responses
 * are computed independently, in plain Java and double precision.
 */
class LayerResponsesTest {

    private static final int IMAGES = 10;

    /**
     * conv1 (3×3, 3→2) BN ReLU, conv2 (1×1, 2→2) BN ReLU, conv3 (3×3, stride 2, 2→3) BN, pool, fc:
     * two 3×3 layers, one on the net's input and one on a map that went through a 1×1.
     */
    private static Layer.Sequence handBuiltPlan() {
        return new Layer.Sequence(
                "",
                List.of(
                        new Layer.Sequence(
                                "conv1",
                                List.of(
                                        new Layer.Conv("conv1", 3, 2, 3, 1, 1, false),
                                        new Layer.BatchNorm("conv1.bn", 2),
                                        new Layer.Relu())),
                        new Layer.Sequence(
                                "conv2",
                                List.of(
                                        new Layer.Conv("conv2", 2, 2, 1, 1, 0, false),
                                        new Layer.BatchNorm("conv2.bn", 2),
                                        new Layer.Relu())),
                        new Layer.Sequence(
                                "conv3",
                                List.of(
                                        new Layer.Conv("conv3", 2, 3, 3, 2, 1, false),
                                        new Layer.BatchNorm("conv3.bn", 3))),
                        new Layer.GlobalAvgPool(),
                        new Layer.Linear("fc", 3, 10)));
    }

    /** Known weights and BN statistics, drawn from a fixed seed. */
    private static final class Weights {
        final float[][] conv = new float[3][];
        final float[][] gamma = new float[3][];
        final float[][] beta = new float[3][];
        final float[][] runningMean = new float[3][];
        final float[][] runningVar = new float[3][];

        Weights(long seed) {
            Random random = new Random(seed);
            int[][] shapes = {{2, 3, 3}, {2, 2, 1}, {3, 2, 3}};
            for (int l = 0; l < 3; l++) {
                int out = shapes[l][0];
                conv[l] =
                        uniform(
                                random,
                                out * shapes[l][1] * shapes[l][2] * shapes[l][2],
                                -0.5,
                                0.5);
                gamma[l] = uniform(random, out, 0.5, 2);
                beta[l] = uniform(random, out, -1, 1);
                runningMean[l] = uniform(random, out, -0.3, 0.3);
                runningVar[l] = uniform(random, out, 0.2, 3);
            }
        }

        void copyInto(Network network) {
            String[] names = {"conv1", "conv2", "conv3"};
            for (int l = 0; l < 3; l++) {
                network.parameters().get(names[l] + ".weight").set(conv[l]);
                network.parameters().get(names[l] + ".bn.gamma").set(gamma[l]);
                network.parameters().get(names[l] + ".bn.beta").set(beta[l]);
                network.state().get(names[l] + ".bn.running_mean").set(runningMean[l]);
                network.state().get(names[l] + ".bn.running_var").set(runningVar[l]);
            }
        }

        private static float[] uniform(Random random, int n, double low, double high) {
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = (float) (low + (high - low) * random.nextDouble());
            }
            return values;
        }
    }

    private static CifarImages images(long seed) {
        Random random = new Random(seed);
        byte[] pixels = new byte[IMAGES * CifarImages.IMAGE_SIZE];
        random.nextBytes(pixels);
        byte[] labels = new byte[IMAGES];
        return CifarImages.of(pixels, labels);
    }

    private static float[] pixelMean(long seed) {
        Random random = new Random(seed);
        float[] mean = new float[CifarImages.IMAGE_SIZE];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = 0.3f + 0.4f * random.nextFloat();
        }
        return mean;
    }

    @Test
    void constantResponsesOfPlusAndMinusOneHaveStdOne() {
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(handBuiltPlan(), manager)) {
            // Zero weights make conv1's output 0, so its BN gives beta everywhere: +1 on one
            // channel,
            // −1 on the other, the same number of each, whose std is exactly 1.
            network.parameters().get("conv1.weight").set(new float[2 * 3 * 3 * 3]);
            network.state().get("conv1.bn.running_mean").set(new float[] {0, 0});
            network.parameters().get("conv1.bn.beta").set(new float[] {1, -1});

            List<LayerResponses.LayerStd> stds =
                    LayerResponses.measure(network, images(1), pixelMean(2), 4);

            assertThat(stds.get(0).layer()).isEqualTo("conv1");
            assertThat(stds.get(0).std()).isCloseTo(1.0, within(1e-12));
        }
    }

    @Test
    void stdMatchesAnIndependentComputationInDouble() {
        Weights weights = new Weights(7);
        CifarImages images = images(3);
        float[] mean = pixelMean(4);
        double[] expected = reference(weights, images, mean);
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(handBuiltPlan(), manager)) {
            weights.copyInto(network);

            List<LayerResponses.LayerStd> stds = LayerResponses.measure(network, images, mean, 3);

            assertThat(stds)
                    .extracting(LayerResponses.LayerStd::layer)
                    .containsExactly("conv1", "conv3");
            assertThat(stds.get(0).std()).isCloseTo(expected[0], withinPercentage(1e-3));
            assertThat(stds.get(1).std()).isCloseTo(expected[1], withinPercentage(1e-3));
            // Guards against a vacuous pass: the two layers' responses differ in spread.
            assertThat(expected[0]).isNotCloseTo(expected[1], withinPercentage(1));
        }
    }

    @Test
    void batchSizeDoesNotChangeTheStd() {
        Weights weights = new Weights(11);
        CifarImages images = images(5);
        float[] mean = pixelMean(6);
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(handBuiltPlan(), manager)) {
            weights.copyInto(network);

            List<LayerResponses.LayerStd> one = LayerResponses.measure(network, images, mean, 1);
            List<LayerResponses.LayerStd> seven = LayerResponses.measure(network, images, mean, 7);
            List<LayerResponses.LayerStd> all =
                    LayerResponses.measure(network, images, mean, IMAGES);

            for (int l = 0; l < one.size(); l++) {
                assertThat(seven.get(l).std()).isCloseTo(one.get(l).std(), withinPercentage(1e-4));
                assertThat(all.get(l).std()).isCloseTo(one.get(l).std(), withinPercentage(1e-4));
            }
        }
    }

    @Test
    void mergingPartsGivesTheMomentsOfTheWhole() {
        Random random = new Random(9);
        double[] values = new double[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = 1e3 + random.nextGaussian() * (i % 3 + 1);
        }
        LayerResponses.Moments parts = new LayerResponses.Moments();
        int[] cuts = {0, 1, 2, 250, 251, 700, 1000};
        for (int c = 0; c + 1 < cuts.length; c++) {
            double[] part = Arrays.copyOfRange(values, cuts[c], cuts[c + 1]);
            double partMean = Arrays.stream(part).average().orElseThrow();
            parts.merge(
                    part.length,
                    partMean,
                    Arrays.stream(part).map(v -> (v - partMean) * (v - partMean)).sum());
        }

        assertThat(parts.count()).isEqualTo(values.length);
        assertThat(parts.std()).isCloseTo(twoPassStd(values), withinPercentage(1e-9));
    }

    @Test
    void cifarResnet20MeasuresConv1AndEveryBranchConv() {
        List<String> layers = LayerResponses.layers(ModelRegistry.get("resnet20").plan());

        assertThat(layers).hasSize(19);
        List<String> expected = new ArrayList<>(List.of("conv1"));
        for (int stage = 2; stage <= 4; stage++) {
            for (int block = 1; block <= 3; block++) {
                expected.add("conv" + stage + "_" + block + ".branch2a");
                expected.add("conv" + stage + "_" + block + ".branch2b");
            }
        }
        assertThat(layers).containsExactlyElementsOf(expected);
        assertThat(LayerResponses.layers(ModelRegistry.get("plain20").plan()))
                .containsExactlyElementsOf(expected);
    }

    @Test
    void imagenetResnet50MeasuresOnlyTheBottlenecks3x3s() {
        List<String> layers = LayerResponses.layers(ModelRegistry.get("resnet50").plan());

        assertThat(layers).hasSize(16);
        assertThat(layers).allMatch(name -> name.endsWith(".branch2b"));
        assertThat(layers.get(0)).isEqualTo("conv2_1.branch2b");
        assertThat(layers.get(15)).isEqualTo("conv5_3.branch2b");
    }

    @Test
    void theNetworkReportsTheListedLayersInTheirOrder() {
        ModelSpec spec = ModelRegistry.get("resnet18");
        Layer.Sequence plan = spec.plan(spec.defaults(), 64);
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(plan, manager)) {
            List<String> seen = new ArrayList<>();
            network.forward(
                    manager.randomNormal(new Shape(1, 3, 64, 64)),
                    false,
                    (conv, response) -> {
                        if (conv.kernel() == 3) {
                            seen.add(conv.name());
                        }
                    });

            assertThat(seen).containsExactlyElementsOf(LayerResponses.layers(plan)).hasSize(16);
        }
    }

    /** Both 3×3 layers' response stds, computed image by image in double, then in two passes. */
    private static double[] reference(Weights w, CifarImages images, float[] mean) {
        List<Double> conv1 = new ArrayList<>();
        List<Double> conv3 = new ArrayList<>();
        float[] input = new float[CifarImages.IMAGE_SIZE];
        for (int i = 0; i < images.size(); i++) {
            CifarPresets.eval(images, i, mean, input, 0);
            double[][][] x = new double[3][32][32];
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 32; h++) {
                    for (int v = 0; v < 32; v++) {
                        x[c][h][v] = input[(c * 32 + h) * 32 + v];
                    }
                }
            }
            double[][][] a = bn(conv(x, w.conv[0], 2, 3, 1, 1), w, 0);
            collect(a, conv1);
            double[][][] b = relu(bn(conv(relu(a), w.conv[1], 2, 1, 1, 0), w, 1));
            collect(bn(conv(b, w.conv[2], 3, 3, 2, 1), w, 2), conv3);
        }
        return new double[] {
            twoPassStd(conv1.stream().mapToDouble(Double::doubleValue).toArray()),
            twoPassStd(conv3.stream().mapToDouble(Double::doubleValue).toArray())
        };
    }

    private static double[][][] conv(
            double[][][] x, float[] weight, int out, int k, int stride, int pad) {
        int in = x.length;
        int size = x[0].length;
        int outSize = (size + 2 * pad - k) / stride + 1;
        double[][][] y = new double[out][outSize][outSize];
        for (int o = 0; o < out; o++) {
            for (int h = 0; h < outSize; h++) {
                for (int v = 0; v < outSize; v++) {
                    double sum = 0;
                    for (int c = 0; c < in; c++) {
                        for (int i = 0; i < k; i++) {
                            for (int j = 0; j < k; j++) {
                                int r = h * stride - pad + i;
                                int s = v * stride - pad + j;
                                if (r >= 0 && r < size && s >= 0 && s < size) {
                                    sum += weight[((o * in + c) * k + i) * k + j] * x[c][r][s];
                                }
                            }
                        }
                    }
                    y[o][h][v] = sum;
                }
            }
        }
        return y;
    }

    private static double[][][] bn(double[][][] x, Weights w, int layer) {
        double[][][] y = new double[x.length][][];
        for (int c = 0; c < x.length; c++) {
            double scale =
                    w.gamma[layer][c]
                            / Math.sqrt(w.runningVar[layer][c] + (double) Network.BN_EPSILON);
            y[c] = new double[x[c].length][x[c].length];
            for (int h = 0; h < x[c].length; h++) {
                for (int v = 0; v < x[c].length; v++) {
                    y[c][h][v] = (x[c][h][v] - w.runningMean[layer][c]) * scale + w.beta[layer][c];
                }
            }
        }
        return y;
    }

    private static double[][][] relu(double[][][] x) {
        double[][][] y = new double[x.length][x[0].length][x[0].length];
        for (int c = 0; c < x.length; c++) {
            for (int h = 0; h < x[c].length; h++) {
                for (int v = 0; v < x[c].length; v++) {
                    y[c][h][v] = Math.max(0, x[c][h][v]);
                }
            }
        }
        return y;
    }

    private static void collect(double[][][] x, List<Double> into) {
        for (double[][] plane : x) {
            for (double[] row : plane) {
                for (double value : row) {
                    into.add(value);
                }
            }
        }
    }

    private static double twoPassStd(double[] values) {
        double mean = Arrays.stream(values).average().orElseThrow();
        double squares = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum();
        return Math.sqrt(squares / values.length);
    }
}
