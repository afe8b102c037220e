package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The relations of Section 3.3 and Table 3 between a net's variants, for every registered residual
 * net: plain = option A, B = A + its projections, C = A + a projection on every block. The
 * projections' parameters are counted here from the stage widths alone (a 1×1 conv of in·out
 * weights and a BN of 2·out), independently of the plan builder.
 */
class ShortcutParameterRelationsTest {

    /** One stage: its width (before expansion) and the stride of its first block. */
    private record Stage(int width, int stride) {}

    /** The widths of a family and the channels leaving its stem. */
    private record Layout(int stemWidth, List<Stage> stages) {}

    private static final Layout IMAGENET =
            new Layout(
                    64,
                    List.of(
                            new Stage(64, 1),
                            new Stage(128, 2),
                            new Stage(256, 2),
                            new Stage(512, 2)));

    private static final Layout CIFAR10 =
            new Layout(16, List.of(new Stage(16, 1), new Stage(32, 2), new Stage(64, 2)));

    /** Table 1: blocks per stage and expansion (1 basic, 4 bottleneck), kept apart from ResNets. */
    private static final Map<Integer, List<Integer>> TABLE_1_BLOCKS =
            Map.of(
                    18, List.of(2, 2, 2, 2),
                    34, List.of(3, 4, 6, 3),
                    50, List.of(3, 4, 6, 3),
                    101, List.of(3, 4, 23, 3),
                    152, List.of(3, 8, 36, 3));

    private static final Map<Integer, Integer> TABLE_1_EXPANSION =
            Map.of(18, 1, 34, 1, 50, 4, 101, 4, 152, 4);

    static Stream<Named<ModelSpec>> residualNets() {
        return ModelRegistry.named().stream()
                .filter(ModelSpec::residual)
                .map(s -> Named.of(s.name(), s));
    }

    static Stream<Named<ModelSpec>> plainNets() {
        return ModelRegistry.named().stream()
                .filter(s -> !s.residual() && s.family() != ModelSpec.Family.REFERENCE)
                .map(s -> Named.of(s.name(), s));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plainNets")
    void plainNetHasExactlyTheParametersOfItsOptionACounterpart(ModelSpec plain) {
        ModelSpec residual = ModelRegistry.get(plain.name().replace("plain", "resnet"));
        assertThat(residual.family()).isEqualTo(plain.family());

        assertThat(params(plain, plain.defaults()))
                .isEqualTo(params(residual, residual.defaults().withShortcut(Shortcut.A)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("residualNets")
    void optionAAddsNoParametersToThePlainNet(ModelSpec residual) {
        ModelSpec plain = ModelRegistry.get(residual.name().replace("resnet", "plain"));

        assertThat(params(residual, residual.defaults().withShortcut(Shortcut.A)))
                .isEqualTo(params(plain, plain.defaults()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("residualNets")
    void optionBAddsExactlyTheParametersOfItsProjections(ModelSpec residual) {
        long a = params(residual, residual.defaults().withShortcut(Shortcut.A));
        long b = params(residual, residual.defaults().withShortcut(Shortcut.B));

        assertThat(b - a).isEqualTo(projectionParams(residual, false)).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("residualNets")
    void optionCAddsTheParametersOfAProjectionOnEveryBlock(ModelSpec residual) {
        long a = params(residual, residual.defaults().withShortcut(Shortcut.A));
        long c = params(residual, residual.defaults().withShortcut(Shortcut.C));

        assertThat(c - a).isEqualTo(projectionParams(residual, true));
    }

    @Test
    void optionBOfResnet34AddsTheThreeProjectionsOfConv3To5() {
        ModelSpec resnet34 = ModelRegistry.get("resnet34");
        long a = params(resnet34, resnet34.defaults().withShortcut(Shortcut.A));
        // 1×1 convs 64→128, 128→256, 256→512 with their BN (Table 3, ResNet-34 B vs A).
        long projections = (64 * 128 + 2 * 128) + (128 * 256 + 2 * 256) + (256 * 512 + 2 * 512);

        assertThat(params(resnet34, resnet34.defaults())).isEqualTo(a + projections);
        assertThat(a).isEqualTo(21_797_672L - 173_824L);
    }

    private static long params(ModelSpec spec, ModelOptions options) {
        return Complexity.params(spec.plan(options, spec.inputSize()), spec.inputSize());
    }

    /**
     * The parameters of the projection shortcuts of {@code spec}: on the blocks where the
     * dimensions increase (option B), or on every block (option C).
     */
    private static long projectionParams(ModelSpec spec, boolean everyBlock) {
        int depth = spec.depth();
        Layout layout;
        List<Integer> blocks;
        int expansion;
        if (spec.family() == ModelSpec.Family.IMAGENET) {
            assertThat(TABLE_1_BLOCKS).as("Table 1 rows known to this test").containsKey(depth);
            layout = IMAGENET;
            blocks = TABLE_1_BLOCKS.get(depth);
            expansion = TABLE_1_EXPANSION.get(depth);
        } else {
            assertThat((depth - 2) % 6).as("CIFAR-10 depth 6n+2").isZero();
            int n = (depth - 2) / 6;
            layout = CIFAR10;
            blocks = List.of(n, n, n);
            expansion = 1;
        }
        long total = 0;
        int channels = layout.stemWidth();
        for (int s = 0; s < layout.stages().size(); s++) {
            Stage stage = layout.stages().get(s);
            int out = stage.width() * expansion;
            for (int i = 0; i < blocks.get(s); i++) {
                int stride = i == 0 ? stage.stride() : 1;
                boolean increases = channels != out || stride != 1;
                if (everyBlock || increases) {
                    total += (long) channels * out + 2L * out;
                }
                channels = out;
            }
        }
        return total;
    }
}
