package org.resnetj.data;

/**
 * The per-pixel mean of an image folder's training images ("with the per-pixel mean subtracted",
 * Section 3.4): one value per channel, row and column of the 224×224 center crop ({@link
 * ImagePresets#centerCrop}), in the presets' scale, pixel / 255.
 *
 * <p>It is taken over a seeded sample of the training images rather than all of them. Decoding and
 * resizing the 1.28 million ImageNet JPEGs costs tens of minutes on 2 cores (about 6 ms per image
 * and thread here), while a per-pixel mean over n images has a standard error of s / √n, where s,
 * the spread of one pixel across images, is about 0.23 for ImageNet (torchvision's channel
 * deviations are 0.224 to 0.229): at n = 10,000 that is 0.0023, about 0.6 of a grey level (1/255 ≈
 * 0.0039), against a spread of some 60 grey levels in the inputs the mean is subtracted from. The
 * mean's channel averages, 50,176 pixels each, are far more precise still.
 */
public final class ImageFolderMean {

    /** The sample size for ImageNet: see the class comment. */
    public static final int DEFAULT_SAMPLE = 10_000;

    private ImageFolderMean() {}

    /**
     * The mean center crop of a seeded sample of min(sample, size) training images, 3×224×224
     * values in [0, 1], CHW. Byte sums are accumulated in integers, so the result is exact up to
     * the final conversion to float, the same for any thread count, and the same on every call with
     * the same seed. The sample is the one {@link Lighting#fromData} uses.
     *
     * <p>Decodes on a pool of {@code threads} threads, closed before returning. Unreadable images
     * follow the decoder's policy: under SKIP the sample takes the next readable images of its
     * seeded order instead; under STOP the first one ends the pass with an {@link
     * java.io.UncheckedIOException} naming the file.
     *
     * @param train the training images
     * @param sample how many images, {@link #DEFAULT_SAMPLE} for ImageNet
     * @param seed fixes the sample
     * @param threads decoding threads, at least 1
     * @throws IllegalArgumentException if sample or threads is below 1, or the set is empty
     * @throws IllegalStateException if no image can be read
     */
    public static float[] of(ImageDecoder train, int sample, long seed, int threads) {
        int size = ImageNetPresets.IMAGE_SIZE;
        long[] sums =
                SamplePass.run(
                        train,
                        sample,
                        seed,
                        threads,
                        "per-pixel mean",
                        () -> new long[size + 1],
                        (acc, crop) -> {
                            for (int k = 0; k < size; k++) {
                                acc[k] += crop[k] & 0xFF;
                            }
                            acc[size]++;
                        },
                        (x, y) -> {
                            for (int k = 0; k <= size; k++) {
                                x[k] += y[k];
                            }
                            return x;
                        });
        double images = sums[size];
        float[] mean = new float[size];
        for (int k = 0; k < size; k++) {
            mean[k] = (float) (sums[k] / (255.0 * images));
        }
        return mean;
    }
}
