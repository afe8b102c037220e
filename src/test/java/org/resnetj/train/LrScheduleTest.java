package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void paperScheduleDividesByTenAt32kAnd48k() {
        LrSchedule schedule = new LrSchedule(Recipe.paper());
        assertThat(schedule.boundaries()).containsExactly(32_000, 48_000);
        assertThat(schedule.lr(0, false)).isEqualTo(0.1f);
        assertThat(schedule.lr(31_999, false)).isEqualTo(0.1f);
        assertThat(schedule.lr(32_000, false)).isCloseTo(0.01f, within(1e-9f));
        assertThat(schedule.lr(47_999, false)).isCloseTo(0.01f, within(1e-9f));
        assertThat(schedule.lr(48_000, false)).isCloseTo(0.001f, within(1e-9f));
        assertThat(schedule.lr(63_999, false)).isCloseTo(0.001f, within(1e-9f));
    }

    @Test
    void shortRunKeepsTheStepsAtTheSameFractions() {
        LrSchedule schedule = new LrSchedule(Recipe.paper().with("iterations", "1000"));
        assertThat(schedule.boundaries()).containsExactly(500, 750);
        assertThat(schedule.lr(499, false)).isEqualTo(0.1f);
        assertThat(schedule.lr(500, false)).isCloseTo(0.01f, within(1e-9f));
        assertThat(schedule.lr(750, false)).isCloseTo(0.001f, within(1e-9f));
    }

    @Test
    void warmUpUsesItsOwnRateThenReturnsToTheUnshiftedSchedule() {
        LrSchedule schedule = new LrSchedule(Recipe.paper());
        assertThat(schedule.lr(100, true)).isEqualTo(0.01f);
        assertThat(schedule.lr(400, false)).isEqualTo(0.1f);
        assertThat(schedule.lr(32_000, false)).isCloseTo(0.01f, within(1e-9f));
    }

    /**
     * Sec. 4.2: 0.01 "until the training error is below 80%", then 0.1. The errors are what the
     * loop computes for a logging interval, errors / images, here of 10 iterations of 128 images:
     * 1,024 errors is exactly 80% and keeps the warm-up, 1,023 ends it.
     */
    @Test
    void warmUpHoldsAtExactly80PercentTrainingErrorAndEndsJustBelow() {
        LrSchedule schedule = new LrSchedule(Recipe.paper());
        assertThat(schedule.endsWarmUp(1025 / 1280.0)).as("80.08%").isFalse();
        assertThat(schedule.endsWarmUp(1024 / 1280.0)).as("exactly 80%").isFalse();
        assertThat(schedule.endsWarmUp(4 / 5.0)).as("exactly 80% of 5 images").isFalse();
        assertThat(schedule.endsWarmUp(1023 / 1280.0)).as("79.92%").isTrue();
        assertThat(schedule.endsWarmUp(799_999 / 1_000_000.0)).as("79.9999%").isTrue();
        assertThat(schedule.lr(100, true)).as("while warming up").isEqualTo(0.01f);
        assertThat(schedule.lr(100, false)).as("once it has ended").isEqualTo(0.1f);
    }

    @Test
    void warmUpThresholdIsTheRecipesDecimalValue() {
        LrSchedule schedule = new LrSchedule(Recipe.paper().with("warmup_until_error", "0.3"));
        assertThat(schedule.endsWarmUp(3 / 10.0)).as("exactly 30%").isFalse();
        assertThat(schedule.endsWarmUp(299 / 1000.0)).as("29.9%").isTrue();
    }

    @Test
    void warmUpIsOnByDefaultFromDepth110() {
        Recipe recipe = Recipe.paper();
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
        assertThat(r.lrPolicy()).isEqualTo("plateau");
        assertThat(r.lighting()).isEqualTo(0.1f);
        assertThat(r.warmsUp(152)).isFalse();
        assertThat(new LrSchedule(r).boundaries()).isEmpty();
        assertThat(new LrSchedule(r.with("lr_policy", "steps")).boundaries())
                .containsExactly(150_000, 300_000);
    }

    @Test
    void plateauDividesAfterPatienceEvaluationsWithoutEnoughImprovement() {
        LrSchedule schedule =
                new LrSchedule(
                        Recipe.imagenet()
                                .with(
                                        java.util.List.of(
                                                "plateau_patience=2", "plateau_threshold=0.01")));
        assertThat(schedule.evaluated(0.50)).isFalse(); // first: the best so far
        assertThat(schedule.evaluated(0.40)).isFalse(); // improves by 10 points
        assertThat(schedule.evaluated(0.395)).isFalse(); // 0.5 point: not enough, 1 of 2
        assertThat(schedule.lr(1000, false)).isEqualTo(0.1f);
        assertThat(schedule.evaluated(0.41)).isTrue(); // 2 of 2: divide
        assertThat(schedule.lr(1000, false)).isCloseTo(0.01f, within(1e-9f));
        assertThat(schedule.evaluated(0.38)).isFalse(); // 1.5 points below the best (0.395)
        assertThat(schedule.evaluated(0.38)).isFalse();
        assertThat(schedule.evaluated(0.38)).isTrue();
        assertThat(schedule.lr(0, false)).isCloseTo(0.001f, within(1e-9f));
    }

    @Test
    void plateauStateSurvivesACheckpoint() {
        Recipe recipe = Recipe.imagenet().with("plateau_patience", "2");
        LrSchedule first = new LrSchedule(recipe);
        first.evaluated(0.5);
        first.evaluated(0.5);
        first.evaluated(0.5); // divides
        first.evaluated(0.5); // 1 of 2
        LrSchedule resumed = new LrSchedule(recipe);
        resumed.restore(new java.util.LinkedHashMap<>(first.state()));
        assertThat(resumed.lr(0, false)).isEqualTo(first.lr(0, false));
        assertThat(resumed.evaluated(0.5)).isTrue();
        assertThat(first.evaluated(0.5)).isTrue();
    }

    @Test
    void stepsPolicyIgnoresEvaluations() {
        LrSchedule schedule = new LrSchedule(Recipe.paper().with("plateau_patience", "1"));
        assertThat(schedule.evaluated(0.9)).isFalse();
        assertThat(schedule.evaluated(0.9)).isFalse();
        assertThat(schedule.lr(0, false)).isEqualTo(0.1f);
    }
}
