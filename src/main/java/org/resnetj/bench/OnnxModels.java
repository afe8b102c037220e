package org.resnetj.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.resnetj.export.OnnxExport;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;

/**
 * Our ONNX exports of the inference workloads' networks, for {@link OnnxRuntimeWorker}: written
 * once per network into a temporary folder (the batch size is symbolic in the file), with the
 * initial weights ours start from (seed 0), and deleted on {@link #close}.
 */
final class OnnxModels implements AutoCloseable {

    private final Map<String, Path> files = new HashMap<>();
    private Path folder;

    /**
     * The ONNX file of {@code workload}'s network, written on first request.
     *
     * @throws IOException if it cannot be written
     */
    Path export(Workload workload) throws IOException {
        String key = workload.model() + "-" + workload.stride() + "-" + workload.side();
        Path file = files.get(key);
        if (file == null) {
            if (folder == null) {
                folder = Files.createTempDirectory("resnet-bench-onnx-");
            }
            file = folder.resolve(key + ".onnx");
            ModelSpec spec = ModelRegistry.get(workload.model());
            Engine.getInstance().setRandomSeed(0);
            try (NDManager manager = NDManager.newBaseManager();
                    Network network =
                            Network.create(
                                    spec.plan(workload.options(), workload.side()), manager)) {
                OnnxExport.write(network, spec, workload.options(), workload.side(), file);
            }
            files.put(key, file);
        }
        return file;
    }

    @Override
    public void close() throws IOException {
        if (folder == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
