package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The phase clock charges each lap to its phase, so the phases add up to the whole. */
class PhaseClockTest {

    @Test
    void lapsOfAPhaseAddUpAndThePhasesAddUpToTheElapsedTime() throws InterruptedException {
        long start = System.nanoTime();
        PhaseClock clock = PhaseClock.started();
        Thread.sleep(20);
        clock.lap(PhaseClock.TRUNK);
        Thread.sleep(10);
        clock.lap(PhaseClock.RPN);
        Thread.sleep(10);
        clock.lap(PhaseClock.TRUNK);
        double elapsed = (System.nanoTime() - start) / 1e9;

        assertThat(clock.seconds().keySet()).containsExactly("trunk", "rpn");
        assertThat(clock.seconds().get("trunk")).isGreaterThanOrEqualTo(0.030);
        assertThat(clock.seconds().get("rpn")).isGreaterThanOrEqualTo(0.010);
        double sum = clock.seconds().values().stream().mapToDouble(Double::doubleValue).sum();
        assertThat(sum).isLessThanOrEqualTo(elapsed);
    }

    @Test
    void restartChargesThePauseToNoPhaseAndOffRecordsNothing() throws InterruptedException {
        PhaseClock clock = PhaseClock.started();
        Thread.sleep(30);
        clock.restart();
        clock.lap(PhaseClock.STEP);
        PhaseClock.OFF.lap(PhaseClock.STEP);

        assertThat(clock.seconds().get("step")).isLessThan(0.030);
        assertThat(PhaseClock.OFF.seconds()).isEmpty();
        assertThat(List.copyOf(clock.seconds().keySet())).containsExactly("step");
    }
}
