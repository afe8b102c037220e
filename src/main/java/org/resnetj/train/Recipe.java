package org.resnetj.train;

import static org.resnetj.train.Key.Check.ABOVE_ZERO_TO_ONE;
import static org.resnetj.train.Key.Check.BETWEEN_ZERO_AND_ONE;
import static org.resnetj.train.Key.Check.FROM_ZERO_BELOW_ONE;
import static org.resnetj.train.Key.Check.NON_NEGATIVE;
import static org.resnetj.train.Key.Check.POSITIVE;

import java.util.List;
import java.util.Map;
import org.resnetj.data.BadImages;

/**
 * The training recipe of Sections 3.4 and 4.2, one {@link Key} declaration per hyperparameter: its
 * default (the paper's CIFAR-10 number), the section it comes from, and the values it allows.
 * {@link #cifar10()} is every default; {@link #imagenet()} the paper's ImageNet numbers. Every
 * value can be changed by key ({@code --set key=value}, {@link #with(String, String)}), and unknown
 * keys and bad values are refused. How long and how often a run logs, evaluates, checkpoints and on
 * how many threads is not the recipe's business: see {@link RunSettings}.
 *
 * <p>Adding a key is one component here (and its test); its parsing, {@code config.json}, the
 * README's table and {@code --help} follow from the declaration ({@link Declarations}). Records are
 * built through the declarations, which check every value; rules that tie two keys together are in
 * {@link Setup}.
 */
