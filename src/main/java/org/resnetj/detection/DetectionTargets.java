package org.resnetj.detection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The training targets of Faster R-CNN's two losses, as py-faster-rcnn's {@code
 * anchor_target_layer.py} and {@code proposal_target_layer.py} make them for one image.
 *
 * <p>Overlaps are IoU with "+1" areas ({@code bbox_overlaps}), in the package's inclusive-pixel
 * convention. Random subsampling draws from the caller's generator, so that a run's sampling is a
 * function of its seed and iteration.
 */
public final class DetectionTargets {

    private DetectionTargets() {}

    /**
     * The RPN's labels and box targets for every anchor.
     *
     * @param labels one per anchor: 1 positive, 0 negative, −1 not sampled (or crossing the image's
     *     border)
     * @param targets 4 per anchor: the encoding ({@link BoxCoder#RPN}) of the anchor's
     *     best-overlapping box; meaningful for positive anchors only
     */
    public record AnchorTargets(int[] labels, float[] targets) {}

    /**
     * Labels the anchors of an input image and samples {@code rpn.batch()} of them (Faster R-CNN,
     * Section 3.1.3):
     *
     * <ul>
     *   <li>anchors crossing the image's border are ignored (py-faster-rcnn's {@code
     *       allowed_border} 0: every coordinate inside [0, width) × [0, height));
     *   <li>an anchor is negative if its best IoU with a box is below {@code rpn.negativeIou()};
     *   <li>then positive if, for some box, no anchor overlaps that box more (ties included), or if
     *       its best IoU is at least {@code rpn.positiveIou()} (py-faster-rcnn's {@code >=}). A box
     *       that no anchor overlaps at all makes no anchor positive: py-faster-rcnn would then mark
     *       every anchor of IoU 0 positive;
     *   <li>if more than {@code fgFraction · batch} are positive, a random subset of that size is
     *       kept, and negatives are subsampled at random to fill the batch.
     * </ul>
     *
     * @param anchors every anchor, 4 per anchor ({@link Anchors#grid})
     * @param boxes the objects' boxes in input pixels, 4 per box (may be empty)
     * @param height the input's height
     * @param width the input's width
     */
    public static AnchorTargets anchors(
            float[] anchors,
            float[] boxes,
            int height,
            int width,
            DetectorConfig.Rpn rpn,
            SplittableRandom random) {
        int n = anchors.length / 4;
        int g = boxes.length / 4;
        int[] labels = new int[n];
        Arrays.fill(labels, -1);
        int[] best = new int[n];
        double[] bestIou = new double[n];
        double[] boxBest = new double[g];
        List<Integer> inside = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            if (anchors[4 * a] >= 0
                    && anchors[4 * a + 1] >= 0
                    && anchors[4 * a + 2] < width
                    && anchors[4 * a + 3] < height) {
                inside.add(a);
            }
        }
        double[][] iou = new double[inside.size()][];
        for (int i = 0; i < inside.size(); i++) {
            int a = inside.get(i);
            iou[i] = new double[g];
            bestIou[a] = 0;
            for (int b = 0; b < g; b++) {
                double o = iou(anchors, a, boxes, b);
                iou[i][b] = o;
                if (o > bestIou[a]) {
                    bestIou[a] = o;
                    best[a] = b;
                }
                boxBest[b] = Math.max(boxBest[b], o);
            }
            if (bestIou[a] < rpn.negativeIou()) {
                labels[a] = 0;
            }
        }
        for (int i = 0; i < inside.size(); i++) {
            int a = inside.get(i);
            for (int b = 0; b < g; b++) {
                if (boxBest[b] > 0 && iou[i][b] == boxBest[b]) {
                    labels[a] = 1;
                }
            }
            if (g > 0 && bestIou[a] >= rpn.positiveIou()) {
                labels[a] = 1;
            }
        }
        int maxPositive = (int) (rpn.fgFraction() * rpn.batch());
        int positives = subsample(labels, 1, maxPositive, random);
        subsample(labels, 0, rpn.batch() - positives, random);

