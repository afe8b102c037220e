package org.resnetj.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import org.resnetj.bench.Bench;
import org.resnetj.bench.BenchResult;
import org.resnetj.bench.DistributedBench;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code resnet bench}: throughput, utilisation and memory, side by side with PyTorch. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Measure training and inference images/s, model FLOPs utilisation, peak memory and"
                        + " the data pipeline, alternating with the same workloads in PyTorch"
                        + " (bench/peer, Debian's python3-torch).")
final class BenchCommand implements Callable<Integer> {

    @Option(
            names = "--threads",
            paramLabel = "T",
            description = "compute threads on both sides (default: all cores)")
    Integer threads;

    @Option(
            names = "--repeats",
            paramLabel = "N",
            description =
                    "measurements of each workload on each side; the report gives medians (default:"
                            + " 5, 1 with --quick)")
    Integer repeats;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            defaultValue = "3",
            description =
                    "timed seconds of each measurement, after the warm-up (default:"
                            + " ${DEFAULT-VALUE})")
    double seconds;

    @Option(
            names = "--quick",
            description =
                    "a tiny size that proves the bench works in seconds: small batches, one"
                            + " iteration; not a measurement")
    boolean quick;

    @Option(names = "--no-peer", description = "measure ours alone")
    boolean noPeer;

    @Option(
            names = "--only",
            split = ",",
            paramLabel = "NAME",
            completionCandidates = WorkloadNames.class,
            description =
                    "run only these workloads (comma-separated) of: ${COMPLETION-CANDIDATES}"
                            + " (default: all but the detection workloads, which take minutes)")
    List<String> only = List.of();

    @Option(
            names = "--peer",
            paramLabel = "PATH",
            description = "the PyTorch side's command (default: bench/peer of this checkout)")
    Path peer;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Option(
            names = "--distributed",
            arity = "0..1",
            fallbackValue = "resnet20",
            paramLabel = "MODEL",
            description =
                    "measure data-parallel training instead: 2 ranks x 1 thread (mpirun) against 1"
                            + " rank x 2 threads, images/s and the share of a step spent averaging"
                            + " gradients (default model: resnet20 at batch 128; an ImageNet net"
                            + " runs at batch 16)")
    String distributed;

    @Override
    public Integer call() throws IOException {
        if (distributed != null) {
            ModelSpec spec = ModelRegistry.get(distributed);
            int batch = quick ? 4 : spec.family().equals("cifar10") ? 128 : 16;
            int steps = quick ? 1 : spec.family().equals("cifar10") ? 20 : 4;
            List<DistributedBench.Layout> layouts =
                    DistributedBench.run(spec.name(), batch, quick ? 0 : 2, steps, System.err);
            System.out.print(DistributedBench.table(spec.name(), batch, layouts));
            return 0;
        }
        int threadCount = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        int repeatCount = repeats == null ? (quick ? 1 : 5) : repeats;
        Path script = peer == null ? defaultPeer() : peer;
        if (!noPeer && !Files.isExecutable(script)) {
            throw new IllegalArgumentException(
                    "--peer "
                            + script
                            + " is not an executable file (expected bench/peer of this checkout)");
        }
        Bench.Options options =
                new Bench.Options(threadCount, repeatCount, seconds, quick, !noPeer, only, script);
        BenchResult result = Bench.run(options, System.err);
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(result.toJson()));
        } else {
            System.out.print(result.table());
        }
        return 0;
    }

    /** The workload names, for the help text. */
    static final class WorkloadNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Bench.workloadNames().iterator();
        }
    }

    /**
     * bench/peer under the checkout the launcher runs from ({@code resnet.home}), else the working
     * directory.
     */
    private static Path defaultPeer() {
        String home = System.getProperty("resnet.home");
        return Path.of(home == null ? "" : home).toAbsolutePath().resolve("bench").resolve("peer");
    }
}