public record Recipe(
        @Key(
                        defaultValue = "0.1",
                        check = POSITIVE,
                        source = "Sec. 4.2",
                        doc = "base learning rate")
                float lr,
        @Key(
                        defaultValue = "0.9",
                        check = FROM_ZERO_BELOW_ONE,
                        source = "Sec. 4.2",
                        doc = "SGD momentum")
                float momentum,
        @Key(
                        defaultValue = "0.0001",
                        check = NON_NEGATIVE,
                        source = "Sec. 4.2",
                        doc = "L2 weight decay on every parameter, BN's and biases included")
                float weightDecay,
        @Key(defaultValue = "128", check = POSITIVE, source = "Sec. 4.2", doc = "mini-batch size")
                int batch,
        @Key(
                        defaultValue = "64000",
                        check = POSITIVE,
                        source = "Sec. 4.2",
                        doc = "total iterations")
                int iterations,
        @Key(
                        defaultValue = "steps",
                        source = "Sec. 4.2; plateau: Sec. 3.4",
                        doc = "steps: divide the LR at lr_steps; plateau: when the error plateaus")
                LrPolicy lrPolicy,
        @Key(
                        defaultValue = "0.5,0.75",
                        check = BETWEEN_ZERO_AND_ONE,
                        source = "Sec. 4.2: 32k and 48k of 64k",
                        doc = "fractions of the run at which the LR is divided")
                List<Double> lrSteps,
        @Key(
                        defaultValue = "0.1",
                        check = ABOVE_ZERO_TO_ONE,
                        source = "Sec. 4.2: divide by 10",
                        doc = "factor applied to the LR at each step or plateau")
                float lrDecay,
        @Key(
                        defaultValue = "3",
                        check = POSITIVE,
                        doc = "evaluations without improvement before the plateau policy divides")
                int plateauPatience,
        @Key(
                        defaultValue = "0.002",
                        check = FROM_ZERO_BELOW_ONE,
                        doc = "the least fall of the top-1 error that counts as an improvement")
                float plateauThreshold,
        @Key(
                        defaultValue = "auto",
                        source = "Sec. 4.2, ResNet-110",
                        doc = "warm-up of the LR; auto: for nets of depth 110 and more")
                Warmup warmup,
        @Key(
                        defaultValue = "0.01",
                        check = POSITIVE,
                        source = "Sec. 4.2",
                        doc = "LR during the warm-up")
                float warmupLr,
        @Key(
                        defaultValue = "0.8",
                        check = ABOVE_ZERO_TO_ONE,
                        source = "Sec. 4.2",
                        doc = "the warm-up ends once the training error is below this")
                float warmupUntilError,
        @Key(
                        defaultValue = "100",
                        check = POSITIVE,
                        source = "our choice (Fidelity notes)",
                        doc = "iterations whose mean training error judges the warm-up's end")
                int warmupWindow,
        @Key(
                        defaultValue = "false",
                        source = "Sec. 4.2: the 45k/5k split",
                        doc = "evaluate on the last 5k training images, held out, not the test set")
                boolean validation,
        @Key(
                        defaultValue = "0",
                        check = NON_NEGATIVE,
                        source = "Sec. 4.1",
                        doc = "iterations between records of every layer's gradient norm; 0: none")
                int gradNormEvery,
        @Key(defaultValue = "0", doc = "seed of initialization, sampling order and augmentation")
                long seed,
        @Key(
                        defaultValue = "0.1",
                        check = NON_NEGATIVE,
                        source = "Sec. 3.4, after AlexNet",
                        doc = "std of the PCA lighting noise of image-folder training; 0: off")
                float lighting,
        @Key(
                        defaultValue = "imagenet",
                        doc =
                                "eigenvectors of that noise: the published ImageNet ones, or the"
                                        + " data's")
                LightingPca lightingPca,
        @Key(
                        defaultValue = "stop",
                        doc =
                                "an unreadable image of an image folder stops training, or is"
                                        + " skipped")
                BadImages badImages) {

    /** The size of the held-out validation split (Sec. 4.2: 45k/5k). */
    public static final int VALIDATION_IMAGES = 5000;

    /** The learning-rate policies ({@link LrSchedule}). */
    public enum LrPolicy {
        /** The LR is divided at fixed fractions of the run (Sec. 4.2). */
        STEPS,
        /** The LR is divided when the evaluation error plateaus (Sec. 3.4). */
        PLATEAU
    }

    /** Whether the LR warms up (Sec. 4.2: ResNet-110 starts at 0.01). */
    public enum Warmup {
        /** Nets of depth 110 and more warm up. */
        AUTO,
        /** Every net warms up. */
        ON,
        /** No net warms up. */
        OFF
    }

    /** The eigenvectors of the PCA lighting noise. */
    public enum LightingPca {
        /** The published ImageNet values (AlexNet, as fb.resnet.torch gives them). */
        IMAGENET,
        /** Computed from the training images. */
        DATA
    }

    static final Declarations<Recipe> DECLARATIONS = Declarations.of(Recipe.class, "recipe key");

    /** The paper's CIFAR-10 recipe (Section 4.2): every declared default. */
    public static Recipe cifar10() {
        return DECLARATIONS.defaults();
    }

    /**
     * The paper's ImageNet recipe (Section 3.4): batch 256, LR 0.1 divided by 10 when the error
     * plateaus, up to 600k iterations, weight decay 0.0001, momentum 0.9, no dropout, PCA lighting
     * with std 0.1. With {@code lr_policy=steps} the LR falls at 1/4 and 1/2 of the run, where Fig.
     * 4's curves show the drops (150k and 300k of 600k). {@link Setup#imagenet()} adds how often
     * such a run evaluates.
     */
    public static Recipe imagenet() {
        return cifar10()
                .with(
                        List.of(
                                "batch=256", // Sec. 3.4: "a mini-batch size of 256"
                                "iterations=600000", // Sec. 3.4: "up to 60 × 10^4 iterations"
                                "lr_policy=plateau", // Sec. 3.4: "divided by 10 when the error
                                // plateaus"
                                "lr_steps=0.25,0.5",
                                "warmup=off"));
    }

    /** The keys {@link #with(String, String)} accepts, in the order of {@link #toMap()}. */
    public static List<String> keys() {
        return DECLARATIONS.keys();
    }

    /** Whether the warm-up applies to a net of {@code depth} layers. */
    public boolean warmsUp(int depth) {
        return warmup == Warmup.ON || (warmup == Warmup.AUTO && depth >= 110);
    }

    /**
     * Returns this recipe with {@code key} set to {@code value}.
     *
     * @throws IllegalArgumentException for an unknown key or a value of the wrong type or range
     */
    public Recipe with(String key, String value) {
        return DECLARATIONS.with(this, key, value);
    }

    /** Applies {@code key=value} assignments in order. */
    public Recipe with(List<String> assignments) {
        Recipe recipe = this;
        for (String assignment : assignments) {
            String[] kv = Setup.split(assignment);
            recipe = recipe.with(kv[0], kv[1]);
        }
        return recipe;
    }

    /** The recipe as key-value pairs, with the keys of {@link #with(String, String)}. */
    public Map<String, Object> toMap() {
        return DECLARATIONS.toMap(this);
    }

    /** Rebuilds a recipe from {@link #toMap()}'s keys; absent keys keep the CIFAR-10 default. */
    public static Recipe fromMap(Map<String, ?> map) {
        Recipe recipe = cifar10();
        for (Map.Entry<String, ?> e : map.entrySet()) {
            recipe = recipe.with(e.getKey(), Declarations.text(e.getValue()));
        }
        return recipe;
    }
}
