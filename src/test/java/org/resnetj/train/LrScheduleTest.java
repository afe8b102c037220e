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

    @Test
    void warmUpIsOnByDefaultFromDepth110() {
        Recipe recipe = Recipe.paper();
        assertThat(recipe.warmsUp(56)).isFalse();
        assertThat(recipe.warmsUp(110)).isTrue();
        assertThat(recipe.warmsUp(1202)).isTrue();
        assertThat(recipe.with("warmup", "on").warmsUp(20)).isTrue();
        assertThat(recipe.with("warmup", "off").warmsUp(110)).isFalse();
    }
}
