package org.resnetj.data;

import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The ImageNet training batch of every iteration as a pure function of (seed, iteration), the twin
 * of the CIFAR batches of {@link BatchStream}: iteration k takes positions [k·B, (k+1)·B) of the
 * endless sequence of seeded epoch permutations, and position p is augmented by {@link
 * ImageNetPresets#train} with a generator seeded by (seed, p). Thread-safe: {@link BatchStream}
 * calls it from all its workers.
 *
 * <p>An unreadable image at position p is, under {@link BadImages#SKIP}, replaced by the image of
 * the next position p+1, p+2, ... whose file decodes, augmented still with the generator of p;
 * whether a file decodes depends on the file alone, so the batch stays a pure function of (seed,
 * iteration). Under {@link BadImages#STOP} it ends the batch with an {@link
 * java.io.UncheckedIOException} naming the file, which {@link BatchStream#next} rethrows.
 *
 * <p>Memory: a batch is B·3·224·224 floats, 154 MB at the paper's B = 256 (38.5 MB at 64). Used
 * through {@code new BatchStream(batches, start, threads)} at most 2·threads batches are being
 * prepared or waiting at a time, plus the one the trainer holds: 770 MB at B = 256 on 2 threads.
 */
public final class ImageFolderBatches implements LongFunction<Batch> {

    private final ImageDecoder images;
    private final float[] mean;
    private final Lighting lighting;
    private final int batchSize;
    private final long seed;
    private final EpochOrder order;
    private final Shard shard;

    /** Makes whole batches: {@code shard} is {@link Shard#WHOLE}. */
    public ImageFolderBatches(
            ImageDecoder images, float[] mean, Lighting lighting, int batchSize, long seed) {
        this(images, mean, lighting, batchSize, seed, Shard.WHOLE);
    }

    /**
     * @param images the training images and what to do with unreadable ones
     * @param mean the per-pixel mean to subtract ({@link ImageFolderMean#of}), 3×224×224 values
     * @param lighting the colour augmentation ({@link Lighting#IMAGENET}, {@link Lighting#NONE})
     * @param batchSize images per batch (256 in Section 3.4)
     * @param seed fixes the epoch orders and the augmentations
     * @param shard the share of every batch to make: a data-parallel process decodes only its own
     * @throws IllegalArgumentException if the batch size is below 1, the set is empty or the mean
     *     is not 3×224×224 values
     */
    public ImageFolderBatches(
            ImageDecoder images,
            float[] mean,
            Lighting lighting,
            int batchSize,
            long seed,
            Shard shard) {
        ImageNetPresets.checkMean(mean);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.images = images;
        this.mean = mean.clone();
        this.lighting = lighting;
        this.batchSize = batchSize;
        this.seed = seed;
        this.order = new EpochOrder(images.source().size(), seed);
        this.shard = shard;
    }

    /** The shard's share of the batch of training iteration {@code iteration}. */
    @Override
    public Batch apply(long iteration) {
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration must be at least 0, got " + iteration);
        }
        int size = shard.size(batchSize);
        float[] data = new float[size * ImageNetPresets.IMAGE_SIZE];
        int[] labels = new int[size];
        long first = iteration * batchSize + shard.first(batchSize);
        for (int j = 0; j < size; j++) {
            long position = first + j;
            int index = order.indexAt(position);
            Optional<RgbImage> image = images.read(index);
            for (long next = position + 1; image.isEmpty(); next++) {
                if (next - position >= images.source().size()) {
                    throw new IllegalStateException(
                            "no readable training image in the "
                                    + images.source().size()
                                    + " positions of the epoch order from "
                                    + position
                                    + " (such as "
                                    + images.source().describe(order.indexAt(position))
                                    + ")");
                }
                index = order.indexAt(next);
                image = images.read(index);
            }
            labels[j] = images.source().label(index);
            ImageNetPresets.train(
                    image.get(),
                    mean,
                    lighting,
                    Seeds.random(seed, Seeds.AUGMENTATION, position),
                    data,
                    j * ImageNetPresets.IMAGE_SIZE);
        }
        return new Batch(data, labels, ImageNetPresets.CROP, iteration);
    }

    /** Images per batch. */
    public int batchSize() {
        return batchSize;
    }

    /** How many unreadable images were replaced so far ({@link ImageDecoder#skipped}). */
    public long skipped() {
        return images.skipped();
    }

    /** The order of training indices; exposed for tests of the epoch structure. */
    EpochOrder order() {
        return order;
    }
}
