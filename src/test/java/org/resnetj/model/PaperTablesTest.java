package org.resnetj.model;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.resnetj.model.ModelTestSupport.assertFinite;
import static org.resnetj.model.ModelTestSupport.elementCount;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The registry against the paper's tables: one parameterized test per family checks every
 * registered model's parameter count and multiply-adds against the paper's tables (and exact counts
 * computed independently from the layer shapes), and runs a forward pass on a small batch to check
 * the output shape.
 */
class PaperTablesTest {

    /**
     * What the paper states about one model at its own input size; null where it states nothing.
     *
     * @param params the exact number of trainable parameters at the model's default options
     * @param multAdds the multiply-adds for one image, matched within ±3%
     */
    private record Expected(Long params, Double multAdds) {}

    private static final double MULT_ADD_TOLERANCE_PERCENT = 3;

    private static final int BATCH = 2;

    /**
     * Table 6 with the exact counts (option A, 10 classes; the paper rounds them). A plain net has
     * exactly its option-A counterpart's count (Section 4.2: "the same number of parameters").
     */
    private static final Map<String, Expected> CIFAR10 =
            Map.ofEntries(
                    entry("resnet20", params(269_722)),
                    entry("resnet32", params(464_154)),
                    entry("resnet44", params(658_586)),
                    entry("resnet56", params(853_018)),
                    entry("resnet110", params(1_727_962)),
                    entry("resnet1202", params(19_421_274)),
                    entry("plain20", params(269_722)),
                    entry("plain32", params(464_154)),
                    entry("plain44", params(658_586)),
                    entry("plain56", params(853_018)),
                    entry("plain110", params(1_727_962)));

    /**
     * Table 1 (FLOPs at 224×224, stride on the first 1×1) and the exact option-B counts
     * (torchvision's models have the same) at 1000 classes. The paper gives no count for
     * plain18/50/101/152 and no FLOPs for them except plain34 (Fig. 3);
     * ShortcutParameterRelationsTest derives their counts instead.
     */
    private static final Map<String, Expected> IMAGENET =
            Map.ofEntries(
                    entry("resnet18", new Expected(11_689_512L, 1.8e9)),
                    entry("resnet34", new Expected(21_797_672L, 3.6e9)),
                    entry("resnet50", new Expected(25_557_032L, 3.8e9)),
                    entry("resnet101", new Expected(44_549_160L, 7.6e9)),
                    entry("resnet152", new Expected(60_192_808L, 11.3e9)),
                    entry("plain18", new Expected(null, null)),
                    entry("plain34", new Expected(null, 3.6e9)),
                    entry("plain50", new Expected(null, null)),
                    entry("plain101", new Expected(null, null)),
                    entry("plain152", new Expected(null, null)));

    /**
     * Fig. 3 and Table 3 give VGG's multiply-adds. The counts are configurations D and E of
     * Simonyan and Zisserman (138M and 144M in their Table 2), exactly as torchvision counts them.
     */
    private static final Map<String, Expected> REFERENCE =
            Map.ofEntries(
                    entry("vgg16", new Expected(138_357_544L, 15.3e9)),
                    entry("vgg19", new Expected(143_667_240L, 19.6e9)));

    private static final Map<String, Map<String, Expected>> TABLES =
            Map.of("cifar10", CIFAR10, "imagenet", IMAGENET, "reference", REFERENCE);

    private static Expected params(long count) {
        return new Expected(count, null);
    }

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(ModelTestSupport.SEED);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cifar10", "imagenet", "reference"})
    void everyRegisteredModelHasAnExpectationAndEveryExpectationIsRegistered(String family) {
        var registered =
                ModelRegistry.named().stream()
                        .filter(s -> s.family().toString().equals(family))
                        .map(ModelSpec::name)
                        .collect(Collectors.toSet());
        assertThat(registered)
                .as("registered %s models", family)
                .isEqualTo(TABLES.get(family).keySet());
    }

    static Stream<Named<ModelSpec>> cifar10() {
        return ModelTestSupport.family("cifar10");
    }

    static Stream<Named<ModelSpec>> imagenet() {
        return ModelTestSupport.family("imagenet");
    }

    static Stream<Named<ModelSpec>> reference() {
        return ModelTestSupport.family("reference");
    }

    /** Fully convolutional too, the CIFAR-10 nets run on 16×16 images, resnet1202 included. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cifar10")
    void cifarNetHasTable6SizeAndGivesTenScoresPerImage(ModelSpec spec) {
        checkAgainstPaper(spec, CIFAR10, 16);
    }

    /**
     * Fully convolutional up to the global pool, the ImageNet nets run on 32×32 images: conv5_x
     * then has 1×1 maps, and BN in training mode still sees two values per channel.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("imagenet")
    void imagenetNetHasTable1SizeAndCostAndGivesThousandScoresPerImage(ModelSpec spec) {
        checkAgainstPaper(spec, IMAGENET, 32);
    }

    /** VGG's fc6 sees the whole last map, so it runs on the smallest size it takes: 32×32. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("reference")
    void vggHasFig3CostAndGivesThousandScoresPerImage(ModelSpec spec) {
        checkAgainstPaper(spec, REFERENCE, 32);
    }

    /**
     * Counts the model at its paper input size against the table, then runs a batch at {@code
     * runSize} and checks the output shape, that it is finite, and that the network owns exactly
     * the parameters that {@link Complexity} counts for that plan.
     *
     * <p>The batch runs in training mode. At initialization the running statistics (mean 0,
     * variance 1) make every BN an identity in inference mode, so each residual addition about
     * doubles the signal's variance: resnet1202's 600 additions overflow float32. Batch statistics
     * keep every branch normalized, as in training.
     */
    private static void checkAgainstPaper(
            ModelSpec spec, Map<String, Expected> table, int runSize) {
        Expected expected = table.get(spec.name());
        assertThat(expected).as("expectation for %s", spec.name()).isNotNull();

        Complexity.Report report = Complexity.of(spec.plan(), spec.inputSize());
        if (expected.params() != null) {
            assertThat(report.params())
                    .as("parameters of %s", spec.name())
                    .isEqualTo(expected.params());
        }
        if (expected.multAdds() != null) {
            assertThat((double) report.multAdds())
                    .as(
                            "multiply-adds of %s at %d×%d",
                            spec.name(), spec.inputSize(), spec.inputSize())
                    .isCloseTo(expected.multAdds(), withinPercentage(MULT_ADD_TOLERANCE_PERCENT));
        }

        Layer.Sequence plan = spec.plan(spec.defaults(), runSize);
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(plan, manager)) {
            NDArray images = manager.randomNormal(new Shape(BATCH, 3, runSize, runSize));
            NDArray scores = network.forward(images, true);
            assertThat(scores.getShape()).isEqualTo(new Shape(BATCH, spec.defaults().classes()));
            assertFinite(scores);
            assertThat(elementCount(network))
                    .as("elements of the parameters of %s", spec.name())
                    .isEqualTo(Complexity.params(plan, runSize));
        }
    }
}
