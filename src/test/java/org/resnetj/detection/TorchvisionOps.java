package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.resnetj.testing.Reference;

/**
 * The detection tests' reference: {@code bench/detection_ops_reference.py} run by Debian's python3
 * with torchvision on files the test writes, raw little-endian arrays both ways.
 */
final class TorchvisionOps {

    private static final Path SCRIPT = Path.of("bench", "detection_ops_reference.py");
    private static final String PYTHON =
            System.getenv().getOrDefault("RESNETJ_PYTHON", "/usr/bin/python3");

    private TorchvisionOps() {}

    /** Skips (or under CI fails) the calling test unless the script and torchvision are here. */
    static void require() throws IOException, InterruptedException {
        Reference.require(
                Files.isRegularFile(SCRIPT), "run from the project directory: no " + SCRIPT);
        Path log = Files.createTempFile("resnetj-torchvision-", ".log");
        try {
            Reference.require(
                    exitCode(List.of("-c", "import torchvision.ops"), log) == 0,
                    PYTHON + " has no torch and torchvision");
        } finally {
            Files.delete(log);
        }
    }

    /** Runs the script with {@code args}; fails the test with its output if it fails. */
    static void run(Path dir, Object... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        for (Object a : args) {
            command.add(String.valueOf(a));
        }
        Path log = dir.resolve("python.log");
        int code = exitCode(command, log);
        assertThat(code).as(Files.readString(log)).isZero();
    }

    private static int exitCode(List<String> args, Path log)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON));
        command.addAll(args);
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    static void write(Path file, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        Files.write(file, bytes.array());
    }

    static void write(Path file, int[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asIntBuffer().put(values);
        Files.write(file, bytes.array());
    }

    static float[] floats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(out);
        return out;
    }

    static int[] ints(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[bytes.remaining() / 4];
        bytes.asIntBuffer().get(out);
        return out;
    }
}
