package org.resnetj.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts the size and cost of a layer plan by walking it with the shape of one image.
 *
 * <p>Parameters are the trainable ones: convolution and fully connected weights and biases, and
 * BN's scale and shift. BN's running mean and variance are state, not parameters, as in the paper's
 * and torchvision's counts. Multiply-adds are those of convolutions and fully connected layers, the
 * "FLOPs" of Table 1; BN, ReLU, pooling and the shortcut additions are not counted.
 */
public final class Complexity {

    /** The shape of one image's map: channels, height, width. */
    public record Dims(int channels, int height, int width) {
        @Override
        public String toString() {
            return height + "×" + width;
        }
    }

    /** Size and cost of one top-level part of a plan (conv1, a stage, the classifier). */
    public record Part(Layer layer, Dims output, long params, long multAdds) {}

    /** Size and cost of a whole plan, with its top-level parts. */
    public record Report(List<Part> parts, Dims input, long params, long multAdds) {}

    private Complexity() {}

    /**
     * Walks {@code plan} for one {@code size}×{@code size} RGB image.
     *
     * @throws IllegalArgumentException if a map shrinks to nothing at this input size
     */
    public static Report of(Layer.Sequence plan, int size) {
        Dims input = new Dims(3, size, size);
        Dims dims = input;
        List<Part> parts = new ArrayList<>();
        long params = 0;
        long multAdds = 0;
        for (Layer layer : plan.layers()) {
            long[] cost = new long[2];
            dims = walk(layer, dims, cost);
            parts.add(new Part(layer, dims, cost[0], cost[1]));
            params += cost[0];
            multAdds += cost[1];
        }
        return new Report(List.copyOf(parts), input, params, multAdds);
    }

    /** Parameters of a plan; they do not depend on the input size for fully convolutional nets. */
    public static long params(Layer.Sequence plan, int size) {
        return of(plan, size).params();
    }

    /** Returns the output dims of {@code layer}, adding its parameters and multiply-adds. */
    private static Dims walk(Layer layer, Dims in, long[] cost) {
        if (layer instanceof Layer.Conv c) {
            Dims out = new Dims(c.out(), slide(in.height(), c), slide(in.width(), c));
            long weights = (long) c.in() * c.out() * c.kernel() * c.kernel();
            cost[0] += weights + (c.bias() ? c.out() : 0);
            cost[1] += weights * out.height() * out.width();
            return out;
        }
        if (layer instanceof Layer.BatchNorm bn) {
            cost[0] += 2L * bn.channels();
            return in;
        }
        if (layer instanceof Layer.MaxPool p) {
            return new Dims(in.channels(), pool(in.height(), p), pool(in.width(), p));
        }
        if (layer instanceof Layer.GlobalAvgPool) {
            return new Dims(in.channels(), 1, 1);
        }
        if (layer instanceof Layer.Flatten) {
            return new Dims(in.channels() * in.height() * in.width(), 1, 1);
        }
        if (layer instanceof Layer.Linear l) {
            cost[0] += (long) l.in() * l.out() + l.out();
            cost[1] += (long) l.in() * l.out();
            return new Dims(l.out(), 1, 1);
        }
        if (layer instanceof Layer.Sequence s) {
            Dims dims = in;
            for (Layer child : s.layers()) {
                dims = walk(child, dims, cost);
            }
            return dims;
        }
        if (layer instanceof Layer.Block b) {
            Dims out = walk(b.branch(), in, cost);
            if (b.shortcut() instanceof Layer.Projection p) {
                walk(p.convBn(), in, cost);
            }
            return out;
        }
        return in; // Relu and Dropout keep the shape and have no parameters
    }

    private static int slide(int size, Layer.Conv c) {
        return positive(Math.floorDiv(size + 2 * c.padding() - c.kernel(), c.stride()) + 1);
    }

    private static int pool(int size, Layer.MaxPool p) {
        return positive(Math.floorDiv(size + 2 * p.padding() - p.kernel(), p.stride()) + 1);
    }

    private static int positive(int size) {
        if (size < 1) {
            throw new IllegalArgumentException(
                    "the input is too small: a feature map shrinks to nothing");
        }
        return size;
    }
}
