package org.resnetj.detection;

/**
 * The box parameterisation of R-CNN and Faster R-CNN: a box relative to a reference box as (dx, dy,
 * dw, dh), centre shifts in reference widths and heights and log size ratios, each divided by a
 * standard deviation (Fast R-CNN normalises its head's targets by 0.1, 0.1, 0.2, 0.2, with means 0;
 * the RPN's are not normalised).
 *
 * <p>One convention for the whole detector: inclusive pixel coordinates, py-faster-rcnn's. A box
 * from x1 to x2 is {@code w = x2 − x1 + 1} wide and centred at {@code x1 + w / 2}; {@link #encode}
 * is py-faster-rcnn's {@code bbox_transform}. {@link #decode} is its {@code bbox_transform_inv}
 * with Detectron's two corrections: the decoded x2 is {@code ctr + w / 2 − 1}, so that decoding an
 * encoding gives the box back (py-faster-rcnn's leaves out the −1, one pixel wider), and dw, dh are
 * capped at log(1000 / 16), so that an early, wild prediction cannot overflow exp.
 *
 * <p>Boxes and deltas are flat float arrays, 4 per box.
 */
public final class BoxCoder {

    /** The RPN's targets: not normalised. */
    public static final BoxCoder RPN = new BoxCoder(1, 1, 1, 1);

    /** The Fast R-CNN head's targets, normalised by the stds 0.1, 0.1, 0.2, 0.2. */
    public static final BoxCoder FAST_RCNN = new BoxCoder(0.1, 0.1, 0.2, 0.2);

    /** Detectron's cap on dw and dh: no box grows past 1000/16 times its reference. */
    public static final double SIZE_CLIP = Math.log(1000.0 / 16);

    private final double[] std;

    /** A coder dividing (dx, dy, dw, dh) by these standard deviations. */
    public BoxCoder(double stdX, double stdY, double stdW, double stdH) {
        this.std = new double[] {stdX, stdY, stdW, stdH};
    }

    /**
     * The deltas that take each reference box to its target box.
     *
     * @param references K×4
     * @param targets K×4
     * @return K×4 deltas
     */
    public float[] encode(float[] references, float[] targets) {
        if (references.length != targets.length || references.length % 4 != 0) {
            throw new IllegalArgumentException(
                    references.length
                            + " reference and "
                            + targets.length
                            + " target coordinates: expected as many, 4 per box");
        }
        float[] out = new float[references.length];
        for (int b = 0; b < references.length; b += 4) {
            double w = width(references, b);
            double h = height(references, b);
            double tw = width(targets, b);
            double th = height(targets, b);
            double dx = (targets[b] + 0.5 * tw - (references[b] + 0.5 * w)) / w;
            double dy = (targets[b + 1] + 0.5 * th - (references[b + 1] + 0.5 * h)) / h;
            out[b] = (float) (dx / std[0]);
            out[b + 1] = (float) (dy / std[1]);
            out[b + 2] = (float) (Math.log(tw / w) / std[2]);
            out[b + 3] = (float) (Math.log(th / h) / std[3]);
        }
        return out;
    }

    /**
     * The boxes the deltas give from the reference boxes. With M groups of 4 deltas per reference
     * (Fast R-CNN's class-specific boxes, K×4M), group m of box k applies to box k.
     *
     * @param references K×4
     * @param deltas K×4M
     * @return K×4M boxes
     */
    public float[] decode(float[] references, float[] deltas) {
        if (references.length % 4 != 0
                || references.length == 0 && deltas.length != 0
                || references.length > 0 && deltas.length % references.length != 0) {
            throw new IllegalArgumentException(
                    deltas.length
                            + " deltas for "
                            + references.length
                            + " reference coordinates: expected 4 per box, or 4 per box and class");
        }
        float[] out = new float[deltas.length];
        int groups = references.length == 0 ? 0 : deltas.length / references.length;
        for (int d = 0; d < deltas.length; d += 4) {
            int b = d / (4 * groups) * 4;
            double w = width(references, b);
            double h = height(references, b);
            double cx = references[b] + 0.5 * w + deltas[d] * std[0] * w;
            double cy = references[b + 1] + 0.5 * h + deltas[d + 1] * std[1] * h;
            double pw = Math.exp(Math.min(deltas[d + 2] * std[2], SIZE_CLIP)) * w;
            double ph = Math.exp(Math.min(deltas[d + 3] * std[3], SIZE_CLIP)) * h;
            out[d] = (float) (cx - 0.5 * pw);
            out[d + 1] = (float) (cy - 0.5 * ph);
            out[d + 2] = (float) (cx + 0.5 * pw - 1);
            out[d + 3] = (float) (cy + 0.5 * ph - 1);
        }
        return out;
    }

    /**
     * Clips boxes in place to an image, as py-faster-rcnn's {@code clip_boxes}: x to [0, width −
     * 1], y to [0, height − 1].
     *
     * @return {@code boxes}
     */
    public static float[] clip(float[] boxes, int height, int width) {
        for (int i = 0; i < boxes.length; i++) {
            int limit = i % 2 == 0 ? width - 1 : height - 1;
            boxes[i] = Math.max(Math.min(boxes[i], limit), 0);
        }
        return boxes;
    }

    /** The width of box {@code b}, counting both edge pixels as R-CNN does: x2 − x1 + 1. */
    private static double width(float[] boxes, int b) {
        return boxes[b + 2] - boxes[b] + 1.0;
    }

    /** The height of box {@code b}, counting both edge pixels: y2 − y1 + 1. */
    private static double height(float[] boxes, int b) {
        return boxes[b + 3] - boxes[b + 1] + 1.0;
    }
}
