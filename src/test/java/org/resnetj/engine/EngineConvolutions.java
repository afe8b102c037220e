package org.resnetj.engine;

import java.util.function.Supplier;

/**
 * An oracle for the convolutions: the engine with oneDNN (and NNPACK) switched off ({@link
 * AtenContext}), where every convolution, forward and backward, is ATen's own im2col and GEMM. It
 * shares no kernel with oneDNN's convolutions or with {@link HiddenCaches}' matrix products, and
 * runs on every host.
 */
final class EngineConvolutions {

    private EngineConvolutions() {}

    /** Runs {@code body} with oneDNN off in the engine, and switches it back on after. */
    static <T> T withoutOneDnn(Supplier<T> body) {
        AtenContext.setOneDnnEnabled(false);
        // NNPACK too: it cannot start on every CPU, and then warns at every convolution that tries
        // it.
        boolean nnpack = AtenContext.nnpackEnabled();
        AtenContext.setNnpackEnabled(false);
        try {
            return body.get();
        } finally {
            AtenContext.setOneDnnEnabled(true);
            AtenContext.setNnpackEnabled(nnpack);
        }
    }
}
