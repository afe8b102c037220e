package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnetj.model.Complexity;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;

/**
 * The cut of every registered ImageNet network into a detector's trunk and head (Appendix A): the
 * two together hold exactly the classification net's parameters but its classifier, by the same
 * names, the trunk at stride 16 ending at conv4_x (VGG: conv5_3), the head taking 14×14 RoIs
 * through conv5_x's stride 2 (VGG: 7×7 into fc6).
 */
class BackboneTest {

    static Stream<Named<ModelSpec>> imagenetNets() {
        return ModelRegistry.named().stream()
                .filter(s -> s.family() != ModelSpec.Family.CIFAR10)
                .map(s -> Named.of(s.name(), s));
    }

    @ParameterizedTest
    @MethodSource("imagenetNets")
    void trunkAndHeadAreTheClassificationNetWithoutItsClassifier(ModelSpec spec) {
        Backbone backbone = Backbone.cut(spec, spec.defaults());
        Layer.Sequence plan = spec.plan();
        List<String> all = parameterNames(plan);
        String classifier = spec.family() == ModelSpec.Family.REFERENCE ? "fc8." : "fc.";
        List<String> expected = all.stream().filter(n -> !n.startsWith(classifier)).toList();

        List<String> trunk = parameterNames(backbone.trunk());
        List<String> head = parameterNames(backbone.head());
        List<String> both = new ArrayList<>(trunk);
        both.addAll(head);
        assertThat(both).containsExactlyElementsOf(expected);

        long classifierParams =
                plan.layers().stream()
                        .flatMap(BackboneTest::linears)
                        .filter(l -> l.name().equals(classifier.replace(".", "")))
                        .mapToLong(l -> (long) l.in() * l.out() + l.out())
                        .sum();
        int side = backbone.pooledSize() * DetectorConfig.FEATURE_STRIDE;
        long cutParams =
                Complexity.params(
                        new Layer.Sequence("", List.of(backbone.trunk(), backbone.head())), side);
        assertThat(cutParams)
                .isEqualTo(Complexity.params(plan, spec.inputSize()) - classifierParams);
        assertThat(Backbone.stride(backbone.trunk())).isEqualTo(16);

        if (spec.family() == ModelSpec.Family.IMAGENET) {
            assertThat(trunk).allMatch(n -> n.matches("conv[1-4][._].*"));
            assertThat(head).allMatch(n -> n.startsWith("conv5_"));
            assertThat(backbone.pooledSize()).isEqualTo(14);
            assertThat(Backbone.stride(backbone.head())).isEqualTo(2);
            boolean bottleneck = spec.depth() >= 50;
            assertThat(backbone.trunkChannels()).isEqualTo(bottleneck ? 1024 : 256);
            assertThat(backbone.headFeatures()).isEqualTo(bottleneck ? 2048 : 512);
        } else {
            assertThat(trunk).allMatch(n -> n.matches("conv[1-5]_.*"));
            assertThat(trunk).contains("conv5_3.weight");
            assertThat(head).containsExactly("fc6.weight", "fc6.bias", "fc7.weight", "fc7.bias");
            assertThat(backbone.pooledSize()).isEqualTo(7);
            assertThat(backbone.trunkChannels()).isEqualTo(512);
            assertThat(backbone.headFeatures()).isEqualTo(4096);
        }
    }

    @Test
    void refusesANetWithoutConv5() {
        ModelSpec cifar = ModelRegistry.get("resnet20");
        assertThatThrownBy(() -> Backbone.cut(cifar, cifar.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnet20 has none")
                .hasMessageNotContaining("\n");
    }

    @Test
    void bnAndTheFirstTwoStagesAreFrozen() {
        assertThat(Backbone.frozen("conv1.weight")).isTrue();
        assertThat(Backbone.frozen("conv1.bn.gamma")).isTrue();
        assertThat(Backbone.frozen("conv2_3.branch2b.weight")).isTrue();
        assertThat(Backbone.frozen("conv4_1.branch1.bn.beta")).isTrue();
        assertThat(Backbone.frozen("conv5_3.branch2c.bn.gamma")).isTrue();
        assertThat(Backbone.frozen("conv1_2.bias")).isTrue();
        assertThat(Backbone.frozen("conv2_2.weight")).isTrue();
        assertThat(Backbone.frozen("conv3_1.weight")).isFalse();
        assertThat(Backbone.frozen("conv4_6.branch2a.weight")).isFalse();
        assertThat(Backbone.frozen("conv5_1.branch1.weight")).isFalse();
        assertThat(Backbone.frozen("fc6.weight")).isFalse();
        assertThat(Backbone.frozen("rpn_conv/3x3.weight")).isFalse();
        assertThat(Backbone.frozen("cls_score.bias")).isFalse();
        assertThat(Backbone.frozen("bbox_pred.weight")).isFalse();
    }

    private static Stream<Layer.Linear> linears(Layer layer) {
        if (layer instanceof Layer.Linear l) {
            return Stream.of(l);
        }
        if (layer instanceof Layer.Sequence s) {
            return s.layers().stream().flatMap(BackboneTest::linears);
        }
        return Stream.empty();
    }

    /** The parameter names a network gives a plan's layers, in plan order ({@code Network}). */
    static List<String> parameterNames(Layer layer) {
        List<String> out = new ArrayList<>();
        collect(layer, out);
        return out;
    }

    private static void collect(Layer layer, List<String> out) {
        if (layer instanceof Layer.Conv c) {
            out.add(c.name() + ".weight");
            if (c.bias()) {
                out.add(c.name() + ".bias");
            }
        } else if (layer instanceof Layer.BatchNorm bn) {
            out.add(bn.name() + ".gamma");
            out.add(bn.name() + ".beta");
        } else if (layer instanceof Layer.Linear l) {
            out.add(l.name() + ".weight");
            out.add(l.name() + ".bias");
        } else if (layer instanceof Layer.Sequence s) {
            s.layers().forEach(child -> collect(child, out));
        } else if (layer instanceof Layer.Block b) {
            collect(b.branch(), out);
            if (b.shortcut() instanceof Layer.Projection p) {
                collect(p.convBn(), out);
            }
        }
    }
}
