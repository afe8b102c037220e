package org.resnetj.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link AtenContext}: the JNA binding reaches libtorch's global context, so a switch set through
 * it reads back from libtorch, and the engine's default (oneDNN allowed) is restored.
 */
class AtenContextTest {

    @Test
    void oneDnnSwitchesOffAndBackOn() {
        assertThat(AtenContext.oneDnnEnabled()).as("libtorch's default").isTrue();
        try {
            AtenContext.setOneDnnEnabled(false);
            assertThat(AtenContext.oneDnnEnabled()).isFalse();
        } finally {
            AtenContext.setOneDnnEnabled(true);
        }
        assertThat(AtenContext.oneDnnEnabled()).isTrue();
    }

    @Test
    void nnpackSwitchesOffAndBackOn() {
        boolean before = AtenContext.nnpackEnabled();
        try {
            AtenContext.setNnpackEnabled(!before);
            assertThat(AtenContext.nnpackEnabled()).isEqualTo(!before);
        } finally {
            AtenContext.setNnpackEnabled(before);
        }
        assertThat(AtenContext.nnpackEnabled()).isEqualTo(before);
    }
}
