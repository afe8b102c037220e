package org.resnetj.data;

import java.util.random.RandomGenerator;

/**
 * The ImageNet training preset of Section 3.4, on float CHW buffers of 3×224×224:
 *
 * <ol>
 *   <li>"The image is resized with its shorter side randomly sampled in [256, 480] for scale
 *       augmentation": the shorter side s is a uniform integer in 256..480 and the longer side
 *       becomes {@code floor(s · long / short)}, as {@link ImagePresets#centerCrop} does for 256,
 *       with the same Pillow-exact antialiased bilinear filter;
 *   <li>"A 224×224 crop is randomly sampled from an image or its horizontal flip": the window's top
 *       and left are uniform over all positions inside the resized image, and the window is
 *       mirrored left to right with probability 1/2;
 *   <li>pixel / 255, "with the per-pixel mean subtracted": the mean image ({@link ImageFolderMean})
 *       is subtracted at the network-input position, after the flip, as the center-crop evaluation
 *       view subtracts it;
 *   <li>"The standard color augmentation in [21] is used": {@link Lighting}, one RGB offset per
 *       image added to every pixel.
 * </ol>
 *
 * <p>Only the 224×224 window of the resized image is computed ({@link WindowResample}); the values
 * equal resizing the whole image and cropping.
 */
public final class ImageNetPresets {

    /** The smallest shorter side of the scale augmentation. */
    public static final int MIN_SHORTER_SIDE = 256;

    /** The largest shorter side of the scale augmentation. */
    public static final int MAX_SHORTER_SIDE = 480;

    /** The side of the training crop, the network's input. */
    public static final int CROP = 224;

    /** Floats per image: 3 × 224 × 224. */
    public static final int IMAGE_SIZE = 3 * CROP * CROP;

    private ImageNetPresets() {}

    /**
     * Writes one training view of {@code image} to {@code out} from {@code offset}: a {@link Crop}
     * drawn from {@code random}, then the lighting offsets drawn from it.
     *
     * @param mean the per-pixel mean, 3×224×224 values
     * @param lighting the colour augmentation, {@link Lighting#NONE} for none
     * @return the crop drawn
     * @throws IllegalArgumentException if the mean is not 3×224×224 values
     */
    public static Crop train(
            RgbImage image,
            float[] mean,
            Lighting lighting,
            RandomGenerator random,
            float[] out,
            int offset) {
        checkMean(mean);
        Crop crop = Crop.random(image.width(), image.height(), random);
        float[] light = lighting.draw(random);
        crop.apply(image, mean, light, out, offset);
        return crop;
    }

    static void checkMean(float[] mean) {
        if (mean.length != IMAGE_SIZE) {
            throw new IllegalArgumentException(
                    "the per-pixel mean must have "
                            + IMAGE_SIZE
                            + " values (3×224×224), got "
                            + mean.length);
        }
    }

    /**
     * One draw of the geometric augmentation: resize to {@code width}×{@code height}, take the
     * 224×224 window at ({@code top}, {@code left}), mirror it if {@code flip}.
     *
     * @param width the width of the resized image
     * @param height the height of the resized image
     * @param top the window's top row in the resized image
     * @param left the window's left column in the resized image
     * @param flip whether the window is mirrored left to right
     */
    public record Crop(int width, int height, int top, int left, boolean flip) {

        /** Checks that the window lies inside the resized image. */
        public Crop {
            WindowResample.requireInside(width, height, top, left, CROP, CROP);
        }

        /**
         * Draws the augmentation of a {@code imageWidth}×{@code imageHeight} image: the shorter
         * side uniform in 256..480, then the top uniform in 0..height−224, the left uniform in
         * 0..width−224, and the flip with probability 1/2, in that order.
         */
        public static Crop random(int imageWidth, int imageHeight, RandomGenerator random) {
            int shorter =
                    MIN_SHORTER_SIDE + random.nextInt(MAX_SHORTER_SIDE - MIN_SHORTER_SIDE + 1);
            int[] size = ImagePresets.shorterSideTo(imageWidth, imageHeight, shorter);
            int top = random.nextInt(size[1] - CROP + 1);
            int left = random.nextInt(size[0] - CROP + 1);
            return new Crop(size[0], size[1], top, left, random.nextBoolean());
        }

        /** The shorter side of the resized image. */
        public int shorterSide() {
            return Math.min(width, height);
        }

        /**
         * Writes out(c, y, x) = w(c, y, x') / 255 − mean(c, y, x) + light[c] from {@code offset},
         * where w is the window of the resized image and x' = 223 − x if mirrored, else x.
         */
        public void apply(RgbImage image, float[] mean, float[] light, float[] out, int offset) {
            checkMean(mean);
            byte[] window = WindowResample.window(image, width, height, top, left, CROP, CROP);
            int plane = CROP * CROP;
            for (int c = 0; c < 3; c++) {
                float add = light[c];
                for (int y = 0; y < CROP; y++) {
                    int row = c * plane + y * CROP;
                    for (int x = 0; x < CROP; x++) {
                        int source = row + (flip ? CROP - 1 - x : x);
                        out[offset + row + x] =
                                (window[source] & 0xFF) / 255f - mean[row + x] + add;
                    }
                }
            }
        }
    }
}
