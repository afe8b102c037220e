package org.resnetj.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnetj.engine.InferenceNetwork;
import org.resnetj.engine.Kernels;

/**
 * A network that runs a layer plan: it owns the plan's parameters and BN state, by name, and
 * interprets the plan on NCHW batches.
 *
 * <p>Lifecycle: {@link #create} allocates and initializes every array in a manager of its own;
 * {@link #forward} runs a batch, putting intermediates in the input's manager, so a caller that
 * attaches each batch to a short-lived sub-manager frees them with it; {@link #close} frees the
 * parameters.
 *
 * <p>Names: a convolution or fully connected layer named {@code n} owns {@code n.weight} (and
 * {@code n.bias} if it has one); a BN layer {@code n} owns the parameters {@code n.gamma} and
 * {@code n.beta} and the state {@code n.running_mean} and {@code n.running_var}.
 *
 * <p>Initialization follows the paper's reference [12] (He et al., Eqn. 10): every convolution and
 * fully connected weight is drawn from a Gaussian with std sqrt(2/n), n being the fan-in (k²·c for
 * a k×k convolution over c channels), which keeps the forward signal's variance; biases are zero;
 * BN starts with scale 1, shift 0, running mean 0 and running variance 1.
 *
 * <p>Speed: {@link #forward} runs the maps of a batch of two or more images in channels-last memory
 * order (NHWC strides on an NCHW shape, {@link Kernels#channelsLast}), which oneDNN's convolutions
 * take without reordering; shapes and values are those of NCHW, so nothing outside sees a
 * difference. Convolutions and BN run on the engine's {@link Kernels}. A block adds its shortcut
 * into its branch's output in place. For inference alone, {@link InferenceNetwork#compile} turns a
 * network into a faster one.
 */
public final class Network implements Classifier {

    /** BN's epsilon, as in Caffe's, Torch's and PyTorch's defaults. */
    public static final float BN_EPSILON = 1e-5f;

    /**
     * The fraction of the running statistics kept at each training step: running = 0.9·running +
     * 0.1·batch, PyTorch's and Torch's default (DJL's convention names the kept fraction).
     */
    public static final float BN_MOMENTUM = 0.9f;

    private final Layer.Sequence plan;
    private final NDManager manager;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final Map<String, NDArray> state = new LinkedHashMap<>();

    /** The training-mode BN of the forward pass under way, or null for the engine's own. */
    private BatchNormalizer normalizer;

    private Network(Layer.Sequence plan, NDManager manager) {
        this.plan = plan;
        this.manager = manager;
    }

    /**
     * Allocates the parameters of {@code plan} in a sub-manager of {@code parent} and initializes
     * them. The draws come from the engine's generator, which the caller seeds.
     */
    public static Network create(Layer.Sequence plan, NDManager parent) {
        Network network = new Network(plan, parent.newSubManager());
        network.allocate(plan);
        return network;
    }

    /** The layer plan this network runs. */
    @Override
    public Layer.Sequence plan() {
        return plan;
    }

    /** The trainable parameters, by name, in the order of the plan. */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** The BN running statistics, by name, in the order of the plan. */
    public Map<String, NDArray> state() {
        return Collections.unmodifiableMap(state);
    }

    /** The manager that owns the parameters and state. */
    @Override
    public NDManager manager() {
        return manager;
    }

    /**
     * Runs a batch of images through the network.
     *
     * <p>Each intermediate array is freed as soon as the next layer has consumed it, so inference
     * holds only a few maps at a time; in training, autograd keeps alive what the backward pass
     * needs (a layer's inputs, a ReLU's output) and no more.
     *
     * @param input an NCHW float batch
     * @param training true uses batch statistics in BN, updates its running averages, and applies
     *     dropout; false uses the running statistics and changes nothing
     * @return the class scores (logits), N×classes, in the input's manager
     */
    public NDArray forward(NDArray input, boolean training) {
        return run(input, training, null);
    }

