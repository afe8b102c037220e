package org.resnetj.cli;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnetj.distributed.Replicas;
import org.resnetj.distributed.World;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.train.DataKind;
import org.resnetj.train.Setup;
import org.resnetj.train.Trainer;
import org.resnetj.train.TrainingData;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code resnet train}: trains a network with the paper's recipe, CIFAR-10 (Sec. 4.2) or ImageNet
 * (Sec. 3.4) by the kind of data given, or resumes a run.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Train a network with the paper's recipe, or resume a run. CIFAR-10 binary files train"
                + " a CIFAR-10 net with the recipe of Section 4.2; an image folder"
                + " (DIR/train/CLASS/*.jpg, DIR/val/CLASS/*.jpg, optional DIR/labels.txt) trains a"
                + " Table 1 net with the recipe and augmentation of Section 3.4.",
            "Without --data it trains on the synthetic default data set with a short schedule."
        },
        footer = "%n${sys:resnet.setup.help}")
final class TrainCommand implements Callable<Integer> {

    /** The short schedule of the embedded default: a few minutes on 2 cores. */
    static final List<String> SHORT_SCHEDULE =
            List.of("iterations=500", "log_every=20", "eval_every=100", "checkpoint_every=100");

    @Option(
            names = "--model",
            paramLabel = "NAME",
            description =
                    "the network (default: resnet20 for CIFAR-10 data, resnet18 for an image"
                            + " folder)")
    String model;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description =
                    "CIFAR-10 binary files (a directory or cifar-10-binary.tar.gz) or an image"
                            + " folder; default: synthetic data in "
                            + SyntheticDefault.DIR)
    Path data;

    @Option(
            names = "--bad-images",
            paramLabel = "stop|skip",
            description =
                    "an unreadable image in an image folder stops training (default) or is skipped"
                            + " and counted")
    String badImages;

    @Option(
            names = "--out",
            paramLabel = "RUN_DIR",
            description = "run directory (default: a new directory under runs/)")
    Path out;

    @Option(
            names = "--iterations",
            paramLabel = "N",
            description =
                    "total iterations; the LR steps stay at the same fractions (paper: 64000)")
    Integer iterations;

    @Option(names = "--batch", paramLabel = "B", description = "mini-batch size (paper: 128)")
    Integer batch;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = "seed of initialization, sampling and augmentation (default: 0)")
    Long seed;

    @Option(
            names = "--threads",
            paramLabel = "T",
            description = "threads for the engine and for data preparation (default: all cores)")
    Integer threads;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description =
                    "set a recipe key or run setting (listed below); a key given by a flag or"
                            + " another --set too is refused")
    List<String> set = new ArrayList<>();

    @Option(
            names = "--resume",
            paramLabel = "RUN_DIR",
            description = "continue a run from its newest checkpoint")
    Path resume;

    @Mixin ArchitectureOptions architecture;

    static {
        System.setProperty("resnet.setup.help", Setup.help().replace("\n", "%n"));
    }

    /**
     * Trains as one rank of the job when {@code mpirun} started this process, alone otherwise. A
     * failure on any rank ends the whole job at once, with one line naming the rank and the cause:
     * the other ranks would otherwise wait forever in their next collective.
     */
    @Override
    public Integer call() throws IOException {
        try (World world = World.fromEnvironment()) {
            Replicas replicas = new Replicas(world);
            if (replicas.distributed()) {
                System.err.println(world.describe());
                if (!replicas.writes()) {
                    // Rank 0 reports progress; the others' lines would repeat it N times.
                    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.resnetj"))
                            .setLevel(Level.WARN);
                }
            }
            try {
                return train(replicas);
            } catch (IOException | RuntimeException | Error e) {
                boolean userError =
                        e instanceof IOException
                                || e instanceof IllegalArgumentException
                                || e instanceof UncheckedIOException;
                if (replicas.distributed() && !userError) {
                    e.printStackTrace();
                }
                world.abort(
                        userError
                                ? "error: "
                                        + (e instanceof UncheckedIOException u
                                                ? u.getCause().getMessage()
                                                : e.getMessage())
                                : e.toString());
                throw e;
            }
        }
    }

    private int train(Replicas replicas) throws IOException {
        if (resume != null) {
            if (model != null
                    || data != null
                    || out != null
                    || iterations != null
                    || batch != null
                    || seed != null
                    || threads != null
                    || badImages != null
                    || !set.isEmpty()) {
                throw new IllegalArgumentException(
                        "--resume continues a run with its own configuration: give no other"
                                + " training option");
            }
            Trainer.resume(resume, replicas);
            return 0;
        }
        Map<String, Object> flags = new LinkedHashMap<>();
        flags.put("iterations", iterations);
        flags.put("batch", batch);
        flags.put("seed", seed);
        flags.put("threads", threads);
        flags.put("bad_images", badImages);
        List<String> assignments = SetOptions.assignments(flags, set);
        // The flags are checked before the data is looked at, and the synthetic default written:
        // each key's check and the rule between keys are the same whatever the kind of data.
        Setup.cifar10().with(assignments);
        DataKind kind = data != null ? DataKind.of(data) : SyntheticDefault.KIND;
        ModelSpec spec = ModelRegistry.get(model != null ? model : kind.defaultModel());
        kind.checkTrains(spec, data != null ? data : Path.of(SyntheticDefault.DIR));
        ModelOptions options = architecture.resolve(spec);
        Setup setup = kind.setup();
        Path source = data;
        if (source == null) {
            source = syntheticDefault(replicas);
            if (iterations == null) {
                setup = setup.with(SHORT_SCHEDULE);
            }
        }
        setup = setup.with(assignments);
        Path runDir =
                out != null
                        ? out
                        : Path.of(
                                "runs",
                                spec.name()
                                        + "-"
                                        + LocalDateTime.now()
                                                .format(
                                                        DateTimeFormatter.ofPattern(
                                                                "yyyyMMdd-HHmmss")));
        runDir = Path.of(replicas.fromRankZero(runDir.toString())); // its clock names the run
        // Opened once here: the folder's classes size the model, and the run trains on the same.
        TrainingData training = kind.open(source).training(setup.recipe(), setup.run().threads());
        if (data != null && replicas.writes()) {
            System.out.println("found " + training.describe());
        }
        if (architecture.classes == null) {
            options = options.withClasses(training.classes());
        }
        Trainer.start(spec.name(), options, source, training, replicas, setup, runDir);
        if (replicas.writes()) {
            System.out.println("run directory: " + runDir);
        }
        return 0;
    }

    /**
     * The synthetic default set, generated by one rank at a time: ranks on one machine share its
     * directory, and the first one there writes it while the others wait.
     */
    private static Path syntheticDefault(Replicas replicas) throws IOException {
        Path dir = null;
        for (int rank = 0; rank < replicas.world().size(); rank++) {
            if (rank == replicas.world().rank()) {
                dir = SyntheticDefault.ensure();
            }
            replicas.sum(0); // a barrier
        }
        return dir;
    }
}
