package org.resnetj.data;

import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * The training batch of every iteration as a pure function of (seed, iteration), for any kind of
 * data, so that a run resumed at iteration k sees exactly the batches an uninterrupted run would
 * have seen:
 *
 * <ul>
 *   <li>the training indices form an endless sequence of epochs, each a permutation drawn from a
 *       generator seeded by (seed, epoch) ({@link EpochOrder});
 *   <li>iteration k takes positions [k·B, (k+1)·B) of that sequence, so a batch may straddle two
 *       epochs and no image is dropped or repeated within an epoch;
 *   <li>the image at position p goes through the kind's training preset ({@link
 *       CifarPresets#train}, {@link ImageNetPresets#train}) with a generator seeded by (seed, p).
 * </ul>
 *
 * <p>An unreadable image at position p (image folders, {@link BadImages#SKIP}) is replaced by the
 * image of the next position p+1, p+2, ... whose file decodes, augmented still with the generator
 * of p; whether a file decodes depends on the file alone, so the batch stays a pure function of
 * (seed, iteration). Under {@link BadImages#STOP} it ends the batch with an {@link
 * java.io.UncheckedIOException} naming the file, which {@link BatchStream#next} rethrows.
 *
 * <p>Thread-safe: {@link BatchStream} calls it from all its workers. Memory: an ImageNet batch is
 * B·3·224·224 floats, 154 MB at the paper's B = 256 (38.5 MB at 64); through a {@link BatchStream}
 * at most 2·threads batches are being prepared or waiting at a time, plus the one the trainer
 * holds: 770 MB at B = 256 on 2 threads.
 */
public final class TrainBatches implements LongFunction<Batch> {

    /** A kind of data's training preset, applied to one image. */
    @FunctionalInterface
    private interface Preset {
        /**
         * Writes image {@code index} through the training preset, drawing from {@code random}, to
         * {@code out} from {@code offset}.
         *
         * @return false if the image cannot be read and is to be skipped
         */
        boolean augment(int index, SplittableRandom random, float[] out, int offset);
    }

    private final int size;
    private final int side;
    private final IntUnaryOperator labels;
    private final IntFunction<String> names;
    private final Preset preset;
    private final LongSupplier skipped;
    private final int batchSize;
    private final long seed;
    private final EpochOrder order;
    private final Shard shard;

    private TrainBatches(
            int size,
            IntUnaryOperator labels,
            IntFunction<String> names,
            int side,
            Preset preset,
            LongSupplier skipped,
            int batchSize,
            long seed,
            Shard shard) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.size = size;
        this.labels = labels;
        this.names = names;
        this.side = side;
        this.preset = preset;
        this.skipped = skipped;
        this.batchSize = batchSize;
        this.seed = seed;
        this.order = new EpochOrder(size, seed);
        this.shard = shard;
    }

    /**
     * {@code shard}'s share of every batch, for one of several data-parallel processes: of the
     * batch of iteration k, positions [k·B + {@link Shard#first}, ...) of {@link Shard#size}
     * images, augmented exactly as in the whole batch. A process reads and decodes only its share.
     */
    public TrainBatches shard(Shard shard) {
        return new TrainBatches(size, labels, names, side, preset, skipped, batchSize, seed, shard);
    }

    /**
     * The CIFAR-10 batches of Section 4.2: 4-pixel padding, random 32×32 crops and flips, the
     * per-pixel mean subtracted.
     *
     * @param images the training set
     * @param mean the per-pixel mean to subtract ({@link PixelMean#of}), 3,072 values
     * @param batchSize images per batch (128 in Section 4.2)
     * @param seed fixes the epoch orders and the augmentations
     * @throws IllegalArgumentException if the batch size is below 1, the set is empty or the mean
     *     is not 3,072 values
     */
    public static TrainBatches cifar(CifarImages images, float[] mean, int batchSize, long seed) {
        CifarPresets.checkMean(mean);
        float[] centre = mean.clone();
        return new TrainBatches(
                images.size(),
                images::label,
                index -> "image " + index,
                CifarImages.SIDE,
                (index, random, out, offset) -> {
                    CifarPresets.train(images, index, centre, random, out, offset);
                    return true;
                },
                () -> 0,
                batchSize,
                seed,
                Shard.WHOLE);
    }

    /**
     * The ImageNet batches of Section 3.4: scale augmentation, random 224×224 crops and flips, the
     * per-pixel mean subtracted, PCA lighting.
     *
     * @param images the training images and what to do with unreadable ones
     * @param mean the per-pixel mean to subtract ({@link ImageFolderMean#of}), 3×224×224 values
     * @param lighting the colour augmentation ({@link Lighting#IMAGENET}, {@link Lighting#NONE})
     * @param batchSize images per batch (256 in Section 3.4)
     * @param seed fixes the epoch orders and the augmentations
     * @throws IllegalArgumentException if the batch size is below 1, the set is empty or the mean
     *     is not 3×224×224 values
     */
    public static TrainBatches imageFolder(
            ImageDecoder images, float[] mean, Lighting lighting, int batchSize, long seed) {
        ImageNetPresets.checkMean(mean);
        float[] centre = mean.clone();
        ImageSource source = images.source();
        return new TrainBatches(
                source.size(),
                source::label,
                source::describe,
                ImageNetPresets.CROP,
                (index, random, out, offset) -> {
                    Optional<RgbImage> image = images.read(index);
                    image.ifPresent(
                            rgb ->
                                    ImageNetPresets.train(
                                            rgb, centre, lighting, random, out, offset));
                    return image.isPresent();
                },
                images::skipped,
                batchSize,
                seed,
                Shard.WHOLE);
    }

    /** The batch of training iteration {@code iteration}, or its share for a {@link #shard}. */
    @Override
    public Batch apply(long iteration) {
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration must be at least 0, got " + iteration);
        }
        int imageSize = 3 * side * side;
        int count = shard.size(batchSize);
        float[] data = new float[count * imageSize];
        int[] batchLabels = new int[count];
        long first = iteration * batchSize + shard.first(batchSize);
        for (int j = 0; j < count; j++) {
            long position = first + j;
            SplittableRandom random = Seeds.random(seed, Seeds.AUGMENTATION, position);
            int index = order.indexAt(position);
            for (long next = position + 1;
                    !preset.augment(index, random, data, j * imageSize);
                    next++) {
                if (next - position >= size) {
                    throw new IllegalStateException(
                            "no readable training image in the "
                                    + size
                                    + " positions of the epoch order from "
                                    + position
                                    + " (such as "
                                    + names.apply(order.indexAt(position))
                                    + ")");
                }
                index = order.indexAt(next);
            }
            batchLabels[j] = labels.applyAsInt(index);
        }
        return new Batch(data, batchLabels, side, iteration);
    }

    /** Images per batch. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * How many unreadable images were replaced so far ({@link ImageDecoder#skipped}); 0 for CIFAR.
     */
    public long skipped() {
        return skipped.getAsLong();
    }

    /** The order of training indices; exposed for tests of the epoch structure. */
    EpochOrder order() {
        return order;
    }
}
