package org.resnetj.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.resnetj.analysis.RunMetrics;
import org.resnetj.experiment.Experiment.Check;
import org.resnetj.experiment.Experiment.PaperValue;
import org.resnetj.experiment.Experiment.Run;

/**
 * What an experiment's runs ended with, computed from their metrics only: each run's final training
 * and test error, the "best (mean±std)" of runs trained with several seeds, and the experiment's
 * checks.
 *
 * @param experiment the experiment
 * @param runs one result per trained run directory, in the order of the declaration
 * @param groups one summary per declared run, over its seeds
 * @param checks the experiment's checks, evaluated
 * @param synthetic whether any run trained on synthetic data
 */
public record Results(
        Experiment experiment,
        List<RunResult> runs,
        List<Group> groups,
        List<CheckOutcome> checks,
        boolean synthetic) {

    /**
     * The fraction of a run's logged training intervals, at its end, whose mean is its final
     * training error: one interval's error is noisy (a few thousand augmented images at most).
     */
    public static final double FINAL_WINDOW = 0.10;

    /**
     * One trained run.
     *
     * @param dir the run directory's name inside the experiment directory
     * @param run the declared run's name
     * @param seed the recipe's seed
     * @param iterations the iterations trained
     * @param trainError the final training error (%): the mean over the last {@link #FINAL_WINDOW}
     *     of the logged intervals, or null if none was logged
     * @param testError the last evaluated top-1 error (%), or null if none
     * @param split the evaluated split, {@code test} or {@code val}
     * @param synthetic whether the run trained on synthetic data
     */
    public record RunResult(
            String dir,
            String run,
            long seed,
            long iterations,
            Double trainError,
            Double testError,
            String split,
            boolean synthetic) {

        /** Reads a run directory's metrics. */
        static RunResult read(Path runDir, String run, long seed) throws IOException {
            RunMetrics metrics = RunMetrics.read(runDir);
            List<RunMetrics.Point> train = metrics.train();
            Double trainError = null;
            long iterations = 0;
            if (!train.isEmpty()) {
                int window = (int) Math.max(1, Math.ceil(FINAL_WINDOW * train.size()));
                trainError =
                        train.subList(train.size() - window, train.size()).stream()
                                .mapToDouble(RunMetrics.Point::errorPercent)
                                .average()
                                .orElseThrow();
                iterations = train.get(train.size() - 1).iteration();
            }
            List<RunMetrics.Point> test = metrics.test();
            Double testError = test.isEmpty() ? null : test.get(test.size() - 1).errorPercent();
            return new RunResult(
                    runDir.getFileName().toString(),
                    run,
                    seed,
                    iterations,
                    trainError,
                    testError,
                    metrics.testSplit(),
                    metrics.synthetic());
        }
    }

    /**
     * A declared run over its seeds. With one seed, its values are that run's.
     *
     * @param run the declared run
     * @param seeds how many seeds were trained
     * @param trainMean the mean final training error (%), or null
     * @param testBest the lowest final test error (%), or null
     * @param testMean the mean final test error (%), or null
     * @param testStd the sample standard deviation of the final test error (%), or null for one
     *     seed
     */
    public record Group(
            Run run,
            int seeds,
            Double trainMean,
            Double testBest,
            Double testMean,
            Double testStd) {

        /** The test error as the paper prints several runs: "best (mean±std)". */
        public String testText() {
            if (testBest == null) {
                return "";
            }
            String best = String.format(Locale.ROOT, "%.2f", testBest);
            return seeds == 1
                    ? best
                    : String.format(Locale.ROOT, "%s (%.2f±%.2f)", best, testMean, testStd);
        }

        static Group of(Run run, List<RunResult> results) {
            List<Double> train =
                    results.stream().map(RunResult::trainError).filter(v -> v != null).toList();
            List<Double> test =
                    results.stream().map(RunResult::testError).filter(v -> v != null).toList();
            Double trainMean = train.isEmpty() ? null : mean(train);
            Double best =
                    test.isEmpty()
                            ? null
                            : test.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            Double testMean = test.isEmpty() ? null : mean(test);
            Double std = test.size() < 2 ? null : sampleStd(test);
            return new Group(run, results.size(), trainMean, best, testMean, std);
        }
    }

    /**
     * A check evaluated on the groups' mean final training errors.
     *
     * @param check the declared claim
     * @param deeperError the deeper run's final training error (%)
     * @param shallowerError the shallower run's final training error (%)
     * @param holds whether the claim holds; false if either error is missing
     */
    public record CheckOutcome(
            Check check, Double deeperError, Double shallowerError, boolean holds) {

        /** One line: the two errors, the relation claimed and whether it holds. */
        public String describe() {
            return String.format(
                    Locale.ROOT,
                    "%s: %s ends at %s training error, %s at %s; claimed %s (margin %.1f points):"
                            + " %s",
                    check.claim(),
                    check.deeper(),
                    withUnit(deeperError),
                    check.shallower(),
                    withUnit(shallowerError),
                    check.relation(),
                    check.marginPoints(),
                    holds ? "holds" : "does not hold");
        }
    }

    /** Computes the results of the runs in {@code runDirs}, keyed by declared run name. */
    static Results collect(Experiment experiment, Map<String, List<Trained>> runDirs)
            throws IOException {
        List<RunResult> runs = new ArrayList<>();
        List<Group> groups = new ArrayList<>();
        Map<String, Group> byName = new LinkedHashMap<>();
        for (Run run : experiment.runs()) {
            List<RunResult> seeds = new ArrayList<>();
            for (Trained trained : runDirs.getOrDefault(run.name(), List.of())) {
                seeds.add(RunResult.read(trained.dir(), run.name(), trained.seed()));
            }
            runs.addAll(seeds);
            Group group = Group.of(run, seeds);
            groups.add(group);
            byName.put(run.name(), group);
        }
        List<CheckOutcome> checks = new ArrayList<>();
        for (Check check : experiment.checks()) {
            Double deeper = byName.get(check.deeper()).trainMean();
            Double shallower = byName.get(check.shallower()).trainMean();
            boolean holds = deeper != null && shallower != null && check.holds(deeper, shallower);
            checks.add(new CheckOutcome(check, deeper, shallower, holds));
        }
        boolean synthetic = runs.stream().anyMatch(RunResult::synthetic);
        return new Results(experiment, runs, groups, checks, synthetic);
    }

    /** A trained run directory and its seed. */
    record Trained(Path dir, long seed) {}

    /** Whether every check holds; null if the experiment declares none. */
    public Boolean phenomenon() {
        return checks.isEmpty() ? null : checks.stream().allMatch(CheckOutcome::holds);
    }

    /** The verdict in one sentence, or an empty string if the experiment declares no checks. */
    public String verdict() {
        if (checks.isEmpty()) {
            return "";
        }
        String data = synthetic ? " on this synthetic data" : "";
        return phenomenon()
                ? "The paper's phenomenon appears" + data + ": every check holds."
                : "The paper's phenomenon does not appear"
                        + data
                        + ": "
                        + checks.stream().filter(c -> !c.holds()).count()
                        + " of "
                        + checks.size()
                        + " checks fail.";
    }

    /** The table as CSV: one row per trained run, then one per run of several seeds. */
    public String csv() {
        StringBuilder out =
                new StringBuilder(
                        "run,model,shortcut,seed,iterations,train_error,test_top1,test_top1_mean,test_top1_std,paper_top1,paper_top1_mean,paper_top1_std,paper_top5\n");
        for (Group group : groups) {
            Run run = group.run();
            for (RunResult result : runs) {
                if (result.run().equals(run.name())) {
                    row(
                            out,
                            result.dir(),
                            run,
                            String.valueOf(result.seed()),
                            result.iterations(),
                            result.trainError(),
                            result.testError(),
                            null,
                            null,
                            group.seeds() == 1 ? run.paper() : null);
                }
            }
            if (group.seeds() > 1) {
                row(
                        out,
                        run.name() + " (" + group.seeds() + " seeds)",
                        run,
                        "all",
                        iterations(run.name()),
                        group.trainMean(),
                        group.testBest(),
                        group.testMean(),
                        group.testStd(),
                        run.paper());
            }
        }
        return out.toString();
    }

    /** The table as Markdown, with the paper's numbers beside ours. */
    public String markdown() {
        StringBuilder out = new StringBuilder();
        out.append(
                "| run | model | seed | iterations | training error (%) | test top-1 error (%) |"
                        + " paper |\n");
        out.append("|---|---|---|---|---|---|---|\n");
        for (Map<String, String> row : rows()) {
            out.append("| ").append(String.join(" | ", row.values())).append(" |\n");
        }
        if (!experiment.paperMetric().isEmpty()) {
            out.append("\nPaper: ").append(experiment.paperMetric()).append(".\n");
        }
        out.append(
                "\n"
                    + "Training error: mean over the last 10% of logged intervals; test error: at"
                    + " the last evaluation.\n");
        if (synthetic) {
            out.append(
                    "\n"
                        + "**Synthetic data**: these runs trained on a procedurally drawn stand-in"
                        + " for CIFAR-10, not on the paper's data.\n");
        }
        return out.toString();
    }

    /** The table's rows as display strings, keyed by column: for the Markdown and HTML tables. */
    public List<Map<String, String>> rows() {
        List<Map<String, String>> rows = new ArrayList<>();
        for (Group group : groups) {
            Run run = group.run();
            for (RunResult result : runs) {
                if (result.run().equals(run.name())) {
                    rows.add(
                            display(
                                    result.dir(),
                                    run,
                                    String.valueOf(result.seed()),
                                    result.iterations(),
                                    percent(result.trainError()),
                                    result.testError() == null
                                            ? ""
                                            : String.format(
                                                    Locale.ROOT, "%.2f", result.testError()),
                                    group.seeds() == 1 ? run.paper() : null));
                }
            }
            if (group.seeds() > 1) {
                rows.add(
                        display(
                                run.name() + ": best (mean±std) of " + group.seeds() + " seeds",
                                run,
                                "all",
                                iterations(run.name()),
                                percent(group.trainMean()),
                                group.testText(),
                                run.paper()));
            }
        }
        return rows;
    }

    /** The results as JSON-ready maps, for {@code experiment.json}. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("synthetic", synthetic);
        List<Map<String, Object>> runList = new ArrayList<>();
        for (RunResult result : runs) {
            Run run = experiment.run(result.run());
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("dir", result.dir());
            r.put("run", result.run());
            r.put("model", run.model());
            r.put("shortcut", run.options().shortcut().name());
            r.put("seed", result.seed());
            r.put("iterations", result.iterations());
            r.put("final_train_error", result.trainError());
            r.put("final_test_top1_error", result.testError());
            r.put("split", result.split());
            r.put("synthetic", result.synthetic());
            runList.add(r);
        }
        map.put("runs", runList);
        List<Map<String, Object>> groupList = new ArrayList<>();
        for (Group group : groups) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("run", group.run().name());
            g.put("seeds", group.seeds());
            g.put("final_train_error_mean", group.trainMean());
            g.put("final_test_top1_error_best", group.testBest());
            g.put("final_test_top1_error_mean", group.testMean());
            g.put("final_test_top1_error_std", group.testStd());
            g.put("test_text", group.testText());
            g.put("paper", paperMap(group.run().paper()));
            groupList.add(g);
        }
        map.put("groups", groupList);
        map.put("paper_metric", experiment.paperMetric());
        map.put(
                "final_train_error_definition",
                "mean train_error (%) over the last 10% of logged intervals");
        List<Map<String, Object>> checkList = new ArrayList<>();
        for (CheckOutcome outcome : checks) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("claim", outcome.check().claim());
            c.put("deeper", outcome.check().deeper());
            c.put("deeper_train_error", outcome.deeperError());
            c.put("relation", outcome.check().relation().name());
            c.put("shallower", outcome.check().shallower());
            c.put("shallower_train_error", outcome.shallowerError());
            c.put("margin_points", outcome.check().marginPoints());
            c.put("holds", outcome.holds());
            c.put("text", outcome.describe());
            checkList.add(c);
        }
        map.put("checks", checkList);
        map.put("phenomenon", phenomenon());
        map.put("verdict", verdict());
        map.put("table", rows());
        return map;
    }

    static Map<String, Object> paperMap(PaperValue paper) {
        if (paper == null) {
            return null;
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("top1_error", paper.top1());
        p.put("top5_error", paper.top5());
        p.put("top1_error_mean", paper.mean());
        p.put("top1_error_std", paper.std());
        p.put("text", paperText(paper));
        return p;
    }

    private static String paperText(PaperValue paper) {
        if (paper == null) {
            return "";
        }
        return paper.top5() == null
                ? paper.top1Text()
                : paper.top1Text() + " / " + paper.top5Text();
    }

    private long iterations(String run) {
        return runs.stream()
                .filter(r -> r.run().equals(run))
                .mapToLong(RunResult::iterations)
                .max()
                .orElse(0);
    }

    private static Map<String, String> display(
            String name,
            Run run,
            String seed,
            long iterations,
            String train,
            String test,
            PaperValue paper) {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("run", name);
        row.put(
                "model",
                run.model() + (run.shortcut() == null ? "" : " (option " + run.shortcut() + ")"));
        row.put("seed", seed);
        row.put("iterations", String.valueOf(iterations));
        row.put("training error (%)", train);
        row.put("test top-1 error (%)", test);
        row.put("paper", paperText(paper));
        return row;
    }

    private static void row(
            StringBuilder out,
            String name,
            Run run,
            String seed,
            long iterations,
            Double train,
            Double test,
            Double testMean,
            Double testStd,
            PaperValue paper) {
        List<String> cells =
                new ArrayList<>(
                        List.of(
                                csvField(name),
                                run.model(),
                                run.options().shortcut().name(),
                                seed,
                                String.valueOf(iterations),
                                number(train),
                                number(test),
                                number(testMean),
                                number(testStd)));
        cells.add(paper == null ? "" : number(paper.top1()));
        cells.add(paper == null ? "" : number(paper.mean()));
        cells.add(paper == null ? "" : number(paper.std()));
        cells.add(paper == null ? "" : number(paper.top5()));
        out.append(String.join(",", cells)).append('\n');
    }

    private static String csvField(String text) {
        return text.contains(",") || text.contains("\"")
                ? "\"" + text.replace("\"", "\"\"") + "\""
                : text;
    }

    private static String number(Double value) {
        return value == null ? "" : String.format(Locale.ROOT, "%.4f", value);
    }

    static String percent(Double value) {
        return value == null ? "n/a" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String withUnit(Double value) {
        return value == null ? "n/a" : String.format(Locale.ROOT, "%.2f%%", value);
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    private static double sampleStd(List<Double> values) {
        double mean = mean(values);
        double squares = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        return Math.sqrt(squares / (values.size() - 1));
    }
}
