package org.resnetj.detection;

import java.util.Arrays;
import java.util.Random;

/**
 * The RPN's training labels and box targets for one image, as py-faster-rcnn's {@code
 * AnchorTargetLayer} (Faster R-CNN §3.1.2, with the paper's Appendix A settings): 256 anchors
 * sampled per image, at most half of them positive.
 *
 * <ol>
 *   <li>Anchors that cross the image's border (any pixel outside it, py-faster-rcnn's {@code
 *       allowed_border} 0) are ignored: label −1.
 *   <li>Of the rest, those whose best IoU with any box is below {@code negativeIou} (0.3) are
 *       negative (0); then, for each box, the anchors of highest IoU with it, all of them if
 *       several tie, are positive (1); then those of IoU at least {@code positiveIou} (0.7) with
 *       some box are positive. This is py-faster-rcnn's order with {@code RPN_CLOBBER_POSITIVES}
 *       false: a box's best anchor is positive even below 0.3.
 *   <li>If more than {@code ⌊batch · fgFraction⌋} are positive, a uniformly random subset of the
 *       excess is set to −1; then negatives beyond {@code batch} minus the positives, likewise.
 * </ol>
 *
 * <p>One deviation: a box that overlaps no inside anchor at all (IoU 0 with each, possible for a
 * small box in a corner) makes no anchor positive. py-faster-rcnn's {@code overlaps ==
 * gt_max_overlaps} would then mark every anchor of IoU 0 with that box positive.
 *
 * <p>The box targets of positive anchors are {@link BoxCoder#RPN}'s encoding of the box they
 * overlap most (the first such box on a tie, numpy's argmax); other rows are 0, which {@link
 * DetectionLosses#rpnBox} ignores.
 */
public final class TargetAnchors {

    private final int batch;
    private final double fgFraction;
    private final double positiveIou;
    private final double negativeIou;

    /** The sampling of the RPN configuration: its batch, fraction and IoU thresholds. */
    public TargetAnchors(DetectorConfig.Rpn rpn) {
        this(rpn.batch(), rpn.fgFraction(), rpn.positiveIou(), rpn.negativeIou());
    }

    TargetAnchors(int batch, double fgFraction, double positiveIou, double negativeIou) {
        this.batch = batch;
        this.fgFraction = fgFraction;
        this.positiveIou = positiveIou;
        this.negativeIou = negativeIou;
    }

    /**
     * The labels and targets of one image's anchors.
     *
     * @param labels one per anchor: 1 positive, 0 negative, −1 ignored (not sampled, or crossing
     *     the border)
     * @param targets 4 per anchor, (dx, dy, dw, dh) for positives, 0 elsewhere
     */
    public record Assignment(int[] labels, float[] targets) {

        /** The number of anchors labelled {@code label}. */
        public int count(int label) {
            return (int) Arrays.stream(labels).filter(l -> l == label).count();
        }
    }

    /**
     * Labels every anchor of an image and samples the RPN's minibatch.
     *
     * @param anchors all anchors, 4 per anchor, as {@link Anchors#grid} lays them out
     * @param boxes the image's ground-truth boxes, 4 per box in inclusive pixels; may be empty, and
     *     then every sampled anchor is negative
     * @param height the (scaled) image's height in pixels
     * @param width and width
     * @param random draws the subsets; seed it for a repeatable run
     */
    public Assignment assign(float[] anchors, float[] boxes, int height, int width, Random random) {
        Overlaps.requireBoxes(anchors, boxes);
        int total = anchors.length / 4;
        int[] inside = inside(anchors, height, width);
        float[] insideAnchors = gather(anchors, inside);
        int gts = boxes.length / 4;
        double[] overlaps = Overlaps.iou(insideAnchors, boxes);
        int[] best = new int[inside.length];
        double[] bestIou = new double[inside.length];
        for (int i = 0; i < inside.length; i++) {
            for (int g = 0; g < gts; g++) {
                if (overlaps[i * gts + g] > bestIou[i]) {
                    bestIou[i] = overlaps[i * gts + g];
                    best[i] = g;
                }
            }
        }
        int[] insideLabels = new int[inside.length];
        for (int i = 0; i < inside.length; i++) {
            insideLabels[i] = bestIou[i] < negativeIou ? 0 : -1;
        }
        for (int g = 0; g < gts; g++) {
            double gtBest = 0;
            for (int i = 0; i < inside.length; i++) {
                gtBest = Math.max(gtBest, overlaps[i * gts + g]);
            }
            for (int i = 0; i < inside.length && gtBest > 0; i++) {
                if (overlaps[i * gts + g] == gtBest) {
                    insideLabels[i] = 1;
                }
            }
        }
        for (int i = 0; i < inside.length; i++) {
            if (bestIou[i] >= positiveIou) {
                insideLabels[i] = 1;
            }
        }
        int positives = disableExcess(insideLabels, 1, (int) (batch * fgFraction), random);
        disableExcess(insideLabels, 0, batch - positives, random);

        int[] labels = new int[total];
        Arrays.fill(labels, -1);
        float[] targets = new float[4 * total];
        for (int i = 0; i < inside.length; i++) {
            int a = inside[i];
            labels[a] = insideLabels[i];
            if (insideLabels[i] == 1) {
                float[] delta =
                        BoxCoder.RPN.encode(
                                Arrays.copyOfRange(anchors, 4 * a, 4 * a + 4),
                                Arrays.copyOfRange(boxes, 4 * best[i], 4 * best[i] + 4));
                System.arraycopy(delta, 0, targets, 4 * a, 4);
            }
        }
        return new Assignment(labels, targets);
    }

    /** The anchors wholly inside the image: x1, y1 ≥ 0, x2 < width, y2 < height. */
    private static int[] inside(float[] anchors, int height, int width) {
        int[] out = new int[anchors.length / 4];
        int count = 0;
        for (int a = 0; a < out.length; a++) {
            if (anchors[4 * a] >= 0
                    && anchors[4 * a + 1] >= 0
                    && anchors[4 * a + 2] < width
                    && anchors[4 * a + 3] < height) {
                out[count++] = a;
            }
        }
        return Arrays.copyOf(out, count);
    }

    /**
     * Sets labels {@code label} beyond {@code limit} to −1, a uniformly random subset of them, as
     * py-faster-rcnn's {@code npr.choice(inds, size=excess, replace=False)}.
     *
     * @return how many keep the label
     */
    private static int disableExcess(int[] labels, int label, int limit, Random random) {
        int[] members = new int[labels.length];
        int count = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == label) {
                members[count++] = i;
            }
        }
        int keep = Math.min(count, Math.max(limit, 0));
        for (int i : choose(Arrays.copyOf(members, count), count - keep, random)) {
            labels[i] = -1;
        }
        return keep;
    }

    /**
     * A uniformly random subset of {@code count} of {@code candidates}, drawn without replacement
     * (a partial Fisher–Yates shuffle), in increasing order.
     */
    static int[] choose(int[] candidates, int count, Random random) {
        int[] pool = candidates.clone();
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(pool.length - i);
            int swap = pool[i];
            pool[i] = pool[j];
            pool[j] = swap;
        }
        int[] chosen = Arrays.copyOf(pool, count);
        Arrays.sort(chosen);
        return chosen;
    }

    /** The boxes at {@code indices}, 4 coordinates each. */
    static float[] gather(float[] boxes, int[] indices) {
        float[] out = new float[4 * indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(boxes, 4 * indices[i], out, 4 * i, 4);
        }
        return out;
    }
}
