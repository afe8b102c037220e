package org.resnetj.detection;

import java.util.Arrays;

/**
 * Greedy non-maximum suppression, as {@code torchvision.ops.nms}: boxes are visited in decreasing
 * score (ties in index order, torchvision's stable sort), and each kept box suppresses every later
 * box whose IoU with it is strictly above the threshold. IoU has no +1 pixel, and is computed in
 * float as torchvision's CPU kernel computes it, so that the kept set is the same to the bit.
 *
 * <p>Boxes are flat float arrays, box i at {@code [4i, 4i + 4)} as (x1, y1, x2, y2).
 */
public final class Nms {

    private Nms() {}

    /**
     * The boxes kept, as {@code torchvision.ops.nms(boxes, scores, iouThreshold)}.
     *
     * @return the indices of the kept boxes, in decreasing score
     */
    public static int[] nms(float[] boxes, float[] scores, double iouThreshold) {
        return nms(boxes, scores, iouThreshold, Integer.MAX_VALUE);
    }

    /**
     * The first {@code maxKept} boxes that {@link #nms(float[], float[], double)} keeps: the greedy
     * order makes them the same, and stopping there saves most of the work (py-faster-rcnn's
     * proposal layer keeps 2000 of 12000).
     *
     * @return the indices of the kept boxes, in decreasing score
     * @throws IllegalArgumentException if the arrays disagree on the number of boxes, or the
     *     threshold is negative (which would suppress disjoint boxes)
     */
    public static int[] nms(float[] boxes, float[] scores, double iouThreshold, int maxKept) {
        if (!(iouThreshold >= 0)) {
            throw new IllegalArgumentException(
                    "NMS threshold " + iouThreshold + ": expected an IoU of at least 0");
        }
        int n = scores.length;
        if (boxes.length != 4 * n) {
            throw new IllegalArgumentException(
                    boxes.length + " box coordinates for " + n + " scores: expected 4 per score");
        }
        int[] order = byDecreasingScore(scores);
        // Coordinates in visiting order, so that the inner loop reads memory in sequence.
        float[] x1 = new float[n];
        float[] y1 = new float[n];
        float[] x2 = new float[n];
        float[] y2 = new float[n];
        float[] area = new float[n];
        for (int i = 0; i < n; i++) {
            int b = 4 * order[i];
            x1[i] = boxes[b];
            y1[i] = boxes[b + 1];
            x2[i] = boxes[b + 2];
            y2[i] = boxes[b + 3];
            area[i] = (x2[i] - x1[i]) * (y2[i] - y1[i]);
        }
        // Candidates for suppression by a box, found by their x1 in a window around its own: IoU
        // above t needs an x overlap above t times each width, so x1 of the other box lies within
        // (x1 - (1 - t) / t · w, x1 + (1 - t) · w) of this one's, widened here against rounding.
        // The test itself is torchvision's, so the window only saves work.
        int[] byX1 = byDecreasingScore(negated(x1));
        float[] sortedX1 = new float[n];
        for (int k = 0; k < n; k++) {
            sortedX1[k] = x1[byX1[k]];
        }
        double t = Math.min(iouThreshold, 1);
        double before = t > 0 ? (1 - t) / t * 1.01 : Double.POSITIVE_INFINITY;
        double after = (1 - t) * 1.01;
        boolean[] suppressed = new boolean[n];
        int[] kept = new int[Math.min(n, Math.max(maxKept, 0))];
        int keptCount = 0;
        for (int i = 0; i < n && keptCount < kept.length; i++) {
            if (suppressed[i]) {
                continue;
            }
            kept[keptCount++] = order[i];
            float ix1 = x1[i];
            float iy1 = y1[i];
            float ix2 = x2[i];
            float iy2 = y2[i];
            float iarea = area[i];
            double width = Math.abs(ix2 - ix1);
            int from = firstAtLeast(sortedX1, ix1 - before * width - 1e-3);
            int to = firstAtLeast(sortedX1, Math.nextUp(ix1 + after * width + 1e-3));
            for (int k = from; k < to; k++) {
                int j = byX1[k];
                if (j <= i || suppressed[j]) {
                    continue;
                }
                float w = Math.min(ix2, x2[j]) - Math.max(ix1, x1[j]);
                float h = Math.min(iy2, y2[j]) - Math.max(iy1, y1[j]);
                if (w > 0 && h > 0) { // else IoU 0, which no threshold of at least 0 exceeds
                    float inter = w * h;
                    float iou = inter / (iarea + area[j] - inter);
                    suppressed[j] = iou > iouThreshold;
                }
            }
        }
        return Arrays.copyOf(kept, keptCount);
    }

    /**
     * NMS within each class, as {@code torchvision.ops.batched_nms}: boxes of different classes
     * never suppress each other.
     *
     * @param classes the class of each box
     * @return the indices of the kept boxes of all classes, in decreasing score (ties in index
     *     order)
     */
    public static int[] batchedNms(
            float[] boxes, float[] scores, int[] classes, double iouThreshold) {
        int n = scores.length;
        if (classes.length != n) {
            throw new IllegalArgumentException(
                    classes.length + " classes for " + n + " scores: expected one per score");
        }
        int[] byClass = new int[n];
        for (int i = 0; i < n; i++) {
            byClass[i] = i;
        }
        byClass =
                Arrays.stream(byClass)
                        .boxed()
                        .sorted((a, b) -> Integer.compare(classes[a], classes[b]))
                        .mapToInt(Integer::intValue)
                        .toArray();
        int[] kept = new int[n];
        int keptCount = 0;
        for (int start = 0; start < n; ) {
            int end = start;
            while (end < n && classes[byClass[end]] == classes[byClass[start]]) {
                end++;
            }
            int[] members = Arrays.copyOfRange(byClass, start, end);
            Arrays.sort(members); // index order, for torchvision's tie order
            float[] memberBoxes = new float[4 * members.length];
            float[] memberScores = new float[members.length];
            for (int m = 0; m < members.length; m++) {
                System.arraycopy(boxes, 4 * members[m], memberBoxes, 4 * m, 4);
                memberScores[m] = scores[members[m]];
            }
            for (int m : nms(memberBoxes, memberScores, iouThreshold)) {
                kept[keptCount++] = members[m];
            }
            start = end;
        }
        int[] all = Arrays.copyOf(kept, keptCount);
        Arrays.sort(all);
        int[] order = byDecreasingScore(gather(scores, all));
        int[] out = new int[keptCount];
        for (int i = 0; i < keptCount; i++) {
            out[i] = all[order[i]];
        }
        return out;
    }

    private static float[] negated(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = -values[i];
        }
        return out;
    }

    /** The first index of ascending {@code sorted} whose value is at least {@code v}. */
    private static int firstAtLeast(float[] sorted, double v) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static float[] gather(float[] values, int[] indices) {
        float[] out = new float[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = values[indices[i]];
        }
        return out;
    }

    /**
     * Indices by decreasing score, ties in increasing index (a stable descending sort), through one
     * primitive sort of keys that hold the score's order in their high half and the index in their
     * low half.
     */
    static int[] byDecreasingScore(float[] scores) {
        long[] keys = new long[scores.length];
        for (int i = 0; i < scores.length; i++) {
            float s = scores[i] == 0f ? 0f : scores[i]; // -0 ties with +0, as in torch's sort
            int bits = Float.floatToIntBits(s);
            int ascending = bits ^ ((bits >> 31) & 0x7fffffff); // float order as int order
            keys[i] = ((long) ~ascending << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[scores.length];
        for (int i = 0; i < scores.length; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }
}
