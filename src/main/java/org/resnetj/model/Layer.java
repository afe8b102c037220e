package org.resnetj.model;

import java.util.List;

/**
 * One node of a network's layer plan: pure data, no arrays. A plan is built once from an
 * architecture table; {@link Complexity} walks it to count parameters and multiply-adds, and {@link
 * Network} interprets it to run the network. Every node that owns parameters carries its full
 * dotted name (for example {@code conv3_1.branch2a}), so parameters are found by name.
 */
public sealed interface Layer {

    /** A 2-D convolution; {@code bias} is false wherever batch normalization follows. */
    record Conv(String name, int in, int out, int kernel, int stride, int padding, boolean bias)
            implements Layer {}

    /** Batch normalization over the channels of an NCHW map. */
    record BatchNorm(String name, int channels) implements Layer {}

    /** Rectified linear unit. */
    record Relu() implements Layer {}

    /** Max pooling with a square window. */
    record MaxPool(int kernel, int stride, int padding) implements Layer {}

    /** Global average pooling: NCHW to NC. */
    record GlobalAvgPool() implements Layer {}

    /** Flattens NCHW to N(C·H·W), ahead of VGG's fully connected layers. */
    record Flatten() implements Layer {}

    /** Dropout, active only in training mode (VGG's fc6 and fc7). */
    record Dropout(float rate) implements Layer {}

    /** A fully connected layer with bias. */
    record Linear(String name, int in, int out) implements Layer {}

    /** Layers applied in order: a stage such as {@code conv2_x}, or the branch of a block. */
    record Sequence(String name, List<Layer> layers) implements Layer {
        /** Keeps an unmodifiable copy of the layers. */
        public Sequence {
            layers = List.copyOf(layers);
        }
    }

    /**
     * A building block (Fig. 2, Fig. 5): {@code relu(branch(x) + shortcut(x))} for a residual block
     * and {@code relu(branch(x))} for a plain one. The ReLU comes after the addition.
     */
    record Block(String name, Sequence branch, ShortcutPath shortcut) implements Layer {}

    /** What a block adds to its branch (Section 3.3, options A, B and C). */
    sealed interface ShortcutPath {}

    /** No shortcut: the block of a plain network. */
    record NoShortcut() implements ShortcutPath {}

    /** The identity shortcut of Eqn. (1). */
    record Identity() implements ShortcutPath {}

    /**
     * Option A where the dimensions increase: subsample by {@code stride} and append zero channels
     * up to {@code outChannels}. It has no parameters.
     */
    record ZeroPad(int stride, int inChannels, int outChannels) implements ShortcutPath {}

    /** The projection {@code W_s x} of Eqn. (2): a 1×1 convolution and batch normalization. */
    record Projection(Sequence convBn) implements ShortcutPath {}
}
