package org.resnetj.data;

import java.util.function.LongFunction;

/**
 * The training batch of every iteration as a pure function of (seed, iteration): see {@link
 * BatchStream} for the definition. Thread-safe.
 */
final class TrainBatches implements LongFunction<Batch> {

    private final ImageSet images;
    private final float[] mean;
    private final int batchSize;
    private final long seed;
    private final EpochOrder order;
    private final Shard shard;

    TrainBatches(ImageSet images, float[] mean, int batchSize, long seed) {
        this(images, mean, batchSize, seed, Shard.WHOLE);
    }

    /** Makes {@code shard}'s share of every batch of {@code batchSize} images. */
    TrainBatches(ImageSet images, float[] mean, int batchSize, long seed, Shard shard) {
        CifarPresets.checkMean(mean);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.images = images;
        this.mean = mean.clone();
        this.batchSize = batchSize;
        this.seed = seed;
        this.order = new EpochOrder(images.size(), seed);
        this.shard = shard;
    }

    /** This shard's share of the batch of training iteration {@code iteration}. */
    @Override
    public Batch apply(long iteration) {
        int size = shard.size(batchSize);
        float[] data = new float[size * ImageSet.IMAGE_SIZE];
        int[] labels = new int[size];
        long first = iteration * batchSize + shard.first(batchSize);
        for (int j = 0; j < size; j++) {
            long position = first + j;
            int index = order.indexAt(position);
            labels[j] = images.label(index);
            CifarPresets.train(
                    images,
                    index,
                    mean,
                    Seeds.random(seed, Seeds.AUGMENTATION, position),
                    data,
                    j * ImageSet.IMAGE_SIZE);
        }
        return new Batch(data, labels, ImageSet.SIDE, iteration);
    }

    /** The order of training indices; exposed for tests of the epoch structure. */
    EpochOrder order() {
        return order;
    }
}
