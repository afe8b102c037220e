package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Central finite differences against DJL's autograd, in float64, on a tiny residual net built from
 * the plan records: conv1, a block with an identity shortcut, a block with a projection shortcut
 * (stride 2, 4 → 8 channels), global average pooling and a fully connected layer. In training mode
 * BN's backward through the batch statistics is exercised; in inference mode each convolution runs
 * with the BN after it folded in, and the gradients reach the weights, γ and β through the folding
 * (as a frozen-BN detector trains).
 */
class GradientCheckTest {

    private static final double STEP = 1e-6;
    private static final double RELATIVE_TOLERANCE = 1e-5;
    private static final double ABSOLUTE_TOLERANCE = 1e-8;
    private static final int PROBES_PER_PARAMETER = 3;

    /**
     * Parameters probed: branch convs, the projection, BN scales and shifts, and the classifier.
     */
    private static final List<String> PROBED =
            List.of(
                    "conv1.weight",
                    "conv2_1.branch2a.weight",
                    "conv2_1.branch2b.bn.gamma",
                    "conv3_1.branch2a.weight",
                    "conv3_1.branch2b.bn.beta",
                    "conv3_1.branch1.weight",
                    "conv3_1.branch1.bn.gamma",
                    "fc.weight",
                    "fc.bias");

    @ParameterizedTest(name = "training mode: {0}")
    @ValueSource(booleans = {true, false})
    void autogradAgreesWithFiniteDifferencesThroughIdentityAndProjectionShortcuts(
            boolean training) {
        Engine.getInstance().setRandomSeed(ModelTestSupport.SEED);
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(tinyResidualNet(), manager)) {
            toFloat64WithRandomValues(network, manager);
            NDArray images = manager.randomNormal(0, 1, new Shape(4, 3, 6, 6), DataType.FLOAT64);
            NDArray weights = manager.randomNormal(0, 1, new Shape(4, 3), DataType.FLOAT64);

            Random random = new Random(ModelTestSupport.SEED);
            Map<String, int[]> probes = new LinkedHashMap<>();
            Map<String, double[]> numeric = new LinkedHashMap<>();
            for (String name : PROBED) {
                NDArray param = network.parameters().get(name);
                double[] values = param.toDoubleArray();
                int[] at =
                        random.ints(0, values.length)
                                .distinct()
                                .limit(PROBES_PER_PARAMETER)
                                .toArray();
                double[] slopes = new double[at.length];
                for (int k = 0; k < at.length; k++) {
                    double original = values[at[k]];
                    values[at[k]] = original + STEP;
                    param.set(values);
                    double plus = loss(network, images, weights, training).getDouble();
                    values[at[k]] = original - STEP;
                    param.set(values);
                    double minus = loss(network, images, weights, training).getDouble();
                    values[at[k]] = original;
                    param.set(values);
                    slopes[k] = (plus - minus) / (2 * STEP);
                }
                probes.put(name, at);
                numeric.put(name, slopes);
            }

            network.requireGradients();
            Map<String, double[]> analytic = new LinkedHashMap<>();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(loss(network, images, weights, training));
                for (String name : PROBED) {
                    analytic.put(
                            name, network.parameters().get(name).getGradient().toDoubleArray());
                }
            }

            List<String> compared = new ArrayList<>();
            for (String name : PROBED) {
                int[] at = probes.get(name);
                for (int k = 0; k < at.length; k++) {
                    double expected = numeric.get(name)[k];
                    double actual = analytic.get(name)[at[k]];
                    assertThat(actual)
                            .as("d loss / d %s[%d]", name, at[k])
                            .isCloseTo(
                                    expected,
                                    within(
                                            ABSOLUTE_TOLERANCE
                                                    + RELATIVE_TOLERANCE * Math.abs(expected)));
                    compared.add(name + "[" + at[k] + "]=" + actual);
                }
            }
            assertThat(compared).hasSize(PROBED.size() * PROBES_PER_PARAMETER);
            assertThat(
                            numeric.values().stream()
                                    .flatMapToDouble(Arrays::stream)
                                    .map(Math::abs)
                                    .max()
                                    .orElse(0))
                    .as("the probed gradients are not all zero")
                    .isGreaterThan(1e-3);
        }
    }

    /** A scalar loss that weighs every class score differently: sum(scores ⊙ weights). */
    private static NDArray loss(
            Network network, NDArray images, NDArray weights, boolean training) {
        return network.forward(images, training).mul(weights).sum();
    }

    /**
     * conv1 (3→4), conv2_1 with an identity shortcut, conv3_1 with a stride-2 projection to 8
     * channels, global average pooling and a 3-way fc: the paper's names on a tiny net.
     */
    private static Layer.Sequence tinyResidualNet() {
        Layer.Block identity =
                new Layer.Block(
                        "conv2_1",
                        new Layer.Sequence(
                                "conv2_1.branch2",
                                join(
                                        ResNets.convBn("conv2_1.branch2a", 4, 4, 3, 1, true),
                                        ResNets.convBn("conv2_1.branch2b", 4, 4, 3, 1, false))),
                        new Layer.Identity());
        Layer.Block projection =
                new Layer.Block(
                        "conv3_1",
                        new Layer.Sequence(
                                "conv3_1.branch2",
                                join(
                                        ResNets.convBn("conv3_1.branch2a", 4, 8, 3, 2, true),
                                        ResNets.convBn("conv3_1.branch2b", 8, 8, 3, 1, false))),
                        new Layer.Projection(ResNets.convBn("conv3_1.branch1", 4, 8, 1, 2, false)));
        return new Layer.Sequence(
                "",
                List.of(
                        ResNets.convBn("conv1", 3, 4, 3, 1, true),
                        new Layer.Sequence("conv2_x", List.of(identity)),
                        new Layer.Sequence("conv3_x", List.of(projection)),
                        new Layer.GlobalAvgPool(),
                        new Layer.Linear("fc", 8, 3)));
    }

    private static List<Layer> join(Layer.Sequence... parts) {
        List<Layer> layers = new ArrayList<>();
        for (Layer.Sequence part : parts) {
            layers.addAll(part.layers());
        }
        return layers;
    }

    /**
     * Replaces every parameter and running statistic with a float64 array of the same shape, in
     * place ({@link NDArray#intern} swaps the native handle, so the network's maps keep working).
     * BN scales and shifts get random values too, so that their gradients are not special cases. No
     * array is read before it is replaced: PyTorch arrays cache their data type on first read.
     */
    private static void toFloat64WithRandomValues(Network network, NDManager manager) {
        network.parameters()
                .forEach(
                        (name, array) -> {
                            Shape shape = array.getShape();
                            NDArray replacement =
                                    name.endsWith(".gamma")
                                            ? manager.randomUniform(
                                                    0.5f, 1.5f, shape, DataType.FLOAT64)
                                            : manager.randomNormal(
                                                    0f,
                                                    name.endsWith(".beta") ? 0.1f : 0.5f,
                                                    shape,
                                                    DataType.FLOAT64);
                            array.intern(replacement);
                        });
        network.state()
                .forEach(
                        (name, array) -> {
                            Shape shape = array.getShape();
                            array.intern(
                                    name.endsWith(".running_var")
                                            ? manager.randomUniform(
                                                    0.5f, 2f, shape, DataType.FLOAT64)
                                            : manager.randomNormal(
                                                    0.3f, 0.5f, shape, DataType.FLOAT64));
                        });
        network.parameters()
                .forEach(
                        (name, array) ->
                                assertThat(array.getDataType())
                                        .as(name)
                                        .isEqualTo(DataType.FLOAT64));
    }
}
