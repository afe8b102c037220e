package org.resnetj.bench;

import java.util.Locale;

/**
 * A target of the performance issue for one workload, against PyTorch on the same machine: a
 * least ratio of images/s, or a peak memory no higher than PyTorch's.
 *
 * @param workload the workload's name
 * @param minRatio the least ours/PyTorch images/s, or NaN for a memory goal
 * @param memory whether the goal is our peak memory at most PyTorch's
 */
record Goal(String workload, double minRatio, boolean memory) {

    /** At least {@code ratio} times PyTorch's images/s. */
    static Goal speed(String workload, double ratio) {
        return new Goal(workload, ratio, false);
    }

    /** A peak memory no higher than PyTorch's. */
    static Goal memory(String workload) {
        return new Goal(workload, Double.NaN, true);
    }

    /** The measured value the goal judges: the ratio, or our peak MB. */
    double value(BenchResult.Row row) {
        return memory ? row.oursPeakMb() : row.ratio();
    }

    /** Whether {@code row} meets the goal. */
    boolean met(BenchResult.Row row) {
        return memory ? row.oursPeakMb() <= row.peerPeakMb() : row.ratio() >= minRatio;
    }

    /** For example {@code train-resnet20: ours/PyTorch 1.21, goal >= 1.10: met}. */
    String verdict(BenchResult.Row row) {
        String measured = memory
                ? String.format(Locale.ROOT, "peak %.0f MB, PyTorch %.0f MB, goal no higher", row.oursPeakMb(), row.peerPeakMb())
                : String.format(Locale.ROOT, "ours/PyTorch %.2f, goal >= %.2f", row.ratio(), minRatio);
        return workload + ": " + measured + ": " + (met(row) ? "met" : "MISSED");
    }
}
