package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnetj.checkpoint.ArrayCopy;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.CodeVersion;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.Preprocessing;
import org.resnetj.model.ModelOptions;

/**
 * A detector's checkpoint, in the file format of {@link Checkpoint} (a zip of {@code
 * checkpoint.json}, {@code model.safetensors} and {@code optimizer.safetensors}). Its metadata says
 * {@code "kind": "detector"} and holds, besides what a classifier's holds (the backbone's name and
 * options, the iteration, the loop's state, the preprocessing, the class names, the run's
 * configuration, the code version), the {@link DetectorConfig} under {@code "detector"} and whether
 * it trains {@link Detector#fromScratch from scratch}.
 */
public final class DetectorCheckpoint {

    /** The metadata's {@code kind} of a detector's checkpoint. */
    public static final String KIND = "detector";

    private static final String PIXEL_MEAN = "preprocess.pixel_mean";

    private DetectorCheckpoint() {}

    /**
     * Writes the checkpoint of {@code detector} at {@code iteration} atomically.
     *
     * @param loop the training loop's own state
     * @param classNames the class names, in label order
     */
    static void write(
            Path file,
            Detector detector,
            Map<String, NDArray> velocities,
            int iteration,
            Map<String, Object> loop,
            List<String> classNames,
            DetectionRun run)
            throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("kind", KIND);
        meta.put("model", detector.backbone().model());
        meta.put("options", Checkpoint.optionsMap(detector.backbone().options()));
        meta.put("detector", DetectionRun.JSON.convertValue(detector.config(), Map.class));
        meta.put("scratch", detector.scratch());
        meta.put("iteration", iteration);
        meta.put("loop", loop);
        meta.put(
                "random",
                Map.of(
                        "seed",
                        run.seed(),
                        "note",
                        "image order, mirroring and sampling are functions of (seed, iteration);"
                                + " the engine generator is used only at initialization"));
        Map<String, NDArray> arrays = new LinkedHashMap<>(detector.parameters());
        arrays.putAll(detector.state());
        try (NDManager scope = detector.manager().newSubManager()) {
            if (detector.preprocessing() instanceof Preprocessing.Torchvision t) {
                meta.put("preprocessing", t.describe());
            } else {
                meta.put(
                        "preprocessing",
                        Map.of("type", Preprocessing.PerPixelMean.TYPE, "mean_array", PIXEL_MEAN));
                float[] mean = ((Preprocessing.PerPixelMean) detector.preprocessing()).mean();
                arrays.put(PIXEL_MEAN, scope.create(mean));
            }
            meta.put("class_names", classNames);
            meta.put("synthetic", run.synthetic());
            meta.put("config", run.toMap());
            meta.put("code_version", CodeVersion.get());
            Checkpoint.write(file, meta, arrays, velocities);
        }
    }

    /**
     * A trained detector and what its checkpoint says of it.
     *
     * @param detector the network with the checkpoint's arrays
     * @param classNames the class names, in label order
     * @param contents the whole checkpoint (its arrays in the caller's manager)
     */
    public record Loaded(Detector detector, List<String> classNames, Checkpoint.Contents contents)
            implements AutoCloseable {

        @Override
        public void close() {
            detector.close();
        }
    }

    /**
     * Loads a detector's checkpoint, or the newest of a run directory.
     *
     * @throws IOException in one line naming the file, if it is not a detector's checkpoint or an
     *     array is missing or of another shape
     */
    public static Loaded load(Path path, NDManager parent) throws IOException {
        Path file = Checkpoint.resolve(path);
        Checkpoint.Contents contents = Checkpoint.read(file, parent);
        if (!KIND.equals(contents.meta().get("kind"))) {
            throw new IOException(
                    "checkpoint "
                            + file
                            + " is not a detector's (it holds "
                            + contents.meta().get("model")
                            + "; use resnet eval or classify for a classifier)");
        }
        DetectorConfig config;
        ModelOptions options;
        try {
            config =
                    DetectionRun.JSON.convertValue(
                            contents.section("detector"), DetectorConfig.class);
            options = Checkpoint.options(contents.section("options"));
        } catch (RuntimeException e) {
            throw new IOException(
                    "checkpoint " + file + " has an unusable detector configuration: " + e);
        }
        Preprocessing preprocessing = LoadedModel.preprocessing(contents, file);
        boolean scratch = Boolean.TRUE.equals(contents.meta().get("scratch"));
        Detector detector =
                scratch
                        ? Detector.fromScratch(config, options, preprocessing, parent)
                        : Detector.create(config, options, preprocessing, parent);
        try {
            ArrayCopy.copy(contents.model(), detector.parameters(), file);
            ArrayCopy.copy(contents.model(), detector.state(), file);
        } catch (IOException e) {
            detector.close();
            throw e;
        }
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) contents.meta().get("class_names");
        return new Loaded(detector, names, contents);
    }
}
