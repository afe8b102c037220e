package org.resnetj.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link AtenContext}: the JNA binding reaches libtorch's global context, so a switch set through
 * it reads back from libtorch, and the engine's default (oneDNN allowed) is restored; where the
 * host hides its caches, NNPACK, which cannot start there, is off once {@link Kernels} is loaded.
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

    @Test
    void convolutionsRunWithoutNnpackWhereTheHostHidesItsCaches() throws ClassNotFoundException {
        Class.forName(Kernels.class.getName(), true, Kernels.class.getClassLoader());

        assertThat(AtenContext.nnpackEnabled())
                .as("NNPACK allowed")
                .isEqualTo(!HiddenCaches.hostHidesCaches());
    }
}
