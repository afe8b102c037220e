package org.resnetj.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.resnetj.distributed.World;
import org.resnetj.engine.NativeHeap;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;

/**
 * The distributed workload of {@code ./resnet bench --distributed}: data-parallel training of one
 * global batch on 2 ranks of 1 thread each, started by {@code mpirun} on this machine, against 1
 * process of 2 threads; both run the training loop's own step ({@link DistributedWorker}). It
 * reports images/s and the share of each step spent averaging gradients (copies into the fusion
 * buckets and the allreduces, including the wait for the slower rank), and the allreduce's bus
 * bandwidth, the numbers the README's scaling model starts from.
 */
public final class DistributedBench {

    private DistributedBench() {}

    /**
     * What one layout of processes and threads measured.
     *
     * @param ranks processes
     * @param threadsPerRank compute threads of each
     * @param stepSeconds the mean time of one step of the global batch
     * @param imagesPerSec global images per second
     * @param averagingShare the share of a step spent averaging gradients (0 with one rank)
     * @param gradientBytes bytes of gradient averaged per step
     * @param busBandwidth bytes per second of a 25 MB allreduce, NCCL's bus bandwidth (0 with one)
     */
    public record Layout(
            int ranks,
            int threadsPerRank,
            double stepSeconds,
            double imagesPerSec,
            double averagingShare,
            long gradientBytes,
            double busBandwidth) {}

    /**
     * Measures {@code model} at a global batch of {@code batch}: 2 ranks × 1 thread, then 1 rank ×
     * 2 threads, each with {@code warmup} untimed and {@code steps} timed steps.
     *
     * @throws IllegalArgumentException if {@code mpirun} is not installed
     * @throws IOException if a side fails, with its output
     */
    public static List<Layout> run(
            String model, int batch, int warmup, int steps, PrintStream progress)
            throws IOException {
        ModelSpec spec = ModelRegistry.get(model);
        List<String> worker =
                List.of(
                        spec.name(),
                        String.valueOf(batch),
                        "1",
                        String.valueOf(warmup),
                        String.valueOf(steps));
        Path launcher =
                World.mpirun()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "the distributed workload needs Open MPI's mpirun:"
                                                        + " apt-get install openmpi-bin"));
        List<String> mpirun =
                new ArrayList<>(List.of(launcher.toString(), "-np", "2", "--oversubscribe"));
        if ("root".equals(System.getProperty("user.name"))) {
            mpirun.add("--allow-run-as-root");
        }
        mpirun.addAll(List.of("--bind-to", "none"));
        mpirun.addAll(childJvm(worker));
        List<String> single = new ArrayList<>(worker);
        single.set(2, "2");
        List<Layout> sides = new ArrayList<>();
        progress.println("distributed: " + spec.name() + ", 2 ranks x 1 thread (mpirun)");
        sides.add(measure(mpirun, 1));
        progress.println("distributed: " + spec.name() + ", 1 rank x 2 threads");
        sides.add(measure(childJvm(single), 2));
        return sides;
    }

    /** The report: one line per side, then the ratio. */
    public static String table(String model, int batch, List<Layout> sides) {
        StringBuilder out = new StringBuilder();
        out.append(
                String.format(
                        Locale.ROOT,
                        "distributed training, %s, global batch %d, this machine (%d cores, load"
                                + " average %.1f)%n",
                        model,
                        batch,
                        Runtime.getRuntime().availableProcessors(),
                        Bench.loadAverage()));
        out.append(
                String.format(
                        Locale.ROOT,
                        "%-22s %10s %10s %12s %14s%n",
                        "layout",
                        "images/s",
                        "step s",
                        "averaging",
                        "allreduce MB/s"));
        for (Layout side : sides) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "%-22s %10.1f %10.3f %11.1f%% %14s%n",
                            side.ranks() + " rank(s) x " + side.threadsPerRank() + " thread(s)",
                            side.imagesPerSec(),
                            side.stepSeconds(),
                            100 * side.averagingShare(),
                            side.busBandwidth() > 0
                                    ? String.format(Locale.ROOT, "%.0f", side.busBandwidth() / 1e6)
                                    : "-"));
        }
        out.append(
                String.format(
                        Locale.ROOT,
                        "2x1 / 1x2 speed: %.2f; gradient per step: %.1f MB%n",
                        sides.get(0).imagesPerSec() / sides.get(1).imagesPerSec(),
                        sides.get(0).gradientBytes() / 1e6));
        return out.toString();
    }

    private static Layout measure(List<String> command, int threads) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Side.environment(threads));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException(
                        "the distributed workload failed ("
                                + String.join(" ", command)
                                + "):\n"
                                + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while measuring the distributed workload");
        }
        String line =
                output.lines()
                        .filter(l -> l.startsWith("{"))
                        .reduce((a, b) -> b)
                        .orElseThrow(
                                () -> new IOException("no result from the worker:\n" + output));
        Map<?, ?> r = new ObjectMapper().readValue(line, Map.class);
        return new Layout(
                ((Number) r.get("ranks")).intValue(),
                ((Number) r.get("threads_per_rank")).intValue(),
                ((Number) r.get("step_seconds")).doubleValue(),
                ((Number) r.get("images_per_sec")).doubleValue(),
                ((Number) r.get("averaging_share")).doubleValue(),
                ((Number) r.get("gradient_bytes_per_step")).longValue(),
                r.containsKey("bus_bandwidth_bytes_per_sec")
                        ? ((Number) r.get("bus_bandwidth_bytes_per_sec")).doubleValue()
                        : 0);
    }

    private static List<String> childJvm(List<String> args) {
        List<String> command =
                Side.childJvm(
                        List.of(
                                NativeHeap.OPEN,
                                "-Dai.djl.offline=true",
                                "-DOPT_OUT_TRACKING=true"),
                        DistributedWorker.class);
        command.addAll(args);
        return command;
    }
}
