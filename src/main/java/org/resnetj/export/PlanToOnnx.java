package org.resnetj.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.resnetj.model.Layer;
import org.resnetj.model.Network;

/**
 * Translates a layer plan into ONNX nodes with the semantics of {@link Network#forward} in
 * inference mode: BN uses its running statistics, dropout is the identity.
 *
 * <p>Each plan node becomes:
 *
 * <ul>
 *   <li>Conv: {@code Conv} with pads k/2 on every side, weight (out, in, k, k); when BN follows and
 *       folding is on, the BN is folded into it (see {@link #foldedWeight});
 *   <li>BatchNorm otherwise: {@code BatchNormalization} with the running statistics;
 *   <li>MaxPool: {@code MaxPool} (floor mode, padding never selected);
 *   <li>GlobalAvgPool: {@code GlobalAveragePool} then {@code Flatten}, NCHW to NC;
 *   <li>Flatten: {@code Flatten} at axis 1, the same order as a reshape of NCHW;
 *   <li>Linear: {@code Gemm} with the weight (out, in) transposed;
 *   <li>Block: {@code Relu(Add(branch, shortcut))}, or {@code Relu(branch)} without a shortcut;
 *   <li>ZeroPad (option A): {@code Slice} with steps s on H and W (x[:, :, ::s, ::s]), then {@code
 *       Pad} with zeros after the existing channels; both work for any batch size.
 * </ul>
 *
 * <p>Value and node names come from the plan ({@code conv2_1.branch2a}, {@code conv2_1}, ...), so a
 * reader of the graph finds the paper's Table 1 in it.
 */
final class PlanToOnnx {

    private final OnnxGraph graph;
    private final Map<String, NDArray> weights;
    private final boolean fold;
    private int inputChannels = -1;
    private int classes = -1;
    private String lastLinear;

    private PlanToOnnx(OnnxGraph graph, Map<String, NDArray> weights, boolean fold) {
        this.graph = graph;
        this.weights = weights;
        this.fold = fold;
    }

    /** The graph's input channels and output classes, read off the plan. */
    record Ends(int inputChannels, int classes) {}

    /**
     * Adds the nodes of {@code plan} to {@code graph}, from the value {@code input} to the value
     * {@code output}.
     *
     * @throws IllegalArgumentException naming a tensor that is missing, has another shape or is not
     *     float32, or if the plan does not end in a fully connected layer
     */
    static Ends translate(
            Layer.Sequence plan,
            Map<String, NDArray> weights,
            boolean fold,
            OnnxGraph graph,
            String input,
            String output) {
        PlanToOnnx t = new PlanToOnnx(graph, weights, fold);
        String last = t.sequence(plan, input);
        if (!last.equals(t.lastLinear)) {
            throw new IllegalArgumentException(
                    "the plan must end in a fully connected layer that gives the logits");
        }
        graph.rename(last, output);
        return new Ends(t.inputChannels, t.classes);
    }

    private String layer(Layer layer, String x, String scope) {
        if (layer instanceof Layer.Conv c) {
            String weight = tensor(c.name() + ".weight", c.out(), c.in(), c.kernel(), c.kernel());
            return conv(c, x, weight, c.bias() ? tensor(c.name() + ".bias", c.out()) : null, null);
        }
        if (layer instanceof Layer.BatchNorm bn) {
            return batchNorm(bn, x);
        }
        if (layer instanceof Layer.Relu) {
            return relu(x, scoped(scope, "relu"));
        }
        if (layer instanceof Layer.MaxPool p) {
            String y = graph.fresh(scoped(scope, "pool"));
            graph.node(
                    "MaxPool",
                    y,
                    List.of(x),
                    List.of(
                            OnnxGraph.ints("kernel_shape", p.kernel(), p.kernel()),
                            OnnxGraph.ints("strides", p.stride(), p.stride()),
                            OnnxGraph.ints(
                                    "pads", p.padding(), p.padding(), p.padding(), p.padding())),
                    null);
            return y;
        }
        if (layer instanceof Layer.GlobalAvgPool) {
            String pooled = graph.fresh(scoped(scope, "global_avg_pool"));
            graph.node("GlobalAveragePool", pooled, List.of(x), List.of(), null);
            return flatten(pooled, pooled + ".flatten");
        }
        if (layer instanceof Layer.Flatten) {
            return flatten(x, scoped(scope, "flatten"));
        }
        if (layer instanceof Layer.Dropout) {
            return x;
        }
        if (layer instanceof Layer.Linear l) {
            String w = tensor(l.name() + ".weight", l.out(), l.in());
            String b = tensor(l.name() + ".bias", l.out());
            String y = graph.fresh(l.name());
            graph.node("Gemm", y, List.of(x, w, b), List.of(OnnxGraph.integer("transB", 1)), null);
            classes = l.out();
            lastLinear = y;
            return y;
        }
        if (layer instanceof Layer.Sequence s) {
            return sequence(s, x);
        }
        return block((Layer.Block) layer, x);
    }

