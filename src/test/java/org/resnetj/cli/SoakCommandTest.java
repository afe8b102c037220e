package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code resnet soak} through Main: it runs in a child JVM of fixed heap, trains, evaluates eagerly
 * and compiled, and judges each phase's growth against the bound. A real soak is a measurement
 * (README, Performance); this is a short one that checks the wiring and the verdicts.
 */
class SoakCommandTest {

    @Test
    void aShortSoakReportsEachPhasesGrowthAgainstTheBound() {
        CommandRun flat =
                CommandRun.of(
                        "soak",
                        "--model",
                        "resnet8",
                        "--batch",
                        "4",
                        "--steps",
                        "12",
                        "--eval-batches",
                        "12",
                        "--bound-mb",
                        "64");

        assertThat(flat.status()).as(flat.err()).isZero();
        List<String> lines = flat.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0))
                .startsWith("training")
                .contains("12 iterations", "(bound 64): flat");
        assertThat(lines.get(1)).startsWith("eager evaluation").endsWith("flat");
        assertThat(lines.get(2)).startsWith("compiled evaluation").endsWith("flat");
        assertThat(flat.err())
                .contains("training 12/12: resident", "Java heap committed 1024.0 MB");
    }

    @Test
    void aNegativeBoundIsRefusedInOneLine() {
        CommandRun refused = CommandRun.of("soak", "--bound-mb", "-1");
        assertThat(refused.status()).isEqualTo(1);
        assertThat(refused.err().strip())
                .isEqualTo("error: --bound-mb must be a number of MiB >= 0, got -1.0");
    }
}
