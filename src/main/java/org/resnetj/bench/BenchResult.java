package org.resnetj.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.resnetj.engine.Host;

/**
 * What a benchmark run measured, with the figures the report shows: per workload the median
 * images/s of both sides, their ratio, their model FLOPs utilisation and their peak memory.
 *
 * @param options what was run
 * @param peak the matrix product that measured the machine's peak
 * @param oursPeak our side's measurements of it
 * @param peerPeak PyTorch's measurements of it; empty without the peer
 * @param peerStatus the peer's versions, or why it did not run
 * @param rows one per workload, in the report's order
 * @param host the host: its CPU, whether it reports its caches, and oneDNN's instruction set
 * @param cpus the processors the JVM sees
 * @param loadBefore the 1-minute load average before the first measurement
 * @param loadAfter the 1-minute load average after the last
 * @param date the day of the run, ISO format
 */
public record BenchResult(
        Bench.Options options,
        Workload peak,
        List<Measurement> oursPeak,
        List<Measurement> peerPeak,
        String peerStatus,
        List<Row> rows,
        Host host,
        int cpus,
        double loadBefore,
        double loadAfter,
        String date) {

    /**
     * One workload's measurements on both sides.
     *
     * @param workload the workload
     * @param ours our side's measurements, one per repeat
     * @param peer PyTorch's, one per repeat; empty without the peer
     * @param onnx ONNX Runtime's, one per repeat, for an inference workload; empty otherwise
     */
    public record Row(
            Workload workload,
            List<Measurement> ours,
            List<Measurement> peer,
            List<Measurement> onnx) {

        /** A row without ONNX Runtime. */
        public Row(Workload workload, List<Measurement> ours, List<Measurement> peer) {
            this(workload, ours, peer, List.of());
        }

        /** ONNX Runtime's median images/s, NaN where it did not run. */
        public double onnxImagesPerSec() {
            return median(onnx, Measurement::imagesPerSec);
        }

        /** Ours over ONNX Runtime's median images/s, NaN where it did not run. */
        public double onnxRatio() {
            return oursImagesPerSec() / onnxImagesPerSec();
        }

        /** ONNX Runtime's median workload peak memory in MiB, NaN where it did not run. */
        public double onnxPeakMb() {
            return median(onnx, Measurement::workloadPeakMb);
        }

        /** Our median images/s. */
        public double oursImagesPerSec() {
            return median(ours, Measurement::imagesPerSec);
        }

        /** PyTorch's median images/s, NaN without the peer. */
        public double peerImagesPerSec() {
            return median(peer, Measurement::imagesPerSec);
        }

        /** Ours over PyTorch's median images/s, NaN without the peer. */
        public double ratio() {
            return oursImagesPerSec() / peerImagesPerSec();
        }

        /**
         * Ours over PyTorch's median images per CPU-second, NaN without the peer or for a data
         * pipeline (the peer's DataLoader works in other processes). On a machine shared with other
         * work this moves less than the wall-time ratio; it does not credit using the threads
         * better.
         */
        public double cpuRatio() {
            if (workload.kind().dataPipeline()) {
                return Double.NaN;
            }
            return median(ours, Measurement::imagesPerCpuSecond)
                    / median(peer, Measurement::imagesPerCpuSecond);
        }

        /** Our median workload peak memory in MiB. */
        public double oursPeakMb() {
            return median(ours, Measurement::workloadPeakMb);
        }

        /** PyTorch's median workload peak memory in MiB, NaN without the peer. */
        public double peerPeakMb() {
            return median(peer, Measurement::workloadPeakMb);
        }

        /** Our median seconds per iteration of each phase, for a detection workload. */
        public Map<String, Double> oursPhases() {
            return phases(ours);
        }

        /** PyTorch's median seconds per iteration of each phase, for a detection workload. */
        public Map<String, Double> peerPhases() {
            return phases(peer);
        }

        private static Map<String, Double> phases(List<Measurement> runs) {
            Map<String, Double> out = new LinkedHashMap<>();
            runs.forEach(m -> m.phases().keySet().forEach(p -> out.put(p, Double.NaN)));
            out.replaceAll(
                    (phase, none) ->
                            Bench.median(
                                    runs.stream()
                                            .filter(m -> m.phases().containsKey(phase))
                                            .mapToDouble(m -> m.phases().get(phase))
                                            .toArray()));
            return out;
        }

        private static double median(List<Measurement> runs, ToDoubleFunction<Measurement> field) {
            return Bench.median(runs.stream().mapToDouble(field).toArray());
        }
    }

    /** The workload whose images/s, divided by 3, stands in for ResNet-50 training's. */
    private static final String IMAGENET_TRAINING_PROXY = "infer-resnet50-b16";

    /** The machine's peak in GFLOP/s: the fastest matrix product either side measured. */
    public double peakGflops() {
        List<Measurement> all = new ArrayList<>(oursPeak);
        all.addAll(peerPeak);
        return best(all).orElse(Double.NaN);
    }

    /** Whether PyTorch's side ran. */
    public boolean peerRan() {
        return !peerPeak.isEmpty();
    }

    /**
     * Model FLOPs utilisation of {@code imagesPerSec} on {@code workload}, NaN for a data pipeline.
     */
    public double utilisation(Workload workload, double imagesPerSec) {
        double flops = workload.flopsPerImage();
        return flops == 0 ? Double.NaN : flops * imagesPerSec / (peakGflops() * 1e9);
    }

    /** The report as a table, for a terminal. */
    public String table() {
        StringBuilder out = new StringBuilder();
        String peerName =
                peerRan() ? engine(rows.isEmpty() ? peerPeak : rows.get(0).peer()) : "PyTorch";
        out.append(
                String.format(
                        Locale.ROOT,
                        "ours (%s) vs %s, %d thread%s, median of %d repeat%s, alternating%s%n",
                        engine(oursPeak),
                        peerRan() ? peerName : "no peer (" + peerStatus + ")",
                        options.threads(),
                        options.threads() == 1 ? "" : "s",
                        options.repeats(),
                        options.repeats() == 1 ? "" : "s",
                        options.quick() ? "; QUICK size, not a measurement" : ""));
        out.append(
                String.format(
                        Locale.ROOT,
                        "machine: %s; %d CPUs; load average %.2f before, %.2f after; %s%n",
                        host.describe(),
                        cpus,
                        loadBefore,
                        loadAfter,
                        date));
        out.append(
                String.format(
                        Locale.ROOT,
                        "peak: %s, fastest product: ours %.1f GFLOP/s%s -> %.1f GFLOP/s%n",
                        peak.description(),
                        best(oursPeak).orElse(Double.NaN),
                        peerRan()
                                ? String.format(
                                        Locale.ROOT,
                                        ", PyTorch %.1f GFLOP/s",
                                        best(peerPeak).orElse(Double.NaN))
                                : "",
                        peakGflops()));
        out.append(
                "utilisation: 2 flops per multiply-add x images/s (x3 for training: forward and"
                        + " backward) / peak\n");
        out.append(
                "memory: peak resident size the workload added to its process (VmHWM after, less"
                        + " VmRSS before the model is built)\n");
        out.append(
                "ratio: ours / PyTorch images/s; CPU ratio: the same for images per CPU-second (all"
                        + " threads)\n\n");
        List<Row> networkRows =
                rows.stream().filter(r -> !r.workload().kind().detection()).toList();
        String format = "%-20s %12s %12s %7s %9s %8s %8s %9s %9s%n";
        if (!networkRows.isEmpty()) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            format,
                            "workload",
                            "images/s",
                            "PyTorch",
                            "ratio",
                            "CPU ratio",
                            "util",
                            "PyTorch",
                            "peak MB",
                            "PyTorch"));
        }
        for (Row row : networkRows) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            format,
                            row.workload().name(),
                            fixed(row.oursImagesPerSec(), 1),
                            fixed(row.peerImagesPerSec(), 1),
                            fixed(row.ratio(), 2),
                            fixed(row.cpuRatio(), 2),
                            percent(utilisation(row.workload(), row.oursImagesPerSec())),
                            percent(utilisation(row.workload(), row.peerImagesPerSec())),
                            fixed(row.oursPeakMb(), 0),
                            fixed(row.peerPeakMb(), 0)));
        }
        detectionTable(out, !networkRows.isEmpty());
        List<Row> onnxRows = rows.stream().filter(r -> !r.onnx().isEmpty()).toList();
        if (!onnxRows.isEmpty()) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "%nsecond inference peer: %s (our ONNX export, all graph optimisations,"
                                    + " same threads)%n",
                            onnxRows.get(0).onnx().get(0).engine()));
            String onnxFormat = "%-20s %12s %12s %7s %9s %9s%n";
            out.append(
                    String.format(
                            Locale.ROOT,
                            onnxFormat,
                            "workload",
                            "images/s",
                            "ONNX RT",
                            "ratio",
                            "peak MB",
                            "ONNX RT"));
            for (Row row : onnxRows) {
                out.append(
                        String.format(
                                Locale.ROOT,
                                onnxFormat,
                                row.workload().name(),
                                fixed(row.oursImagesPerSec(), 1),
                                fixed(row.onnxImagesPerSec(), 1),
                                fixed(row.onnxRatio(), 2),
                                fixed(row.oursPeakMb(), 0),
                                fixed(row.onnxPeakMb(), 0)));
            }
        }
        List<String> headroom = new ArrayList<>();
        cifarHeadroom().ifPresent(headroom::add);
        imagenetHeadroom().ifPresent(headroom::add);
        if (!headroom.isEmpty()) {
            out.append('\n').append(String.join("\n", headroom)).append('\n');
        }
        List<String> verdicts =
                goals().stream().map(g -> "goal " + g.goal().verdict(g.row())).toList();
        if (!verdicts.isEmpty()) {
            out.append('\n').append(String.join("\n", verdicts)).append('\n');
        }
        return out.toString();
    }

    /**
     * The detection workloads, when any ran: seconds per image of both sides, their speed ratio,
     * peak memory, and where each side's time went; after a blank line if {@code afterTable}.
     */
    private void detectionTable(StringBuilder out, boolean afterTable) {
        List<Row> detection = rows.stream().filter(r -> r.workload().kind().detection()).toList();
        if (detection.isEmpty()) {
            return;
        }
        out.append(afterTable ? "\n" : "")
                .append(
                        "detection: Faster R-CNN, one image per iteration, RoI max pooling (ours"
                                + " and PyTorch's RoIPool); seconds per image; ratio: ours /"
                                + " PyTorch speed\n");
        String format = "%-24s %10s %10s %7s %9s %9s %9s%n";
        out.append(
                String.format(
                        Locale.ROOT,
                        format,
                        "workload",
                        "s/image",
                        "PyTorch",
                        "ratio",
                        "CPU ratio",
                        "peak MB",
                        "PyTorch"));
        for (Row row : detection) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            format,
                            row.workload().name(),
                            fixed(1 / row.oursImagesPerSec(), 2),
                            fixed(1 / row.peerImagesPerSec(), 2),
                            fixed(row.ratio(), 2),
                            fixed(row.cpuRatio(), 2),
                            fixed(row.oursPeakMb(), 0),
                            fixed(row.peerPeakMb(), 0)));
            out.append("  ").append(row.workload().description()).append('\n');
            out.append(breakdown("ours", row.oursPhases()));
            if (!row.peer().isEmpty()) {
                out.append(breakdown("PyTorch", row.peerPhases()));
            }
        }
    }

    /** For example {@code ours: trunk 3.10 s, rpn 0.41 s, ...}, or nothing without phases. */
    private static String breakdown(String side, Map<String, Double> phases) {
        if (phases.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        phases.forEach(
                (phase, seconds) ->
                        parts.add(String.format(Locale.ROOT, "%s %.2f s", phase, seconds)));
        return String.format(Locale.ROOT, "  %-9s%s%n", side + ":", String.join(", ", parts));
    }

    /**
     * How many times what the fastest training workload consumes the CIFAR-10 data pipeline
     * prepares, when both ran. The goal is at least 3×.
     */
    Optional<String> cifarHeadroom() {
        Optional<Row> data =
                rows.stream()
                        .filter(r -> r.workload().kind() == Workload.Kind.CIFAR_DATA)
                        .findFirst();
        Optional<Row> training =
                rows.stream()
                        .filter(r -> r.workload().kind() == Workload.Kind.TRAIN)
                        .max(Comparator.comparingDouble(Row::oursImagesPerSec));
        if (data.isEmpty() || training.isEmpty()) {
            return Optional.empty();
        }
        double times = data.get().oursImagesPerSec() / training.get().oursImagesPerSec();
        return Optional.of(
                String.format(
                        Locale.ROOT,
                        "data pipeline: %s prepares %.0f images/s, %.1fx what %s consumes (%.1f"
                                + " images/s)",
                        data.get().workload().name(),
                        data.get().oursImagesPerSec(),
                        times,
                        training.get().workload().name(),
                        training.get().oursImagesPerSec()));
    }

    /**
     * How many times what ResNet-50 training would consume the ImageNet data pipeline prepares,
     * when it ran; the goal is at least 3×. We have no ImageNet training workload: a training step
     * costs about 3 forward passes ({@link Workload.Kind#TRAIN}), so training consumes about a
     * third of what {@code infer-resnet50-b16} runs; "-" when that did not run.
     */
    Optional<String> imagenetHeadroom() {
        Optional<Row> data =
                rows.stream()
                        .filter(r -> r.workload().kind() == Workload.Kind.IMAGENET_DATA)
                        .findFirst();
        if (data.isEmpty()) {
            return Optional.empty();
        }
        double prepared = data.get().oursImagesPerSec();
        Optional<Row> inference =
                rows.stream()
                        .filter(r -> r.workload().name().equals(IMAGENET_TRAINING_PROXY))
                        .findFirst();
        String times =
                inference
                        .map(
                                r -> {
                                    double training =
                                            r.oursImagesPerSec()
                                                    / Workload.Kind.TRAIN.forwardPasses();
                                    return String.format(
                                            Locale.ROOT,
                                            "%.1fx what ResNet-50 training consumes (about %s / 3 ="
                                                    + " %.1f images/s)",
                                            prepared / training,
                                            r.workload().name(),
                                            training);
                                })
                        .orElse(
                                "- x ResNet-50 training (about "
                                        + IMAGENET_TRAINING_PROXY
                                        + " / 3, which did not run)");
        return Optional.of(
                String.format(
                        Locale.ROOT,
                        "data pipeline: %s prepares %.0f images/s, %s; goal >= 3x",
                        data.get().workload().name(),
                        prepared,
                        times));
    }

    /** A goal and the row it judges. */
    record Judged(Goal goal, Row row) {}

    /**
     * The goals ({@link Workloads#GOALS}) whose workload ran on both sides, at full size: a {@code
     * --quick} run measures nothing worth judging.
     */
    List<Judged> goals() {
        if (options.quick()) {
            return List.of();
        }
        List<Judged> judged = new ArrayList<>();
        for (Goal goal : Workloads.GOALS) {
            rows.stream()
                    .filter(goal::judges)
                    .findFirst()
                    .ifPresent(r -> judged.add(new Judged(goal, r)));
        }
        return judged;
    }

    /** The report as one JSON-ready map. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("date", date);
        json.put("cpu", host.cpu());
        json.put("caches_reported", host.cachesReported());
        json.put("onednn_isa", host.isa());
        json.put("host", host.describe());
        json.put("cpus", cpus);
        json.put("threads", options.threads());
        json.put("repeats", options.repeats());
        json.put("quick", options.quick());
        json.put("load_average_before", loadBefore);
        json.put("load_average_after", loadAfter);
        json.put("ours", engine(oursPeak));
        json.put("peer", peerRan() ? engine(peerPeak) : null);
        json.put("peer_status", peerStatus);
        Map<String, Object> peakJson = new LinkedHashMap<>();
        peakJson.put("workload", peak.description());
        peakJson.put("ours_gflops", best(oursPeak).orElse(null));
        peakJson.put("peer_gflops", best(peerPeak).orElse(null));
        peakJson.put("machine_gflops", peakGflops());
        json.put("peak", peakJson);
        json.put(
                "utilisation_convention",
                "2 flops per multiply-add x images/s, x3 for training (forward + backward), /"
                        + " machine peak");
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row row : rows) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", row.workload().name());
            r.put("description", row.workload().description());
            r.put("kind", row.workload().kind().argument());
            r.put("batch", row.workload().batch());
            r.put("side", row.workload().side());
            r.put("flops_per_image", row.workload().flopsPerImage());
            r.put(
                    "ours",
                    side(row.workload(), row.ours(), row.oursImagesPerSec(), row.oursPeakMb()));
            r.put(
                    "peer",
                    row.peer().isEmpty()
                            ? null
                            : side(
                                    row.workload(),
                                    row.peer(),
                                    row.peerImagesPerSec(),
                                    row.peerPeakMb()));
            r.put("ratio", row.peer().isEmpty() ? null : row.ratio());
            r.put("cpu_ratio", row.peer().isEmpty() ? null : nullIfNaN(row.cpuRatio()));
            r.put(
                    "onnxruntime",
                    row.onnx().isEmpty()
                            ? null
                            : side(
                                    row.workload(),
                                    row.onnx(),
                                    row.onnxImagesPerSec(),
                                    row.onnxPeakMb()));
            r.put("onnxruntime_ratio", row.onnx().isEmpty() ? null : row.onnxRatio());
            list.add(r);
        }
        json.put("workloads", list);
        json.put("data_headroom", cifarHeadroom().orElse(null));
        json.put("imagenet_data_headroom", imagenetHeadroom().orElse(null));
        List<Map<String, Object>> goals = new ArrayList<>();
        for (Judged j : goals()) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("workload", j.goal().workload());
            g.put(
                    "measure",
                    j.goal().memory()
                            ? "peak_mb_at_most_peer"
                            : j.goal().onnx() ? "onnxruntime_ratio_at_least" : "ratio_at_least");
            g.put("goal", j.goal().memory() ? j.row().peerPeakMb() : j.goal().minRatio());
            g.put("value", j.goal().value(j.row()));
            g.put("met", j.goal().met(j.row()));
            goals.add(g);
        }
        json.put("goals", goals);
        return json;
    }

    private Map<String, Object> side(
            Workload workload, List<Measurement> runs, double imagesPerSec, double peakMb) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("images_per_sec", imagesPerSec);
        json.put(
                "images_per_cpu_second",
                Bench.median(runs.stream().mapToDouble(Measurement::imagesPerCpuSecond).toArray()));
        json.put("utilisation", nullIfNaN(utilisation(workload, imagesPerSec)));
        json.put("workload_peak_mb", peakMb);
        json.put("runs_images_per_sec", runs.stream().map(Measurement::imagesPerSec).toList());
        json.put("runs_workload_peak_mb", runs.stream().map(Measurement::workloadPeakMb).toList());
        if (workload.kind().detection()) {
            json.put("seconds_per_image", 1 / imagesPerSec);
            json.put("phases_seconds", Row.phases(runs));
        }
        return json;
    }

    private static Optional<Double> best(List<Measurement> runs) {
        return runs.stream().map(Measurement::gflops).max(Double::compare);
    }

    private static String engine(List<Measurement> runs) {
        return runs.isEmpty() ? "unknown" : runs.get(0).engine();
    }

    private static Double nullIfNaN(double value) {
        return Double.isNaN(value) ? null : value;
    }

    private static String fixed(double value, int decimals) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static String percent(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * value);
    }
}
