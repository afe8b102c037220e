package org.resnetj.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.resnetj.data.CifarImages;
import org.resnetj.data.Preprocessing;
import org.resnetj.engine.InferenceNetwork;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.Classifier;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;

/**
 * A network restored from a checkpoint, with the preprocessing it records: {@code per_pixel_mean}
 * (our CIFAR-10 training; the mean image is the array {@code preprocess.pixel_mean}) or {@code
 * torchvision} (imported weights; channel mean and std). A checkpoint that records none is one of
 * our older ones, with a per-pixel mean.
 *
 * <p>{@link #load} compiles the network for inference ({@link InferenceNetwork}), which is what
 * evaluation and classification run; {@link #loadNetwork} keeps the eager {@link Network}, whose
 * every layer an analysis can observe and whose weights an export can read.
 */
public final class LoadedModel implements AutoCloseable {

    private final Classifier classifier;
    private final Preprocessing preprocessing;
    private final ModelSpec spec;
    private final List<String> classNames;

    private LoadedModel(
            Classifier classifier,
            Preprocessing preprocessing,
            ModelSpec spec,
            List<String> classNames) {
        this.classifier = classifier;
        this.preprocessing = preprocessing;
        this.spec = spec;
        this.classNames = classNames;
    }

    /**
     * Builds the checkpoint's network, copies its parameters and BN statistics in, and compiles it
     * for inference.
     *
     * @throws IOException if the file is not a readable checkpoint or does not fit its model
     */
    public static LoadedModel load(Path file, NDManager parent) throws IOException {
        LoadedModel eager = loadNetwork(file, parent);
        // Compiled once the checkpoint's own arrays are freed: the peak holds one copy of the
        // weights fewer.
        InferenceNetwork compiled = InferenceNetwork.compile(eager.network());
        return new LoadedModel(compiled, eager.preprocessing, eager.spec, eager.classNames);
    }

    /**
     * Builds the checkpoint's network and copies its parameters and BN statistics in, keeping it
     * eager: for analyses that observe its layers and exports that read its weights.
     *
     * @throws IOException if the file is not a readable checkpoint or does not fit its model
     */
    public static LoadedModel loadNetwork(Path file, NDManager parent) throws IOException {
        try (NDManager scope = parent.newSubManager()) {
            Checkpoint.Contents contents = Checkpoint.read(file, scope);
            Architecture architecture = architecture(contents, file);
            ModelSpec spec = architecture.spec();
            Preprocessing preprocessing = preprocessing(contents, file);
            Network network =
                    Network.create(spec.plan(architecture.options(), preprocessing.side()), parent);
            try {
                ArrayCopy.copy(contents.model(), network.parameters(), file);
                ArrayCopy.copy(contents.model(), network.state(), file);
            } catch (IOException e) {
                network.close();
                throw e;
            }
            Object names = contents.meta().get("class_names");
            List<String> classNames =
                    names instanceof List<?> list
                            ? list.stream().map(String::valueOf).toList()
                            : List.of();
            return new LoadedModel(network, preprocessing, spec, classNames);
        }
    }

    /** The registered network and options a checkpoint names. */
    public record Architecture(ModelSpec spec, ModelOptions options) {}

    /**
     * The network and options {@code contents} name.
     *
     * @throws IOException naming the file if they are missing or unknown
     */
    public static Architecture architecture(Checkpoint.Contents contents, Path file)
            throws IOException {
        try {
            return new Architecture(
                    ModelRegistry.get(String.valueOf(contents.meta().get("model"))),
                    Checkpoint.options(contents.section("options")));
        } catch (RuntimeException e) {
            throw new IOException(
                    "checkpoint " + file + " names no usable model: " + e.getMessage());
        }
    }

