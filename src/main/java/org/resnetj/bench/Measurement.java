package org.resnetj.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one measurement of one side reports: the JSON line of {@link Worker} or {@code
 * bench/peer.py}.
 *
 * @param imagesPerSec images per second over the timed iterations (0 for a matrix product)
 * @param iterations the timed iterations
 * @param seconds their wall time
 * @param cpuSeconds the CPU time the process spent meanwhile, all its threads (not a data loader's
 *     worker processes)
 * @param gflops the fastest matrix product's GFLOP/s (0 for the other kinds)
 * @param workloadPeakMb the peak resident memory the workload added, in MiB: the process's peak
 *     after the model was built and run, less its resident size just before
 * @param processPeakMb the process's peak resident memory since that point, runtime included
 * @param engine what ran it, for example {@code DJL 0.34.0, libtorch 2.7.1}
 * @param phases where an iteration's time went, seconds per timed iteration by phase ({@link
 *     org.resnetj.detection.PhaseClock}'s names), for a detection workload; empty otherwise
 */
public record Measurement(
        double imagesPerSec,
        int iterations,
        double seconds,
        double cpuSeconds,
        double gflops,
        double workloadPeakMb,
        double processPeakMb,
        String engine,
        Map<String, Double> phases) {

    /** Keeps a copy of the phases, in their order. */
    public Measurement {
        phases = Collections.unmodifiableMap(new LinkedHashMap<>(phases));
    }

    /** Images per CPU-second: what the work costs, whatever else shares the cores. */
    public double imagesPerCpuSecond() {
        return imagesPerSec * seconds / cpuSeconds;
    }

    /** Reads the protocol's JSON object; {@code phases}, an object of seconds, is optional. */
    static Measurement of(JsonNode json) {
        Map<String, Double> phases = new LinkedHashMap<>();
        JsonNode breakdown = json.path("phases");
        breakdown
                .fieldNames()
                .forEachRemaining(phase -> phases.put(phase, number(breakdown, phase)));
        return new Measurement(
                number(json, "images_per_sec"),
                (int) number(json, "iterations"),
                number(json, "seconds"),
                number(json, "cpu_seconds"),
                number(json, "gflops"),
                number(json, "workload_peak_mb"),
                number(json, "peak_rss_mb"),
                json.path("engine").asText("unknown"),
                phases);
    }

    private static double number(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || !value.isNumber()) {
            throw new IllegalArgumentException(
                    "the measurement has no number '" + field + "': " + json);
        }
        return value.asDouble();
    }
}
