package org.resnetj.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.resnetj.analysis.Curves;
import org.resnetj.analysis.RunMetrics;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.experiment.Experiment.Run;
import org.resnetj.model.ModelOptions;
import org.resnetj.train.DataKind;
import org.resnetj.train.RunConfig;
import org.resnetj.train.Setup;
import org.resnetj.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an experiment into one directory: every run (and seed) into a directory of its own, skipping
 * finished runs, resuming interrupted ones and starting the rest; then the figure ({@code
 * figure.png}, {@code figure.svg}), the table ({@code table.csv}, {@code table.md}), the summary
 * ({@code experiment.json}) and the report ({@code report.html}).
 */
public final class Reproduction {

    /** The runs' curves overlaid, as in Fig. 1 and Fig. 6. */
    public static final String FIGURE_PNG = "figure.png";

    /** The same figure as SVG. */
    public static final String FIGURE_SVG = "figure.svg";

    /** The table of final errors with the paper's beside them. */
    public static final String TABLE_CSV = "table.csv";

    /** The same table in Markdown. */
    public static final String TABLE_MD = "table.md";

    /**
     * The summary: the experiment, its runs, their final errors, the checks and the paper's
     * numbers.
     */
    public static final String SUMMARY = "experiment.json";

    /** Where the layer responses of Fig. 7 are drawn, inside the experiment directory. */
    public static final String RESPONSES_DIR = "responses";