    /**
     * The preprocessing {@code contents} record.
     *
     * @throws IOException naming the file if it is unknown or incomplete
     */
    public static Preprocessing preprocessing(Checkpoint.Contents contents, Path file)
            throws IOException {
        Map<String, Object> section = contents.section("preprocessing");
        Object type = section.getOrDefault("type", Preprocessing.PerPixelMean.TYPE);
        if (Preprocessing.Torchvision.TYPE.equals(type)) {
            try {
                return new Preprocessing.Torchvision(
                        floats(section.get("mean")), floats(section.get("std")));
            } catch (RuntimeException e) {
                throw new IOException(
                        "checkpoint "
                                + file
                                + " records unusable torchvision preprocessing: "
                                + e.getMessage());
            }
        }
        if (!Preprocessing.PerPixelMean.TYPE.equals(type)) {
            throw new IOException(
                    "checkpoint "
                            + file
                            + " records unknown preprocessing '"
                            + type
                            + "', expected "
                            + Preprocessing.PerPixelMean.TYPE
                            + " or "
                            + Preprocessing.Torchvision.TYPE);
        }
        NDArray mean = contents.model().get("preprocess.pixel_mean");
        if (mean == null) {
            throw new IOException(
                    "checkpoint " + file + " lacks its per-pixel mean (preprocess.pixel_mean)");
        }
        try {
            return new Preprocessing.PerPixelMean(mean.toFloatArray());
        } catch (IllegalArgumentException e) {
            throw new IOException(
                    "checkpoint " + file + " holds an unusable per-pixel mean: " + e.getMessage());
        }
    }

    private static float[] floats(Object list) {
        List<?> values = (List<?>) list;
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }

    /**
     * Evaluates a checkpoint (a file, or a run directory's newest) on {@code images} with the
     * preprocessing it records.
     *
     * @throws IllegalArgumentException if the checkpoint records a preprocessing other than a
     *     per-pixel mean, which CIFAR-10 evaluation cannot apply
     */
    public static Evaluator.Result evaluate(Path checkpoint, CifarImages images, int batchSize)
            throws IOException {
        try (NDManager root = NDManager.newBaseManager();
                LoadedModel model = load(Checkpoint.resolve(checkpoint), root)) {
            return Evaluator.evaluate(model.classifier(), images, model.pixelMean(), batchSize);
        }
    }

    /** The restored network: compiled by {@link #load}, eager from {@link #loadNetwork}. */
    public Classifier classifier() {
        return classifier;
    }

    /**
     * The restored eager network.
     *
     * @throws IllegalStateException if {@link #load} compiled it for inference
     */
    public Network network() {
        if (classifier instanceof Network network) {
            return network;
        }
        throw new IllegalStateException(
                "this model was compiled for inference; LoadedModel.loadNetwork keeps the eager"
                        + " network");
    }

    /**
     * The CIFAR-10 training set's per-pixel mean image the weights expect, 3×32×32, CHW.
     *
     * @throws IllegalArgumentException if the checkpoint records another preprocessing (for example
     *     imported torchvision weights, or our own trained on an image folder, given to a CIFAR-10
     *     command)
     */
    public float[] pixelMean() {
        if (preprocessing instanceof Preprocessing.PerPixelMean p) {
            if (p.side() != CifarImages.SIDE) {
                throw new IllegalArgumentException(
                        "this checkpoint of "
                                + spec.name()
                                + " was trained on "
                                + p.side()
                                + "×"
                                + p.side()
                                + " crops of an image folder, not on CIFAR-10's 32×32 images");
            }
            return p.mean();
        }
        throw new IllegalArgumentException(
                "this checkpoint of "
                        + spec.name()
                        + " records "
                        + preprocessing.type()
                        + " preprocessing, not the per-pixel mean of a CIFAR-10 training set");
    }

    /** The preprocessing the weights expect. */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** The class names the checkpoint records (those of its training data), or none. */
    public List<String> classNames() {
        return classNames;
    }

    /** The registered model. */
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public void close() {
        classifier.close();
    }
}
