package org.resnetj.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code key=value} assignments of a command line: its {@code --set}s and the flags that are
 * shorthands for a key ({@code --iterations N} is {@code iterations=N}). A key given twice, by a
 * flag and a {@code --set} or by two {@code --set}s, is refused rather than letting one silently
 * win.
 */
final class SetOptions {

    private SetOptions() {}

    /**
     * The assignments of {@code flags} (key to value, null where the flag was not given) and of
     * {@code set}, flags first.
     *
     * @throws IllegalArgumentException naming both places if a key is given twice
     */
    static List<String> assignments(Map<String, Object> flags, List<String> set) {
        Map<String, String> given = new LinkedHashMap<>();
        List<String> assignments = new ArrayList<>();
        flags.forEach(
                (key, value) -> {
                    if (value != null) {
                        given.put(key, "--" + key.replace('_', '-') + " " + value);
                        assignments.add(key + "=" + value);
                    }
                });
        for (String assignment : set) {
            int eq = assignment.indexOf('=');
            String key = eq > 0 ? assignment.substring(0, eq).trim() : assignment;
            String earlier = given.put(key, "--set " + assignment);
            if (earlier != null) {
                throw new IllegalArgumentException(
                        key
                                + " is given twice ("
                                + earlier
                                + " and --set "
                                + assignment
                                + "): give it once");
            }
            assignments.add(assignment);
        }
        return assignments;
    }
}
