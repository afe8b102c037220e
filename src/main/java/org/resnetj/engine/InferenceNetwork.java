package org.resnetj.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.resnetj.model.Classifier;
import org.resnetj.model.Layer;
import org.resnetj.model.Network;

/**
 * A network compiled for inference: its plan run as a TorchScript module ({@link InferenceScript})
 * on maps kept in oneDNN's blocked layout, with every BN folded into the convolution before it and
 * every convolution's weights reordered once into the layout oneDNN's kernels read. The logits
 * equal those of {@link Network#forward(NDArray, boolean) forward(x, false)} to float rounding.
 *
 * <p>Why: at batch 1 the eager engine spends more time reordering weights and maps around oneDNN's
 * convolutions than in them. Measured on ResNet-50 at 224×224, 2 threads: 11.4 images/s eager,
 * about 19 compiled.
 *
 * <p>Compiling consumes the network: each convolution's dense weights are freed as soon as their
 * packed copy exists, and returned to the system ({@link NativeHeap}), so the peak holds one copy
 * of the weights plus two of one layer's; the network is closed at the end. The compiled network
 * has no trainable parameters and no BN state; it only infers.
 */
public final class InferenceNetwork implements Classifier {

    private final Layer.Sequence plan;
    private final PtNDManager manager;
    private final PtSymbolBlock module;
    private final IValue weights;

    private InferenceNetwork(
            Layer.Sequence plan, PtNDManager manager, PtSymbolBlock module, IValue weights) {
        this.plan = plan;
        this.manager = manager;
        this.module = module;
        this.weights = weights;
    }

