package org.resnetj.export;

import ai.djl.ndarray.NDArray;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.resnetj.checkpoint.CodeVersion;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;

/**
 * Writes a network as an ONNX model, computing what {@link Network#forward} computes in inference
 * mode.
 *
 * <p>The model takes {@value #INPUT}, float32 {@code [batch, 3, H, W]}, and gives {@value #OUTPUT},
 * float32 {@code [batch, classes]}: class scores before the softmax. The batch dimension is
 * symbolic ({@code batch}), so one file runs any batch size. H and W are symbolic too ({@code
 * height}, {@code width}) where {@link Input#dynamicSize} says so.
 *
 * <p>Batch normalization is folded into the preceding convolution by default (Caffe's and
 * TensorRT's inference form): {@code w' = w·γ/√(var+ε)}, {@code b' = β − mean·γ/√(var+ε)}, with ε =
 * {@link Network#BN_EPSILON}, computed in double. The graph then holds only Conv, Relu, Add,
 * MaxPool, GlobalAveragePool, Flatten, Gemm, and for option-A shortcuts Slice and Pad. With folding
 * off, each BN is a BatchNormalization node with its running statistics.
 *
 * <p>The model's {@code metadata_props} say what made it and what it expects: the model name and
 * options, the input and output, how BN was exported, and whatever the caller adds (the
 * preprocessing, for a checkpoint: see {@link CheckpointExport}). The file is written atomically:
 * to a temporary file beside it, forced to disk, then renamed.
 */
public final class OnnxExport {

    /** The default opset: 13, supported by every ONNX Runtime since 1.6 (2020). */
    public static final int DEFAULT_OPSET = 13;

    /** The lowest opset written: Pad takes its pads as an input from 11 on. */
    public static final int MIN_OPSET = 11;

    /** The highest opset written. */
    public static final int MAX_OPSET = 21;

    /** The name of the model's input. */
    public static final String INPUT = "input";

    /** The name of the model's output. */
    public static final String OUTPUT = "logits";

    private OnnxExport() {}

    /**
     * How to write a model.
     *
     * @param opset the ONNX opset, {@value #MIN_OPSET} to {@value #MAX_OPSET}
     * @param foldBatchNorm fold BN into the preceding convolutions rather than writing
     *     BatchNormalization nodes
     */
    public record Settings(int opset, boolean foldBatchNorm) {

        /** Validates the opset. */
        public Settings {
            if (opset < MIN_OPSET || opset > MAX_OPSET) {
                throw new IllegalArgumentException(
                        "the ONNX opset must be between "
                                + MIN_OPSET
                                + " and "
                                + MAX_OPSET
                                + ", got "
                                + opset);
            }
        }

        /** Opset {@value #DEFAULT_OPSET}, BN folded. */
        public static Settings defaults() {
            return new Settings(DEFAULT_OPSET, true);
        }
    }

    /**
     * The images a model takes.
     *
     * @param size the side the plan was built for
     * @param dynamicSize whether H and W are symbolic, so that any size runs; only a plan without
     *     Flatten (fully convolutional up to the global pooling) allows it
     */
    public record Input(int size, boolean dynamicSize) {

        /** Validates the size. */
        public Input {
            if (size < 1) {
                throw new IllegalArgumentException("the input size must be positive, got " + size);
            }
        }

        /**
         * The input of a registered model. ImageNet nets are fully convolutional up to the global
         * average pooling, and the paper tests them at several scales (Sec. 3.4), so their H and W
         * are dynamic. A CIFAR-10 net takes the 32×32 images its per-pixel mean was taken on; VGG's
         * fc6 sees the whole last map, so its size is fixed.
         */
        public static Input of(ModelSpec spec, int size) {
            return new Input(size, spec.family() == ModelSpec.Family.IMAGENET);
        }
    }

    /**
     * Writes {@code network}, a {@code spec} network built with {@code options} for {@code
     * inputSize}, with the default settings. The metadata names the model and its options; no
     * preprocessing is recorded, since a network alone does not know it.
     */
    public static void write(
            Network network, ModelSpec spec, ModelOptions options, int inputSize, Path file)
            throws IOException {
        write(
                network.plan(),
                weights(network),
                Input.of(spec, inputSize),
                describe(spec, options),
                Settings.defaults(),
                file);
    }

    /** The parameters and BN statistics of {@code network}, by name. */
    public static Map<String, NDArray> weights(Network network) {
        Map<String, NDArray> weights = new LinkedHashMap<>(network.parameters());
        weights.putAll(network.state());
        return weights;
    }

