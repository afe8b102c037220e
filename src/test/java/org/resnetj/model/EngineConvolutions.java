package org.resnetj.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * An oracle for the convolutions: the engine with oneDNN (and NNPACK) switched off ({@code
 * at::globalContext().setUserEnabledMkldnn(false)}, which libtorch exports), where every
 * convolution, forward and backward, is ATen's own im2col and GEMM. It shares no kernel with
 * oneDNN's convolutions or with {@link HiddenCaches}' matrix products, and runs on every host.
 */
final class EngineConvolutions {

    private EngineConvolutions() {}

    /** Runs {@code body} with oneDNN off in the engine, and switches it back on after. */
    static <T> T withoutOneDnn(Supplier<T> body) {
        Engine.getInstance(); // loads libtorch
        NativeLibrary torch =
                NativeLibrary.getInstance(
                        Path.of(LibUtils.getLibtorchPath(), "libtorch_cpu.so").toString());
        Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
        Function oneDnn = torch.getFunction("_ZN2at7Context20setUserEnabledMkldnnEb");
        // NNPACK too: it cannot start on every CPU, and then warns at every convolution that tries
        // it.
        Function nnpack = torch.getFunction("_ZN2at7Context20setUserEnabledNNPACKEb");
        oneDnn.invokeVoid(new Object[] {context, false});
        nnpack.invokeVoid(new Object[] {context, false});
        try {
            return body.get();
        } finally {
            oneDnn.invokeVoid(new Object[] {context, true});
            nnpack.invokeVoid(new Object[] {context, true});
        }
    }
}
