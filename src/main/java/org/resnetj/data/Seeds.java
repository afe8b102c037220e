package org.resnetj.data;

import java.util.SplittableRandom;

/**
 * Derives independent generators from a seed and a position, so that every random draw of the data
 * pipeline is a pure function of (seed, what, where) and work can run in any order, on any number
 * of threads, and resume anywhere with the same result.
 */
public final class Seeds {

    /** Stream tags: different uses of one seed must not share draws. */
    static final long EPOCH_ORDER = 1;

    static final long AUGMENTATION = 2;
    static final long SYNTHETIC_TRAIN_LABELS = 3;
    static final long SYNTHETIC_TEST_LABELS = 4;
    static final long SYNTHETIC_TRAIN_IMAGES = 5;
    static final long SYNTHETIC_TEST_IMAGES = 6;
    static final long STATISTICS_SAMPLE = 7;

    /** The synthetic detection set (org.resnetj.detection.SyntheticShapes): one draw per image. */
    public static final long SYNTHETIC_SHAPES = 8;

    /** A detector's image order (org.resnetj.detection.DetectorTrainer): one draw per epoch. */
    public static final long DETECTION_ORDER = 9;

    /** A detector's mirroring and sampling of anchors and RoIs: one draw per iteration. */
    public static final long DETECTION_SAMPLING = 10;

    /** A detector's crop pretraining (org.resnetj.detection.CropPretraining): one per iteration. */
    public static final long DETECTION_PRETRAINING = 11;

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private Seeds() {}

    /** A generator for draw number {@code index} of stream {@code stream} under {@code seed}. */
    public static SplittableRandom random(long seed, long stream, long index) {
        return new SplittableRandom(mix(seed, stream, index));
    }

    /** A permutation of 0..size−1 by a Fisher–Yates shuffle drawing from {@code random}. */
    static int[] permutation(int size, SplittableRandom random) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    /**
     * Hashes the three values with SplitMix64's finalizer, which makes neighbouring inputs
     * unrelated.
     */
    static long mix(long seed, long stream, long index) {
        long h = mix64(seed + GOLDEN_GAMMA);
        h = mix64(h ^ (stream * GOLDEN_GAMMA));
        return mix64(h + index * GOLDEN_GAMMA);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
