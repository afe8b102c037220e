package org.resnetj.bench;

import java.util.Locale;

/**
 * A target of the performance issues for one workload, against a peer on the same machine: a least
 * ratio of images/s, or a peak memory no higher than PyTorch's. The peer is PyTorch, or ONNX
 * Runtime for {@code onnx} goals.
 *
 * @param workload the workload's name
 * @param minRatio the least ours/peer images/s, or NaN for a memory goal
 * @param memory whether the goal is our peak memory at most PyTorch's
 * @param onnx whether the peer is ONNX Runtime rather than PyTorch
 */
record Goal(String workload, double minRatio, boolean memory, boolean onnx) {

    /** At least {@code ratio} times PyTorch's images/s. */
    static Goal speed(String workload, double ratio) {
        return new Goal(workload, ratio, false, false);
    }

    /** At least {@code ratio} times ONNX Runtime's images/s. */
    static Goal speedVersusOnnx(String workload, double ratio) {
        return new Goal(workload, ratio, false, true);
    }

    /** A peak memory no higher than PyTorch's. */
    static Goal memory(String workload) {
        return new Goal(workload, Double.NaN, true, false);
    }

    /** Whether {@code row} has the peer's measurements this goal needs. */
    boolean judges(BenchResult.Row row) {
        return row.workload().name().equals(workload)
                && !(onnx ? row.onnx() : row.peer()).isEmpty();
    }

    /** The measured value the goal judges: the ratio, or our peak MB. */
    double value(BenchResult.Row row) {
        return memory ? row.oursPeakMb() : ratio(row);
    }

    /** Whether {@code row} meets the goal. */
    boolean met(BenchResult.Row row) {
        return memory ? row.oursPeakMb() <= row.peerPeakMb() : ratio(row) >= minRatio;
    }

    private double ratio(BenchResult.Row row) {
        return onnx ? row.onnxRatio() : row.ratio();
    }

    /** For example {@code train-resnet20: ours/PyTorch 1.21, goal >= 1.10: met}. */
    String verdict(BenchResult.Row row) {
        String measured =
                memory
                        ? String.format(
                                Locale.ROOT,
                                "peak %.0f MB, PyTorch %.0f MB, goal no higher",
                                row.oursPeakMb(),
                                row.peerPeakMb())
                        : String.format(
                                Locale.ROOT,
                                "ours/%s %.2f, goal >= %.2f",
                                onnx ? "ONNX Runtime" : "PyTorch",
                                ratio(row),
                                minRatio);
        return workload + ": " + measured + ": " + (met(row) ? "met" : "MISSED");
    }
}
