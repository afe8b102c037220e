package org.resnetj.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.random.RandomGenerator;

/**
 * The input pipelines of Section 4.2, on float CHW buffers of 3×32×32.
 *
 * <p>Eval: pixel / 255 minus the per-pixel mean ("the per-pixel mean subtracted"), a single view of
 * the original image. Train: the same, then "4 pixels are padded on each side, and a 32×32 crop is
 * randomly sampled from the padded image or its horizontal flip".
 *
 * <p>The padding is applied after the mean subtraction, so padded pixels are 0: they equal the mean
 * image, the value that carries no signal, as in the zero padding of the convolutions. Padding
 * before subtracting would put a border of −mean around the image instead.
 *
 * <p>The scale 1/255 is ours, not the paper's: the first convolution feeds batch normalization,
 * which divides out any input scale, so only numerical comfort depends on it.
 */
public final class CifarPresets {

    /** Pixels of zero padding on each side before the random crop (Section 4.2). */
    public static final int PAD = 4;

    /** Input value per unit of a pixel byte. */
    public static final float PIXEL_SCALE = 1f / 255;

    private static final int SIDE = CifarImages.SIDE;

    private CifarPresets() {}

    /**
     * Writes image {@code index} of {@code images}, scaled and with {@code mean} subtracted, to
     * {@code out} from {@code offset}.
     */
    public static void eval(CifarImages images, int index, float[] mean, float[] out, int offset) {
        checkMean(mean);
        if (index < 0 || index >= images.size()) {
            throw new IndexOutOfBoundsException("image " + index + " of a set of " + images.size());
        }
        int base = (images.first + index) * CifarImages.IMAGE_SIZE;
        for (int k = 0; k < CifarImages.IMAGE_SIZE; k++) {
            out[offset + k] = (images.pixels[base + k] & 0xFF) * PIXEL_SCALE - mean[k];
        }
    }

    /**
     * Writes image {@code index} as the training preset sees it: {@link #eval}, then a {@link Crop}
     * drawn from {@code random}.
     */
    public static void train(
            CifarImages images,
            int index,
            float[] mean,
            RandomGenerator random,
            float[] out,
            int offset) {
        float[] centred = new float[CifarImages.IMAGE_SIZE];
        eval(images, index, mean, centred, 0);
        Crop.random(random).apply(centred, 0, out, offset);
    }

    /**
     * The batches of one evaluation pass over {@code images}, in order, through the eval preset
     * (mean subtraction only); the last batch holds the remainder. Prepared on the iterating
     * thread, as the preset costs little next to a forward pass.
     */
    public static Iterable<Batch> evalBatches(CifarImages images, float[] mean, int batchSize) {
        checkMean(mean);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        float[] centre = mean.clone();
        return () ->
                new Iterator<>() {
                    private int start;

                    @Override
                    public boolean hasNext() {
                        return start < images.size();
                    }

                    @Override
                    public Batch next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        int count = Math.min(batchSize, images.size() - start);
                        float[] data = new float[count * CifarImages.IMAGE_SIZE];
                        int[] labels = new int[count];
                        for (int j = 0; j < count; j++) {
                            labels[j] = images.label(start + j);
                            eval(images, start + j, centre, data, j * CifarImages.IMAGE_SIZE);
                        }
                        long number = start / batchSize;
                        start += count;
                        return new Batch(data, labels, CifarImages.SIDE, number);
                    }
                };
    }

    static void checkMean(float[] mean) {
        if (mean.length != CifarImages.IMAGE_SIZE) {
            throw new IllegalArgumentException(
                    "the per-pixel mean must have "
                            + CifarImages.IMAGE_SIZE
                            + " values (3×32×32), got "
                            + mean.length);
        }
    }

    /**
     * One draw of the training augmentation: the 32×32 window at rows {@code dy..dy+31} and columns
     * {@code dx..dx+31} of the image zero-padded to 40×40, mirrored left to right if {@code flip}.
     *
     * @param dy the window's top row in the padded image, 0..8
     * @param dx the window's left column in the padded image, 0..8
     * @param flip whether the window is mirrored
     */
    public record Crop(int dy, int dx, boolean flip) {

        /** The identity: the centre window, not mirrored. */
        public static final Crop CENTRE = new Crop(PAD, PAD, false);

        /** Checks that the window lies inside the padded image. */
        public Crop {
            if (dy < 0 || dy > 2 * PAD || dx < 0 || dx > 2 * PAD) {
                throw new IllegalArgumentException(
                        "crop offsets must be in 0.." + 2 * PAD + ", got dy=" + dy + " dx=" + dx);
            }
        }

        /**
         * Draws the offsets uniformly from 0..8 and the flip with probability 1/2, in that order.
         */
        public static Crop random(RandomGenerator random) {
            int dy = random.nextInt(2 * PAD + 1);
            int dx = random.nextInt(2 * PAD + 1);
            return new Crop(dy, dx, random.nextBoolean());
        }

        /**
         * Writes the window of the zero-padded {@code src} image (3×32×32 from {@code srcOffset})
         * to {@code dst} from {@code dstOffset}: dst(c, y, x) = padded(c, y + dy, x' + dx) with x'
         * = 31 − x if mirrored, else x.
         */
        public void apply(float[] src, int srcOffset, float[] dst, int dstOffset) {
            for (int c = 0; c < CifarImages.CHANNELS; c++) {
                int plane = c * SIDE * SIDE;
                for (int y = 0; y < SIDE; y++) {
                    int sy = y + dy - PAD;
                    int row = dstOffset + plane + y * SIDE;
                    if (sy < 0 || sy >= SIDE) {
                        Arrays.fill(dst, row, row + SIDE, 0f);
                        continue;
                    }
                    int srcRow = srcOffset + plane + sy * SIDE;
                    for (int x = 0; x < SIDE; x++) {
                        int sx = (flip ? SIDE - 1 - x : x) + dx - PAD;
                        dst[row + x] = sx < 0 || sx >= SIDE ? 0f : src[srcRow + sx];
                    }
                }
            }
        }
    }
}
