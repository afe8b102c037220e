package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.resnetj.testing.Networks;

/** Helpers shared by the model tests: registry lookups, plan navigation, array checks. */
final class ModelTestSupport {

    /** The seed every model test gives the engine, so that initial weights are repeatable. */
    static final int SEED = Networks.SEED;

    private ModelTestSupport() {}

    /** The registered models of {@code family}, each named after its registry name. */
    static Stream<Named<ModelSpec>> family(String family) {
        return ModelRegistry.named().stream()
                .filter(s -> s.family().toString().equals(family))
                .map(s -> Named.of(s.name(), s));
    }

    /** The total number of elements of the network's trainable parameters. */
    static long elementCount(Network network) {
        return network.parameters().values().stream().mapToLong(NDArray::size).sum();
    }

    /** Asserts that no entry of {@code array} is NaN or infinite. */
    static void assertFinite(NDArray array) {
        float[] values = array.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            assertThat(Float.isFinite(values[i])).as("entry %d is %s", i, values[i]).isTrue();
        }
    }

    /** The top-level part of {@code plan} named {@code name}, for example {@code conv3_x}. */
    static Layer.Sequence stage(Layer.Sequence plan, String name) {
        return plan.layers().stream()
                .filter(l -> l instanceof Layer.Sequence s && s.name().equals(name))
                .map(Layer.Sequence.class::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no part " + name + " in the plan"));
    }

    /** The block named {@code name} (for example {@code conv3_1}) anywhere in {@code plan}. */
    static Layer.Block block(Layer.Sequence plan, String name) {
        return blocks(plan).stream()
                .filter(b -> b.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no block " + name + " in the plan"));
    }

    /** Every block of {@code plan}, in order. */
    static List<Layer.Block> blocks(Layer.Sequence plan) {
        return plan.layers().stream()
                .filter(Layer.Sequence.class::isInstance)
                .flatMap(l -> ((Layer.Sequence) l).layers().stream())
                .filter(Layer.Block.class::isInstance)
                .map(Layer.Block.class::cast)
                .toList();
    }

    /** The convolution named {@code name} in the branch of {@code block}. */
    static Layer.Conv conv(Layer.Block block, String name) {
        return block.branch().layers().stream()
                .filter(l -> l instanceof Layer.Conv c && c.name().equals(name))
                .map(Layer.Conv.class::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no conv " + name + " in " + block.name()));
    }
}
