package org.resnetj.testing;

/** The tests' own softmax, in double precision: an oracle for the scores the code computes. */
public final class Softmax {

    private Softmax() {}

    /** exp(l − max) / Σ exp(l − max) over {@code logits}. */
    public static double[] of(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            p[c] = Math.exp(logits[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < p.length; c++) {
            p[c] /= sum;
        }
        return p;
    }
}
