package org.resnetj.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtEngine;
import java.util.Locale;

/**
 * The versions a result was computed with, and the host it ran on: what a run records next to its
 * numbers, since another DJL, libtorch or host may round, order and pick kernels differently.
 *
 * @param djl DJL's version
 * @param libtorch the version of the libtorch that DJL's PyTorch engine loaded
 * @param jdk the Java runtime's version
 * @param host the CPU and whether it reports its caches
 */
public record EngineInfo(String djl, String libtorch, String jdk, Host host) {

    /** This process's engine (loaded now if no one has) and this machine. */
    public static EngineInfo current() {
        return new EngineInfo(
                Engine.getDjlVersion(),
                Engine.getEngine(PtEngine.ENGINE_NAME).getVersion(),
                Runtime.version().toString(),
                Host.current());
    }

    /** The engine's versions in one phrase: "DJL 0.34.0, libtorch 2.7.1". */
    public String versions() {
        return String.format(Locale.ROOT, "DJL %s, libtorch %s", djl, libtorch);
    }
}
