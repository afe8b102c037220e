package org.resnetj.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.resnetj.engine.Host;

/**
 * {@code ./resnet bench}: runs every workload on our side and on PyTorch's, alternately, each
 * measurement in a fresh process, and collects what they report.
 *
 * <p>Alternation: repeat r runs, for the peak matrix product and then every workload, both sides
 * back to back, ours first in even repeats and PyTorch first in odd ones, so that a drift in the
 * machine's speed (another build starting, the CPU's clock) hits both sides alike. The report gives
 * medians over the repeats.
 */
public final class Bench {

    /**
     * What to run.
     *
     * @param threads compute threads on both sides (and data pipeline workers)
     * @param repeats measurements of every workload on each side
     * @param seconds the least timed seconds of one measurement (after the warm-up)
     * @param quick the tiny size: small batches, one timed iteration, no time limit
     * @param peer whether to run PyTorch's side
     * @param only the workloads to run, by name; empty for all but the detectors ({@link
     *     Workloads#defaults})
     * @param peerScript the peer's command, {@code bench/peer}
     */
    public record Options(
            int threads,
            int repeats,
            double seconds,
            boolean quick,
            boolean peer,
            List<String> only,
            Path peerScript) {

        /** Validates the counts. */
        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
            }
            if (repeats < 1) {
                throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
            }
            if (!(seconds >= 0) || Double.isInfinite(seconds)) {
                throw new IllegalArgumentException(
                        "--seconds must be a number of seconds >= 0, got " + seconds);
            }
            only = List.copyOf(only);
        }
    }

    private Bench() {}

    /**
     * Runs the benchmark, printing a line per measurement to {@code progress}.
     *
     * @throws IllegalArgumentException if {@code only} names an unknown workload
     * @throws IOException if a measurement fails on either side
     */
    public static BenchResult run(Options options, PrintStream progress) throws IOException {
        List<Workload> workloads = select(options);
        Workload peakWorkload = options.quick() ? Workloads.PEAK.quick() : Workloads.PEAK;
        Workload.Settings settings =
                options.quick()
                        ? new Workload.Settings(options.threads(), 1, 0, 1)
                        : new Workload.Settings(options.threads(), 2, options.seconds(), 3);
        // The peer's reference BLAS takes seconds per product: a few products are enough.
        Workload.Settings peakSettings =
                new Workload.Settings(options.threads(), 1, 0, options.quick() ? 1 : 3);

        List<Side> sides = new ArrayList<>();
        sides.add(Side.ours(Side.environment(options.threads())));
        String peerStatus;
        if (!options.peer()) {
            peerStatus = "not run (--no-peer)";
        } else {
            Side peer = Side.peer(options.peerScript(), Side.environment(options.threads()));
            try {
                peerStatus = versions(peer.run(List.of(options.peerScript().toString(), "ensure")));
                sides.add(peer);
            } catch (IOException e) {
                peerStatus = "missing: " + e.getMessage();
                progress.println("PyTorch peer missing, measuring ours alone: " + e.getMessage());
            }
        }

        // data-imagenet's JPEG files, written once so that both sides decode the same bytes.
        boolean readsImages =
                workloads.stream().anyMatch(w -> w.kind() == Workload.Kind.IMAGENET_DATA);
        double loadBefore;
        double loadAfter;
        List<List<Measurement>> peaks = emptyLists(sides.size());
        List<List<List<Measurement>>> runs = new ArrayList<>();
        workloads.forEach(w -> runs.add(emptyLists(sides.size())));
        List<List<Measurement>> onnxRuns = emptyLists(workloads.size());
        Map<Workload, Side> onnx = new HashMap<>();
        try (BenchImages images =
                        readsImages
                                ? BenchImages.write(
                                        options.quick()
                                                ? BenchImages.QUICK_COUNT
                                                : BenchImages.COUNT)
                                : null;
                OnnxModels models = new OnnxModels()) {
            for (Workload w : workloads) {
                if (w.kind() == Workload.Kind.INFER) {
                    onnx.put(
                            w,
                            Side.onnxRuntime(
                                    Side.environment(options.threads()), models.export(w)));
                }
            }
            Workload.Settings runSettings =
                    images == null ? settings : settings.withImages(images.root());
            loadBefore = loadAverage();
            for (int r = 0; r < options.repeats(); r++) {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < sides.size(); i++) {
                    order.add(r % 2 == 0 ? i : sides.size() - 1 - i);
                }
                for (int i : order) {
                    peaks.get(i).add(sides.get(i).measure(peakWorkload, peakSettings));
                }
                for (int w = 0; w < workloads.size(); w++) {
                    StringBuilder line =
                            new StringBuilder(
                                    String.format(
                                            Locale.ROOT,
                                            "[%d/%d] %s:",
                                            r + 1,
                                            options.repeats(),
                                            workloads.get(w).name()));
                    for (int i : order) {
                        Measurement m = sides.get(i).measure(workloads.get(w), runSettings);
                        runs.get(w).get(i).add(m);
                        line.append(' ').append(sides.get(i).name()).append(' ');
                        line.append(
                                workloads.get(w).kind().detection()
                                        ? String.format(
                                                Locale.ROOT, "%.2f s/image", 1 / m.imagesPerSec())
                                        : String.format(
                                                Locale.ROOT, "%.1f images/s", m.imagesPerSec()));
                    }
                    Side second = onnx.get(workloads.get(w));
                    if (second != null) {
                        Measurement m = second.measure(workloads.get(w), runSettings);
                        onnxRuns.get(w).add(m);
                        line.append(
                                String.format(
                                        Locale.ROOT,
                                        " %s %.1f images/s",
                                        second.name(),
                                        m.imagesPerSec()));
                    }
                    progress.println(line);
                }
            }
            loadAfter = loadAverage();
        }

        List<BenchResult.Row> rows = new ArrayList<>();
        for (int w = 0; w < workloads.size(); w++) {
            rows.add(
                    new BenchResult.Row(
                            workloads.get(w),
                            runs.get(w).get(0),
                            sides.size() > 1 ? runs.get(w).get(1) : List.of(),
                            onnxRuns.get(w)));
        }
        return new BenchResult(
                options,
                peakWorkload,
                peaks.get(0),
                sides.size() > 1 ? peaks.get(1) : List.of(),
                peerStatus,
                rows,
                Host.current(),
                Runtime.getRuntime().availableProcessors(),
                loadBefore,
                loadAfter,
                LocalDate.now().toString());
    }

    /**
     * "torch 1.13.0, torchvision 0.14.1, BLAS libopenblasp-r0.3.21.so" from the peer's {@code
     * ensure} line, or the line itself.
     */
    private static String versions(String ensureOutput) {
        String line = ensureOutput.strip();
        try {
            JsonNode json = new ObjectMapper().readTree(line);
            return "torch "
                    + json.path("torch").asText("?")
                    + ", torchvision "
                    + json.path("torchvision").asText("?")
                    + ", BLAS "
                    + json.path("blas").asText("?");
        } catch (IOException e) {
            return line;
        }
    }

    /** The names of every workload, in the report's order. */
    public static List<String> workloadNames() {
        return Workloads.ALL.stream().map(Workload::name).toList();
    }

    private static List<Workload> select(Options options) {
        Set<String> known = new LinkedHashSet<>(workloadNames());
        for (String name : options.only()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException(
                        "unknown workload '"
                                + name
                                + "', expected one of "
                                + String.join(", ", known));
            }
        }
        List<Workload> candidates = options.only().isEmpty() ? Workloads.defaults() : Workloads.ALL;
        return candidates.stream()
                .filter(w -> options.only().isEmpty() || options.only().contains(w.name()))
                .map(w -> options.quick() ? w.quick() : w)
                .collect(Collectors.toList());
    }

    private static <T> List<List<T>> emptyLists(int n) {
        List<List<T>> lists = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lists.add(new ArrayList<>());
        }
        return lists;
    }

    /** The 1-minute load average, or -1 where there is no /proc/loadavg. */
    static double loadAverage() {
        try {
            return Double.parseDouble(
                    Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+")[0]);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** The median of {@code values}; the mean of the middle two for an even count. */
    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
