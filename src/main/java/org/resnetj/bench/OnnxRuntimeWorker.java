package org.resnetj.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import org.resnetj.data.Batch;
import org.resnetj.export.OnnxExport;

/**
 * The second inference peer, in a child JVM of its own: ONNX Runtime's Java API running our own
 * ONNX export ({@link OnnxExport}) of the workload's network, with every graph optimisation on, the
 * bench's threads within each operator and one between them. Each iteration, as ours does, copies
 * the batch from a Java array into a new input tensor and reads the logits back. The memory
 * baseline is taken with ONNX Runtime loaded, before the session is built.
 *
 * <p>Arguments: the ONNX file, then the worker protocol's ({@link Workload#arguments}) for an
 * inference workload. Prints the protocol's JSON line.
 */
public final class OnnxRuntimeWorker {

    private OnnxRuntimeWorker() {}

    /**
     * Runs one measurement and prints its JSON line.
     *
     * @param args the ONNX file, then the worker protocol's arguments
     */
    public static void main(String[] args) {
        try {
            if (args.length < 2) {
                throw new IllegalArgumentException(
                        "expected MODEL.onnx, then the worker protocol's arguments");
            }
            System.out.println(
                    new ObjectMapper()
                            .writeValueAsString(
                                    measure(args[0], Arrays.copyOfRange(args, 1, args.length))));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            e.printStackTrace();
            System.err.println("error: " + e);
            System.exit(1);
        }
    }

    static Map<String, Object> measure(String model, String[] args) throws OrtException {
        Worker.Request request = Worker.Request.parse(args);
        Workload w = request.workload();
        Workload.Settings s = request.settings();
        if (w.kind() != Workload.Kind.INFER) {
            throw new IllegalArgumentException(
                    "ONNX Runtime runs inference workloads only, not " + w.kind().argument());
        }
        Batch batch = Worker.randomBatch(w, 1000);
        long[] shape = {w.batch(), 3, w.side(), w.side()};
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        long baseline = ProcessMemory.resetPeak();
        Timing timing;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(s.threads());
            options.setInterOpNumThreads(1);
            try (OrtSession session = environment.createSession(model, options)) {
                timing =
                        Timing.run(
                                () -> {
                                    try (OnnxTensor input =
                                                    OnnxTensor.createTensor(
                                                            environment,
                                                            FloatBuffer.wrap(batch.images()),
                                                            shape);
                                            OrtSession.Result result =
                                                    session.run(Map.of(OnnxExport.INPUT, input))) {
                                        ((OnnxTensor) result.get(0)).getFloatBuffer();
                                    } catch (OrtException e) {
                                        throw new IllegalStateException(e);
                                    }
                                },
                                s.warmup(),
                                s.seconds(),
                                s.minIterations());
            }
        }
        return Worker.result(
                w,
                timing,
                baseline,
                s.threads(),
                "ONNX Runtime " + environment.getVersion(),
                Map.of());
    }
}
