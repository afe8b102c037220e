package org.resnetj.train;

import static org.resnetj.train.Key.Check.NON_NEGATIVE;
import static org.resnetj.train.Key.Check.POSITIVE;

import java.util.Map;

/**
 * How a run is carried out, as opposed to what it computes ({@link Recipe}): how often it logs,
 * evaluates and checkpoints, how many checkpoints it keeps, and on how many threads. None of them
 * changes the parameters a run ends with (the warm-up is judged on a window of its own, {@link
 * LrSchedule}); the plateau policy, which watches the evaluations, is the one rule that ties them
 * to the recipe ({@link Setup}). Set by key like the recipe and stored beside it in {@code
 * config.json}.
 */
public record RunSettings(
        @Key(defaultValue = "100", check = POSITIVE, doc = "iterations per metrics line")
                int logEvery,
        @Key(
                        defaultValue = "2000",
                        check = NON_NEGATIVE,
                        doc = "iterations between evaluations; 0: only at the end")
                int evalEvery,
        @Key(
                        defaultValue = "2000",
                        check = POSITIVE,
                        doc = "iterations between checkpoints; one is always written at the end")
                int checkpointEvery,
        @Key(
                        defaultValue = "3",
                        check = POSITIVE,
                        doc = "how many of the newest checkpoints to keep")
                int keepCheckpoints,
        @Key(
                        defaultValue = Key.ALL_CORES,
                        check = POSITIVE,
                        doc = "threads for the engine's operators and for data preparation")
                int threads) {

    static final Declarations<RunSettings> DECLARATIONS =
            Declarations.of(RunSettings.class, "run setting");

    /** Every declared default. */
    public static RunSettings defaults() {
        return DECLARATIONS.defaults();
    }

    /**
     * Returns these settings with {@code key} set to {@code value}.
     *
     * @throws IllegalArgumentException for an unknown key or a value of the wrong type or range
     */
    public RunSettings with(String key, String value) {
        return DECLARATIONS.with(this, key, value);
    }

    /** The settings as key-value pairs, as {@code config.json} stores them. */
    public Map<String, Object> toMap() {
        return DECLARATIONS.toMap(this);
    }
}