    private static final Logger LOG = LoggerFactory.getLogger(Reproduction.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Run settings that change how fast a run goes, never what it writes. */
    private static final List<String> NOT_COMPARED = List.of("threads");

    private Reproduction() {}

    /**
     * How to run an experiment.
     *
     * @param data the CIFAR-10-format data
     * @param base the setup before the experiment's changes: the paper's, or a short schedule
     * @param overrides {@code key=value} changes applied after the experiment's own
     * @param seeds the number of seeds for every run instead of the declared ones, or null
     * @param out the experiment directory
     * @param responses draws Fig. 7 for experiments that show layer responses, or null to leave it
     *     to {@code ./resnet responses}
     */
    public record Settings(
            Path data,
            Setup base,
            List<String> overrides,
            Integer seeds,
            Path out,
            ResponsesDrawer responses) {

        /** Checks the values. */
        public Settings {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(base, "base");
            Objects.requireNonNull(out, "out");
            overrides = List.copyOf(overrides);
            if (seeds != null && seeds < 1) {
                throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
            }
        }
    }

    /** Draws Fig. 7 from trained run directories. */
    @FunctionalInterface
    public interface ResponsesDrawer {
        /**
         * Measures the runs' layer responses on {@code data} and writes the figure and numbers to
         * {@code outDir}.
         */
        void draw(List<Path> runDirs, Path data, Path outDir) throws IOException;
    }

    /**
     * One run directory to train: a declared run with one seed.
     *
     * @param run the declared run
     * @param dir the directory's name: the run's name, with {@code -seedS} if it has several seeds
     * @param options the network's options
     * @param setup the resolved recipe, its seed included, and run settings
     */
    public record Planned(Run run, String dir, ModelOptions options, Setup setup) {}

    /** What a run directory holds when the experiment reaches it. */
    public enum State {
        /** Nothing yet: the run starts. */
        NEW,
        /** A run that stopped before its last iteration: it resumes from its newest checkpoint. */
        INTERRUPTED,
        /** A run whose newest checkpoint is at its last iteration: it is skipped. */
        FINISHED
    }

    /**
     * The run directories of an experiment, with their resolved recipes.
     *
     * @throws IllegalArgumentException if an override is invalid
     */
    public static List<Planned> plan(
            Experiment experiment, Setup base, List<String> overrides, Integer seeds) {
        Setup setup = base.with(experiment.recipe()).with(overrides);
        List<Planned> planned = new ArrayList<>();
        for (Run run : experiment.runs()) {
            int count = seeds != null ? seeds : run.seeds();
            for (int i = 0; i < count; i++) {
                long seed = setup.recipe().seed() + i;
                String dir = count == 1 ? run.name() : run.name() + "-seed" + seed;
                planned.add(
                        new Planned(
                                run, dir, run.options(), setup.with("seed", String.valueOf(seed))));
            }
        }
        return planned;
    }

    /**
     * Runs the experiment and writes its figure, table, summary and report.
     *
     * @throws IllegalArgumentException if the data is not of the experiment's kind, a value is
     *     invalid, or a run directory holds a different run
     */
    public static Results run(Experiment experiment, Settings settings) throws IOException {
        List<Planned> plan =
                plan(experiment, settings.base(), settings.overrides(), settings.seeds());
        DataKind expected = experiment.dataset().kind();
        if (!expected.recognises(settings.data())) {
            throw new IllegalArgumentException(
                    experiment.name()
                            + " is "
                            + experiment.dataset().experiments()
                            + ": --data must be "
                            + expected.description()
                            + " ("
                            + expected.layout()
                            + "), got "
                            + settings.data());
        }
        // Read or listed once for every run. The Table 1 nets are declared with ImageNet's 1000
        // classes; a folder may hold fewer.
        DataKind.Opened data = expected.open(settings.data());
        plan =
                plan.stream()
                        .map(
                                p ->
                                        new Planned(
                                                p.run(),
                                                p.dir(),
                                                p.options().withClasses(data.classes()),
                                                p.setup()))
                        .toList();
        Files.createDirectories(settings.out());
        // Every directory is checked before any training, so a clash is found in seconds, not
        // hours.
        List<State> states = new ArrayList<>();
        for (Planned run : plan) {
            states.add(state(settings.out().resolve(run.dir()), run, settings.data()));
        }
        for (int i = 0; i < plan.size(); i++) {
            Planned run = plan.get(i);
            Path dir = settings.out().resolve(run.dir());
            String where = String.format("[%d/%d] %s (%s)", i + 1, plan.size(), run.dir(), dir);
            switch (states.get(i)) {
                case FINISHED:
                    LOG.info("{}: finished, skipped", where);
                    break;
                case INTERRUPTED:
                    LOG.info("{}: interrupted, resuming", where);
                    Trainer.resume(dir);
                    break;
                case NEW:
                    LOG.info(
                            "{}: starting {} for {} iterations",
                            where,
                            run.run().model(),
                            run.setup().recipe().iterations());
                    Trainer.start(
                            run.run().model(),
                            run.options(),
                            settings.data(),
                            data.training(run.setup().recipe(), run.setup().run().threads()),
                            run.setup(),
                            dir);
                    break;
            }
        }
        return finish(experiment, settings, plan);
    }

    /** What {@code dir} holds for {@code run}; a directory holding another run is an error. */
    static State state(Path dir, Planned run, Path data) throws IOException {
        if (!Files.isDirectory(dir) || isEmpty(dir)) {
            return State.NEW;
        }
        if (!Files.isRegularFile(dir.resolve(RunConfig.FILE))) {
            throw new IllegalArgumentException(
                    dir
                            + " exists but holds no run (no "
                            + RunConfig.FILE
                            + "): remove it or choose another --out");
        }
        RunConfig config = RunConfig.read(dir);
        List<String> differences = differences(config, run, data);
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException(
                    dir
                            + " holds a different run ("
                            + String.join("; ", differences)
                            + "): remove it or choose another --out");
        }
        Optional<Path> newest = Checkpoint.newest(Checkpoint.folder(dir));
        boolean finished =
                newest.isPresent()
                        && newest.get()
                                .getFileName()
                                .toString()
                                .equals(Checkpoint.fileName(config.recipe().iterations()));
        return finished ? State.FINISHED : State.INTERRUPTED;
    }

