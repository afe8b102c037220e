package org.resnetj.model;

import java.util.Locale;

/**
 * A registered network: its name, a one-line description, its defaults, and how to build its layer
 * plan for given options.
 *
 * @param name the registry name, for example {@code resnet50}
 * @param description one line for {@code ./resnet models}
 * @param family the networks it belongs with: ImageNet (Table 1), CIFAR-10 (Sec. 4.2) or the
 *     reference VGG nets
 * @param depth the number of weighted layers, as in the name
 * @param residual whether its blocks have shortcuts, so that a shortcut option applies
 * @param defaults the paper's options for this network
 * @param inputSize the paper's input size: 224 for ImageNet nets, 32 for CIFAR-10 nets
 */
public record ModelSpec(
        String name,
        String description,
        Family family,
        int depth,
        boolean residual,
        ModelOptions defaults,
        int inputSize,
        Planner planner) {

    /** The families of networks, which decide the data a network is trained on. */
    public enum Family {
        /** The ImageNet nets of Table 1. */
        IMAGENET("an ImageNet net"),
        /** The CIFAR-10 nets of Section 4.2 (depth 6n+2). */
        CIFAR10("a CIFAR-10 net"),
        /** The reference VGG nets of Fig. 3 (left), at ImageNet's input size. */
        REFERENCE("a reference (VGG) net");

        private final String noun;

        Family(String noun) {
            this.noun = noun;
        }

        /** What a network of the family is, for messages: "a CIFAR-10 net". */
        public String noun() {
            return noun;
        }

        /** The family's name in JSON and ONNX metadata: {@code imagenet}, {@code cifar10}, ... */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

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
