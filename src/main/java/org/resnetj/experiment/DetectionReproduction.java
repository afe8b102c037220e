package org.resnetj.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.CodeVersion;
import org.resnetj.detection.DetectionData;
import org.resnetj.detection.DetectionRun;
import org.resnetj.detection.DetectorTrainer;
import org.resnetj.experiment.DetectionExperiment.Metric;
import org.resnetj.experiment.DetectionExperiment.Run;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a detection experiment into one directory: every backbone into {@code <out>/<backbone>},
 * skipping finished runs and resuming interrupted ones; each run's final evaluation, written by the
 * trainer, gives our number beside the paper's in {@code table.md}.
 */
public final class DetectionReproduction {

    /** The table with the paper's numbers beside ours. */
    public static final String TABLE_MD = "table.md";

    private static final Logger LOG = LoggerFactory.getLogger(DetectionReproduction.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private DetectionReproduction() {}

    /**
     * How to run a detection experiment.
     *
     * @param data the directory of {@link DetectionExperiment.Data#layout()}
     * @param imagenet the ImageNet checkpoint of each backbone, by backbone name
     * @param iterations iterations of every run instead of the paper's, or null
     * @param threads engine threads of new runs
     * @param out the experiment directory
     */
    public record Settings(
            Path data, Map<String, Path> imagenet, Integer iterations, int threads, Path out) {

        /** Copies the checkpoints. */
        public Settings {
            imagenet = Map.copyOf(imagenet);
        }
    }

    /**
     * Trains every run that is not finished, then writes the table.
     *
     * @return per backbone our numbers in percent, one per metric
     * @throws IllegalArgumentException if the data is not where the experiment needs it, a new run
     *     has no ImageNet checkpoint, or a run directory holds a different run
     */
    public static Map<String, List<Double>> run(DetectionExperiment experiment, Settings settings)
            throws IOException {
        List<DetectionData> train = experiment.data().train(settings.data());
        DetectionData test = experiment.data().test(settings.data());
        List<DetectionRun> planned = new ArrayList<>();
        for (Run run : experiment.runs()) {
            planned.add(plan(experiment, run, train, test, settings));
        }
        // Every directory is checked before any training, so a clash is found in seconds.
        List<Boolean> exists = new ArrayList<>();
        for (DetectionRun run : planned) {
            Path dir = settings.out().resolve(run.detector().backbone());
            exists.add(Files.isRegularFile(dir.resolve(DetectionRun.FILE)));
            if (exists.get(exists.size() - 1)) {
                check(dir, run);
            } else if (run.imagenet() == null) {
                throw new IllegalArgumentException(
                        experiment.name()
                                + " fine-tunes "
                                + run.detector().backbone()
                                + " from ImageNet: give --imagenet "
                                + run.detector().backbone()
                                + "=CHECKPOINT");
            }
        }
        Map<String, List<Double>> ours = new LinkedHashMap<>();
        for (int i = 0; i < planned.size(); i++) {
            DetectionRun run = planned.get(i);
            String backbone = run.detector().backbone();
            Path dir = settings.out().resolve(backbone);
            int iterations = run.detector().solver().iterations();
            if (!exists.get(i)) {
                LOG.info("{}: starting for {} iterations", dir, iterations);
                DetectorTrainer.start(run, dir);
            } else if (!finished(dir, iterations)) {
                LOG.info("{}: interrupted, resuming", dir);
                DetectorTrainer.resume(dir);
            } else {
                LOG.info("{}: finished, skipped", dir);
            }
            ours.put(backbone, finalNumbers(dir, iterations, experiment.data().metrics()));
        }
        Files.createDirectories(settings.out());
        Files.writeString(
                settings.out().resolve(TABLE_MD),
                experiment.markdown(ours, settings.data()),
                StandardCharsets.UTF_8);
        return ours;
    }

    static DetectionRun plan(
            DetectionExperiment experiment,
            Run run,
            List<DetectionData> train,
            DetectionData test,
            Settings settings) {
        Path imagenet = settings.imagenet().get(run.backbone());
        if (imagenet != null && !Files.exists(imagenet)) {
            throw new IllegalArgumentException(
                    "--imagenet " + run.backbone() + "=" + imagenet + ": no such checkpoint");
        }
        DetectionRun paper =
                new DetectionRun(
                        experiment.data().config(run.backbone()),
                        train.get(0),
                        test,
                        imagenet == null ? null : imagenet.toString(),
                        0,
                        settings.threads(),
                        20,
                        0,
                        500,
                        2,
                        false,
                        CodeVersion.get(),
                        train.subList(1, train.size()),
                        null);
        return settings.iterations() == null ? paper : paper.withIterations(settings.iterations());
    }

    /** Refuses a directory that holds another backbone, other data or another length. */
    private static void check(Path dir, DetectionRun planned) throws IOException {
        DetectionRun stored = DetectionRun.read(dir);
        boolean same =
                stored.detector().equals(planned.detector())
                        && stored.train().equals(planned.train())
                        && stored.moreTrain().equals(planned.moreTrain())
                        && Objects.equals(stored.test(), planned.test());
        if (!same) {
            throw new IllegalArgumentException(
                    dir
                            + " holds a different run (another backbone, setting, data or number of"
                            + " iterations): remove it or choose another --out");
        }
    }

    private static boolean finished(Path dir, int iterations) throws IOException {
        Optional<Path> newest = Checkpoint.newest(Checkpoint.folder(dir));
        return newest.isPresent()
                && newest.get().getFileName().toString().equals(Checkpoint.fileName(iterations));
    }

    /**
     * Our numbers, in percent, from the run's evaluation at its last iteration; null where there is
     * none.
     */
    static List<Double> finalNumbers(Path dir, int iterations, List<Metric> metrics)
            throws IOException {
        Map<?, ?> last = null;
        Path file = dir.resolve("metrics.jsonl");
        if (Files.isRegularFile(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                Map<?, ?> row = JSON.readValue(line, Map.class);
                if ("detection_eval".equals(row.get("type"))
                        && row.get("iteration") instanceof Number n
                        && n.intValue() == iterations) {
                    last = row;
                }
            }
        }
        List<Double> numbers = new ArrayList<>();
        for (Metric metric : metrics) {
            Object value = last == null ? null : last.get(metric.key());
            numbers.add(value instanceof Number n ? 100 * n.doubleValue() : null);
        }
        return numbers;
    }
}