    private static List<String> differences(RunConfig config, Planned run, Path data) {
        List<String> differences = new ArrayList<>();
        if (!config.model().equals(run.run().model())) {
            differences.add("model " + config.model() + ", expected " + run.run().model());
        }
        if (!config.options().equals(run.options())) {
            differences.add("options " + config.options() + ", expected " + run.options());
        }
        Path had = Path.of(config.data()).toAbsolutePath().normalize();
        Path wanted = data.toAbsolutePath().normalize();
        if (!had.equals(wanted)) {
            differences.add("data " + had + ", expected " + wanted);
        }
        Map<String, Object> stored = new LinkedHashMap<>(config.recipe().toMap());
        stored.putAll(config.run().toMap());
        Map<String, Object> requested = new LinkedHashMap<>(run.setup().recipe().toMap());
        requested.putAll(run.setup().run().toMap());
        for (Map.Entry<String, Object> e : requested.entrySet()) {
            if (!NOT_COMPARED.contains(e.getKey())
                    && !Objects.equals(stored.get(e.getKey()), e.getValue())) {
                differences.add(
                        e.getKey() + "=" + stored.get(e.getKey()) + ", expected " + e.getValue());
            }
        }
        return differences;
    }

    /** Reads the runs' metrics and writes the figure, the table, the summary and the report. */
    private static Results finish(Experiment experiment, Settings settings, List<Planned> plan)
            throws IOException {
        Path out = settings.out();
        Map<String, List<Results.Trained>> trained = new LinkedHashMap<>();
        List<RunMetrics> curves = new ArrayList<>();
        List<Path> runDirs = new ArrayList<>();
        for (Planned run : plan) {
            Path dir = out.resolve(run.dir());
            runDirs.add(dir);
            trained.computeIfAbsent(run.run().name(), k -> new ArrayList<>())
                    .add(new Results.Trained(dir, run.setup().recipe().seed()));
            curves.add(RunMetrics.read(dir).withLabel(run.dir()));
        }
        Results results = Results.collect(experiment, trained);
        String title = experiment.reference() + ": " + experiment.title();
        Curves.write(curves, out.resolve(FIGURE_PNG), title);
        Curves.write(curves, out.resolve(FIGURE_SVG), title);
        write(out.resolve(TABLE_CSV), results.csv());
        write(out.resolve(TABLE_MD), "# " + title + "\n\n" + results.markdown());
        if (experiment.drawing() == Experiment.Drawing.LAYER_RESPONSES
                && settings.responses() != null) {
            settings.responses().draw(runDirs, settings.data(), out.resolve(RESPONSES_DIR));
        }
        write(
                out.resolve(SUMMARY),
                JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(summary(experiment, settings, plan, results)));
        Report.write(out);
        return results;
    }

    private static Map<String, Object> summary(
            Experiment experiment, Settings settings, List<Planned> plan, Results results) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("experiment", experiment.name());
        map.put("title", experiment.title());
        map.put("reference", experiment.reference());
        map.put("dataset", experiment.dataset().toString());
        map.put("drawing", experiment.drawing().name());
        map.put("note", experiment.note());
        map.put("data", settings.data().toAbsolutePath().normalize().toString());
        map.put("recipe_changes", experiment.recipe());
        map.put("overrides", settings.overrides());
        map.put("seeds", settings.seeds());
        map.put("run_dirs", plan.stream().map(Planned::dir).toList());
        map.put("responses_command", responsesCommand(experiment, settings, plan));
        map.put(
                "files",
                Map.of(
                        "figure_png",
                        FIGURE_PNG,
                        "figure_svg",
                        FIGURE_SVG,
                        "table_csv",
                        TABLE_CSV,
                        "table_md",
                        TABLE_MD,
                        "report",
                        Report.FILE));
        map.putAll(results.toMap());
        return map;
    }

    /** The command that draws Fig. 7 from these runs, or null for other experiments. */
    private static String responsesCommand(
            Experiment experiment, Settings settings, List<Planned> plan) {
        if (experiment.drawing() != Experiment.Drawing.LAYER_RESPONSES) {
            return null;
        }
        StringBuilder command = new StringBuilder("./resnet responses");
        for (Planned run : plan) {
            command.append(" --checkpoint ").append(settings.out().resolve(run.dir()));
        }
        return command.append(" --data ")
                .append(settings.data())
                .append(" --out ")
                .append(settings.out().resolve(RESPONSES_DIR))
                .toString();
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }
}
