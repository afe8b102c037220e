package org.resnetj.detection;

/**
 * Intersection over union of two sets of boxes, as py-faster-rcnn's {@code bbox_overlaps} (its
 * {@code utils/cython_bbox}): inclusive pixel coordinates, so a box from x1 to x2 is {@code x2 − x1
 * + 1} wide, and the arithmetic in double, as its float64. RPN and RoI labels compare these values
 * with thresholds (0.7, 0.3, 0.5, 0.1) and with each other (the best anchor of each box), so they
 * are computed as the reference computes them.
 *
 * <p>Boxes are flat float arrays, box i at {@code [4i, 4i + 4)} as (x1, y1, x2, y2).
 */
public final class Overlaps {

    private Overlaps() {}

    /**
     * The IoU of every box with every query box.
     *
     * @param boxes N×4
     * @param queries K×4
     * @return N×K, row-major: the IoU of box n with query k at {@code n · K + k}
     * @throws IllegalArgumentException if an array does not hold 4 coordinates per box
     */
    public static double[] iou(float[] boxes, float[] queries) {
        requireBoxes(boxes, queries);
        int n = boxes.length / 4;
        int k = queries.length / 4;
        double[] out = new double[n * k];
        for (int q = 0; q < k; q++) {
            double qx1 = queries[4 * q];
            double qy1 = queries[4 * q + 1];
            double qx2 = queries[4 * q + 2];
            double qy2 = queries[4 * q + 3];
            double queryArea = (qx2 - qx1 + 1) * (qy2 - qy1 + 1);
            for (int b = 0; b < n; b++) {
                double iw = Math.min(boxes[4 * b + 2], qx2) - Math.max(boxes[4 * b], qx1) + 1;
                if (iw <= 0) {
                    continue;
                }
                double ih = Math.min(boxes[4 * b + 3], qy2) - Math.max(boxes[4 * b + 1], qy1) + 1;
                if (ih <= 0) {
                    continue;
                }
                double boxArea =
                        ((double) boxes[4 * b + 2] - boxes[4 * b] + 1)
                                * ((double) boxes[4 * b + 3] - boxes[4 * b + 1] + 1);
                out[b * k + q] = iw * ih / (boxArea + queryArea - iw * ih);
            }
        }
        return out;
    }

    /**
     * @throws IllegalArgumentException unless both arrays hold 4 coordinates per box
     */
    static void requireBoxes(float[] boxes, float[] others) {
        if (boxes.length % 4 != 0 || others.length % 4 != 0) {
            throw new IllegalArgumentException(
                    boxes.length
                            + " and "
                            + others.length
                            + " box coordinates: expected 4 per box");
        }
    }
}
