package org.resnetj.train;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
 * where i counts the iterations done before the current one. With the paper's recipe the boundaries
 * are 32k and 48k of 64k; a shortened run keeps the steps at the same fractions.
 *
 * <p>The warm-up (Sec. 4.2, ResNet-110: 0.01 "until the training error is below 80%") is the
 * schedule's own state. It is judged after every iteration, on the training error of the last
 * {@code warmupWindow} iterations (their errors over their images; {@link #trained}), once that
 * many have run: the first such window whose error is below {@code warmupUntilError} ends it
 * ({@link #endsWarmUp}). The window is the schedule's, not the logging interval's, so how often a
 * run logs does not change its optimisation. The warm-up does not shift the schedule: once it ends,
 * the LR returns to the base value and the steps fall where they would have (Sec. 4.2: "then go
 * back to 0.1 and continue training").
 *
 * <p>{@code plateau} (Section 3.4, ImageNet: "divided by 10 when the error plateaus"): {@code lr ·
 * lrDecay^drops}, where a drop happens after {@code plateauPatience} consecutive evaluations whose
 * top-1 error is not at least {@code plateauThreshold} below the best so far. The count restarts
 * after a drop, so the new LR gets the same patience.
 *
 * <p>Whether it is warming up, the warm-up's window, the best error, the count and the number of
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
    private final int warmupWindow;

    private boolean warmingUp;

    /** The errors and images of the last iterations of the warm-up, oldest first. */
    private final Deque<long[]> window = new ArrayDeque<>();

    private long windowErrors;
    private long windowImages;
    private Integer warmUpEndedAt;

    private double bestError = Double.POSITIVE_INFINITY;
    private int evaluationsWithoutImprovement;
    private int drops;

    /**
     * The schedule of {@code recipe}, at the start of a run of a net of {@code depth} layers (which
     * decides the warm-up, {@link Recipe#warmsUp}).
     */
    public LrSchedule(Recipe recipe, int depth) {
        this.base = recipe.lr();
        this.decay = recipe.lrDecay();
        this.warmupLr = recipe.warmupLr();
        // The recipe's float widened to double is not its decimal: 0.8f is 0.800000011920929, which
        // an error of exactly 80% lies below. Compare with the decimal the recipe states.
        this.warmupUntilError = Double.parseDouble(Float.toString(recipe.warmupUntilError()));
        this.warmupWindow = recipe.warmupWindow();
        this.warmingUp = recipe.warmsUp(depth);
        this.plateau = recipe.lrPolicy() == Recipe.LrPolicy.PLATEAU;
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
    public float lr(int done) {
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

    /** Whether the LR is still the warm-up's. */
    public boolean warmingUp() {
        return warmingUp;
    }

    /** The iteration after which the warm-up ended, or null if it has not (or never ran). */
    public Integer warmUpEndedAt() {
        return warmUpEndedAt;
    }

    /**
     * Records the training errors of iteration {@code done} (counted from 1) and, during the
     * warm-up, judges its end on the window of the last {@code warmupWindow} iterations.
     *
     * @param errors the batch's images whose top-scoring class was not their label
     * @param images the batch's images
     * @return whether this iteration ended the warm-up
     */
    public boolean trained(int done, long errors, long images) {
        if (!warmingUp) {
            return false;
        }
        window.addLast(new long[] {errors, images});
        windowErrors += errors;
        windowImages += images;
        if (window.size() > warmupWindow) {
            long[] oldest = window.removeFirst();
            windowErrors -= oldest[0];
            windowImages -= oldest[1];
        }
        if (window.size() < warmupWindow || !endsWarmUp((double) windowErrors / windowImages)) {
            return false;
        }
        warmingUp = false;
        warmUpEndedAt = done;
        return true;
    }

    /** The training error of the warm-up's window (the last one, once it has ended). */
    public double windowError() {
        return (double) windowErrors / windowImages;
    }

    /**
     * Whether a window whose training error is {@code trainingError} ends the warm-up (Sec. 4.2:
     * "until the training error is below 80%"): an error of exactly the threshold keeps warming up.
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

    /** What a checkpoint keeps of the schedule: the warm-up and the plateau policy. */
    public Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("warming_up", warmingUp);
        state.put("warmup_window_errors", window.stream().map(w -> w[0]).toList());
        state.put("warmup_window_images", window.stream().map(w -> w[1]).toList());
        state.put("warmup_ended_at", warmUpEndedAt);
        state.put("best_error", Double.isInfinite(bestError) ? null : bestError);
        state.put("evaluations_without_improvement", evaluationsWithoutImprovement);
        state.put("drops", drops);
        return state;
    }

    /**
     * Restores {@link #state}. Absent plateau values (a steps run's older checkpoint) are the
     * start; an absent window (a checkpoint written when the warm-up was judged at logging
     * intervals) is empty, so such a run warms up for at least one more window.
     */
    public void restore(Map<String, Object> state) {
        warmingUp = Boolean.TRUE.equals(state.get("warming_up"));
        List<Long> errors = longs(state.get("warmup_window_errors"));
        List<Long> images = longs(state.get("warmup_window_images"));
        window.clear();
        windowErrors = 0;
        windowImages = 0;
        for (int i = 0; i < errors.size(); i++) {
            window.addLast(new long[] {errors.get(i), images.get(i)});
            windowErrors += errors.get(i);
            windowImages += images.get(i);
        }
        Object ended = state.get("warmup_ended_at");
        warmUpEndedAt = ended == null ? null : ((Number) ended).intValue();
        Object best = state.get("best_error");
        bestError = best == null ? Double.POSITIVE_INFINITY : ((Number) best).doubleValue();
        evaluationsWithoutImprovement =
                ((Number) state.getOrDefault("evaluations_without_improvement", 0)).intValue();
        drops = ((Number) state.getOrDefault("drops", 0)).intValue();
    }

    private static List<Long> longs(Object list) {
        List<Long> values = new ArrayList<>();
        if (list instanceof List<?> l) {
            l.forEach(v -> values.add(((Number) v).longValue()));
        }
        return values;
    }
}
