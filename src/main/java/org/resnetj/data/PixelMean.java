package org.resnetj.data;

/**
 * The per-pixel mean of a training set (Section 4.2: "32×32 images, with the per-pixel mean
 * subtracted"): one value per channel, row and column, in the input scale of {@link CifarPresets}
 * (pixel / 255).
 */
public final class PixelMean {

    private PixelMean() {}

    /**
     * The mean image of {@code images}, CHW, 3,072 values in [0, 1]. Exact: the byte sums are
     * accumulated in integers, so the only rounding is the final conversion to float.
     *
     * @throws IllegalArgumentException if the set is empty
     */
    public static float[] of(CifarImages images) {
        int n = images.size();
        if (n == 0) {
            throw new IllegalArgumentException(
                    "the per-pixel mean of an empty image set is undefined");
        }
        long[] sums = new long[CifarImages.IMAGE_SIZE];
        for (int i = 0; i < n; i++) {
            int base = (images.first + i) * CifarImages.IMAGE_SIZE;
            for (int k = 0; k < CifarImages.IMAGE_SIZE; k++) {
                sums[k] += images.pixels[base + k] & 0xFF;
            }
        }
        float[] mean = new float[CifarImages.IMAGE_SIZE];
        for (int k = 0; k < mean.length; k++) {
            mean[k] = (float) (sums[k] / (255.0 * n));
        }
        return mean;
    }
}