    /**
     * Compiles {@code network} for inference, with its parameters and running statistics of now,
     * and closes it. The compiled network lives in a new sub-manager of the network's parent.
     */
    public static InferenceNetwork compile(Network network) {
        InferenceScript script =
                InferenceScript.of(network.plan(), InferenceScript.Layout.current());
        PtNDManager manager = (PtNDManager) network.manager().getParentManager().newSubManager();
        try (network) {
            // Folding changes the weights in place, which autograd forbids on a parameter it
            // tracks.
            network.parameters().values().forEach(p -> p.setRequiresGradient(false));
            PtSymbolBlock module = load(script, manager);
            List<InferenceScript.PackedWeights> pairs = script.weights();
            PtNDArray[] packed = new PtNDArray[2 * pairs.size()];
            // The last layers first: they are the largest, so the holes their freed copies leave
            // in the C heap can take the copies of the smaller layers packed after them.
            for (int i = pairs.size() - 1; i >= 0; i--) {
                List<PtNDArray> pair;
                if (pairs.get(i) instanceof InferenceScript.ConvWeights c) {
                    pair = pack(module, script.layout(), c, network, manager);
                    NativeHeap.trim(); // glibc would keep the freed dense copies
                } else {
                    Layer.Linear l = ((InferenceScript.LinearWeights) pairs.get(i)).linear();
                    // Moved out of the network, which closes, as they are.
                    pair =
                            List.of(
                                    (PtNDArray)
                                            into(
                                                    manager,
                                                    network.parameters().get(l.name() + ".weight")),
                                    (PtNDArray)
                                            into(
                                                    manager,
                                                    network.parameters().get(l.name() + ".bias")));
                }
                packed[2 * i] = pair.get(0);
                packed[2 * i + 1] = pair.get(1);
            }
            IValue weights = IValue.listFrom(packed);
            // The list holds the packed weights too: whoever closes the manager frees it, as the
            // module.
            manager.attachInternal("inference-weights-" + weights.getHandle(), weights);
            return new InferenceNetwork(network.plan(), manager, module, weights);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Loads the script's module through a temporary file, deleted once loaded: DJL's loader from a
     * stream would take a 4 MB buffer from the Java heap, a lasting cost in a small process. The
     * file goes to {@code java.io.tmpdir} as read now (Files.createTempFile(prefix, suffix) reads
     * it once per JVM), so that a test can watch a directory of its own.
     *
     * @throws UncheckedIOException if the temporary file cannot be written
     */
    private static PtSymbolBlock load(InferenceScript script, PtNDManager manager) {
        Path file = null;
        try {
            file =
                    Files.createTempFile(
                            Path.of(System.getProperty("java.io.tmpdir")),
                            "resnetj-inference-",
                            ".pt");
            Files.write(file, script.archive());
            return JniUtils.loadModule(manager, file, true, new String[0], new String[0], false);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    new IOException(
                            "cannot write the compiled network to a temporary file"
                                    + (file == null
                                            ? " in " + System.getProperty("java.io.tmpdir")
                                            : " " + file)
                                    + ": "
                                    + e.getMessage(),
                            e));
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    file.toFile().deleteOnExit(); // loaded already; only the file stays until exit
                }
            }
        }
    }

    /**
     * The packed weight and bias of one convolution, in {@code manager}: with s = γ/√(var + ε) of
     * the BN after it, the weights scaled by s per output channel and the bias β − s·mean (+ s·b
     * for a convolution's own bias b). Frees the network's arrays they replace, each as soon as the
     * next copy exists: the peak holds two copies of one layer's weights. In the channels-last
     * layout the folded weights stay dense, a 1×1 convolution's as an out×in matrix.
     */
    private static List<PtNDArray> pack(
            PtSymbolBlock module,
            InferenceScript.Layout layout,
            InferenceScript.ConvWeights pair,
            Network network,
            PtNDManager manager) {
        Layer.Conv c = pair.conv();
        Layer.BatchNorm bn = pair.bn();
        Map<String, NDArray> parameters = network.parameters();
        Map<String, NDArray> state = network.state();
        try (NDManager scratch = manager.newSubManager()) {
            NDArray weight = parameters.get(c.name() + ".weight");
            NDArray bias =
                    c.bias()
                            ? into(scratch, parameters.get(c.name() + ".bias"))
                            : scratch.zeros(new Shape(c.out()));
            if (bn != null) {
                NDArray gamma = into(scratch, parameters.get(bn.name() + ".gamma"));
                NDArray beta = into(scratch, parameters.get(bn.name() + ".beta"));
                NDArray mean = into(scratch, state.get(bn.name() + ".running_mean"));
                NDArray var = into(scratch, state.get(bn.name() + ".running_var"));
                NDArray scale = gamma.div(var.add(Network.BN_EPSILON).sqrt());
                bias = bias.mul(scale).add(beta.sub(mean.mul(scale)));
                weight.muli(
                        scale.reshape(c.out(), 1, 1, 1)); // in place: the network is being consumed
            }
            if (layout == InferenceScript.Layout.CHANNELS_LAST) {
                NDArray dense = pair.pointwise() ? weight.reshape(c.out(), c.in()) : weight;
                if (dense != weight) {
                    weight.close();
                }
                return List.of((PtNDArray) into(manager, dense), (PtNDArray) into(manager, bias));
            }
            PtNDArray plain = call(module, manager, "to_mkldnn", (PtNDArray) weight);
            weight.close();
            PtNDArray packed;
            try (plain;
                    IValue padding = IValue.listFrom((long) c.padding(), c.padding());
                    IValue stride = IValue.listFrom((long) c.stride(), c.stride())) {
                packed = call(module, manager, "reorder_conv", plain, padding, stride);
            }
            return List.of(packed, call(module, manager, "to_mkldnn", (PtNDArray) bias));
        }
    }

    /**
     * Runs a method of the module on {@code tensor} and {@code more}; its tensor result lands in
     * {@code manager}.
     */
    private static PtNDArray call(
            PtSymbolBlock module,
            PtNDManager manager,
            String method,
            PtNDArray tensor,
            IValue... more) {
        IValue[] arguments = new IValue[more.length + 1];
        System.arraycopy(more, 0, arguments, 1, more.length);
        try (IValue first = IValue.from(tensor)) {
            arguments[0] = first;
            try (IValue result = run(module, method, arguments)) {
                return result.toTensor(manager);
            }
        }
    }

    private static NDArray into(NDManager manager, NDArray array) {
        array.attach(manager);
        return array;
    }

    /**
     * Runs a method of the module with the graph executor's optimizations off on this thread (a
     * thread-local setting): the script is already the plan, and the profiling executor would only
     * record shapes and build a second graph, at about 5 MB for ResNet-50, for each new input
     * shape.
     */
    private static IValue run(PtSymbolBlock module, String method, IValue... arguments) {
        JniUtils.setGraphExecutorOptimize(false);
        return IValueUtils.runMethod(module, method, arguments);
    }

    @Override
    public Layer.Sequence plan() {
        return plan;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    /**
     * Runs a batch of images.
     *
     * @param input an NCHW float batch of the PyTorch engine
     * @return the class scores (logits), N×classes, in the input's manager
     */
    @Override
    public NDArray logits(NDArray input) {
        try (IValue x = IValue.from((PtNDArray) input);
                IValue out = run(module, "forward", x, weights)) {
            return out.toTensor((PtNDManager) input.getManager());
        }
    }

    @Override
    public void close() {
        manager.close(); // with the module, the weight list and the packed weights
    }
}
