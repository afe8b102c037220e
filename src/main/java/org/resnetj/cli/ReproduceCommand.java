package org.resnetj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.resnetj.experiment.DetectionExperiment;
import org.resnetj.experiment.DetectionReproduction;
import org.resnetj.experiment.Experiment;
import org.resnetj.experiment.Experiments;
import org.resnetj.experiment.Report;
import org.resnetj.experiment.Reproduction;
import org.resnetj.experiment.Results;
import org.resnetj.train.DataKind;
import org.resnetj.train.Setup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code resnet reproduce NAME}: runs an experiment of the paper and draws its figure, table and
 * report.
 */
@Command(
        name = "reproduce",
        mixinStandardHelpOptions = true,
        description = {
            "Run an experiment of the paper (see --list): every run into OUT/<run>[-seedS]/,"
                    + " skipping finished runs and resuming interrupted ones; then the figure"
                    + " (figure.png, figure.svg), the table with the paper's numbers (table.csv,"
                    + " table.md), experiment.json and report.html.",
            "Without --data it runs on the synthetic default data set, with a short schedule unless"
                    + " the experiment or --iterations sets one.",
            "The detection tables (table7: VOC, table8: COCO) need the real data as --data (a"
                    + " VOCdevkit directory with VOC2007/ and VOC2012/, or a COCO directory with"
                    + " annotations/, train2014/ and val2014/) and each backbone's ImageNet"
                    + " checkpoint as --imagenet vgg16=PATH --imagenet resnet101=PATH; every"
                    + " backbone trains into OUT/<backbone>/ and table.md sets the paper's mAP"
                    + " beside ours."
        })
