package org.resnetj.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The training recipe of Sections 3.4 and 4.2: {@link #paper()} holds the paper's CIFAR-10 numbers
 * and {@link #imagenet()} its ImageNet numbers. Every value can be overridden by key ({@code --set
 * key=value}), and unknown keys and bad values are rejected.
 *
 * @param lr base learning rate (Sec. 4.2: 0.1)
 * @param momentum SGD momentum (Sec. 4.2: 0.9)
 * @param weightDecay L2 weight decay on every parameter, BN's scale and shift and biases included,
 *     as in the authors' Caffe and fb.resnet.torch (Sec. 4.2: 0.0001)
 * @param batch mini-batch size (Sec. 4.2: 128)
 * @param iterations total iterations (Sec. 4.2: 64k)
 * @param lrPolicy {@code steps}: the LR is divided at fixed fractions of the run (Sec. 4.2); {@code
 *     plateau}: it is divided when the evaluation error plateaus (Sec. 3.4), see {@link LrSchedule}
 * @param lrSteps fractions of the run at which the LR is divided (Sec. 4.2: 32k and 48k of 64k)
 * @param lrDecay factor applied at each step (Sec. 4.2: divide by 10)
 * @param plateauPatience evaluations without an improvement after which the plateau policy divides
 *     the LR
 * @param plateauThreshold the least fall of the top-1 error (a fraction) that counts as an
 *     improvement
 * @param warmup {@code auto}, {@code on} or {@code off}; auto warms up nets of depth ≥ 110
 * @param warmupLr LR during the warm-up (Sec. 4.2, ResNet-110: 0.01)
 * @param warmupUntilError the warm-up ends once the training error falls below this (0.8)
 * @param validation hold out the last 5,000 training images and evaluate on them (the 45k/5k split
 *     on which the paper chose its schedule) instead of the test set
 * @param logEvery iterations per metrics line
 * @param evalEvery iterations between evaluations; 0 evaluates only at the end
 * @param checkpointEvery iterations between checkpoints; one is always written at the end
 * @param keepCheckpoints how many of the newest checkpoints to keep
 * @param gradNormEvery iterations between records of every layer's gradient norm; 0 records none
 * @param seed seed of every random choice: initialization, sampling order, augmentation
 * @param threads threads for the engine's operators and for data preparation
 * @param lighting std of the PCA lighting noise of image-folder training (Sec. 3.4, after AlexNet:
 *     0.1); 0 turns it off
 * @param lightingPca the eigenvectors of that noise: {@code imagenet} (the published ImageNet
 *     values) or {@code data} (computed from the training images)
 * @param badImages what image-folder training does with an unreadable image: {@code stop} or {@code
 *     skip} (counted and replaced)
 */
