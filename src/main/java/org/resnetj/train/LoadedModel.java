package org.resnetj.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import org.resnetj.data.ImageSet;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;

/** A network restored from a checkpoint for inference, with the preprocessing it records. */
public final class LoadedModel implements AutoCloseable {

    private final Network network;
    private final float[] pixelMean;
    private final ModelSpec spec;

    private LoadedModel(Network network, float[] pixelMean, ModelSpec spec) {
        this.network = network;
        this.pixelMean = pixelMean;
        this.spec = spec;
    }

    /**
     * Builds the checkpoint's network and copies its parameters and BN statistics in.
     *
     * @throws IOException if the file is not a readable checkpoint or does not fit its model
     */
    public static LoadedModel load(Path file, NDManager parent) throws IOException {
        try (NDManager scope = parent.newSubManager()) {
            Checkpoint.Contents contents = Checkpoint.read(file, scope);
            ModelSpec spec;
            ModelOptions options;
            try {
                spec = ModelRegistry.get(String.valueOf(contents.meta().get("model")));
                options = RunConfig.options(contents.section("options"));
            } catch (RuntimeException e) {
                throw new IOException("checkpoint " + file + " names no usable model: " + e.getMessage());
            }
            NDArray mean = contents.model().get("preprocess.pixel_mean");
            if (mean == null || mean.size() != ImageSet.IMAGE_SIZE) {
                throw new IOException("checkpoint " + file + " lacks its per-pixel mean (preprocess.pixel_mean)");
            }
            Network network = Network.create(spec.plan(options, ImageSet.SIDE), parent);
            try {
                Weights.copy(contents.model(), network.parameters(), file);
                Weights.copy(contents.model(), network.state(), file);
            } catch (IOException e) {
                network.close();
                throw e;
            }
            return new LoadedModel(network, mean.toFloatArray(), spec);
        }
    }

    /**
     * Evaluates a checkpoint (a file, or a run directory's newest) on {@code images} with the
     * preprocessing it records.
     */
    public static Evaluator.Result evaluate(Path checkpoint, ImageSet images, int batchSize) throws IOException {
        try (NDManager root = NDManager.newBaseManager();
                LoadedModel model = load(Checkpoint.resolve(checkpoint), root)) {
            return Evaluator.evaluate(model.network(), images, model.pixelMean(), batchSize);
        }
    }

    /** The restored network. */
    public Network network() {
        return network;
    }

    /** The training set's per-pixel mean image the weights expect, CHW. */
    public float[] pixelMean() {
        return pixelMean.clone();
    }

    /** The registered model. */
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public void close() {
        network.close();
    }
}
