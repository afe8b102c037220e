package org.resnetj.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A run's {@link Recipe} and its {@link RunSettings}, which {@code --set key=value} changes
 * together: each key goes to the one that declares it. The rules that tie two keys together are
 * here, in the constructor, and nowhere else: they run once for every setup, after all of its
 * assignments, so that no intermediate state is judged.
 *
 * @param recipe what the run computes
 * @param run how the run is carried out
 */
public record Setup(Recipe recipe, RunSettings run) {

    /** Checks the rules that tie keys together. */
    public Setup {
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(run, "run");
        if (recipe.lrPolicy() == Recipe.LrPolicy.PLATEAU && run.evalEvery() == 0) {
            throw new IllegalArgumentException(
                    "lr_policy=plateau watches the evaluation error: set eval_every above 0");
        }
    }

    /** The paper's CIFAR-10 recipe (Section 4.2) with the default run settings. */
    public static Setup cifar10() {
        return new Setup(Recipe.cifar10(), RunSettings.defaults());
    }

    /**
     * The paper's ImageNet recipe ({@link Recipe#imagenet()}), evaluated on {@code val/} and
     * checkpointed every 5,000 iterations, about an epoch of 1.28M images at batch 256; the plateau
     * rule then divides the LR after 3 such evaluations without a 0.2-point improvement.
     */
    public static Setup imagenet() {
        return new Setup(
                Recipe.imagenet(),
                RunSettings.defaults().with("eval_every", "5000").with("checkpoint_every", "5000"));
    }

    /** Every key {@code --set} accepts: the recipe's, then the run settings'. */
    public static List<String> keys() {
        List<String> keys = new ArrayList<>(Recipe.keys());
        keys.addAll(RunSettings.DECLARATIONS.keys());
        return keys;
    }

    /**
     * Returns this setup with {@code key} set to {@code value}.
     *
     * @throws IllegalArgumentException for an unknown key, a bad value, or a broken rule
     */
    public Setup with(String key, String value) {
        return with(List.of(key + "=" + value));
    }

    /**
     * Applies {@code key=value} assignments in order, then checks the rules once.
     *
     * @throws IllegalArgumentException for an unknown key, a bad value, or a broken rule
     */
    public Setup with(List<String> assignments) {
        Recipe r = recipe;
        RunSettings s = run;
        for (String assignment : assignments) {
            String[] kv = split(assignment);
            if (Recipe.DECLARATIONS.declares(kv[0])) {
                r = r.with(kv[0], kv[1]);
            } else if (RunSettings.DECLARATIONS.declares(kv[0])) {
                s = s.with(kv[0], kv[1]);
            } else {
                throw new IllegalArgumentException(
                        "unknown recipe key '"
                                + kv[0]
                                + "': expected one of "
                                + String.join(", ", keys()));
            }
        }
        return new Setup(r, s);
    }

    /**
     * Reads a setup as {@code config.json} stores it. Configurations written before the run
     * settings had a section of their own hold them in the recipe's map; they are read from there.
     */
    public static Setup fromMaps(Map<String, ?> recipe, Map<String, ?> run) {
        List<String> assignments = new ArrayList<>();
        for (Map<String, ?> map : List.of(recipe, run)) {
            map.forEach((k, v) -> assignments.add(k + "=" + Declarations.text(v)));
        }
        return cifar10().with(assignments);
    }

    /** {@code key=value} as {@code [key, value]}. */
    static String[] split(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(
                    "bad --set '" + assignment + "': expected key=value");
        }
        return new String[] {assignment.substring(0, eq).trim(), assignment.substring(eq + 1)};
    }

    /** The README's table of the recipe's keys. */
    public static String recipeTable() {
        return table("recipe key", Recipe.DECLARATIONS);
    }

    /** The README's table of the run settings. */
    public static String runSettingsTable() {
        return table("run setting", RunSettings.DECLARATIONS);
    }

    /** Every key with its default and meaning, for {@code --help}. */
    public static String help() {
        StringBuilder text = new StringBuilder();
        for (Declarations<?> declarations :
                List.of(Recipe.DECLARATIONS, RunSettings.DECLARATIONS)) {
            text.append(declarations == Recipe.DECLARATIONS ? "Recipe keys" : "Run settings")
                    .append(" (--set KEY=VALUE):\n");
            for (Declarations.Declared d : declarations.declared()) {
                String source = d.key().source().isEmpty() ? "" : " (" + d.key().source() + ")";
                text.append(
                        String.format(
                                Locale.ROOT,
                                "  %-19s %-10s %s%s\n",
                                d.name(),
                                d.shownDefault(),
                                d.key().doc(),
                                source));
            }
        }
        return text.toString();
    }

    private static String table(String header, Declarations<?> declarations) {
        StringBuilder table = new StringBuilder();
        table.append("| ").append(header).append(" | default | values | meaning | source |\n");
        table.append("|---|---|---|---|---|\n");
        for (Declarations.Declared d : declarations.declared()) {
            table.append(
                    String.format(
                            Locale.ROOT,
                            "| `%s` | %s | %s | %s | %s |\n",
                            d.name(),
                            d.shownDefault(),
                            d.expected(),
                            d.key().doc(),
                            d.key().source()));
        }
        return table.toString();
    }
}
