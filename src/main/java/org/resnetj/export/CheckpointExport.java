package org.resnetj.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelSpec;

/**
 * Exports a checkpoint: its network, built as {@link org.resnetj.checkpoint.LoadedModel} builds it,
 * and in the model's metadata the preprocessing its weights expect and where they came from.
 *
 * <p>For a checkpoint of our own training the preprocessing is the paper's per-pixel mean
 * subtraction (Sec. 4.2): {@code preprocessing} says so and {@code pixel_mean} holds the mean image
 * as a JSON array, CHW, with its shape in {@code pixel_mean_shape}. Any other preprocessing a
 * checkpoint records (torchvision's, for imported weights) is copied as JSON.
 */
public final class CheckpointExport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PER_PIXEL_MEAN = "per_pixel_mean";

    private CheckpointExport() {}

    /**
     * What was written.
     *
     * @param checkpoint the checkpoint file read
     * @param model the registered model name
     * @param input the input, as the metadata describes it
     * @param output the output, as the metadata describes it
     * @param synthetic whether the weights were trained on synthetic data
     */
    public record Result(
            Path checkpoint, String model, String input, String output, boolean synthetic) {}

    /**
     * Writes the network of a checkpoint (a file, or a run directory's newest) to {@code onnx}.
     *
     * @throws IOException naming the file if the checkpoint is missing, corrupt or does not fit its
     *     model, or if {@code onnx} cannot be written
     */
    public static Result write(Path checkpoint, Path onnx, OnnxExport.Settings settings)
            throws IOException {
        OnnxExport.checkWritable(onnx);
        Path file = Checkpoint.resolve(checkpoint);
        try (NDManager manager = NDManager.newBaseManager()) {
            Checkpoint.Contents contents = Checkpoint.read(file, manager);
            LoadedModel.Architecture architecture = LoadedModel.architecture(contents, file);
            ModelSpec spec = architecture.spec();
            ModelOptions options = architecture.options();
            // The size LoadedModel builds the plan for; only VGG's plan depends on it.
            int side = LoadedModel.preprocessing(contents, file).side();
            Layer.Sequence plan = spec.plan(options, side);
            Map<String, String> metadata = OnnxExport.describe(spec, options);
            metadata.putAll(preprocessing(contents, file));
            boolean synthetic = Boolean.TRUE.equals(contents.meta().get("synthetic"));
            Object data =
                    synthetic
                            ? "synthetic data, not CIFAR-10"
                            : contents.section("config").get("data");
            metadata.put("checkpoint", file.getFileName().toString());
            putIfPresent(metadata, "trained_on", data);
            putIfPresent(metadata, "iteration", contents.meta().get("iteration"));
            putIfPresent(metadata, "code_version", contents.meta().get("code_version"));
            Map<String, String> written;
            try {
                written =
                        OnnxExport.write(
                                plan,
                                contents.model(),
                                OnnxExport.Input.of(spec, side),
                                metadata,
                                settings,
                                onnx);
            } catch (IllegalArgumentException e) {
                throw new IOException(
                        "checkpoint "
                                + file
                                + " does not fit "
                                + spec.name()
                                + ": "
                                + e.getMessage());
            }
            return new Result(
                    file, spec.name(), written.get("input"), written.get("output"), synthetic);
        }
    }

    private static Map<String, String> preprocessing(Checkpoint.Contents contents, Path file)
            throws IOException {
        // A checkpoint that records none is one of our older ones, with a per-pixel mean.
        Map<String, Object> section = contents.section("preprocessing");
        if (!PER_PIXEL_MEAN.equals(section.getOrDefault("type", PER_PIXEL_MEAN))) {
            return Map.of("preprocessing", json(section));
        }
        String name = String.valueOf(section.getOrDefault("mean_array", "preprocess.pixel_mean"));
        NDArray mean = contents.model().get(name);
        if (mean == null) {
            throw new IOException(
                    "checkpoint " + file + " lacks its per-pixel mean (" + name + ")");
        }
        float[] values = mean.toFloatArray();
        String shape =
                LongStream.of(mean.getShape().getShape())
                        .mapToObj(Long::toString)
                        .collect(Collectors.joining(","));
        StringBuilder array = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            array.append(i == 0 ? "" : ",").append(values[i]);
        }
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(
                "preprocessing",
                "per_pixel_mean: RGB pixels scaled to [0, 1] (pixel / 255), minus the training"
                        + " set's mean image, which is stored in the checkpoint and copied to"
                        + " pixel_mean (Sec. 4.2)");
        entries.put("pixel_mean", array.append(']').toString());
        entries.put("pixel_mean_shape", shape);
        return entries;
    }

    private static void putIfPresent(Map<String, String> metadata, String key, Object value) {
        if (value != null) {
            metadata.put(key, String.valueOf(value));
        }
    }

    private static String json(Map<String, Object> section) {
        try {
            return JSON.writeValueAsString(section);
        } catch (JsonProcessingException e) {
            return section.toString();
        }
    }
}
