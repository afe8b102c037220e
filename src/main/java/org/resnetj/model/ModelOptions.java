package org.resnetj.model;

import java.util.Objects;

/**
 * The choices that change a registered network's architecture and weights: the shortcut option
 * (ignored by nets without shortcuts), where bottlenecks downsample, and the number of classes. A
 * checkpoint fits a network only if it was made with equal options.
 */
public record ModelOptions(Shortcut shortcut, StridePlacement stridePlacement, int classes) {

    /** Validates the options. */
    public ModelOptions {
        Objects.requireNonNull(shortcut, "shortcut");
        Objects.requireNonNull(stridePlacement, "stridePlacement");
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be at least 1, got " + classes);
        }
    }

    /** Returns these options with another shortcut option. */
    public ModelOptions withShortcut(Shortcut value) {
        return new ModelOptions(value, stridePlacement, classes);
    }

    /** Returns these options with another stride placement. */
    public ModelOptions withStridePlacement(StridePlacement value) {
        return new ModelOptions(shortcut, value, classes);
    }

    /** Returns these options with another number of classes. */
    public ModelOptions withClasses(int value) {
        return new ModelOptions(shortcut, stridePlacement, value);
    }
}
