package org.resnetj.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

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
 * <p>Initialization follows the paper's reference [12] (He et al., Eqn. 10): every convolution
 * and fully connected weight is drawn from a Gaussian with std sqrt(2/n), n being the fan-in
 * (k²·c for a k×k convolution over c channels), which keeps the forward signal's variance;
 * biases are zero; BN starts with scale 1, shift 0, running mean 0 and running variance 1.
 */
public final class Network implements AutoCloseable {

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
    public NDManager manager() {
        return manager;
    }

    /**
     * Runs a batch of images through the network.
     *
     * @param input an NCHW float batch
     * @param training true uses batch statistics in BN, updates its running averages, and applies
     *     dropout; false uses the running statistics and changes nothing, and frees each
     *     intermediate array as soon as the next layer has consumed it, so inference holds only
     *     a few maps at a time
     * @return the class scores (logits), N×classes, in the input's manager
     */
    public NDArray forward(NDArray input, boolean training) {
        return apply(plan, input, training, null);
    }

    /**
     * Runs a batch like {@link #forward(NDArray, boolean)} and shows {@code observer} the output
     * of every BN that directly follows a convolution, in the order the plan runs them: before
     * any ReLU or addition, the response Section 4.2 analyses in Fig. 7.
     */
    public NDArray forward(NDArray input, boolean training, ResponseObserver observer) {
        return apply(plan, input, training, observer);
    }

    /** Sees the response of each convolution that BN follows, while a batch runs. */
    @FunctionalInterface
    public interface ResponseObserver {
        /**
         * Called once per batch for each such convolution.
         *
         * @param conv the convolution
         * @param response the output of the BN after it, in the input's manager; valid only
         *     during the call's batch, and not to be modified
         */
        void response(Layer.Conv conv, NDArray response);
    }

    private NDArray apply(Layer layer, NDArray x, boolean training, ResponseObserver observer) {
        if (layer instanceof Layer.Conv c) {
            NDArrayEx ex = x.getNDArrayInternal();
            return ex.convolution(
                            x,
                            parameters.get(c.name() + ".weight"),
                            c.bias() ? parameters.get(c.name() + ".bias") : null,
                            new Shape(c.stride(), c.stride()),
                            new Shape(c.padding(), c.padding()),
                            new Shape(1, 1),
                            1)
                    .singletonOrThrow();
        }
        if (layer instanceof Layer.BatchNorm bn) {
            // Axis -1 selects the engine's native channel axis (1 for NCHW) without the
            // transpose that DJL's PyTorch engine performs for an explicit axis.
            return x.getNDArrayInternal()
                    .batchNorm(
                            x,
                            state.get(bn.name() + ".running_mean"),
                            state.get(bn.name() + ".running_var"),
                            parameters.get(bn.name() + ".gamma"),
                            parameters.get(bn.name() + ".beta"),
                            -1,
                            BN_MOMENTUM,
                            BN_EPSILON,
                            training)
                    .singletonOrThrow();
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
                            x, parameters.get(l.name() + ".weight"), parameters.get(l.name() + ".bias"))
                    .singletonOrThrow();
        }
        if (layer instanceof Layer.Sequence s) {
            NDArray y = x;
            Layer previous = null;
            for (Layer child : s.layers()) {
                NDArray next = apply(child, y, training, observer);
                if (observer != null && child instanceof Layer.BatchNorm && previous instanceof Layer.Conv conv) {
                    observer.response(conv, next);
                }
                if (!training && y != x && next != y) {
                    y.close(); // inference frees each intermediate once the next layer has consumed it
                }
                y = next;
                previous = child;
            }
            return y;
        }
        Layer.Block b = (Layer.Block) layer;
        NDArray y = apply(b.branch(), x, training, observer);
        Layer.ShortcutPath path = b.shortcut();
        if (path instanceof Layer.NoShortcut) {
            NDArray out = Activation.relu(y);
            if (!training) {
                y.close();
            }
            return out;
        }
        NDArray shortcut = shortcutOf(path, x, training, observer);
        NDArray sum = y.add(shortcut);
        NDArray out = Activation.relu(sum);
        if (!training) {
            y.close();
            sum.close();
            if (shortcut != x) {
                shortcut.close();
            }
        }
        return out;
    }

    private NDArray shortcutOf(Layer.ShortcutPath shortcut, NDArray x, boolean training, ResponseObserver observer) {
        if (shortcut instanceof Layer.Projection p) {
            return apply(p.convBn(), x, training, observer);
        }
        if (shortcut instanceof Layer.ZeroPad z) {
            NDArray sub = z.stride() == 1 ? x : x.get(new NDIndex(":, :, ::{}, ::{}", z.stride(), z.stride()));
            Shape shape = sub.getShape();
            NDArray zeros =
                    sub.getManager()
                            .zeros(
                                    new Shape(
                                            shape.get(0),
                                            z.outChannels() - z.inChannels(),
                                            shape.get(2),
                                            shape.get(3)),
                                    sub.getDataType());
            NDArray padded = NDArrays.concat(new NDList(sub, zeros), 1);
            if (!training) {
                zeros.close();
                if (sub != x) {
                    sub.close();
                }
            }
            return padded;
        }
        return x;
    }

    private void allocate(Layer layer) {
        if (layer instanceof Layer.Conv c) {
            Shape shape = new Shape(c.out(), c.in(), c.kernel(), c.kernel());
            add(parameters, c.name() + ".weight", he(shape, (long) c.in() * c.kernel() * c.kernel()));
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
