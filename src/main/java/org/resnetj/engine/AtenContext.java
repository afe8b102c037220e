package org.resnetj.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtEngine;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.file.Path;

/**
 * Switches of libtorch's global context ({@code at::globalContext()}) that DJL does not expose,
 * called through JNA on the C++ symbols that {@code libtorch_cpu.so} exports: whether convolutions
 * may use oneDNN ({@code setUserEnabledMkldnn}) and NNPACK ({@code setUserEnabledNNPACK}). With
 * both off, every convolution, forward and backward, is ATen's own im2col and GEMM. The symbols are
 * Itanium-mangled names of libtorch 2.7.1; another version may rename them, and then the first call
 * fails with JNA's {@link UnsatisfiedLinkError}. The switches are process-wide.
 */
public final class AtenContext {

    private static final String LIBRARY = "libtorch_cpu.so";

    private AtenContext() {}

    /** Allows or forbids oneDNN's convolutions. */
    public static void setOneDnnEnabled(boolean enabled) {
        call("_ZN2at7Context20setUserEnabledMkldnnEb", enabled);
    }

    /** Whether convolutions may use oneDNN. */
    public static boolean oneDnnEnabled() {
        return ask("_ZNK2at7Context17userEnabledMkldnnEv");
    }

    /** Allows or forbids NNPACK's convolutions. */
    public static void setNnpackEnabled(boolean enabled) {
        call("_ZN2at7Context20setUserEnabledNNPACKEb", enabled);
    }

    /** Whether convolutions may use NNPACK. */
    public static boolean nnpackEnabled() {
        return ask("_ZNK2at7Context17userEnabledNNPACKEv");
    }

    private static void call(String setter, boolean value) {
        NativeLibrary torch = torch();
        torch.getFunction(setter).invokeVoid(new Object[] {context(torch), value});
    }

    private static boolean ask(String getter) {
        NativeLibrary torch = torch();
        // A C++ bool comes back in the low byte of the return register; the rest is undefined.
        int value = torch.getFunction(getter).invokeInt(new Object[] {context(torch)});
        return (value & 0xff) != 0;
    }

    private static Pointer context(NativeLibrary torch) {
        Function global = torch.getFunction("_ZN2at13globalContextEv");
        return global.invokePointer(new Object[0]);
    }

    /** libtorch's CPU library, as the engine loaded it. */
    private static NativeLibrary torch() {
        Engine.getEngine(PtEngine.ENGINE_NAME);
        return NativeLibrary.getInstance(Path.of(LibUtils.getLibtorchPath(), LIBRARY).toString());
    }
}
