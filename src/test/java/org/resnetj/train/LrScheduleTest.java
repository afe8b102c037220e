package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void paperScheduleDividesByTenAt32kAnd48k() {
        LrSchedule schedule = new LrSchedule(Recipe.cifar10(), 20);
        assertThat(schedule.boundaries()).containsExactly(32_000, 48_000);
        assertThat(schedule.lr(0)).isEqualTo(0.1f);
        assertThat(schedule.lr(31_999)).isEqualTo(0.1f);
        assertThat(schedule.lr(32_000)).isCloseTo(0.01f, within(1e-9f));
        assertThat(schedule.lr(47_999)).isCloseTo(0.01f, within(1e-9f));
        assertThat(schedule.lr(48_000)).isCloseTo(0.001f, within(1e-9f));
        assertThat(schedule.lr(63_999)).isCloseTo(0.001f, within(1e-9f));
    }

    @Test
    void shortRunKeepsTheStepsAtTheSameFractions() {
        LrSchedule schedule = new LrSchedule(Recipe.cifar10().with("iterations", "1000"), 20);
        assertThat(schedule.boundaries()).containsExactly(500, 750);
        assertThat(schedule.lr(499)).isEqualTo(0.1f);
        assertThat(schedule.lr(500)).isCloseTo(0.01f, within(1e-9f));
        assertThat(schedule.lr(750)).isCloseTo(0.001f, within(1e-9f));
    }

    @Test
    void warmUpUsesItsOwnRateThenReturnsToTheUnshiftedSchedule() {
        LrSchedule schedule = new LrSchedule(Recipe.cifar10(), 110);
        assertThat(schedule.lr(100)).isEqualTo(0.01f);
        endWarmUp(schedule);
        assertThat(schedule.lr(400)).isEqualTo(0.1f);
        assertThat(schedule.lr(32_000)).isCloseTo(0.01f, within(1e-9f));
    }

    /**
     * Sec. 4.2: 0.01 "until the training error is below 80%", then 0.1. The errors are what the
     * loop computes for a logging interval, errors / images, here of 10 iterations of 128 images:
     * 1,024 errors is exactly 80% and keeps the warm-up, 1,023 ends it.
     */
    @Test
    void warmUpHoldsAtExactly80PercentTrainingErrorAndEndsJustBelow() {
        LrSchedule schedule = new LrSchedule(Recipe.cifar10(), 110);
        assertThat(schedule.endsWarmUp(1025 / 1280.0)).as("80.08%").isFalse();
        assertThat(schedule.endsWarmUp(1024 / 1280.0)).as("exactly 80%").isFalse();
        assertThat(schedule.endsWarmUp(4 / 5.0)).as("exactly 80% of 5 images").isFalse();
        assertThat(schedule.endsWarmUp(1023 / 1280.0)).as("79.92%").isTrue();
        assertThat(schedule.endsWarmUp(799_999 / 1_000_000.0)).as("79.9999%").isTrue();
        assertThat(schedule.lr(100)).as("while warming up").isEqualTo(0.01f);
        endWarmUp(schedule);
        assertThat(schedule.lr(100)).as("once it has ended").isEqualTo(0.1f);
    }

    @Test
    void warmUpThresholdIsTheRecipesDecimalValue() {
        LrSchedule schedule =
                new LrSchedule(Recipe.cifar10().with("warmup_until_error", "0.3"), 20);
        assertThat(schedule.endsWarmUp(3 / 10.0)).as("exactly 30%").isFalse();
        assertThat(schedule.endsWarmUp(299 / 1000.0)).as("29.9%").isTrue();
    }

    @Test
    void warmUpIsOnByDefaultFromDepth110() {
        Recipe recipe = Recipe.cifar10();
        assertThat(recipe.warmsUp(56)).isFalse();
        assertThat(recipe.warmsUp(110)).isTrue();
        assertThat(recipe.warmsUp(1202)).isTrue();
        assertThat(recipe.with("warmup", "on").warmsUp(20)).isTrue();
        assertThat(recipe.with("warmup", "off").warmsUp(110)).isFalse();
    }

    @Test
    void imagenetRecipeIsThePapersSection34() {
        Recipe r = Recipe.imagenet();
        assertThat(r.batch()).isEqualTo(256);
        assertThat(r.lr()).isEqualTo(0.1f);
        assertThat(r.iterations()).isEqualTo(600_000);
        assertThat(r.weightDecay()).isEqualTo(1e-4f);
        assertThat(r.momentum()).isEqualTo(0.9f);
        assertThat(r.lrPolicy()).isEqualTo(Recipe.LrPolicy.PLATEAU);
        assertThat(r.lighting()).isEqualTo(0.1f);
        assertThat(r.warmsUp(152)).isFalse();
        assertThat(new LrSchedule(r, 152).boundaries()).isEmpty();
        assertThat(new LrSchedule(r.with("lr_policy", "steps"), 152).boundaries())
                .containsExactly(150_000, 300_000);
    }

    @Test
    void plateauDividesAfterPatienceEvaluationsWithoutEnoughImprovement() {
        LrSchedule schedule =
                new LrSchedule(
                        Recipe.imagenet()
                                .with(
                                        java.util.List.of(
                                                "plateau_patience=2", "plateau_threshold=0.01")),
                        152);
        assertThat(schedule.evaluated(0.50)).isFalse(); // first: the best so far
        assertThat(schedule.evaluated(0.40)).isFalse(); // improves by 10 points
        assertThat(schedule.evaluated(0.395)).isFalse(); // 0.5 point: not enough, 1 of 2
        assertThat(schedule.lr(1000)).isEqualTo(0.1f);
        assertThat(schedule.evaluated(0.41)).isTrue(); // 2 of 2: divide
        assertThat(schedule.lr(1000)).isCloseTo(0.01f, within(1e-9f));
        assertThat(schedule.evaluated(0.38)).isFalse(); // 1.5 points below the best (0.395)
        assertThat(schedule.evaluated(0.38)).isFalse();
        assertThat(schedule.evaluated(0.38)).isTrue();
        assertThat(schedule.lr(0)).isCloseTo(0.001f, within(1e-9f));
    }

    @Test
    void plateauStateSurvivesACheckpoint() {
        Recipe recipe = Recipe.imagenet().with("plateau_patience", "2");
        LrSchedule first = new LrSchedule(recipe, 152);
        first.evaluated(0.5);
        first.evaluated(0.5);
        first.evaluated(0.5); // divides
        first.evaluated(0.5); // 1 of 2
        LrSchedule resumed = new LrSchedule(recipe, 152);
        resumed.restore(new java.util.LinkedHashMap<>(first.state()));
        assertThat(resumed.lr(0)).isEqualTo(first.lr(0));
        assertThat(resumed.evaluated(0.5)).isTrue();
        assertThat(first.evaluated(0.5)).isTrue();
    }

    @Test
    void stepsPolicyIgnoresEvaluations() {
        LrSchedule schedule = new LrSchedule(Recipe.cifar10().with("plateau_patience", "1"), 20);
        assertThat(schedule.evaluated(0.9)).isFalse();
        assertThat(schedule.evaluated(0.9)).isFalse();
        assertThat(schedule.lr(0)).isEqualTo(0.1f);
    }

    /**
     * The warm-up is judged after every iteration on the errors of the last {@code warmup_window}
     * iterations (here 4 of 10 images each), never on a shorter window: at iteration 5 the window
     * holds 32 errors in 40 images, exactly 80%, and the warm-up holds; at 6 it holds 24 (60%) and
     * ends, at no logging interval.
     */
    @Test
    void warmUpEndsAtTheFirstIterationWhoseWindowErrorIsBelowTheThreshold() {
        LrSchedule schedule = new LrSchedule(Recipe.cifar10().with("warmup_window", "4"), 110);
        assertThat(schedule.trained(1, 0, 10)).as("one iteration is not a window").isFalse();
        assertThat(schedule.trained(2, 10, 10)).isFalse();
        assertThat(schedule.trained(3, 10, 10)).isFalse();
        assertThat(schedule.trained(4, 10, 10)).as("window 30 of 40").isTrue();
        assertThat(schedule.warmUpEndedAt()).isEqualTo(4);

        LrSchedule later = new LrSchedule(Recipe.cifar10().with("warmup_window", "4"), 110);
        int[] errors = {10, 10, 10, 10, 2, 2, 2};
        for (int i = 0; i < 5; i++) {
            assertThat(later.trained(i + 1, errors[i], 10)).as("iteration %d", i + 1).isFalse();
        }
        assertThat(later.lr(5)).isEqualTo(0.01f);
        assertThat(later.trained(6, errors[5], 10)).as("window 24 of 40").isTrue();
        assertThat(later.warmUpEndedAt()).isEqualTo(6);
        assertThat(later.windowError()).isEqualTo(0.6);
        assertThat(later.lr(6)).isEqualTo(0.1f);
        assertThat(later.trained(7, errors[6], 10)).as("ends once").isFalse();
        assertThat(later.warmingUp()).isFalse();
    }

    /**
     * The warm-up's state (its window included) goes through a checkpoint's JSON and comes back
     * equal, and the restored schedule ends the warm-up at the same iteration as the original.
     */
    @Test
    void warmUpStateSurvivesACheckpoint() throws Exception {
        Recipe recipe = Recipe.cifar10().with("warmup_window", "3");
        LrSchedule first = new LrSchedule(recipe, 110);
        first.trained(1, 9, 10);
        first.trained(2, 10, 10);
        first.trained(3, 9, 10);
        first.trained(4, 8, 10);
        ObjectMapper json = new ObjectMapper();
        Map<String, Object> stored =
                json.readValue(json.writeValueAsString(first.state()), new TypeReference<>() {});
        LrSchedule resumed = new LrSchedule(recipe, 20);
        resumed.restore(stored);
        assertThat(resumed.state()).isEqualTo(first.state());
        assertThat(resumed.lr(4)).isEqualTo(0.01f);
        for (int i = 5; i <= 6; i++) {
            assertThat(resumed.trained(i, 5, 10)).isEqualTo(first.trained(i, 5, 10));
        }
        // the window at 5 holds 9, 8 and 5 errors in 30 images: 73%
        assertThat(resumed.warmUpEndedAt()).isEqualTo(first.warmUpEndedAt()).isEqualTo(5);
        assertThat(resumed.state()).isEqualTo(first.state());
    }

    /**
     * A checkpoint written when the loop judged the warm-up at logging intervals holds only that it
     * was warming up: the restored schedule warms up, with an empty window to fill first.
     */
    @Test
    void olderCheckpointsWarmUpFlagIsRestoredWithAnEmptyWindow() {
        LrSchedule schedule = new LrSchedule(Recipe.cifar10().with("warmup_window", "2"), 20);
        schedule.restore(new LinkedHashMap<>(Map.of("warming_up", true, "drops", 0)));
        assertThat(schedule.warmingUp()).isTrue();
        assertThat(schedule.lr(500)).isEqualTo(0.01f);
        assertThat(schedule.trained(501, 0, 10)).isFalse();
        assertThat(schedule.trained(502, 0, 10)).isTrue();
    }

    /** Ends the warm-up of {@code schedule} with a window of error-free iterations. */
    private static void endWarmUp(LrSchedule schedule) {
        for (int i = 1; !schedule.trained(i, 0, 128); i++) {
            assertThat(i).as("the warm-up ends within its window").isLessThanOrEqualTo(100);
        }
    }
}
