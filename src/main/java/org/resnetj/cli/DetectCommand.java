package org.resnetj.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.resnetj.checkpoint.CodeVersion;
import org.resnetj.detection.CropPretraining;
import org.resnetj.detection.DetectionData;
import org.resnetj.detection.DetectionRun;
import org.resnetj.detection.DetectorConfig;
import org.resnetj.detection.DetectorTrainer;
import org.resnetj.detection.SyntheticShapes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code resnet detect}: trains a Faster R-CNN detector (the paper's Appendix A), or resumes a run;
 * its subcommands evaluate a detector and run it on images.
 */
@Command(
        name = "detect",
        mixinStandardHelpOptions = true,
        subcommands = {DetectEvalCommand.class, DetectImagesCommand.class},
        description = {
            "Train a Faster R-CNN detector end to end (Appendix A), or resume a run. A VOC tree"
                + " (Annotations/, JPEGImages/, ImageSets/Main/) trains on trainval and is tested"
                + " on test with the paper's VOC setting; a COCO instances_*.json with --images"
                + " trains with the COCO setting.",
            "Without --data it pretrains a small detector on crops, then trains it on the synthetic"
                    + " shapes set"
                    + " in "
                    + DetectCommand.SYNTHETIC_DIR
                    + " (generated on first use) and reports its VOC07 mAP on the synthetic test"
                    + " split.",
            "Subcommands: eval (mAP of a detector), run (detections on images, drawn)."
        })
final class DetectCommand implements Callable<Integer> {

    /** Where the synthetic default lives, relative to the working directory. */
    static final String SYNTHETIC_DIR = "data/synthetic-shapes";

    static final int SYNTHETIC_TRAIN = 2000;
    static final int SYNTHETIC_TEST = 200;
    static final long SYNTHETIC_SEED = 0;

    /** The synthetic default's crop pretraining, in iterations of {@link CropPretraining}. */
    static final int SYNTHETIC_PRETRAINING = 300;

    @Option(
            names = "--data",
            paramLabel = "PATH",
            description =
                    "a VOC directory or a COCO annotation file (*.json); default: the synthetic"
                            + " shapes in "
                            + SYNTHETIC_DIR)
    Path data;

    @Option(
            names = "--images",
            paramLabel = "DIR",
            description = "the image folder of a COCO annotation file (default: its folder)")
    Path images;

    @Option(
            names = "--test-data",
            paramLabel = "PATH",
            description =
                    "evaluated during and after training (default: a VOC tree's own test set)")
    Path testData;

    @Option(
            names = "--test-images",
            paramLabel = "DIR",
            description = "the image folder of a COCO --test-data file")
    Path testImages;

    @Option(
            names = "--train-set",
            paramLabel = "NAME",
            description = "the VOC image set to train on (default: trainval)")
    String trainSet = "trainval";

    @Option(
            names = "--test-set",
            paramLabel = "NAME",
            description = "the VOC image set to test on (default: test)")
    String testSet = "test";

    @Option(
            names = "--classes",
            split = ",",
            paramLabel = "NAME",
            description =
                    "a VOC tree's class names, in label order (default: VOC's 20, or the synthetic"
                            + " set's 5)")
    List<String> classes;

    @Option(
            names = "--setting",
            paramLabel = "paper|small",
            description =
                    "paper: Appendix A's VOC or COCO setting (600 px, 128 RoIs; default with"
                            + " --data); small: the synthetic default's (320 px, 32 RoIs,"
                            + " RoIAlign; README, Fidelity notes)")
    String setting;

    @Option(
            names = "--backbone",
            paramLabel = "NAME",
            description =
                    "the ImageNet network cut into trunk and head: resnet101 (default with --data),"
                            + " resnet50, vgg16, ...; resnet18 for the synthetic default")
    String backbone;

    @Option(
            names = "--imagenet",
            paramLabel = "CHECKPOINT",
            description =
                    "an ImageNet checkpoint of the backbone (from train, or import of torchvision"
                            + " weights) to fine-tune; without it the detector trains from scratch,"
                            + " after --pretrain")
    Path imagenet;

    @Option(
            names = "--pooling",
            paramLabel = "pool|align",
            description =
                    "RoI pooling: pool, Fast R-CNN's max pooling as the paper; align, RoIAlign"
                            + " (default: pool, and align for the small setting)")
    String pooling;

    @Option(
            names = "--pretrain",
            paramLabel = "N",
            description =
                    "without --imagenet: iterations of classification pretraining of the backbone"
                            + " on crops of the training set, before detection (default: "
                            + SYNTHETIC_PRETRAINING
                            + " for the synthetic default, 0 otherwise: from scratch)")
    Integer pretrain;

    @Option(
            names = "--iterations",
            paramLabel = "N",
            description =
                    "total iterations (images); the LR step stays at the same fraction (paper,"
                            + " VOC: 80000, step at 60000)")
    Integer iterations;

    @Option(
            names = "--lr",
            paramLabel = "LR",
            description = "the initial learning rate (paper: 0.001)")
    Double lr;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description =
                    "seed of initialization, image order, mirroring and sampling (default: 0)")
    long seed;

    @Option(
            names = "--threads",
            paramLabel = "T",
            description = "engine threads (default: all cores)")
    Integer threads;

    @Option(
            names = "--log-every",
            paramLabel = "N",
            description = "iterations per line of metrics.jsonl (default: 20)")
    int logEvery = 20;

    @Option(
            names = "--eval-every",
            paramLabel = "N",
            description = "iterations between evaluations (default: 0, only at the end)")
    int evalEvery;

    @Option(
            names = "--checkpoint-every",
            paramLabel = "N",
            description = "iterations between checkpoints (default: 500)")
    int checkpointEvery = 500;

    @Option(
            names = "--out",
            paramLabel = "RUN_DIR",
            description = "run directory (default: a new directory under runs/)")
    Path out;

    @Option(
            names = "--resume",
            paramLabel = "RUN_DIR",
            description = "continue a run from its newest checkpoint")
    Path resume;

    @Override
    public Integer call() throws IOException {
        if (resume != null) {
            if (data != null || out != null || iterations != null || backbone != null) {
                throw new IllegalArgumentException(
                        "--resume continues a run with its own configuration: give no other"
                                + " training option");
            }
            DetectorTrainer.resume(resume);
            System.out.println("run directory: " + resume);
            return 0;
        }
        DetectionRun run = run();
        Path runDir =
                out != null
                        ? out
                        : Path.of(
                                "runs",
                                "faster-rcnn-"
                                        + run.detector().backbone()
                                        + "-"
                                        + LocalDateTime.now()
                                                .format(
                                                        DateTimeFormatter.ofPattern(
                                                                "yyyyMMdd-HHmmss")));
        DetectorTrainer.start(run, runDir);
        System.out.println("run directory: " + runDir);
        return 0;
    }

    /** The run the options describe. */
    DetectionRun run() throws IOException {
        int engineThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        DetectionData train;
        DetectionData test = null;
        DetectorConfig config;
        boolean synthetic = data == null;
        if (setting != null && !setting.equals("paper") && !setting.equals("small")) {
            throw new IllegalArgumentException(
                    "--setting must be paper or small, got '" + setting + "'");
        }
        boolean small = setting != null ? setting.equals("small") : synthetic;
        DetectorConfig.Pooling poolingKind = pooling == null ? null : poolingChoice(pooling);
        if (pretrain != null && (pretrain < 0 || (pretrain > 0 && imagenet != null))) {
            throw new IllegalArgumentException(
                    "--pretrain must be 0 or more, and 0 with --imagenet; got " + pretrain);
        }
        if (synthetic) {
            Path dir = ensureSynthetic();
            train = DetectionData.recognise(dir, null, "train", null);
            test = train.withImageSet("test");
        } else {
            train = DetectionData.recognise(data, images, trainSet, classes);
            if (!DetectionData.COCO.equals(train.format())) {
                test = train.withImageSet(testSet);
            }
            if (testData != null) {
                test = DetectionData.recognise(testData, testImages, testSet, classes);
            }
        }
        if (small) {
            config = syntheticConfig(backbone != null ? backbone : "resnet18");
        } else {
            String name = backbone != null ? backbone : "resnet101";
            config =
                    DetectionData.COCO.equals(train.format())
                            ? DetectorConfig.coco(name)
                            : DetectorConfig.voc(name);
        }
        int dataClasses =
                DetectionData.COCO.equals(train.format())
                        ? train.readCoco().set().classes().size()
                        : train.classes().size();
        if (dataClasses != config.classes()) {
            config = withClasses(config, dataClasses);
        }
        if (poolingKind != null) {
            config = withPooling(config, poolingKind);
        }
        int pretraining =
                imagenet != null
                        ? 0
                        : pretrain != null ? pretrain : synthetic ? SYNTHETIC_PRETRAINING : 0;
        if (lr != null) {
            DetectorConfig.Solver s = config.solver();
            config =
                    withSolver(
                            config,
                            new DetectorConfig.Solver(
                                    lr,
                                    s.stepAt(),
                                    s.iterations(),
                                    s.gamma(),
                                    s.momentum(),
                                    s.weightDecay()));
        }
        DetectionRun run =
                new DetectionRun(
                        config,
                        train,
                        test,
                        imagenet == null ? null : imagenet.toString(),
                        seed,
                        engineThreads,
                        logEvery,
                        evalEvery,
                        checkpointEvery,
                        2,
                        synthetic,
                        CodeVersion.get(),
                        List.of(),
                        pretraining > 0 ? CropPretraining.Settings.of(pretraining) : null);
        return iterations != null ? run.withIterations(iterations) : run;
    }

    /** The synthetic default's setting ({@link DetectorConfig#synthetic}) on {@code backbone}. */
    static DetectorConfig syntheticConfig(String backbone) {
        DetectorConfig small = DetectorConfig.synthetic(1);
        return new DetectorConfig(
                backbone,
                small.classes(),
                small.scale(),
                small.rpn(),
                small.fastRcnn(),
                small.solver());
    }

    private static DetectorConfig.Pooling poolingChoice(String name) {
        return switch (name) {
            case "pool" -> DetectorConfig.Pooling.POOL;
            case "align" -> DetectorConfig.Pooling.ALIGN;
            default ->
                    throw new IllegalArgumentException(
                            "--pooling must be pool or align, got '" + name + "'");
        };
    }

    private static DetectorConfig withPooling(DetectorConfig c, DetectorConfig.Pooling pooling) {
        return new DetectorConfig(
                c.backbone(),
                c.classes(),
                c.scale(),
                c.rpn(),
                c.fastRcnn().withPooling(pooling),
                c.solver());
    }

    private static DetectorConfig withClasses(DetectorConfig c, int classes) {
        return new DetectorConfig(
                c.backbone(), classes, c.scale(), c.rpn(), c.fastRcnn(), c.solver());
    }

    private static DetectorConfig withSolver(DetectorConfig c, DetectorConfig.Solver solver) {
        return new DetectorConfig(
                c.backbone(), c.classes(), c.scale(), c.rpn(), c.fastRcnn(), solver);
    }

    /** The synthetic default's directory, generating it on first use. */
    static Path ensureSynthetic() throws IOException {
        Path dir = Path.of(SYNTHETIC_DIR);
        if (!Files.isRegularFile(dir.resolve("README.txt"))) {
            System.out.println(
                    "generating the synthetic shapes in "
                            + dir
                            + " ("
                            + SYNTHETIC_TRAIN
                            + " train, "
                            + SYNTHETIC_TEST
                            + " test images)");
            SyntheticShapes.write(dir, SYNTHETIC_TRAIN, 0, SYNTHETIC_TEST, SYNTHETIC_SEED);
        }
        return dir;
    }
}