        float[] matched = new float[4 * n];
        for (int a = 0; a < n; a++) {
            System.arraycopy(g > 0 ? boxes : anchors, 4 * (g > 0 ? best[a] : a), matched, 4 * a, 4);
        }
        return new AnchorTargets(labels, BoxCoder.RPN.encode(anchors, matched));
    }

    /**
     * The RoIs sampled for the Fast R-CNN head, with their class and box targets.
     *
     * @param boxes 4 per RoI, input pixels
     * @param labels the class of each RoI, 0 the background
     * @param targets 4 per RoI, the normalized encoding ({@link DetectorConfig.FastRcnn#boxStds})
     *     of the RoI's box; zeros for background RoIs
     */
    public record RoiTargets(float[] boxes, int[] labels, float[] targets) {
        /** The number of sampled RoIs. */
        public int size() {
            return labels.length;
        }
    }

    /**
     * Samples RoIs from the proposals and the ground-truth boxes appended to them, as
     * py-faster-rcnn's proposal target layer: a RoI is foreground (the class of its best box) at
     * IoU ≥ {@code fgIou}, background at IoU in [{@code bgIouLow}, {@code bgIouHigh}); up to {@code
     * round(fgFraction · batch)} foreground RoIs are drawn at random without replacement, and
     * background ones fill the batch as far as there are any. Foreground RoIs come first.
     *
     * @param proposals the RPN's proposals, 4 per box, input pixels
     * @param boxes the objects' boxes, 4 per box, input pixels (at least one)
     * @param classes each object's label, 0-based (the head's class is label + 1)
     */
    public static RoiTargets rois(
            float[] proposals,
            float[] boxes,
            int[] classes,
            DetectorConfig.FastRcnn head,
            SplittableRandom random) {
        int g = boxes.length / 4;
        if (g == 0 || classes.length != g) {
            throw new IllegalArgumentException(
                    "RoI sampling needs at least one box and one class per box; got "
                            + g
                            + " boxes and "
                            + classes.length
                            + " classes");
        }
        float[] all = Arrays.copyOf(proposals, proposals.length + boxes.length);
        System.arraycopy(boxes, 0, all, proposals.length, boxes.length);
        int n = all.length / 4;
        int[] best = new int[n];
        double[] bestIou = new double[n];
        List<Integer> foreground = new ArrayList<>();
        List<Integer> background = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            for (int b = 0; b < g; b++) {
                double o = iou(all, r, boxes, b);
                if (o > bestIou[r]) {
                    bestIou[r] = o;
                    best[r] = b;
                }
            }
            if (bestIou[r] >= head.fgIou()) {
                foreground.add(r);
            } else if (bestIou[r] >= head.bgIouLow() && bestIou[r] < head.bgIouHigh()) {
                background.add(r);
            }
        }
        int fgWanted = (int) Math.round(head.fgFraction() * head.batch());
        List<Integer> fg = choose(foreground, Math.min(fgWanted, foreground.size()), random);
        List<Integer> bg =
                choose(background, Math.min(head.batch() - fg.size(), background.size()), random);
        int size = fg.size() + bg.size();
        float[] sampled = new float[4 * size];
        float[] matched = new float[4 * size];
        int[] labels = new int[size];
        for (int k = 0; k < size; k++) {
            int r = k < fg.size() ? fg.get(k) : bg.get(k - fg.size());
            System.arraycopy(all, 4 * r, sampled, 4 * k, 4);
            System.arraycopy(boxes, 4 * best[r], matched, 4 * k, 4);
            labels[k] = k < fg.size() ? classes[best[r]] + 1 : 0;
        }
        List<Double> stds = head.boxStds();
        float[] targets =
                new BoxCoder(stds.get(0), stds.get(1), stds.get(2), stds.get(3))
                        .encode(sampled, matched);
        for (int k = fg.size(); k < size; k++) {
            Arrays.fill(targets, 4 * k, 4 * k + 4, 0f);
        }
        return new RoiTargets(sampled, labels, targets);
    }

    /** IoU of box {@code i} of {@code a} and box {@code j} of {@code b}, with "+1" areas. */
    static double iou(float[] a, int i, float[] b, int j) {
        double w = Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]) + 1.0;
        double h =
                Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]) + 1.0;
        if (w <= 0 || h <= 0) {
            return 0;
        }
        double inter = w * h;
        double areaA = (a[4 * i + 2] - a[4 * i] + 1.0) * (a[4 * i + 3] - a[4 * i + 1] + 1.0);
        double areaB = (b[4 * j + 2] - b[4 * j] + 1.0) * (b[4 * j + 3] - b[4 * j + 1] + 1.0);
        return inter / (areaA + areaB - inter);
    }

    /**
     * Keeps at most {@code keep} of the anchors labelled {@code label}, a random subset; the others
     * become −1.
     *
     * @return how many remain
     */
    private static int subsample(int[] labels, int label, int keep, SplittableRandom random) {
        List<Integer> members = new ArrayList<>();
        for (int a = 0; a < labels.length; a++) {
            if (labels[a] == label) {
                members.add(a);
            }
        }
        if (members.size() <= keep) {
            return members.size();
        }
        List<Integer> kept = choose(members, Math.max(keep, 0), random);
        boolean[] stays = new boolean[labels.length];
        kept.forEach(a -> stays[a] = true);
        for (int a : members) {
            if (!stays[a]) {
                labels[a] = -1;
            }
        }
        return kept.size();
    }

    /** {@code count} distinct members drawn at random (a partial Fisher–Yates shuffle). */
    private static List<Integer> choose(List<Integer> members, int count, SplittableRandom random) {
        Integer[] pool = members.toArray(Integer[]::new);
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(pool.length - i);
            Integer t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        return Arrays.asList(pool).subList(0, count);
    }
}