    /**
     * Runs a batch in training mode like {@link #forward(NDArray, boolean)}, with every BN layer
     * computed by {@code normalizer} instead of the engine's batch normalization: synchronised BN
     * normalizes with statistics of the batches of all replicas.
     */
    public NDArray forward(NDArray input, BatchNormalizer normalizer) {
        this.normalizer = normalizer;
        try {
            return run(input, true, null);
        } finally {
            this.normalizer = null;
        }
    }

    /** Computes a BN layer in training mode in place of the engine's batch normalization. */
    public interface BatchNormalizer {
        /**
         * Normalizes {@code x} per channel (axis 1) with batch statistics, scales and shifts it,
         * and updates the running statistics in place with {@link #BN_MOMENTUM}.
         *
         * @return the layer's output, in {@code x}'s manager
         */
        NDArray normalize(
                Layer.BatchNorm bn,
                NDArray x,
                NDArray gamma,
                NDArray beta,
                NDArray runningMean,
                NDArray runningVar);

        /**
         * Sees the output of every block, which feeds both the next block's branch and its
         * shortcut, and returns what the network goes on with: the same values.
         */
        NDArray blockOutput(NDArray y);
    }

    /** {@code forward(input, false)}: BN with its running statistics, no dropout. */
    @Override
    public NDArray logits(NDArray input) {
        return forward(input, false);
    }

    /**
     * Runs a batch like {@link #forward(NDArray, boolean)} and shows {@code observer} the output of
     * every BN that directly follows a convolution, in the order the plan runs them: before any
     * ReLU or addition, the response Section 4.2 analyses in Fig. 7.
     */
    public NDArray forward(NDArray input, boolean training, ResponseObserver observer) {
        return run(input, training, observer);
    }

    /**
     * Runs one part of the plan alone, as {@link #forward(NDArray, boolean)} runs the whole: a
     * network whose plan is a set of parts, each fed by the caller (a detector's trunk, its per-RoI
     * head and its sibling outputs), keeps all their parameters by name in one place.
     *
     * @param part one of the plan's top-level layers, the very object
     * @throws IllegalArgumentException if {@code part} is not one of them
     */
    public NDArray forward(Layer.Sequence part, NDArray input, boolean training) {
        if (plan.layers().stream().noneMatch(layer -> layer == part)) {
            throw new IllegalArgumentException(
                    "'" + part.name() + "' is not a top-level part of this network's plan");
        }
        return run(part, input, training, null);
    }

    private NDArray run(NDArray input, boolean training, ResponseObserver observer) {
        return run(plan, input, training, observer);
    }

    private NDArray run(
            Layer.Sequence layers, NDArray input, boolean training, ResponseObserver observer) {
        Shape shape = input.getShape();
        NDArray x =
                shape.dimension() == 4 && shape.get(0) >= Kernels.CHANNELS_LAST_MIN_BATCH
                        ? Kernels.channelsLast(input)
                        : input;
        return sequence(layers, x, training, observer, x != input);
    }

    /** Sees the response of each convolution that BN follows, while a batch runs. */
    @FunctionalInterface
    public interface ResponseObserver {
        /**
         * Called once per batch for each such convolution.
         *
         * @param conv the convolution
         * @param response the output of the BN after it, in the input's manager; valid only during
         *     the call's batch, and not to be modified
         */
        void response(Layer.Conv conv, NDArray response);
    }

