package org.resnetj.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learning rate of every iteration, by one of the paper's two policies, with the warm-up of the
 * 110-layer net.
 *
 * <p>{@code steps} (Section 4.2, CIFAR-10):
 *
 * <pre>
 *   lr(i) = warmupLr                                   while warming up
 *   lr(i) = lr · lrDecay^(number of boundaries ≤ i)    otherwise
 *   boundary_k = round(lrSteps_k · iterations)
 * </pre>
 *
 * where i counts the iterations done before the current one. The warm-up ends after the first
 * logging interval whose training error is below {@code warmupUntilError} ({@link #endsWarmUp}).
 * With the paper's recipe the boundaries are 32k and 48k of 64k; a shortened run keeps the steps at
 * the same fractions. The warm-up does not shift the schedule: once it ends, the LR returns to the
 * base value and the steps fall where they would have (Sec. 4.2: "then go back to 0.1 and continue
 * training").
 *
 * <p>{@code plateau} (Section 3.4, ImageNet: "divided by 10 when the error plateaus"): {@code lr ·
 * lrDecay^drops}, where a drop happens after {@code plateauPatience} consecutive evaluations whose
 * top-1 error is not at least {@code plateauThreshold} below the best so far. The count restarts
 * after a drop, so the new LR gets the same patience. The best error, the count and the number of
 * drops are the schedule's state, which checkpoints keep ({@link #state}, {@link #restore}).
 */
public final class LrSchedule {

    private final float base;
    private final float decay;
    private final float warmupLr;
    private final double warmupUntilError;
    private final boolean plateau;
    private final int patience;
    private final double threshold;
    private final List<Integer> boundaries;

    private double bestError = Double.POSITIVE_INFINITY;
    private int evaluationsWithoutImprovement;
    private int drops;

    /** The schedule of {@code recipe}, at the start of a run. */
    public LrSchedule(Recipe recipe) {
        this.base = recipe.lr();
        this.decay = recipe.lrDecay();
        this.warmupLr = recipe.warmupLr();
        // The recipe's float widened to double is not its decimal: 0.8f is 0.800000011920929, which
        // an error of exactly 80% lies below. Compare with the decimal the recipe states.
        this.warmupUntilError = Double.parseDouble(Float.toString(recipe.warmupUntilError()));
        this.plateau = recipe.lrPolicy().equals("plateau");
        this.patience = recipe.plateauPatience();
        this.threshold = recipe.plateauThreshold();
        this.boundaries =
                plateau
                        ? List.of()
                        : recipe.lrSteps().stream()
                                .map(f -> (int) Math.round(f * recipe.iterations()))
                                .sorted()
                                .toList();
    }

    /** The iterations at which the step policy multiplies the LR by the decay; none for plateau. */
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
        for (int i = 0; i < drops; i++) {
            lr *= decay;
        }
        return lr;
    }

    /**
     * Whether a logging interval whose training error is {@code trainingError} ends the warm-up
     * (Sec. 4.2: "until the training error is below 80%"): an error of exactly the threshold keeps
     * warming up.
     */
    public boolean endsWarmUp(double trainingError) {
        return trainingError < warmupUntilError;
    }

    /**
     * Records an evaluation's top-1 error; the plateau policy may divide the LR.
     *
     * @return whether the LR was divided
     */
    public boolean evaluated(double top1Error) {
        if (!plateau) {
            return false;
        }
        if (top1Error < bestError - threshold) {
            bestError = top1Error;
            evaluationsWithoutImprovement = 0;
            return false;
        }
        bestError = Math.min(bestError, top1Error);
        if (++evaluationsWithoutImprovement < patience) {
            return false;
        }
        evaluationsWithoutImprovement = 0;
        drops++;
        return true;
    }

    /** What a checkpoint keeps of the plateau policy. */
    public Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("best_error", Double.isInfinite(bestError) ? null : bestError);
        state.put("evaluations_without_improvement", evaluationsWithoutImprovement);
        state.put("drops", drops);
        return state;
    }

    /** Restores {@link #state}; an absent state (a steps run's older checkpoint) is the start. */
    public void restore(Map<String, Object> state) {
        Object best = state.get("best_error");
        bestError = best == null ? Double.POSITIVE_INFINITY : ((Number) best).doubleValue();
        evaluationsWithoutImprovement =
                ((Number) state.getOrDefault("evaluations_without_improvement", 0)).intValue();
        drops = ((Number) state.getOrDefault("drops", 0)).intValue();
    }
}
