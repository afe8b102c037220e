package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.resnetj.model.ModelTestSupport.assertFinite;
import static org.resnetj.model.ModelTestSupport.block;
import static org.resnetj.model.ModelTestSupport.conv;
import static org.resnetj.model.ModelTestSupport.elementCount;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The network that runs a plan: output shapes, options, parameter names and counts, and its fan-in
 * He initialization.
 */
class NetworkTest {

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(ModelTestSupport.SEED);
    }

    @ParameterizedTest(name = "{0} with {1} classes at {2}×{2}")
    @CsvSource({
        "resnet20, 7, 32",
        "plain20, 1, 32",
        "resnet18, 5, 64",
        "resnet50, 100, 64",
        "vgg16, 3, 32"
    })
    void classesOptionSetsTheWidthOfTheOutput(String model, int classes, int size) {
        ModelSpec spec = ModelRegistry.get(model);
        Layer.Sequence plan = spec.plan(spec.defaults().withClasses(classes), size);
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(plan, manager)) {
            NDArray scores =
                    network.forward(manager.randomNormal(new Shape(3, 3, size, size)), true);

            assertThat(scores.getShape()).isEqualTo(new Shape(3, classes));
            assertFinite(scores);
        }
    }

    @ParameterizedTest(name = "{0}×{0}")
    @ValueSource(ints = {64, 97, 224})
    void imagenetNetRunsAtAnyInputSizeWithTheSameParameters(int size) {
        ModelSpec spec = ModelRegistry.get("resnet18");
        Layer.Sequence plan = spec.plan(spec.defaults(), size);
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(plan, manager)) {
            NDArray scores =
                    network.forward(manager.randomNormal(new Shape(1, 3, size, size)), false);

            assertThat(scores.getShape()).isEqualTo(new Shape(1, 1000));
            assertFinite(scores);
            assertThat(elementCount(network)).isEqualTo(11_689_512L);
        }
    }

    @Test
    void vggRejectsAnInputSizeThatIsNotAMultipleOf32() {
        ModelSpec vgg = ModelRegistry.get("vgg16");

        assertThatThrownBy(() -> vgg.plan(vgg.defaults(), 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiple of 32");
    }

    @Test
    void vggFc6TakesTheWholeLastMapOfTheInputSize() {
        ModelSpec vgg = ModelRegistry.get("vgg19");
        Layer.Linear fc6 =
                ModelTestSupport.stage(vgg.plan(vgg.defaults(), 64), "fc").layers().stream()
                        .filter(l -> l instanceof Layer.Linear f && f.name().equals("fc6"))
                        .map(Layer.Linear.class::cast)
                        .findFirst()
                        .orElseThrow();

        assertThat(fc6.in()).isEqualTo(512 * 2 * 2);
        assertThat(fc6.out()).isEqualTo(4096);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "resnet20, B, FIRST_1X1",
        "resnet20, C, FIRST_1X1",
        "plain20, A, FIRST_1X1",
        "resnet18, A, FIRST_1X1",
        "resnet18, C, FIRST_1X1",
        "resnet50, A, MIDDLE_3X3",
        "resnet50, C, FIRST_1X1"
    })
    void complexityCountsExactlyTheElementsOfTheNetworksParameters(
            String model, Shortcut shortcut, StridePlacement placement) {
        ModelSpec spec = ModelRegistry.get(model);
        ModelOptions options =
                spec.defaults().withShortcut(shortcut).withStridePlacement(placement);
        Layer.Sequence plan = spec.plan(options, spec.inputSize());
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(plan, manager)) {
            assertThat(elementCount(network)).isEqualTo(Complexity.params(plan, spec.inputSize()));
        }
    }

    @Test
    void parametersAndStateAreNamedAfterTable1AndTheAuthorsModels() {
        ModelSpec spec = ModelRegistry.get("resnet50");
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(), manager)) {
            var params = network.parameters();

            assertThat(params)
                    .containsKeys(
                            "conv1.weight",
                            "conv1.bn.gamma",
                            "conv1.bn.beta",
                            "conv2_1.branch2a.weight",
                            "conv2_1.branch1.weight",
                            "conv3_1.branch2a.weight",
                            "conv3_1.branch2b.bn.gamma",
                            "conv3_1.branch2c.weight",
                            "conv3_1.branch1.weight",
                            "conv3_1.branch1.bn.beta",
                            "conv5_3.branch2c.bn.gamma",
                            "fc.weight",
                            "fc.bias")
                    .doesNotContainKeys(
                            "conv3_2.branch1.weight", "conv1.bias", "conv3_1.branch2a.bias");
            assertThat(params.get("conv1.weight").getShape()).isEqualTo(new Shape(64, 3, 7, 7));
            assertThat(params.get("conv3_1.branch1.weight").getShape())
                    .isEqualTo(new Shape(512, 256, 1, 1));
            assertThat(params.get("conv3_1.branch2b.weight").getShape())
                    .isEqualTo(new Shape(128, 128, 3, 3));
            assertThat(params.get("fc.weight").getShape()).isEqualTo(new Shape(1000, 2048));
            assertThat(network.state())
                    .containsKeys(
                            "conv1.bn.running_mean",
                            "conv1.bn.running_var",
                            "conv5_3.branch2c.bn.running_var");

            Pattern paperName =
                    Pattern.compile(
                            "(conv1|conv[2-5]_\\d+\\.branch(1|2[abc]))(\\.weight|\\.bn\\.gamma|\\.bn\\.beta)"
                                + "|fc\\.(weight|bias)");
            assertThat(params.keySet()).allMatch(name -> paperName.matcher(name).matches());
            params.forEach((name, array) -> assertThat(array.getName()).isEqualTo(name));
        }
    }

    @Test
    void optionANetHasNoProjectionParameters() {
        ModelSpec spec = ModelRegistry.get("resnet20");
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(), manager)) {
            assertThat(network.parameters().keySet()).noneMatch(name -> name.contains("branch1"));
            assertThat(network.parameters())
                    .containsKeys("conv1.weight", "conv4_3.branch2b.bn.beta", "fc.weight");
        }
    }

    @Test
    void vggParametersAreNamedAfterItsLayersWithConvBiases() {
        ModelSpec spec = ModelRegistry.get("vgg16");
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(spec.defaults(), 32), manager)) {
            assertThat(network.parameters())
                    .containsKeys(
                            "conv1_1.weight",
                            "conv1_1.bias",
                            "conv5_3.weight",
                            "fc6.weight",
                            "fc8.bias")
                    .doesNotContainKeys("conv5_4.weight");
            assertThat(network.state()).isEmpty();
        }
    }

    @Test
    void stridePlacementMovesTheDownsamplingConvOfEachBottleneckStage() {
        ModelSpec spec = ModelRegistry.get("resnet50");
        Layer.Sequence first =
                spec.plan(spec.defaults().withStridePlacement(StridePlacement.FIRST_1X1), 224);
        Layer.Sequence middle =
                spec.plan(spec.defaults().withStridePlacement(StridePlacement.MIDDLE_3X3), 224);

        for (String name : List.of("conv3_1", "conv4_1", "conv5_1")) {
            assertThat(conv(block(first, name), name + ".branch2a").stride()).as(name).isEqualTo(2);
            assertThat(conv(block(first, name), name + ".branch2b").stride()).as(name).isEqualTo(1);
            assertThat(conv(block(middle, name), name + ".branch2a").stride())
                    .as(name)
                    .isEqualTo(1);
            assertThat(conv(block(middle, name), name + ".branch2b").stride())
                    .as(name)
                    .isEqualTo(2);
            assertThat(conv(block(middle, name), name + ".branch2c").stride())
                    .as(name)
                    .isEqualTo(1);
        }
        for (Layer.Sequence plan : List.of(first, middle)) {
            assertThat(conv(block(plan, "conv2_1"), "conv2_1.branch2a").stride()).isEqualTo(1);
            assertThat(conv(block(plan, "conv2_1"), "conv2_1.branch2b").stride()).isEqualTo(1);
        }
    }

    @Test
    void stridePlacementKeepsTheParametersAndChangesTheMultiplyAdds() {
        ModelSpec spec = ModelRegistry.get("resnet50");
        Complexity.Report first =
                Complexity.of(
                        spec.plan(
                                spec.defaults().withStridePlacement(StridePlacement.FIRST_1X1),
                                224),
                        224);
        Complexity.Report middle =
                Complexity.of(
                        spec.plan(
                                spec.defaults().withStridePlacement(StridePlacement.MIDDLE_3X3),
                                224),
                        224);

        assertThat(middle.params()).isEqualTo(first.params()).isEqualTo(25_557_032L);
        assertThat(middle.multAdds()).isGreaterThan(first.multAdds());
        // torchvision's ResNet-50 (stride on the 3×3) costs 4.1×10^9 multiply-adds.
        assertThat((double) middle.multAdds()).isCloseTo(4.1e9, withinPercentage(3));
        assertThat((double) first.multAdds()).isCloseTo(3.8e9, withinPercentage(3));
    }

    @Test
    void bothStridePlacementsGiveTheSameOutputShape() {
        ModelSpec spec = ModelRegistry.get("resnet50");
        for (StridePlacement placement : StridePlacement.values()) {
            Layer.Sequence plan = spec.plan(spec.defaults().withStridePlacement(placement), 64);
            try (NDManager manager = NDManager.newBaseManager();
                    Network network = Network.create(plan, manager)) {
                NDArray scores =
                        network.forward(manager.randomNormal(new Shape(2, 3, 64, 64)), true);
                assertThat(scores.getShape()).as("%s", placement).isEqualTo(new Shape(2, 1000));
            }
        }
    }

    /**
     * The fan-in rule of He et al. (std sqrt(2/fan-in)), told apart from torchvision's fan-out rule
     * (sqrt(2/fan-out)) where the two differ: conv1 (3→64, 7×7) and fc (512→1000); conv4_1's
     * 256→256 3×3 has fan-in equal to fan-out.
     */
    @ParameterizedTest(name = "{0}: fan-in {1}, fan-out {2}")
    @CsvSource({
        "conv1.weight, 147, 3136",
        "conv4_1.branch2b.weight, 2304, 2304",
        "fc.weight, 512, 1000"
    })
    void heInitializationDrawsWeightsWithStdSqrtTwoOverFanIn(String name, int fanIn, int fanOut) {
        ModelSpec spec = ModelRegistry.get("resnet18");
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(), manager)) {
            float[] w = network.parameters().get(name).toFloatArray();
            double mean = 0;
            for (float v : w) {
                mean += v;
            }
            mean /= w.length;
            double var = 0;
            for (float v : w) {
                var += (v - mean) * (v - mean);
            }
            double std = Math.sqrt(var / w.length);

            assertThat(mean).isCloseTo(0, within(1e-3));
            assertThat(std).isCloseTo(Math.sqrt(2.0 / fanIn), withinPercentage(3));
            if (fanOut != fanIn) {
                assertThat(std).isNotCloseTo(Math.sqrt(2.0 / fanOut), withinPercentage(20));
            }
            assertThat(network.parameters().get("conv4_1.branch2b.bn.gamma").toFloatArray())
                    .containsOnly(1f);
            assertThat(network.parameters().get("fc.bias").toFloatArray()).containsOnly(0f);
        }
    }

    /**
     * Inference frees intermediates as it goes: the input, which identity and zero-pad shortcuts
     * read after the branch, must survive, and a second pass must give the same scores.
     */
    @ParameterizedTest
    @CsvSource({"resnet20, A, 32", "plain20, A, 32", "resnet18, B, 48", "resnet50, C, 48"})
    void inferenceThatFreesIntermediatesKeepsItsInputAndRepeatsExactly(
            String model, Shortcut shortcut, int size) {
        ModelSpec spec = ModelRegistry.get(model);
        ModelOptions options =
                spec.residual() ? spec.defaults().withShortcut(shortcut) : spec.defaults();
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(options, size), manager)) {
            NDArray x = manager.randomNormal(new Shape(2, 3, size, size));
            float[] before = x.toFloatArray();
            float[] first = network.forward(x, false).toFloatArray();
            assertThat(x.toFloatArray()).containsExactly(before);
            assertThat(network.forward(x, false).toFloatArray()).containsExactly(first);
        }
    }
}
