package org.resnetj.train;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The declaration of one setting of {@link Recipe} or {@link RunSettings}, on its record component:
 * everything else about the key (its name, its type, how {@code --set} parses it, how {@code
 * config.json} stores it, the README's table and {@code --help}) is derived from the component and
 * this annotation by {@link Declarations}. The key's name is the component's name in snake case
 * ({@code weightDecay} is {@code weight_decay}); its type is the component's: {@code int}, {@code
 * long}, {@code float}, {@code boolean}, {@code List<Double>} (comma-separated) or an enum (its
 * constant's name in lower case).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Key {

    /** The default, as {@code --set} would write it; {@link #ALL_CORES} for a thread count. */
    String defaultValue();

    /** The values allowed, beyond the type's own; every number must also be finite. */
    Check check() default Check.ANY;

    /** Where the default comes from: a section of the paper, or empty for an engineering choice. */
    String source() default "";

    /** What the key does, in a few words, for the README's table and {@code --help}. */
    String doc();

    /** The default of a thread count: every core of the machine. */
    String ALL_CORES = "all cores";

    /** A range check on a number, or on every number of a list. */
    enum Check {
        /** Any value of the type. */
        ANY("", Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false),
        /** Above 0. */
        POSITIVE("above 0", 0, false, Double.POSITIVE_INFINITY, false),
        /** 0 or above. */
        NON_NEGATIVE("0 or above", 0, true, Double.POSITIVE_INFINITY, false),
        /** In [0, 1). */
        FROM_ZERO_BELOW_ONE("in [0, 1)", 0, true, 1, false),
        /** In (0, 1]. */
        ABOVE_ZERO_TO_ONE("in (0, 1]", 0, false, 1, true),
        /** In (0, 1). */
        BETWEEN_ZERO_AND_ONE("in (0, 1)", 0, false, 1, false);

        private final String text;
        private final double low;
        private final boolean lowIncluded;
        private final double high;
        private final boolean highIncluded;

        Check(String text, double low, boolean lowIncluded, double high, boolean highIncluded) {
            this.text = text;
            this.low = low;
            this.lowIncluded = lowIncluded;
            this.high = high;
            this.highIncluded = highIncluded;
        }

        /** Whether {@code value} is allowed. */
        boolean allows(double value) {
            return (lowIncluded ? value >= low : value > low)
                    && (highIncluded ? value <= high : value < high);
        }

        /** The range in words: "above 0", "in [0, 1)". */
        String text() {
            return text;
        }
    }
}