    private NDArray apply(Layer layer, NDArray x, boolean training, ResponseObserver observer) {
        if (layer instanceof Layer.Conv c) {
            return Kernels.convolution(
                    x,
                    parameters.get(c.name() + ".weight"),
                    c.bias() ? parameters.get(c.name() + ".bias") : null,
                    c.stride(),
                    c.padding());
        }
        if (layer instanceof Layer.BatchNorm bn && normalizer != null && training) {
            return normalizer.normalize(
                    bn,
                    x,
                    parameters.get(bn.name() + ".gamma"),
                    parameters.get(bn.name() + ".beta"),
                    state.get(bn.name() + ".running_mean"),
                    state.get(bn.name() + ".running_var"));
        }
        if (layer instanceof Layer.BatchNorm bn) {
            return Kernels.batchNorm(
                    x,
                    state.get(bn.name() + ".running_mean"),
                    state.get(bn.name() + ".running_var"),
                    parameters.get(bn.name() + ".gamma"),
                    parameters.get(bn.name() + ".beta"),
                    BN_MOMENTUM,
                    BN_EPSILON,
                    training);
        }
        if (layer instanceof Layer.Relu) {
            return Activation.relu(x);
        }
        if (layer instanceof Layer.MaxPool p) {
            return Pool.maxPool2d(
                    x,
                    new Shape(p.kernel(), p.kernel()),
                    new Shape(p.stride(), p.stride()),
                    new Shape(p.padding(), p.padding()),
                    false);
        }
        if (layer instanceof Layer.GlobalAvgPool) {
            return Pool.globalAvgPool2d(x);
        }
        if (layer instanceof Layer.Flatten) {
            return x.reshape(x.getShape().get(0), -1);
        }
        if (layer instanceof Layer.Dropout d) {
            return Dropout.dropout(x, d.rate(), training).singletonOrThrow();
        }
        if (layer instanceof Layer.Linear l) {
            return Linear.linear(
                            x,
                            parameters.get(l.name() + ".weight"),
                            parameters.get(l.name() + ".bias"))
                    .singletonOrThrow();
        }
        if (layer instanceof Layer.Sequence s) {
            return sequence(s, x, training, observer, false);
        }
        Layer.Block b = (Layer.Block) layer;
        NDArray y = apply(b.branch(), x, training, observer);
        Layer.ShortcutPath path = b.shortcut();
        if (path instanceof Layer.NoShortcut) {
            NDArray out = Activation.relu(y);
            y.close();
            return normalizer == null ? out : normalizer.blockOutput(out);
        }
        NDArray shortcut = shortcutOf(path, x, training, observer);
        // The branch's output is this block's own map, which nothing else reads unless an observer
        // saw it: adding the shortcut into it in place saves a map (BN's backward pass needs its
        // input, not its output, so autograd allows it, as in torchvision's blocks).
        boolean inPlace = observer == null && y != x;
        NDArray sum = inPlace ? y.addi(shortcut) : y.add(shortcut);
        // Freed before the ReLU allocates its output: one map fewer at the peak.
        if (shortcut != x) {
            shortcut.close();
        }
        if (!inPlace) {
            y.close();
        }
        NDArray out = Activation.relu(sum);
        sum.close();
        return normalizer == null ? out : normalizer.blockOutput(out);
    }

