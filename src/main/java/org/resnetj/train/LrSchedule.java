package org.resnetj.train;

import java.util.List;

/**
 * The step schedule of Section 4.2 with the warm-up of the 110-layer net.
 *
 * <pre>
 *   lr(i) = warmupLr                                   while warming up
 *   lr(i) = lr · lrDecay^(number of boundaries ≤ i)    otherwise
 *   boundary_k = round(lrSteps_k · iterations)
 * </pre>
 *
 * where i counts the iterations done before the current one. With the paper's recipe the
 * boundaries are 32k and 48k of 64k; a shortened run keeps the steps at the same fractions. The
 * warm-up does not shift the schedule: once it ends, the LR returns to the base value and the
 * steps fall where they would have (Sec. 4.2: "then go back to 0.1 and continue training").
 */
public final class LrSchedule {

    private final float base;
    private final float decay;
    private final float warmupLr;
    private final List<Integer> boundaries;

    /** The schedule of {@code recipe}. */
    public LrSchedule(Recipe recipe) {
        this.base = recipe.lr();
        this.decay = recipe.lrDecay();
        this.warmupLr = recipe.warmupLr();
        this.boundaries =
                recipe.lrSteps().stream()
                        .map(f -> (int) Math.round(f * recipe.iterations()))
                        .sorted()
                        .toList();
    }

    /** The iterations at which the LR is multiplied by the decay. */
    public List<Integer> boundaries() {
        return boundaries;
    }

    /** The LR of the iteration that follows {@code done} completed iterations. */
    public float lr(int done, boolean warmingUp) {
        if (warmingUp) {
            return warmupLr;
        }
        float lr = base;
        for (int boundary : boundaries) {
            if (done >= boundary) {
                lr *= decay;
            }
        }
        return lr;
    }
}
