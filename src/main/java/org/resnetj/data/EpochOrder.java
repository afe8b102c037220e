package org.resnetj.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The endless sequence of training indices: epoch after epoch, each a permutation of 0..n−1 drawn
 * from a generator seeded by (seed, epoch). Position p of the sequence is index {@code order(p /
 * n)[p % n]}, a pure function of (seed, p). Thread-safe.
 */
final class EpochOrder {

    /** Epochs kept: the prefetch window spans at most two, plus slack for a straggling worker. */
    private static final int CACHED_EPOCHS = 4;

    private final int size;
    private final long seed;
    private final Map<Long, int[]> cache =
            new LinkedHashMap<>(8, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, int[]> eldest) {
                    return size() > CACHED_EPOCHS;
                }
            };

    EpochOrder(int size, long seed) {
        if (size < 1) {
            throw new IllegalArgumentException("cannot draw batches from an empty image set");
        }
        this.size = size;
        this.seed = seed;
    }

    /** The image index at position {@code position} of the endless sequence. */
    int indexAt(long position) {
        return order(position / size)[(int) (position % size)];
    }

    /** The permutation of epoch {@code epoch}, 0-based. */
    synchronized int[] order(long epoch) {
        return cache.computeIfAbsent(epoch, this::shuffle);
    }

    private int[] shuffle(long epoch) {
        return Seeds.permutation(size, Seeds.random(seed, Seeds.EPOCH_ORDER, epoch));
    }
}
