package org.resnetj.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtEngine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's two thread pools, which DJL's public API does not reach: the intra-op threads that one
 * operation's kernels share (OpenMP, MKL, oneDNN), and the inter-op pool that runs independent
 * operations side by side. Each call loads the engine first if no one has.
 */
public final class Threads {

    private Threads() {}

    /** Sets how many threads one operation's kernels use, for the whole process. */
    public static void setIntraOp(int threads) {
        Engine.getEngine(PtEngine.ENGINE_NAME);
        JniUtils.setNumThreads(threads);
    }

    /** How many threads one operation's kernels use. */
    public static int intraOp() {
        Engine.getEngine(PtEngine.ENGINE_NAME);
        return JniUtils.getNumThreads();
    }

    /**
     * Sets the size of the inter-op pool. libtorch accepts this once per process, before any
     * parallel work has started, and throws after.
     */
    public static void setInterOp(int threads) {
        Engine.getEngine(PtEngine.ENGINE_NAME);
        JniUtils.setNumInteropThreads(threads);
    }
}
