package org.resnetj.bench;

import com.fasterxml.jackson.databind.JsonNode;

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
 */
public record Measurement(
        double imagesPerSec,
        int iterations,
        double seconds,
        double cpuSeconds,
        double gflops,
        double workloadPeakMb,
        double processPeakMb,
        String engine) {

    /** Images per CPU-second: what the work costs, whatever else shares the cores. */
    public double imagesPerCpuSecond() {
        return imagesPerSec * seconds / cpuSeconds;
    }

    /** Reads the protocol's JSON object. */
    static Measurement of(JsonNode json) {
        return new Measurement(
                number(json, "images_per_sec"),
                (int) number(json, "iterations"),
                number(json, "seconds"),
                number(json, "cpu_seconds"),
                number(json, "gflops"),
                number(json, "workload_peak_mb"),
                number(json, "peak_rss_mb"),
                json.path("engine").asText("unknown"));
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
