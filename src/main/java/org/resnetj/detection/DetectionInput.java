package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.resnetj.data.ImagePresets;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;

/**
 * An image as the detector takes it (Faster R-CNN's single-scale input, py-faster-rcnn's {@code
 * prep_im_for_blob}): mirrored if asked, resized by one factor so that its shorter side is the
 * configured one unless its longer side would exceed the cap, and normalized with the backbone's
 * own preprocessing. It keeps the factor and the mirroring, so that boxes map between the original
 * image and the input both ways.
 *
 * <p>Boxes are {@code float[]} of n×4 values, {@code x1, y1, x2, y2} per box, in py-faster-rcnn's
 * convention: 0-based pixel indices, {@code x2} and {@code y2} inclusive.
 *
 * @param pixels the normalized input, 3×height×width, CHW
 * @param height the input's height
 * @param width the input's width
 * @param scale input pixels per original pixel
 * @param flipped whether the image was mirrored left to right before resizing
 * @param originalWidth the original image's width
 * @param originalHeight the original image's height
 */
public record DetectionInput(
        float[] pixels,
        int height,
        int width,
        double scale,
        boolean flipped,
        int originalWidth,
        int originalHeight) {

    /** Checks that the pixels fill a 3×height×width image. */
    public DetectionInput {
        if (pixels.length != 3L * height * width) {
            throw new IllegalArgumentException(
                    String.format(
                            "%d values cannot fill a 3×%d×%d input", pixels.length, height, width));
        }
    }

    /**
     * Prepares {@code image}: mirrored if {@code flip}, resized (Pillow's bilinear filter, the
     * project's one resize), pixel / 255, then {@code preprocessing}'s normalization, which is that
     * of the checkpoint the backbone came from (a per-channel mean and std for torchvision's
     * weights, the mean's channel averages for ours).
     */
    public static DetectionInput of(
            RgbImage image,
            DetectorConfig.ImageScale target,
            boolean flip,
            Preprocessing preprocessing) {
        int w = image.width();
        int h = image.height();
        double scale = scaleFor(w, h, target);
        int width = Math.max(1, (int) Math.round(w * scale));
        int height = Math.max(1, (int) Math.round(h * scale));
        RgbImage source = flip ? mirror(image) : image;
        RgbImage resized =
                width == w && height == h ? source : ImagePresets.resize(source, width, height);
        float[] pixels = new float[3 * height * width];
        int k = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    pixels[k++] = resized.sample(c, y, x) / 255f;
                }
            }
        }
        preprocessing.normalize(pixels, height, width);
        return new DetectionInput(pixels, height, width, scale, flip, w, h);
    }

    /**
     * py-faster-rcnn's factor: shorter side to {@code target.shorterSide()}, unless the longer side
     * would then round to more than {@code target.maxLongerSide()}, in which case the longer side
     * goes to the cap.
     */
    static double scaleFor(int width, int height, DetectorConfig.ImageScale target) {
        int shorter = Math.min(width, height);
        int longer = Math.max(width, height);
        double scale = (double) target.shorterSide() / shorter;
        if (Math.round(scale * longer) > target.maxLongerSide()) {
            scale = (double) target.maxLongerSide() / longer;
        }
        return scale;
    }

    /** The input as a 1×3×height×width batch in {@code manager}. */
    public NDArray toBatch(NDManager manager) {
        return manager.create(pixels, new Shape(1, 3, height, width));
    }

    /**
     * Boxes of the original image in the input's coordinates: mirrored as the image was (x1' = W −
     * 1 − x2, x2' = W − 1 − x1, py-faster-rcnn's {@code append_flipped_images}), then scaled.
     */
    public float[] toInput(float[] boxes) {
        checkBoxes(boxes);
        float[] out = new float[boxes.length];
        for (int i = 0; i < boxes.length; i += 4) {
            float x1 = boxes[i];
            float x2 = boxes[i + 2];
            if (flipped) {
                x1 = originalWidth - 1 - boxes[i + 2];
                x2 = originalWidth - 1 - boxes[i];
            }
            out[i] = (float) (x1 * scale);
            out[i + 1] = (float) (boxes[i + 1] * scale);
            out[i + 2] = (float) (x2 * scale);
            out[i + 3] = (float) (boxes[i + 3] * scale);
        }
        return out;
    }

    /**
     * Boxes in the input's coordinates (detections) in the original image's: divided by the factor,
     * as py-faster-rcnn's {@code im_detect}, then mirrored back if the image was mirrored. Not
     * clipped to the image.
     */
    public float[] toOriginal(float[] boxes) {
        checkBoxes(boxes);
        float[] out = new float[boxes.length];
        for (int i = 0; i < boxes.length; i += 4) {
            float x1 = (float) (boxes[i] / scale);
            float x2 = (float) (boxes[i + 2] / scale);
            out[i] = flipped ? originalWidth - 1 - x2 : x1;
            out[i + 1] = (float) (boxes[i + 1] / scale);
            out[i + 2] = flipped ? originalWidth - 1 - x1 : x2;
            out[i + 3] = (float) (boxes[i + 3] / scale);
        }
        return out;
    }

    private static void checkBoxes(float[] boxes) {
        if (boxes.length % 4 != 0) {
            throw new IllegalArgumentException(
                    "boxes are 4 values each (x1, y1, x2, y2), got " + boxes.length + " values");
        }
    }

    private static RgbImage mirror(RgbImage image) {
        int w = image.width();
        int h = image.height();
        byte[] chw = new byte[3 * h * w];
        int k = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    chw[k++] = (byte) image.sample(c, y, w - 1 - x);
                }
            }
        }
        return RgbImage.of(w, h, chw);
    }
}