public record Recipe(
        float lr,
        float momentum,
        float weightDecay,
        int batch,
        int iterations,
        String lrPolicy,
        List<Double> lrSteps,
        float lrDecay,
        int plateauPatience,
        float plateauThreshold,
        String warmup,
        float warmupLr,
        float warmupUntilError,
        boolean validation,
        int logEvery,
        int evalEvery,
        int checkpointEvery,
        int keepCheckpoints,
        int gradNormEvery,
        long seed,
        int threads,
        float lighting,
        String lightingPca,
        String badImages) {

    /** The size of the held-out validation split (Sec. 4.2: 45k/5k). */
    public static final int VALIDATION_IMAGES = 5000;

    /** Validates the values. */
    public Recipe {
        lrSteps = List.copyOf(lrSteps);
        check(lr > 0, "lr", "a positive number");
        check(momentum >= 0 && momentum < 1, "momentum", "in [0, 1)");
        check(weightDecay >= 0, "weight_decay", "non-negative");
        check(batch > 0, "batch", "a positive integer");
        check(iterations > 0, "iterations", "a positive integer");
        check(List.of("steps", "plateau").contains(lrPolicy), "lr_policy", "steps or plateau");
        check(lrSteps.stream().allMatch(f -> f > 0 && f < 1), "lr_steps", "fractions in (0, 1)");
        check(lrDecay > 0 && lrDecay <= 1, "lr_decay", "in (0, 1]");
        check(plateauPatience > 0, "plateau_patience", "a positive integer");
        check(plateauThreshold >= 0 && plateauThreshold < 1, "plateau_threshold", "in [0, 1)");
        check(List.of("auto", "on", "off").contains(warmup), "warmup", "auto, on or off");
        check(warmupLr > 0, "warmup_lr", "a positive number");
        check(warmupUntilError > 0 && warmupUntilError <= 1, "warmup_until_error", "in (0, 1]");
        check(logEvery > 0, "log_every", "a positive integer");
        check(evalEvery >= 0, "eval_every", "a non-negative integer");
        check(checkpointEvery > 0, "checkpoint_every", "a positive integer");
        check(keepCheckpoints > 0, "keep_checkpoints", "a positive integer");
        check(gradNormEvery >= 0, "grad_norm_every", "a non-negative integer");
        check(threads > 0, "threads", "a positive integer");
        check(lighting >= 0, "lighting", "a non-negative number");
        check(
                List.of("imagenet", "data").contains(lightingPca),
                "lighting_pca",
                "imagenet or data");
        check(List.of("stop", "skip").contains(badImages), "bad_images", "stop or skip");
    }

    /** The paper's CIFAR-10 recipe (Section 4.2). */
    public static Recipe paper() {
        return new Recipe(
                0.1f, // Sec. 4.2: "We start with a learning rate of 0.1"
                0.9f, // Sec. 4.2: "momentum of 0.9"
                1e-4f, // Sec. 4.2: "weight decay of 0.0001"
                128, // Sec. 4.2: "mini-batch size of 128"
                64_000, // Sec. 4.2: "terminate training at 64k iterations"
                "steps",
                List.of(0.5, 0.75), // Sec. 4.2: "divide it by 10 at 32k and 48k iterations"
                0.1f,
                3,
                0.002f,
                "auto", // Sec. 4.2: the 110-layer net warms up
                0.01f, // Sec. 4.2: "we use 0.01 to warm up the training"
                0.8f, // Sec. 4.2: "until the training error is below 80%"
                false,
                100,
                2000,
                2000,
                3,
                0,
                0,
                Math.max(1, Runtime.getRuntime().availableProcessors()),
                0.1f,
                "imagenet",
                "stop");
    }

    /**
     * The paper's ImageNet recipe (Section 3.4): batch 256, LR 0.1 divided by 10 when the error
     * plateaus, up to 600k iterations, weight decay 0.0001, momentum 0.9, no dropout, PCA lighting
     * with std 0.1. The validation split is the folder's {@code val/}, evaluated about once per
     * epoch of 1.28M images; the plateau rule divides the LR after 3 such evaluations without a
     * 0.2-point improvement. With {@code lr_policy=steps} the LR falls at 1/4 and 1/2 of the run,
     * where Fig. 4's curves show the drops (150k and 300k of 600k).
     */
    public static Recipe imagenet() {
        return paper().with(
                        List.of(
                                "batch=256", // Sec. 3.4: "a mini-batch size of 256"
                                "iterations=600000", // Sec. 3.4: "trained for up to 60 × 10^4
                                // iterations"
                                "lr_policy=plateau", // Sec. 3.4: "divided by 10 when the error
                                // plateaus"
                                "lr_steps=0.25,0.5",
                                "warmup=off",
                                "eval_every=5000",
                                "checkpoint_every=5000"));
    }

    /** The keys {@code --set} accepts, in the order of {@link #toMap()}. */
    public static List<String> keys() {
        return new ArrayList<>(SETTERS.keySet());
    }

    /** Whether the warm-up applies to a net of {@code depth} layers. */
    public boolean warmsUp(int depth) {
        return warmup.equals("on") || (warmup.equals("auto") && depth >= 110);
    }

    /**
     * Returns this recipe with {@code key} set to {@code value}.
     *
     * @throws IllegalArgumentException for an unknown key or a value of the wrong type or range
     */
    public Recipe with(String key, String value) {
        BiFunction<Recipe, String, Recipe> setter = SETTERS.get(key);
        if (setter == null) {
            throw new IllegalArgumentException(
                    "unknown recipe key '"
                            + key
                            + "': expected one of "
                            + String.join(", ", keys()));
        }
        try {
            return setter.apply(this, value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "bad value '" + value + "' for " + key + ": expected " + kind(key));
        }
    }

    /** Applies {@code key=value} assignments in order. */
    public Recipe with(List<String> assignments) {
        Recipe recipe = this;
        for (String assignment : assignments) {
            int eq = assignment.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "bad --set '" + assignment + "': expected key=value");
            }
            recipe = recipe.with(assignment.substring(0, eq).trim(), assignment.substring(eq + 1));
        }
        return recipe;
    }

    /** The recipe as key-value pairs, with the keys of {@link #with(String, String)}. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("lr", lr);
        map.put("momentum", momentum);
        map.put("weight_decay", weightDecay);
        map.put("batch", batch);
        map.put("iterations", iterations);
        map.put("lr_policy", lrPolicy);
        map.put("lr_steps", lrSteps);
        map.put("lr_decay", lrDecay);
        map.put("plateau_patience", plateauPatience);
        map.put("plateau_threshold", plateauThreshold);
        map.put("warmup", warmup);
        map.put("warmup_lr", warmupLr);
        map.put("warmup_until_error", warmupUntilError);
        map.put("validation", validation);
        map.put("log_every", logEvery);
        map.put("eval_every", evalEvery);
        map.put("checkpoint_every", checkpointEvery);
        map.put("keep_checkpoints", keepCheckpoints);
        map.put("grad_norm_every", gradNormEvery);
        map.put("seed", seed);
        map.put("threads", threads);
        map.put("lighting", lighting);
        map.put("lighting_pca", lightingPca);
        map.put("bad_images", badImages);
        return map;
    }

    /** Rebuilds a recipe from {@link #toMap()}'s keys, as stored in a run's configuration. */
    public static Recipe fromMap(Map<String, ?> map) {
        Recipe recipe = paper();
        for (Map.Entry<String, ?> e : map.entrySet()) {
            Object v = e.getValue();
            String text =
                    v instanceof List<?> list
                            ? String.join(",", list.stream().map(String::valueOf).toList())
                            : String.valueOf(v);
            recipe = recipe.with(e.getKey(), text);
        }
        return recipe;
    }

    private static final Map<String, BiFunction<Recipe, String, Recipe>> SETTERS = setters();

    private static Map<String, BiFunction<Recipe, String, Recipe>> setters() {
        Map<String, BiFunction<Recipe, String, Recipe>> s = new LinkedHashMap<>();
        s.put("lr", (r, v) -> r.copy(Map.of("lr", Float.parseFloat(v))));
        s.put("momentum", (r, v) -> r.copy(Map.of("momentum", Float.parseFloat(v))));
        s.put("weight_decay", (r, v) -> r.copy(Map.of("weight_decay", Float.parseFloat(v))));
        s.put("batch", (r, v) -> r.copy(Map.of("batch", Integer.parseInt(v))));
        s.put("iterations", (r, v) -> r.copy(Map.of("iterations", Integer.parseInt(v))));
        s.put("lr_policy", (r, v) -> r.copy(Map.of("lr_policy", v.toLowerCase(Locale.ROOT))));
        s.put("lr_steps", (r, v) -> r.copy(Map.of("lr_steps", fractions(v))));
        s.put("lr_decay", (r, v) -> r.copy(Map.of("lr_decay", Float.parseFloat(v))));
        s.put(
                "plateau_patience",
                (r, v) -> r.copy(Map.of("plateau_patience", Integer.parseInt(v))));
        s.put(
                "plateau_threshold",
                (r, v) -> r.copy(Map.of("plateau_threshold", Float.parseFloat(v))));
        s.put("warmup", (r, v) -> r.copy(Map.of("warmup", v.toLowerCase(Locale.ROOT))));
        s.put("warmup_lr", (r, v) -> r.copy(Map.of("warmup_lr", Float.parseFloat(v))));
        s.put(
                "warmup_until_error",
                (r, v) -> r.copy(Map.of("warmup_until_error", Float.parseFloat(v))));
        s.put("validation", (r, v) -> r.copy(Map.of("validation", bool(v))));
        s.put("log_every", (r, v) -> r.copy(Map.of("log_every", Integer.parseInt(v))));
        s.put("eval_every", (r, v) -> r.copy(Map.of("eval_every", Integer.parseInt(v))));
        s.put(
                "checkpoint_every",
                (r, v) -> r.copy(Map.of("checkpoint_every", Integer.parseInt(v))));
        s.put(
                "keep_checkpoints",
                (r, v) -> r.copy(Map.of("keep_checkpoints", Integer.parseInt(v))));
        s.put("grad_norm_every", (r, v) -> r.copy(Map.of("grad_norm_every", Integer.parseInt(v))));
        s.put("seed", (r, v) -> r.copy(Map.of("seed", Long.parseLong(v))));
        s.put("threads", (r, v) -> r.copy(Map.of("threads", Integer.parseInt(v))));
        s.put("lighting", (r, v) -> r.copy(Map.of("lighting", Float.parseFloat(v))));
        s.put("lighting_pca", (r, v) -> r.copy(Map.of("lighting_pca", v.toLowerCase(Locale.ROOT))));
        s.put("bad_images", (r, v) -> r.copy(Map.of("bad_images", v.toLowerCase(Locale.ROOT))));
        return s;
    }

    private Recipe copy(Map<String, Object> change) {
        Map<String, Object> m = toMap();
        m.putAll(change);
        @SuppressWarnings("unchecked")
        List<Double> steps = (List<Double>) m.get("lr_steps");
        return new Recipe(
                (Float) m.get("lr"),
                (Float) m.get("momentum"),
                (Float) m.get("weight_decay"),
                (Integer) m.get("batch"),
                (Integer) m.get("iterations"),
                (String) m.get("lr_policy"),
                steps,
                (Float) m.get("lr_decay"),
                (Integer) m.get("plateau_patience"),
                (Float) m.get("plateau_threshold"),
                (String) m.get("warmup"),
                (Float) m.get("warmup_lr"),
                (Float) m.get("warmup_until_error"),
                (Boolean) m.get("validation"),
                (Integer) m.get("log_every"),
                (Integer) m.get("eval_every"),
                (Integer) m.get("checkpoint_every"),
                (Integer) m.get("keep_checkpoints"),
                (Integer) m.get("grad_norm_every"),
                (Long) m.get("seed"),
                (Integer) m.get("threads"),
                (Float) m.get("lighting"),
                (String) m.get("lighting_pca"),
                (String) m.get("bad_images"));
    }

    private static List<Double> fractions(String v) {
        if (v.isEmpty() || v.equals("[]")) {
            return List.of();
        }
        return Arrays.stream(v.replace("[", "").replace("]", "").split(","))
                .map(String::trim)
                .map(Double::parseDouble)
                .toList();
    }

    private static boolean bool(String v) {
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new NumberFormatException(v);
    }

    private static String kind(String key) {
        switch (key) {
            case "lr_steps":
                return "comma-separated fractions, e.g. 0.5,0.75";
            case "validation":
                return "true or false";
            case "warmup":
                return "auto, on or off";
            case "lr_policy":
                return "steps or plateau";
            case "lighting_pca":
                return "imagenet or data";
            case "bad_images":
                return "stop or skip";
            case "batch":
            case "iterations":
            case "log_every":
            case "eval_every":
            case "checkpoint_every":
            case "keep_checkpoints":
            case "grad_norm_every":
            case "plateau_patience":
            case "threads":
            case "seed":
                return "an integer";
            default:
                return "a number";
        }
    }

    private static void check(boolean ok, String key, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("bad value for " + key + ": expected " + expected);
        }
    }
}
