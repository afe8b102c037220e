package org.resnetj.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.resnetj.engine.NativeHeap;

/**
 * One side of the comparison: a command that runs one measurement in a fresh process of its own and
 * prints the worker protocol's JSON line. Ours is a child JVM running {@link Worker}; the peer is
 * {@code bench/peer}. Both get the same environment: the thread settings and OpenMP's wait policy
 * of {@link #environment}.
 */
final class Side {

    /** A measurement that takes longer than this is stuck. */
    private static final long TIMEOUT_MINUTES = 15;

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;

    private Side(String name, List<String> command, Map<String, String> environment) {
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
    }

    /** Our side: a child JVM of this JVM's Java and class path running {@link Worker}. */
    static Side ours(Map<String, String> environment) {
        // As the resnet launcher: compiling trims the C heap without the MBean server.
        List<String> options =
                List.of(NativeHeap.OPEN, "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true");
        return new Side("ours", childJvm(options, Worker.class), environment);
    }

    /**
     * ONNX Runtime: a child JVM running {@link OnnxRuntimeWorker} on {@code model}, our export of
     * the workload's network.
     */
    static Side onnxRuntime(Map<String, String> environment, Path model) {
        List<String> command = childJvm(List.of(), OnnxRuntimeWorker.class);
        command.add(model.toString());
        return new Side("ONNX Runtime", command, environment);
    }

    /**
     * This JVM's Java and class path running {@code main}, with a 2 GB heap and {@code options}.
     */
    static List<String> childJvm(List<String> options, Class<?> main) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx2g");
        command.addAll(options);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        return command;
    }

    /** The peer: {@code script} (bench/peer) with the protocol's arguments. */
    static Side peer(Path script, Map<String, String> environment) {
        return new Side("PyTorch", List.of(script.toString()), environment);
    }

    /**
     * The environment both sides run in: {@code threads} OpenMP threads, and OpenMP workers that
     * sleep rather than spin while they wait ({@code OMP_WAIT_POLICY=PASSIVE}, unless the caller's
     * environment sets a policy): spinning workers collapse when another process shares the cores.
     */
    static Map<String, String> environment(int threads) {
        String policy = System.getenv().getOrDefault("OMP_WAIT_POLICY", "PASSIVE");
        return Map.of(
                "OMP_NUM_THREADS",
                Integer.toString(threads),
                "OMP_WAIT_POLICY",
                policy,
                "DJL_OFFLINE",
                "true",
                "OPT_OUT_TRACKING",
                "true");
    }

    /** The side's name in the report. */
    String name() {
        return name;
    }

    /**
     * Runs one measurement of {@code workload} in a new process and waits for it.
     *
     * @throws IOException if the process fails, times out or prints no measurement; the message
     *     ends with the last line of its error output
     */
    Measurement measure(Workload workload, Workload.Settings settings) throws IOException {
        List<String> args = new ArrayList<>(command);
        args.addAll(workload.arguments(settings));
        String out = run(args);
        String json = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        if (json == null) {
            throw new IOException(name + " printed no measurement for " + workload.name());
        }
        JsonNode node = new ObjectMapper().readTree(json);
        return Measurement.of(node);
    }

    /**
     * Runs {@code args} with this side's environment and returns its standard output. Both outputs
     * go to temporary files, so a chatty process never blocks on a full pipe and a stuck one is
     * killed at the time limit.
     *
     * @throws IOException if it cannot start, exits with a failure or runs past the time limit
     */
    String run(List<String> args) throws IOException {
        Path output = Files.createTempFile("resnet-bench-", ".out");
        Path errors = Files.createTempFile("resnet-bench-", ".err");
        try {
            ProcessBuilder builder =
                    new ProcessBuilder(args)
                            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                            .redirectOutput(output.toFile())
                            .redirectError(errors.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            try {
                if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    throw new IOException(
                            name
                                    + " did not finish within "
                                    + TIMEOUT_MINUTES
                                    + " minutes: "
                                    + String.join(" ", args));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(name + " was interrupted", e);
            } finally {
                if (process.isAlive()) {
                    process.destroyForcibly();
                    try {
                        process.waitFor();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            if (process.exitValue() != 0) {
                throw new IOException(
                        name
                                + " failed (exit status "
                                + process.exitValue()
                                + "): "
                                + lastLine(errors));
            }
            return Files.readString(output, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
        }
    }

    private static String lastLine(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank()) {
                return lines.get(i).strip();
            }
        }
        return "no error output";
    }
}