    private String sequence(Layer.Sequence s, String x) {
        String scope = s.name();
        List<Layer> layers = s.layers();
        String y = x;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (fold
                    && layer instanceof Layer.Conv c
                    && i + 1 < layers.size()
                    && layers.get(i + 1) instanceof Layer.BatchNorm bn) {
                y = foldedConv(c, bn, y);
                i++;
            } else {
                y = layer(layer, y, scope);
            }
        }
        return y;
    }

    private String block(Layer.Block b, String x) {
        String branch = sequence(b.branch(), x);
        Layer.ShortcutPath path = b.shortcut();
        if (path instanceof Layer.NoShortcut) {
            return relu(branch, b.name());
        }
        String shortcut = x;
        if (path instanceof Layer.Projection p) {
            shortcut = sequence(p.convBn(), x);
        } else if (path instanceof Layer.ZeroPad z) {
            shortcut = zeroPad(z, x, b.name() + ".shortcut");
        }
        String sum = graph.fresh(b.name() + ".add");
        graph.node("Add", sum, List.of(branch, shortcut), List.of(), null);
        return relu(sum, b.name());
    }

    /** Option A: x[:, :, ::s, ::s], then zero channels appended after the existing ones. */
    private String zeroPad(Layer.ZeroPad z, String x, String name) {
        String y = x;
        if (z.stride() > 1) {
            graph.int64s("subsample.starts", 0, 0);
            graph.int64s("subsample.ends", Long.MAX_VALUE, Long.MAX_VALUE);
            graph.int64s("subsample.axes", 2, 3);
            graph.int64s("subsample.steps" + z.stride(), z.stride(), z.stride());
            y = graph.fresh(name + ".subsample");
            graph.node(
                    "Slice",
                    y,
                    List.of(
                            x,
                            "subsample.starts",
                            "subsample.ends",
                            "subsample.axes",
                            "subsample.steps" + z.stride()),
                    List.of(),
                    null);
        }
        int extra = z.outChannels() - z.inChannels();
        if (extra > 0) {
            // pads are [begin of each axis..., end of each axis...] for N, C, H, W.
            String pads = "zero_channels" + extra + ".pads";
            graph.int64s(pads, 0, 0, 0, 0, 0, extra, 0, 0);
            String padded = graph.fresh(name);
            graph.node("Pad", padded, List.of(y, pads), List.of(), null);
            y = padded;
        }
        return y;
    }

    private String conv(Layer.Conv c, String x, String weight, String bias, String doc) {
        if (inputChannels < 0) {
            inputChannels = c.in();
        }
        String y = graph.fresh(c.name());
        List<String> inputs = bias == null ? List.of(x, weight) : List.of(x, weight, bias);
        graph.node(
                "Conv",
                y,
                inputs,
                List.of(
                        OnnxGraph.ints("kernel_shape", c.kernel(), c.kernel()),
                        OnnxGraph.ints("strides", c.stride(), c.stride()),
                        OnnxGraph.ints("pads", c.padding(), c.padding(), c.padding(), c.padding())),
                doc);
        return y;
    }

    private String foldedConv(Layer.Conv c, Layer.BatchNorm bn, String x) {
        NDArray w = array(c.name() + ".weight", c.out(), c.in(), c.kernel(), c.kernel());
        NDArray b = c.bias() ? array(c.name() + ".bias", c.out()) : null;
        NDArray gamma = array(bn.name() + ".gamma", bn.channels());
        NDArray beta = array(bn.name() + ".beta", bn.channels());
        NDArray mean = array(bn.name() + ".running_mean", bn.channels());
        NDArray var = array(bn.name() + ".running_var", bn.channels());
        String weight = c.name() + ".weight";
        String bias = c.name() + ".bias";
        graph.floats(
                weight,
                new long[] {c.out(), c.in(), c.kernel(), c.kernel()},
                () -> foldedWeight(w.toFloatArray(), gamma.toFloatArray(), var.toFloatArray()));
        graph.floats(
                bias,
                new long[] {c.out()},
                () ->
                        foldedBias(
                                b == null ? null : b.toFloatArray(),
                                gamma.toFloatArray(),
                                beta.toFloatArray(),
                                mean.toFloatArray(),
                                var.toFloatArray()));
        return conv(c, x, weight, bias, c.name() + " with " + bn.name() + " folded in");
    }

    /**
     * BN in inference mode is the affine map {@code y = γ(x − mean)/√(var + ε) + β} per channel, so
     * after a convolution it folds into it: each output channel's weights are scaled by {@code
     * γ/√(var + ε)}. Computed in double, rounded once to float.
     */
    static float[] foldedWeight(float[] w, float[] gamma, float[] var) {
        int perChannel = w.length / gamma.length;
        float[] out = new float[w.length];
        for (int c = 0; c < gamma.length; c++) {
            double scale = scale(gamma[c], var[c]);
            for (int k = c * perChannel; k < (c + 1) * perChannel; k++) {
                out[k] = (float) (w[k] * scale);
            }
        }
        return out;
    }

    /**
     * The folded bias {@code β + (b − mean)·γ/√(var + ε)}, b being 0 for a convolution without
     * bias.
     */
    static float[] foldedBias(
            float[] bias, float[] gamma, float[] beta, float[] mean, float[] var) {
        float[] out = new float[gamma.length];
        for (int c = 0; c < gamma.length; c++) {
            double b = bias == null ? 0 : bias[c];
            out[c] = (float) (beta[c] + (b - mean[c]) * scale(gamma[c], var[c]));
        }
        return out;
    }

    private static double scale(float gamma, float var) {
        return gamma / Math.sqrt((double) var + Network.BN_EPSILON);
    }

    private String batchNorm(Layer.BatchNorm bn, String x) {
        String y = graph.fresh(bn.name());
        List<String> inputs =
                List.of(
                        x,
                        tensor(bn.name() + ".gamma", bn.channels()),
                        tensor(bn.name() + ".beta", bn.channels()),
                        tensor(bn.name() + ".running_mean", bn.channels()),
                        tensor(bn.name() + ".running_var", bn.channels()));
        graph.node(
                "BatchNormalization",
                y,
                inputs,
                List.of(OnnxGraph.real("epsilon", Network.BN_EPSILON)),
                null);
        return y;
    }

    private String relu(String x, String name) {
        String y = graph.fresh(name);
        graph.node("Relu", y, List.of(x), List.of(), null);
        return y;
    }

    private String flatten(String x, String name) {
        String y = graph.fresh(name);
        graph.node("Flatten", y, List.of(x), List.of(OnnxGraph.integer("axis", 1)), null);
        return y;
    }

    /** Adds the named weight as an initializer of the same name, and returns the name. */
    private String tensor(String name, long... shape) {
        NDArray a = array(name, shape);
        graph.floats(name, shape, a::toFloatArray);
        return name;
    }

    private NDArray array(String name, long... shape) {
        NDArray a = weights.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no array " + name);
        }
        if (!a.getShape().equals(new Shape(shape))) {
            throw new IllegalArgumentException(
                    name + " has shape " + a.getShape() + ", expected " + new Shape(shape));
        }
        if (a.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(
                    name + " is " + a.getDataType() + ", expected float32");
        }
        return a;
    }

    /** The name of an unnamed layer's value: its sequence's name, then what it is. */
    private static String scoped(String scope, String what) {
        return scope.isEmpty() ? what : scope + "." + what;
    }
}
