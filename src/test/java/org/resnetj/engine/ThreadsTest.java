package org.resnetj.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link Threads}: the intra-op setting reaches libtorch and reads back. (The inter-op pool can be
 * sized once per process only, so the benchmark's worker JVMs exercise it, not this shared one.)
 */
class ThreadsTest {

    @Test
    void theIntraOpThreadCountReadsBackAsSet() {
        int before = Threads.intraOp();
        assertThat(before).isPositive();
        int other = before == 1 ? 2 : 1;
        try {
            Threads.setIntraOp(other);
            assertThat(Threads.intraOp()).isEqualTo(other);
        } finally {
            Threads.setIntraOp(before);
        }
        assertThat(Threads.intraOp()).isEqualTo(before);
    }
}
