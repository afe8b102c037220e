package org.resnetj.train;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the {@link Key} declarations of a record and does, for every key alike, what would
 * otherwise be written once per key: the defaults, parsing and checking {@code key=value}, copying
 * the record with one value changed, and the key-value map that {@code config.json} stores. In the
 * manner of nanoGPT's configurator: unknown keys, values of the wrong type and values out of range
 * are refused with one line that names the key and what it expects.
 *
 * @param <R> the record: every component carries a {@link Key}
 */
final class Declarations<R extends Record> {

    /**
     * One declared key.
     *
     * @param name the key, the component's name in snake case
     * @param component the record component that holds it
     * @param key its declaration
     */
    record Declared(String name, RecordComponent component, Key key) {

        /** The default as the README and {@code --help} show it. */
        String shownDefault() {
            return key.defaultValue().isEmpty() ? "none" : key.defaultValue();
        }

        /** What a value must be: "an integer above 0", "steps or plateau". */
        String expected() {
            Class<?> type = component.getType();
            if (type.isEnum()) {
                return Choices.names(type);
            }
            if (type == boolean.class) {
                return "true or false";
            }
            if (type == List.class) {
                String each = key.check() == Key.Check.ANY ? "" : ", each " + key.check().text();
                return "comma-separated numbers" + each + ", e.g. 0.5,0.75";
            }
            String noun = type == float.class ? "a number" : "an integer";
            return key.check() == Key.Check.ANY ? noun : noun + " " + key.check().text();
        }
    }

    private final String what;
    private final Map<String, Declared> keys = new LinkedHashMap<>();
    private final Constructor<R> constructor;

    private Declarations(Class<R> type, String what) {
        this.what = what;
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            Key key = c.getAnnotation(Key.class);
            if (key == null) {
                throw new IllegalStateException(type + "." + c.getName() + " has no @Key");
            }
            String name = snakeCase(c.getName());
            keys.put(name, new Declared(name, c, key));
            types[i] = c.getType();
        }
        try {
            constructor = type.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The declarations of {@code type}'s components.
     *
     * @param what what a key is called in messages: "recipe key"
     */
    static <R extends Record> Declarations<R> of(Class<R> type, String what) {
        return new Declarations<>(type, what);
    }

    /** The keys, in the record's order. */
    List<String> keys() {
        return new ArrayList<>(keys.keySet());
    }

    /** The declarations, in the record's order. */
    List<Declared> declared() {
        return List.copyOf(keys.values());
    }

    /** Whether {@code key} is one of the record's. */
    boolean declares(String key) {
        return keys.containsKey(key);
    }

    /** The record of every declared default. */
    R defaults() {
        Object[] values = new Object[keys.size()];
        int i = 0;
        for (Declared d : keys.values()) {
            values[i++] =
                    d.key().defaultValue().equals(Key.ALL_CORES)
                            ? Math.max(1, Runtime.getRuntime().availableProcessors())
                            : parse(d, d.key().defaultValue());
        }
        return build(values);
    }

    /**
     * {@code record} with {@code key} set to {@code value}, parsed and checked.
     *
     * @throws IllegalArgumentException naming the key for an unknown key or a bad value
     */
    R with(R record, String key, String value) {
        Declared declared = keys.get(key);
        if (declared == null) {
            throw new IllegalArgumentException(
                    "unknown "
                            + what
                            + " '"
                            + key
                            + "': expected one of "
                            + String.join(", ", keys()));
        }
        Object[] values = values(record);
        values[keys().indexOf(key)] = parse(declared, value.trim());
        return build(values);
    }

    /** The values by key, as {@code config.json} stores them; enums as their lower-case names. */
    Map<String, Object> toMap(R record) {
        Map<String, Object> map = new LinkedHashMap<>();
        Object[] values = values(record);
        int i = 0;
        for (String key : keys.keySet()) {
            Object v = values[i++];
            map.put(key, v instanceof Enum<?> e ? Choices.format(e) : v);
        }
        return map;
    }

    /** The text {@link #with} parses back to {@code value}, a value of {@link #toMap}. */
    static String text(Object value) {
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }

    private Object parse(Declared d, String text) {
        Class<?> type = d.component().getType();
        try {
            if (type == int.class) {
                int value = Integer.parseInt(text);
                check(d, text, value);
                return value;
            }
            if (type == long.class) {
                long value = Long.parseLong(text);
                check(d, text, value);
                return value;
            }
            if (type == float.class) {
                float value = Float.parseFloat(text);
                check(d, text, value);
                return value;
            }
            if (type == boolean.class) {
                if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                    return Boolean.parseBoolean(text);
                }
                throw bad(d, text);
            }
            if (type == List.class && isListOfDouble(d.component())) {
                List<Double> list = new ArrayList<>();
                String inner = text.replace("[", "").replace("]", "").trim();
                for (String part : inner.isEmpty() ? new String[0] : inner.split(",")) {
                    double value = Double.parseDouble(part.trim());
                    check(d, text, value);
                    list.add(value);
                }
                return List.copyOf(list);
            }
            if (type.isEnum()) {
                return Choices.constant(type, text);
            }
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw bad(d, text);
        }
        throw new IllegalStateException(d.name() + ": no parser for " + type);
    }

    /** Every number must be finite ({@code lr=Infinity} or {@code NaN} is refused) and in range. */
    private static void check(Declared d, String text, double value) {
        if (!Double.isFinite(value) || !d.key().check().allows(value)) {
            throw bad(d, text);
        }
    }

    private static IllegalArgumentException bad(Declared d, String text) {
        return new IllegalArgumentException(
                "bad value '" + text + "' for " + d.name() + ": expected " + d.expected());
    }

    private static boolean isListOfDouble(RecordComponent c) {
        return c.getGenericType() instanceof ParameterizedType p
                && p.getActualTypeArguments()[0] == Double.class;
    }

    private Object[] values(R record) {
        Object[] values = new Object[keys.size()];
        int i = 0;
        for (Declared d : keys.values()) {
            try {
                values[i++] = d.component().getAccessor().invoke(record);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(e);
            }
        }
        return values;
    }

    private R build(Object[] values) {
        try {
            return constructor.newInstance(values);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String snakeCase(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }
}
