package org.resnetj.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Host}: the CPU's instruction set as oneDNN's dispatcher picks it, and the one-line
 * summary.
 */
class HostTest {

    @Test
    void theHostsInstructionSetIsOneDnnsBestThatItsFlagsAllowUnderTheCap() {
        Set<String> epyc =
                Set.of(
                        "sse4_1",
                        "avx",
                        "avx2",
                        "fma",
                        "avx512f",
                        "avx512bw",
                        "avx512vl",
                        "avx512dq",
                        "avx512_vnni",
                        "avx512_bf16");
        assertThat(Host.isa(epyc, null)).isEqualTo("avx512_core_bf16");
        assertThat(Host.isa(epyc, "AVX2")).isEqualTo("avx2");
        assertThat(Host.isa(Set.of("sse4_1", "avx", "avx2", "fma", "avx512f"), null))
                .as("AVX-512F alone is not avx512_core")
                .isEqualTo("avx2");
        assertThat(Host.isa(Set.of("sse2"), null)).isEqualTo("none of oneDNN's x64 sets");
        assertThat(new Host("AMD EPYC", false, "avx512_core_bf16").describe())
                .isEqualTo(
                        "AMD EPYC; caches HIDDEN (1x1 convolutions and sums run outside oneDNN);"
                                + " oneDNN ISA avx512_core_bf16 (from the CPU's flags)");
    }
}
