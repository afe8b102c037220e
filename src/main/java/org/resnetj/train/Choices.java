package org.resnetj.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The one parse of every choice a user writes as a word ({@code lr_policy=plateau}, {@code
 * --bad-images skip}): an enum constant, spelt as its name in lower case, in any case.
 */
public final class Choices {

    private Choices() {}

    /**
     * The constant of {@code type} spelt {@code text}.
     *
     * @throws IllegalArgumentException "expected stop or skip, got 'maybe'"
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String text) {
        return type.cast(constant(type, text));
    }

    /** {@link #parse} of an enum type known only at run time, as a record component's. */
    static Object constant(Class<?> type, String text) {
        for (Object constant : type.getEnumConstants()) {
            if (format((Enum<?>) constant).equals(text.trim().toLowerCase(Locale.ROOT))) {
                return constant;
            }
        }
        throw new IllegalArgumentException("expected " + names(type) + ", got '" + text + "'");
    }

    /** A constant as users write it: its name in lower case. */
    public static String format(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    /** The choices in words: "stop or skip", "auto, on or off". */
    public static String names(Class<?> type) {
        List<String> names =
                Arrays.stream(type.getEnumConstants()).map(c -> format((Enum<?>) c)).toList();
        return names.size() == 1
                ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1))
                        + " or "
                        + names.get(names.size() - 1);
    }
}
