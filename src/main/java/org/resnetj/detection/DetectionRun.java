package org.resnetj.detection;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnetj.train.RunConfig;

/**
 * The resolved configuration of a detector's training run, stored as {@code config.json} in its run
 * directory: everything that {@code --resume} needs to continue it, and what made it.
 *
 * @param detector the network, its sampling and its solver
 * @param train the training images
 * @param test the images evaluated during and after training, or null for none
 * @param imagenet the ImageNet checkpoint the backbone started from, or null for a detector trained
 *     {@link Detector#fromScratch from scratch} or after {@code pretraining}
 * @param seed the engine's seed at initialization, and the seed of image order, mirroring and
 *     sampling
 * @param threads the engine's threads
 * @param logEvery iterations per line of {@code metrics.jsonl}
 * @param evalEvery iterations between evaluations on {@code test} (0: only at the end)
 * @param checkpointEvery iterations between checkpoints
 * @param keepCheckpoints how many of the newest checkpoints are kept
 * @param synthetic whether the training data is {@link SyntheticShapes}'s
 * @param codeVersion the code that started the run
 * @param moreTrain further training images, joined to {@code train} as "07+12" joins VOC 2007 and
 *     VOC 2012 trainval (Table 7); empty for one training set
 * @param pretraining without {@code imagenet}: the backbone's {@link CropPretraining} on the
 *     training set, after which the detector is fine-tuned as from ImageNet; null: none, the
 *     detector trains from scratch
 */
public record DetectionRun(
        DetectorConfig detector,
        DetectionData train,
        DetectionData test,
        String imagenet,
        long seed,
        int threads,
        int logEvery,
        int evalEvery,
        int checkpointEvery,
        int keepCheckpoints,
        boolean synthetic,
        String codeVersion,
        List<DetectionData> moreTrain,
        CropPretraining.Settings pretraining) {

    /** The file name inside a run directory. */
    public static final String FILE = "config.json";

    static final ObjectMapper JSON = new ObjectMapper();

    /** Checks the counts; a configuration written before {@code moreTrain} existed has none. */
    public DetectionRun {
        moreTrain = moreTrain == null ? List.of() : List.copyOf(moreTrain);
        if (threads < 1 || logEvery < 1 || evalEvery < 0 || checkpointEvery < 1) {
            throw new IllegalArgumentException(
                    "threads, log and checkpoint intervals must be at least 1 and the evaluation"
                            + " interval at least 0; got threads "
                            + threads
                            + ", log_every "
                            + logEvery
                            + ", eval_every "
                            + evalEvery
                            + ", checkpoint_every "
                            + checkpointEvery);
        }
        if (keepCheckpoints < 1) {
            throw new IllegalArgumentException(
                    "keep at least one checkpoint, got " + keepCheckpoints);
        }
        if (pretraining != null && imagenet != null) {
            throw new IllegalArgumentException(
                    "a run starts from an ImageNet checkpoint or from crop pretraining, not both");
        }
    }

    /** The same run for {@code iterations} iterations, its LR step at the same fraction. */
    public DetectionRun withIterations(int iterations) {
        DetectorConfig.Solver s = detector.solver();
        int step = (int) Math.round((double) s.stepAt() * iterations / s.iterations());
        DetectorConfig.Solver solver =
                new DetectorConfig.Solver(
                        s.lr(), step, iterations, s.gamma(), s.momentum(), s.weightDecay());
        return new DetectionRun(
                new DetectorConfig(
                        detector.backbone(),
                        detector.classes(),
                        detector.scale(),
                        detector.rpn(),
                        detector.fastRcnn(),
                        solver),
                train,
                test,
                imagenet,
                seed,
                threads,
                logEvery,
                evalEvery,
                Math.min(checkpointEvery, iterations),
                keepCheckpoints,
                synthetic,
                codeVersion,
                moreTrain,
                pretraining);
    }

    /**
     * The configuration as {@code config.json} holds it: the run under {@code "run"}, and beside it
     * the model, the iterations and the synthetic flag that {@code plot} reads from any run.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("kind", "detector");
        map.put("model", "faster-rcnn-" + detector.backbone());
        map.put("iterations", detector.solver().iterations());
        map.put("synthetic", synthetic);
        map.put("run", JSON.convertValue(this, Map.class));
        return map;
    }

    /** Writes {@code config.json} into {@code runDir} atomically. */
    public void write(Path runDir) throws IOException {
        RunConfig.write(runDir, toMap());
    }

    /**
     * Reads the configuration of a detector's run directory.
     *
     * @throws IOException naming the file if it is missing, unreadable or not a detector's
     */
    public static DetectionRun read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "not a run directory: no " + FILE);
        }
        try {
            Map<?, ?> map = JSON.readValue(file.toFile(), Map.class);
            if (!"detector".equals(map.get("kind"))) {
                throw new IOException(
                        file + " is not a detector's run (resume it with resnet train --resume)");
            }
            return JSON.convertValue(map.get("run"), DetectionRun.class);
        } catch (IllegalArgumentException e) {
            throw new IOException("unreadable run configuration " + file + ": " + e.getMessage());
        }
    }
}