final class ReproduceCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "NAME",
            description = "the experiment, e.g. fig1, table6, degradation")
    String name;

    @Option(names = "--list", description = "list the experiments and exit")
    boolean list;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description =
                    "CIFAR-10 binary files (a directory or cifar-10-binary.tar.gz), an image"
                            + " folder for the ImageNet experiments, a VOCdevkit directory for"
                            + " table7 or a COCO directory for table8; default: synthetic data in "
                            + SyntheticDefault.DIR
                            + " (none for table7 and table8)")
    Path data;

    @Option(
            names = "--iterations",
            paramLabel = "N",
            description = "iterations of every run; the LR steps stay at the same fractions")
    Integer iterations;

    @Option(
            names = "--seeds",
            paramLabel = "K",
            description = "train every run with K seeds instead of the declared number")
    Integer seeds;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "the experiment directory (default: runs/NAME)")
    Path out;

    @Option(
            names = "--threads",
            paramLabel = "T",
            description = "threads of new runs (resumed runs keep their own; default: all cores)")
    Integer threads;

    @Option(
            names = "--imagenet",
            paramLabel = "BACKBONE=CHECKPOINT",
            description =
                    "the ImageNet checkpoint a detection table's backbone is fine-tuned from, e.g."
                            + " resnet101=runs/resnet101 (table7, table8)")
    Map<String, Path> imagenet = new LinkedHashMap<>();

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description =
                    "set a recipe key or run setting of every run, after the experiment's own"
                            + " (see train --help)")
    List<String> set = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        if (list) {
            list();
            return 0;
        }
        if (name == null) {
            throw new IllegalArgumentException("give an experiment NAME, or --list to see them");
        }
        Optional<DetectionExperiment> detection = DetectionExperiment.find(name);
        if (detection.isPresent()) {
            return detection(detection.get());
        }
        Experiment experiment = Experiments.get(name);
        Path source = data;
        Setup base = experiment.dataset().setup();
        DataKind kind = experiment.dataset().kind();
        if (source == null && kind != SyntheticDefault.KIND) {
            throw new IllegalArgumentException(
                    experiment.name()
                            + " is "
                            + experiment.dataset().experiments()
                            + " and has no embedded default: give --data DIR, "
                            + kind.description()
                            + " ("
                            + kind.layout()
                            + ")");
        }
        if (source == null) {
            source = SyntheticDefault.ensure();
            if (iterations == null) {
                base = base.with(TrainCommand.SHORT_SCHEDULE);
            }
        }
        Map<String, Object> flags = new LinkedHashMap<>();
        flags.put("iterations", iterations);
        flags.put("threads", threads);
        List<String> overrides = SetOptions.assignments(flags, set);
        Path dir = out != null ? out : Path.of("runs", experiment.name());
        Results results =
                Reproduction.run(
                        experiment,
                        new Reproduction.Settings(
                                source, base, overrides, seeds, dir, ReproduceCommand::responses));
        print(results, dir);
        return 0;
    }

    private int detection(DetectionExperiment experiment) throws IOException {
        if (data == null) {
            throw new IllegalArgumentException(
                    experiment.name()
                            + " reports the paper's numbers on real data and has no default: give"
                            + " --data DIR, "
                            + experiment.data().layout());
        }
        if (seeds != null || !set.isEmpty()) {
            throw new IllegalArgumentException(
                    experiment.name() + " runs Appendix A's setting: it takes no --seeds or --set");
        }
        Path dir = out != null ? out : Path.of("runs", experiment.name());
        int engineThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Map<String, List<Double>> ours =
                DetectionReproduction.run(
                        experiment,
                        new DetectionReproduction.Settings(
                                data, imagenet, iterations, engineThreads, dir));
        System.out.print(experiment.markdown(ours, data));
        System.out.println("wrote " + dir.resolve(DetectionReproduction.TABLE_MD));
        return 0;
    }

    /**
     * Draws Fig. 7 with {@code resnet responses}'s own code and defaults, so that it has one
     * implementation.
     */
    private static void responses(List<Path> runDirs, Path data, Path outDir) throws IOException {
        List<String> args = new ArrayList<>();
        for (Path dir : runDirs) {
            args.add("--checkpoint");
            args.add(dir.toString());
        }
        args.addAll(List.of("--data", data.toString(), "--out", outDir.toString()));
        ResponsesCommand command = new ResponsesCommand();
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        command.call();
    }

    private static void list() {
        for (Experiment e : Experiments.all()) {
            List<String> runs = new ArrayList<>();
            for (Experiment.Run run : e.runs()) {
                runs.add(run.name() + (run.seeds() > 1 ? " ×" + run.seeds() : ""));
            }
            String needs =
                    e.dataset().kind() != SyntheticDefault.KIND
                            ? " (needs --data: " + e.dataset().kind().description() + ")"
                            : "";
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %-30s %-9s %s%n",
                    e.name(),
                    e.reference(),
                    e.dataset(),
                    String.join(", ", runs));
            System.out.printf(
                    Locale.ROOT, "%-12s %s; shows %s%s%n", "", e.title(), e.drawing(), needs);
        }
        for (DetectionExperiment e : DetectionExperiment.all()) {
            List<String> runs = new ArrayList<>();
            for (DetectionExperiment.Run run : e.runs()) {
                List<String> numbers = new ArrayList<>();
                for (int i = 0; i < run.paper().size(); i++) {
                    numbers.add(
                            String.format(
                                    Locale.ROOT,
                                    "%s %.1f",
                                    e.data().metrics().get(i).label(),
                                    run.paper().get(i)));
                }
                runs.add(run.backbone() + " (" + String.join(", ", numbers) + ")");
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %-30s %-9s %s%n",
                    e.name(),
                    e.reference(),
                    e.data().name(),
                    String.join(", ", runs));
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %s; %s (needs --data: %s)%n",
                    "",
                    e.title(),
                    e.data().description(),
                    e.data().layout());
        }
    }

    private static void print(Results results, Path dir) {
        Experiment e = results.experiment();
        System.out.printf(
                Locale.ROOT,
                "%s (%s): %d runs in %s%s%n",
                e.name(),
                e.reference(),
                results.runs().size(),
                dir,
                results.synthetic() ? ", on SYNTHETIC data" : "");
        for (Results.RunResult run : results.runs()) {
            System.out.printf(
                    Locale.ROOT,
                    "  %-16s final training error %6s%%, test top-1 error %6s%%%n",
                    run.dir(),
                    format(run.trainError()),
                    format(run.testError()));
        }
        for (Results.CheckOutcome check : results.checks()) {
            System.out.println("  " + check.describe());
        }
        if (!results.verdict().isEmpty()) {
            System.out.println(results.verdict());
        }
        System.out.println(
                "wrote "
                        + dir.resolve(Reproduction.FIGURE_PNG)
                        + ", "
                        + Reproduction.TABLE_MD
                        + ", "
                        + Reproduction.SUMMARY
                        + " and "
                        + dir.resolve(Report.FILE));
    }

    private static String format(Double percent) {
        return percent == null ? "n/a" : String.format(Locale.ROOT, "%.2f", percent);
    }
}
