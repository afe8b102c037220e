package org.resnetj.detection;

/**
 * An axis-aligned box in the package's convention: 0-based pixel indices, {@code x2} and {@code y2}
 * inclusive (the last pixel the box covers), so that a one-pixel box has {@code x1 == x2} and
 * {@link #width()} 1. This is py-faster-rcnn's convention, in which VOC's metric counts areas with
 * the "+1".
 *
 * <p>A box may be narrower than a pixel (COCO has such boxes: {@code w < 1}), but never of negative
 * size.
 */
public record Box(double x1, double y1, double x2, double y2) {

    /**
     * @throws IllegalArgumentException if a coordinate is not finite or the width or height is
     *     negative
     */
    public Box {
        if (!Double.isFinite(x1)
                || !Double.isFinite(y1)
                || !Double.isFinite(x2)
                || !Double.isFinite(y2)) {
            throw new IllegalArgumentException("box coordinates must be finite: " + describe());
        }
        if (x2 - x1 + 1 < 0 || y2 - y1 + 1 < 0) {
            throw new IllegalArgumentException(
                    "box of negative size (x2 < x1 - 1 or y2 < y1 - 1): "
                            + describe(x1, y1, x2, y2));
        }
    }

    /** The box with its top-left pixel at (x, y) and the given size, as COCO writes it. */
    public static Box fromXywh(double x, double y, double width, double height) {
        return new Box(x, y, x + width - 1, y + height - 1);
    }

    /** {@code x2 - x1 + 1}. */
    public double width() {
        return x2 - x1 + 1;
    }

    /** {@code y2 - y1 + 1}. */
    public double height() {
        return y2 - y1 + 1;
    }

    /** {@code width() * height()}. */
    public double area() {
        return width() * height();
    }

    /** The box mirrored left to right in an image {@code imageWidth} pixels wide. */
    public Box flipped(int imageWidth) {
        return new Box(imageWidth - 1 - x2, y1, imageWidth - 1 - x1, y2);
    }

    private String describe() {
        return describe(x1, y1, x2, y2);
    }

    private static String describe(double x1, double y1, double x2, double y2) {
        return "[" + x1 + ", " + y1 + ", " + x2 + ", " + y2 + "]";
    }
}
