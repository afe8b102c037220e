package org.resnetj.detection;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the time of a detector's iteration goes: {@link #lap} charges the wall time since the
 * previous lap to a phase (the trunk, the RPN, target assignment, the RoI head, ...), so the phases
 * of an iteration add up to its whole. PyTorch's CPU operators run synchronously, so the time of an
 * operator falls in the phase that called it. {@link #OFF}, what training and testing use, records
 * nothing.
 */
public final class PhaseClock {

    /** Preparing the input image: scaling, normalizing, copying it into the engine. */
    public static final String INPUT = "input";

    /** The shared trunk, conv1 to conv4_x. */
    public static final String TRUNK = "trunk";

    /** The RPN: its layers, its losses in training, and the proposal layer with its NMS. */
    public static final String RPN = "rpn";

    /** Target assignment in training: anchor targets and RoI sampling. */
    public static final String TARGETS = "targets";

    /** RoI pooling, the per-RoI head (conv5_x) and the sibling layers, with their losses. */
    public static final String ROI_HEAD = "roi_head";

    /** From the head's outputs to detections: decoding, per-class NMS, the best 100. */
    public static final String POSTPROCESS = "postprocess";

    /** The backward pass of training. */
    public static final String BACKWARD = "backward";

    /** The SGD update. */
    public static final String STEP = "step";

    /** The rest: reading results back. */
    public static final String OTHER = "other";

    /** A clock that records nothing. */
    public static final PhaseClock OFF = new PhaseClock(false);

    private final boolean on;
    private final Map<String, Long> nanos = new LinkedHashMap<>();
    private long last;

    private PhaseClock(boolean on) {
        this.on = on;
        this.last = System.nanoTime();
    }

    /** A clock that records, started now. */
    public static PhaseClock started() {
        return new PhaseClock(true);
    }

    /** Charges the time since the previous lap (or the start) to {@code phase}. */
    public void lap(String phase) {
        if (!on) {
            return;
        }
        long now = System.nanoTime();
        nanos.merge(phase, now - last, Long::sum);
        last = now;
    }

    /** Starts the next lap now, charging the time since the previous one to no phase. */
    public void restart() {
        last = System.nanoTime();
    }

    /** The seconds charged to each phase so far, in the order the phases first appeared. */
    public Map<String, Double> seconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        nanos.forEach((phase, ns) -> out.put(phase, ns / 1e9));
        return Collections.unmodifiableMap(out);
    }
}
