package org.resnetj.experiment;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Shortcut;
import org.resnetj.train.DataKind;
import org.resnetj.train.Setup;

/**
 * One experiment of the paper, declared as data: the data set, the runs (model, architecture
 * options, seeds), the recipe's changes from the paper's CIFAR-10 defaults, what the paper draws,
 * the paper's own numbers, and the claims to check on our results.
 *
 * @param name the registry name, for example {@code fig6-left}
 * @param title one line saying what the experiment shows
 * @param reference where it is in the paper, for example {@code "Fig. 6 (left)"}
 * @param dataset the data set the paper used
 * @param drawing what the paper shows for it
 * @param runs the runs, in the order they are trained, drawn and tabulated
 * @param recipe {@code key=value} changes to {@link org.resnetj.train.Setup#cifar10()}: recipe keys
 *     and run settings
 * @param paperMetric what the paper's numbers measure, for the table's header
 * @param checks claims of the paper, checked on our final training errors
 * @param note anything a reader needs besides the above, or an empty string
 */
public record Experiment(
        String name,
        String title,
        String reference,
        Dataset dataset,
        Drawing drawing,
        List<Run> runs,
        List<String> recipe,
        String paperMetric,
        List<Check> checks,
        String note) {

    /** Checks that the runs' names are distinct and that every check names two of them. */
    public Experiment {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(drawing, "drawing");
        runs = List.copyOf(runs);
        recipe = List.copyOf(recipe);
        checks = List.copyOf(checks);
        if (runs.isEmpty()) {
            throw new IllegalArgumentException(name + ": an experiment needs at least one run");
        }
        Set<String> names = new HashSet<>();
        for (Run run : runs) {
            if (!names.add(run.name())) {
                throw new IllegalArgumentException(name + ": two runs are named " + run.name());
            }
        }
        for (Check check : checks) {
            if (!names.contains(check.deeper()) || !names.contains(check.shallower())) {
                throw new IllegalArgumentException(
                        name + ": check '" + check.claim() + "' names a run that is not declared");
            }
        }
    }

    /** The run declared under {@code runName}. */
    public Run run(String runName) {
        return runs.stream()
                .filter(r -> r.name().equals(runName))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException(name + " has no run named " + runName));
    }

    /** The data sets of the paper's experiments. */
    public enum Dataset {
        /** CIFAR-10 (Sec. 4.2), or any data in its binary format, such as the synthetic default. */
        CIFAR10(ModelSpec.Family.CIFAR10, DataKind.CIFAR10, "a CIFAR-10 experiment"),
        /** ImageNet 2012 classification (Sec. 4.1), or any image folder in its layout. */
        IMAGENET(ModelSpec.Family.IMAGENET, DataKind.IMAGE_FOLDER, "an ImageNet experiment");

        private final ModelSpec.Family family;
        private final DataKind kind;
        private final String experiments;

        Dataset(ModelSpec.Family family, DataKind kind, String experiments) {
            this.family = family;
            this.kind = kind;
            this.experiments = experiments;
        }

        /** What an experiment on it is, for messages: "a CIFAR-10 experiment". */
        public String experiments() {
            return experiments;
        }

        /** The {@link ModelSpec#family()} of the networks trained on it. */
        public ModelSpec.Family family() {
            return family;
        }

        /** The kind of data that stands for it. */
        public DataKind kind() {
            return kind;
        }

        /** The paper's recipe for this data set, before an experiment's own changes. */
        public Setup setup() {
            return kind.setup();
        }

        @Override
        public String toString() {
            return family.toString();
        }
    }

    /** What the paper shows for an experiment. */
    public enum Drawing {
        /** Training and test error against iterations, runs overlaid (Fig. 1, 4 and 6). */
        CURVES,
        /** Final test errors (Tables 2, 3 and 6). */
        TABLE,
        /** The std of every 3×3 layer's response, in order and sorted (Fig. 7). */
        LAYER_RESPONSES;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /**
     * One run of an experiment: a registered network with its options, trained once per seed.
     *
     * @param name the run's name, which is also its directory's name (with {@code -seedS} when it
     *     has several seeds)
     * @param model the registry name of the network
     * @param shortcut the shortcut option, or null for the network's default
     * @param seeds how many times it is trained, with seeds 0, 1, ...; the paper reports several as
     *     "best (mean±std)"
     * @param paper the paper's numbers for it, or null if the paper gives none
     */
    public record Run(String name, String model, Shortcut shortcut, int seeds, PaperValue paper) {

        /** Checks the model name and the seed count. */
        public Run {
            Objects.requireNonNull(name, "name");
            ModelSpec spec = ModelRegistry.get(model);
            if (shortcut != null && !spec.residual()) {
                throw new IllegalArgumentException(
                        "run " + name + ": " + model + " has no shortcuts to choose");
            }
            if (seeds < 1) {
                throw new IllegalArgumentException(
                        "run " + name + ": seeds must be at least 1, got " + seeds);
            }
        }

        /** The registered network. */
        public ModelSpec spec() {
            return ModelRegistry.get(model);
        }

        /** The network's default options with this run's shortcut. */
        public ModelOptions options() {
            ModelOptions defaults = spec().defaults();
            return shortcut == null ? defaults : defaults.withShortcut(shortcut);
        }
    }

    /**
     * The paper's numbers for one run, in percent.
     *
     * @param top1 top-1 error; for a run of several seeds the best one
     * @param top5 top-5 error, or null
     * @param mean the mean top-1 error over the paper's runs, or null
     * @param std the standard deviation of the top-1 error over the paper's runs, or null
     */
    public record PaperValue(double top1, Double top5, Double mean, Double std) {

        /** The top-1 error, as the paper prints it: "6.43 (6.61±0.16)" for several runs. */
        public String top1Text() {
            String best = String.format(Locale.ROOT, "%.2f", top1);
            return mean == null
                    ? best
                    : String.format(Locale.ROOT, "%s (%.2f±%.2f)", best, mean, std);
        }

        /** The top-5 error with two decimals, or an empty string. */
        public String top5Text() {
            return top5 == null ? "" : String.format(Locale.ROOT, "%.2f", top5);
        }
    }

    /**
     * A claim of the paper about final training errors, checked on ours: the run {@code deeper}
     * ends {@code relation} the run {@code shallower}, with a margin of {@code marginPoints}
     * percentage points.
     *
     * @param claim the claim in words
     * @param deeper the run of the deeper network
     * @param relation how its training error must compare
     * @param shallower the run of the shallower network
     * @param marginPoints the margin, in percentage points of training error
     */
    public record Check(
            String claim, String deeper, Relation relation, String shallower, double marginPoints) {

        /** Whether the claim holds for these final training errors, in percent. */
        public boolean holds(double deeperError, double shallowerError) {
            return relation.holds(deeperError, shallowerError, marginPoints);
        }
    }

    /** How a deeper net's final training error compares with a shallower one's. */
    public enum Relation {
        /** Degradation: higher by more than the margin. */
        HIGHER("higher than"),
        /** No degradation: at most the margin higher. */
        NOT_HIGHER("not higher than");

        private final String words;

        Relation(String words) {
            this.words = words;
        }

        boolean holds(double deeper, double shallower, double margin) {
            return this == HIGHER ? deeper > shallower + margin : deeper <= shallower + margin;
        }

        @Override
        public String toString() {
            return words;
        }
    }
}