    /**
     * Writes the network of {@code plan} with {@code weights}.
     *
     * @param weights every parameter and BN statistic of the plan, by the names {@link Network}
     *     gives them; others are ignored
     * @param metadata entries for {@code metadata_props}, in order; the writer adds {@code input},
     *     {@code output} and {@code batch_norm}
     * @return the metadata written
     * @throws IllegalArgumentException naming a weight that is missing or has another shape, or if
     *     a dynamic size is asked of a plan that flattens
     * @throws IOException naming the file if it cannot be written
     */
    public static Map<String, String> write(
            Layer.Sequence plan,
            Map<String, NDArray> weights,
            Input input,
            Map<String, String> metadata,
            Settings settings,
            Path file)
            throws IOException {
        if (input.dynamicSize() && flattens(plan)) {
            throw new IllegalArgumentException(
                    "a plan with Flatten takes a fixed input size, not a dynamic one");
        }
        checkWritable(file);
        String name = metadata.getOrDefault("model", "network");
        OnnxGraph graph = new OnnxGraph(name);
        PlanToOnnx.Ends ends =
                PlanToOnnx.translate(plan, weights, settings.foldBatchNorm(), graph, INPUT, OUTPUT);
        OnnxGraph.Dim side = input.dynamicSize() ? null : OnnxGraph.Dim.of(input.size());
        graph.input(
                INPUT,
                List.of(
                        OnnxGraph.Dim.named("batch"),
                        OnnxGraph.Dim.of(ends.inputChannels()),
                        side == null ? OnnxGraph.Dim.named("height") : side,
                        side == null ? OnnxGraph.Dim.named("width") : side));
        graph.output(
                OUTPUT, List.of(OnnxGraph.Dim.named("batch"), OnnxGraph.Dim.of(ends.classes())));

        Map<String, String> props = new LinkedHashMap<>(metadata);
        String hw = input.dynamicSize() ? "height, width" : input.size() + ", " + input.size();
        props.put(
                "input",
                String.format(
                        Locale.ROOT,
                        "%s: float32 [batch, %d, %s], RGB, NCHW%s",
                        INPUT,
                        ends.inputChannels(),
                        hw,
                        input.dynamicSize()
                                ? "; any height and width, the net being fully convolutional up to"
                                        + " its global average pooling"
                                : ""));
        props.put(
                "output",
                OUTPUT
                        + ": float32 [batch, "
                        + ends.classes()
                        + "], class scores before the softmax");
        props.put(
                "batch_norm",
                settings.foldBatchNorm()
                        ? "folded into the preceding convolutions: w' = w*gamma/sqrt(var+eps), b' ="
                                + " beta - mean*gamma/sqrt(var+eps), eps = "
                                + Network.BN_EPSILON
                        : "BatchNormalization nodes with the running statistics, epsilon "
                                + Network.BN_EPSILON);
        String doc =
                name
                        + " exported by resnetj (He et al., Deep Residual Learning for Image"
                        + " Recognition): "
                        + props.get("input")
                        + " -> "
                        + props.get("output")
                        + ".";
        writeAtomically(
                file, out -> graph.write(out, settings.opset(), CodeVersion.get(), doc, props));
        return Collections.unmodifiableMap(props);
    }

    /**
     * The metadata that names a registered model and its options.
     *
     * @return a mutable map, for the caller to add to
     */
    public static Map<String, String> describe(ModelSpec spec, ModelOptions options) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", spec.name());
        meta.put("description", spec.description());
        meta.put("family", spec.family().toString());
        meta.put("shortcut", spec.residual() ? options.shortcut().name() : "none (plain network)");
        meta.put("stride_placement", options.stridePlacement().name());
        meta.put("classes", Integer.toString(options.classes()));
        return meta;
    }

    /**
     * Fails early, naming the file, if it cannot be a model file: a directory, or in a directory
     * that does not exist.
     */
    static void checkWritable(Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (Files.isDirectory(target)) {
            throw new IOException("cannot write " + file + ": it is a directory");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot write " + file + ": no such directory " + dir);
        }
    }

    private interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    private static void writeAtomically(Path file, Writer writer) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                writer.writeTo(out);
            }
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(
                    tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("cannot write " + file + ": " + reason(e), e);
        } catch (RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static boolean flattens(Layer layer) {
        if (layer instanceof Layer.Flatten) {
            return true;
        }
        List<Layer> children = new ArrayList<>();
        if (layer instanceof Layer.Sequence s) {
            children.addAll(s.layers());
        } else if (layer instanceof Layer.Block b) {
            children.add(b.branch());
        }
        return children.stream().anyMatch(OnnxExport::flattens);
    }
}
