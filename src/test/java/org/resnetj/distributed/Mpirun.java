package org.resnetj.distributed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.resnetj.testing.Reference;

/**
 * Jobs of JVMs started by Open MPI's {@code mpirun} on this machine, over TCP on the loopback
 * interface, with this test run's classpath: a test that needs {@code mpirun} skips where it is
 * missing, and fails under {@code CI=true}, where {@code .ci/run} installs {@code openmpi-bin}.
 */
final class Mpirun {

    private Mpirun() {}

    /** {@code mpirun} on the PATH, or the test is skipped (failed under CI). */
    static Path require() {
        Optional<Path> mpirun = World.mpirun();
        Reference.require(
                mpirun.isPresent(), "mpirun is not installed (apt-get install openmpi-bin)");
        return mpirun.orElseThrow();
    }

    /**
     * The command that starts {@code ranks} ranks of {@code mainClass} with {@code args}: two ranks
     * oversubscribe a 2-core machine, and root needs Open MPI's explicit permission.
     */
    static List<String> command(int ranks, String mainClass, List<String> args) {
        List<String> command = options();
        command.addAll(List.of("-np", String.valueOf(ranks)));
        command.addAll(java(mainClass, args));
        return command;
    }

    /** {@code mpirun} and its options, before the first {@code -np}. */
    static List<String> options() {
        List<String> command = new ArrayList<>();
        command.add(require().toString());
        command.add("--oversubscribe");
        if ("root".equals(System.getProperty("user.name"))) {
            command.add("--allow-run-as-root");
        }
        command.addAll(List.of("--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo"));
        return command;
    }

    /** A JVM running {@code mainClass} with this test run's classpath, offline. */
    static List<String> java(String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(
                List.of(
                        "-Xmx1g",
                        "-Dai.djl.offline=true",
                        "-DOPT_OUT_TRACKING=true",
                        "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        mainClass));
        command.addAll(args);
        return command;
    }

    /** The outcome of a finished job. */
    record Result(int exitCode, String output, double seconds) {}

    /**
     * Runs {@code command} to its end, with stdout and stderr together in {@code log}.
     *
     * @throws IllegalStateException if it runs longer than {@code timeoutSeconds}
     */
    static Result run(List<String> command, Path log, long timeoutSeconds)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(
                    "mpirun ran longer than " + timeoutSeconds + " s:\n" + Files.readString(log));
        }
        return new Result(
                process.exitValue(), Files.readString(log), (System.nanoTime() - start) / 1e9);
    }
}
