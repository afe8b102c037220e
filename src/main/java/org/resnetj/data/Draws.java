package org.resnetj.data;

import java.util.SplittableRandom;

/** Small drawing helpers shared by the synthetic data sets (colours in RGB, [0, 1]). */
public final class Draws {

    private Draws() {}

    /** {@code v} clamped to [0, 1]. */
    public static double clamp01(double v) {
        return v < 0 ? 0 : (v > 1 ? 1 : v);
    }

    /** A uniform draw in [from, to). */
    public static double uniform(SplittableRandom r, double from, double to) {
        return from + (to - from) * r.nextDouble();
    }

    /** A uniform random colour. */
    public static double[] colour(SplittableRandom r) {
        return new double[] {r.nextDouble(), r.nextDouble(), r.nextDouble()};
    }

    /** The Euclidean distance of two colours. */
    public static double distance(double[] a, double[] b) {
        double d0 = a[0] - b[0];
        double d1 = a[1] - b[1];
        double d2 = a[2] - b[2];
        return Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2);
    }
}