    /**
     * Runs the layers of {@code s} in order.
     *
     * @param ownsInput whether {@code x} is this network's own copy, to be freed like an
     *     intermediate once the first layer has consumed it
     */
    private NDArray sequence(
            Layer.Sequence s,
            NDArray x,
            boolean training,
            ResponseObserver observer,
            boolean ownsInput) {
        NDArray y = x;
        Layer previous = null;
        List<Layer> layers = s.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer child = layers.get(i);
            NDArray next;
            if (!training
                    && observer == null
                    && child instanceof Layer.Conv conv
                    && i + 1 < layers.size()
                    && layers.get(i + 1) instanceof Layer.BatchNorm bn) {
                next = convolutionWithBn(conv, bn, y);
                child = bn;
                i++;
            } else {
                next = apply(child, y, training, observer);
            }
            if (observer != null
                    && child instanceof Layer.BatchNorm
                    && previous instanceof Layer.Conv conv) {
                observer.response(conv, next);
            }
            if ((y != x || ownsInput) && next != y) {
                // Frees this handle; in training, autograd holds its own reference where the
                // backward pass needs the array.
                y.close();
            }
            y = next;
            previous = child;
        }
        return y;
    }

    /**
     * A convolution and the BN after it with its running statistics, which make BN a constant
     * affine map per channel, folded into one convolution with a bias: weight·s and (bias − mean)·s
     * + β, s = γ/√(var + ε). It saves BN's pass over the map and its backward pass (about a tenth
     * of a frozen-BN detector's training step); gradients still reach the weight, γ and β through
     * the folding, which costs a pass over the weights.
     */
    private NDArray convolutionWithBn(Layer.Conv c, Layer.BatchNorm bn, NDArray x) {
        NDArray mean = state.get(bn.name() + ".running_mean");
        try (NDArray variance = state.get(bn.name() + ".running_var").add(BN_EPSILON);
                NDArray std = variance.sqrt();
                NDArray scale = parameters.get(bn.name() + ".gamma").div(std);
                NDArray perFilter = scale.reshape(-1, 1, 1, 1);
                NDArray weight = parameters.get(c.name() + ".weight").mul(perFilter);
                NDArray centred =
                        c.bias() ? parameters.get(c.name() + ".bias").sub(mean) : mean.neg();
                NDArray scaled = centred.mul(scale);
                NDArray bias = scaled.add(parameters.get(bn.name() + ".beta"))) {
            return Kernels.convolution(x, weight, bias, c.stride(), c.padding());
        }
    }

    private NDArray shortcutOf(
            Layer.ShortcutPath shortcut, NDArray x, boolean training, ResponseObserver observer) {
        if (shortcut instanceof Layer.Projection p) {
            return apply(p.convBn(), x, training, observer);
        }
        if (shortcut instanceof Layer.ZeroPad z) {
            NDArray sub = Kernels.subsample(x, z.stride());
            // Pad widths run from the last axis back: W, H, then zero channels after the existing
            // ones.
            NDArray padded = sub.pad(new Shape(0, 0, 0, 0, 0, z.outChannels() - z.inChannels()), 0);
            if (sub != x) {
                sub.close();
            }
            return padded;
        }
        return x;
    }

    private void allocate(Layer layer) {
        if (layer instanceof Layer.Conv c) {
            Shape shape = new Shape(c.out(), c.in(), c.kernel(), c.kernel());
            add(
                    parameters,
                    c.name() + ".weight",
                    he(shape, (long) c.in() * c.kernel() * c.kernel()));
            if (c.bias()) {
                add(parameters, c.name() + ".bias", manager.zeros(new Shape(c.out())));
            }
        } else if (layer instanceof Layer.BatchNorm bn) {
            Shape shape = new Shape(bn.channels());
            add(parameters, bn.name() + ".gamma", manager.ones(shape));
            add(parameters, bn.name() + ".beta", manager.zeros(shape));
            add(state, bn.name() + ".running_mean", manager.zeros(shape));
            add(state, bn.name() + ".running_var", manager.ones(shape));
        } else if (layer instanceof Layer.Linear l) {
            add(parameters, l.name() + ".weight", he(new Shape(l.out(), l.in()), l.in()));
            add(parameters, l.name() + ".bias", manager.zeros(new Shape(l.out())));
        } else if (layer instanceof Layer.Sequence s) {
            s.layers().forEach(this::allocate);
        } else if (layer instanceof Layer.Block b) {
            allocate(b.branch());
            if (b.shortcut() instanceof Layer.Projection p) {
                allocate(p.convBn());
            }
        }
    }

    private NDArray he(Shape shape, long fanIn) {
        return manager.randomNormal(0f, (float) Math.sqrt(2.0 / fanIn), shape, DataType.FLOAT32);
    }

    private static void add(Map<String, NDArray> into, String name, NDArray array) {
        if (into.put(name, array) != null) {
            throw new IllegalStateException("two layers of the plan share the name " + name);
        }
        array.setName(name);
    }

    /** Makes every parameter record gradients; the running statistics never do. */
    public void requireGradients() {
        parameters.values().forEach(p -> p.setRequiresGradient(true));
    }

    @Override
    public void close() {
        manager.close();
    }
}
