package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.data.Preprocessing;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;

/** What the detection tests build on: ImageNet checkpoints and small training runs. */
final class DetectionFixtures {

    private DetectionFixtures() {}

    /**
     * Writes {@code network} into {@code dir} as an ImageNet classification checkpoint with
     * torchvision's preprocessing, leaving out the arrays named in {@code omit}.
     */
    static Path imagenetCheckpoint(
            Path dir, ModelSpec spec, ModelOptions options, Network network, Iterable<String> omit)
            throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("model", spec.name());
        meta.put("options", Checkpoint.optionsMap(options));
        meta.put("iteration", 0);
        meta.put("preprocessing", Preprocessing.Torchvision.IMAGENET.describe());
        Map<String, NDArray> arrays = new LinkedHashMap<>(network.parameters());
        arrays.putAll(network.state());
        omit.forEach(arrays::remove);
        Path file = dir.resolve(spec.name() + ".zip");
        Checkpoint.write(file, meta, arrays, Map.of());
        return file;
    }

    /**
     * The synthetic setting at a smaller scale (shorter side 160, anchors 24 to 96) for tests, with
     * {@code iterations} iterations whose LR steps at the half.
     */
    static DetectorConfig smallSynthetic(int iterations) {
        DetectorConfig c = DetectorConfig.synthetic(SyntheticShapes.CLASSES.size());
        DetectorConfig.Rpn r = c.rpn();
        return new DetectorConfig(
                c.backbone(),
                c.classes(),
                new DetectorConfig.ImageScale(160, 240, true),
                new DetectorConfig.Rpn(
                        java.util.List.of(24, 48, 96),
                        r.anchorRatios(),
                        r.batch(),
                        r.fgFraction(),
                        r.positiveIou(),
                        r.negativeIou(),
                        r.nms(),
                        r.preNmsTrain(),
                        r.postNmsTrain(),
                        r.preNmsTest(),
                        r.postNmsTest(),
                        r.minSize(),
                        r.sigma()),
                c.fastRcnn(),
                new DetectorConfig.Solver(0.01, iterations / 2, iterations, 0.1, 0.9, 1e-4));
    }

    /** A run of {@code config} on the VOC tree at {@code data}, testing on its test set. */
    static DetectionRun run(DetectorConfig config, Path data, boolean test, int checkpointEvery)
            throws IOException {
        DetectionData train = DetectionData.recognise(data, null, "train", null);
        return new DetectionRun(
                config,
                train,
                test ? train.withImageSet("test") : null,
                null,
                11,
                2,
                1,
                0,
                checkpointEvery,
                5,
                true,
                "test",
                java.util.List.of(),
                null);
    }
}
