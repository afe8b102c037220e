package org.resnetj.model;

/**
 * A registered network: its name, a one-line description, its defaults, and how to build its layer
 * plan for given options.
 *
 * @param name the registry name, for example {@code resnet50}
 * @param description one line for {@code ./resnet models}
 * @param family {@code imagenet}, {@code cifar10} or {@code reference} (VGG)
 * @param depth the number of weighted layers, as in the name
 * @param residual whether its blocks have shortcuts, so that a shortcut option applies
 * @param defaults the paper's options for this network
 * @param inputSize the paper's input size: 224 for ImageNet nets, 32 for CIFAR-10 nets
 */
public record ModelSpec(
        String name,
        String description,
        String family,
        int depth,
        boolean residual,
        ModelOptions defaults,
        int inputSize,
        Planner planner) {

    /** Builds a layer plan; only nets with fully connected layers over the map use the size. */
    @FunctionalInterface
    public interface Planner {
        /** Returns the layer plan for {@code options} at input size {@code inputSize}. */
        Layer.Sequence plan(ModelOptions options, int inputSize);
    }

    /** The layer plan at the paper's options and input size. */
    public Layer.Sequence plan() {
        return plan(defaults, inputSize);
    }

    /** The layer plan for {@code options} at input size {@code size}. */
    public Layer.Sequence plan(ModelOptions options, int size) {
        return planner.plan(options, size);
    }
}
