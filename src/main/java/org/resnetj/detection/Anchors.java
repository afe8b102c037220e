package org.resnetj.detection;

import java.util.Arrays;

/**
 * The RPN's anchors (Faster R-CNN, as the paper's Appendix A uses them): at every position of the
 * stride-16 map, one box per (aspect ratio, area) pair, built as py-faster-rcnn's {@code
 * generate_anchors} builds them, with its rounding, so that the boxes are its boxes to the pixel.
 *
 * <p>A reference box of {@code stride × stride} pixels at (0, 0, stride − 1, stride − 1) is first
 * reshaped to each ratio (height over width) at about the same area, its width and height rounded
 * half to even as numpy rounds, and then scaled by each of {@code size / stride}. Anchors run
 * ratio-major: index {@code r · sizes + s}. Coordinates are inclusive pixels (a box from x1 to x2
 * is {@code x2 − x1 + 1} wide), py-faster-rcnn's convention, which {@link BoxCoder} follows.
 */
public final class Anchors {

    /** The C4 trunk's stride: conv4_x maps are 1/16 of the image. */
    public static final int STRIDE = 16;

    /** Aspect ratios (height / width) 1:2, 1:1, 2:1, in py-faster-rcnn's order. */
    private static final double[] RATIOS = {0.5, 1, 2};

    private final int stride;
    private final float[] base;

    /**
     * @param stride the map's stride in image pixels, also the reference box's size
     * @param sizes each anchor's square root of area, in pixels, before the ratio
     * @param ratios heights over widths
     */
    public Anchors(int stride, int[] sizes, double[] ratios) {
        if (stride < 1 || sizes.length == 0 || ratios.length == 0) {
            throw new IllegalArgumentException(
                    "anchors at stride "
                            + stride
                            + " of sizes "
                            + Arrays.toString(sizes)
                            + " and ratios "
                            + Arrays.toString(ratios)
                            + ": expected a positive stride and at least one size and ratio");
        }
        this.stride = stride;
        this.base = new float[4 * sizes.length * ratios.length];
        double centre = 0.5 * (stride - 1);
        int a = 0;
        for (double ratio : ratios) {
            double w = Math.rint(Math.sqrt(stride * stride / ratio));
            double h = Math.rint(w * ratio);
            for (int size : sizes) {
                double scale = (double) size / stride;
                double sw = w * scale;
                double sh = h * scale;
                base[a++] = (float) (centre - 0.5 * (sw - 1));
                base[a++] = (float) (centre - 0.5 * (sh - 1));
                base[a++] = (float) (centre + 0.5 * (sw - 1));
                base[a++] = (float) (centre + 0.5 * (sh - 1));
            }
        }
    }

    /** The paper's VOC anchors: areas 128², 256², 512² at ratios 1:2, 1:1, 2:1 (9 anchors). */
    public static Anchors voc() {
        return new Anchors(STRIDE, new int[] {128, 256, 512}, RATIOS);
    }

    /** The paper's COCO anchors: 64² added to the VOC areas (12 anchors). */
    public static Anchors coco() {
        return new Anchors(STRIDE, new int[] {64, 128, 256, 512}, RATIOS);
    }

    /** Anchors per map position. */
    public int count() {
        return base.length / 4;
    }

    /** The map's stride in image pixels. */
    public int stride() {
        return stride;
    }

    /** The anchors at map position (0, 0), {@link #count()}×4 flat (x1, y1, x2, y2). */
    public float[] base() {
        return base.clone();
    }

    /**
     * Every anchor of a map, shifted by {@code stride} per position: anchor {@code a} at row {@code
     * y}, column {@code x} is box {@code (y · width + x) · count() + a}, the order of
     * py-faster-rcnn's proposal layer and of an RPN output of shape (1, count()·k, H, W) read
     * position-major after a permute to (1, H, W, count()·k).
     */
    public float[] grid(int height, int width) {
        int count = count();
        float[] out = new float[4 * height * width * count];
        int i = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                float dx = x * stride;
                float dy = y * stride;
                for (int a = 0; a < count; a++) {
                    out[i++] = base[4 * a] + dx;
                    out[i++] = base[4 * a + 1] + dy;
                    out[i++] = base[4 * a + 2] + dx;
                    out[i++] = base[4 * a + 3] + dy;
                }
            }
        }
        return out;
    }
}
