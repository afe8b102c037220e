package org.resnetj.eval;

/**
 * Top-k errors from class scores. An image counts as a top-k error when its true class is not among
 * the k highest scores; ties are broken in favour of the true class only when it scores strictly
 * higher than the k-th competitor, so a constant score vector is always wrong.
 */
public final class TopK {

    private TopK() {}

    /**
     * Counts the errors of each k in {@code ks}.
     *
     * @param scores row-major N×classes scores
     * @param labels the N true classes
     * @return for each k, the number of images whose true class is not in the top k
     */
    public static int[] errors(float[] scores, int[] labels, int classes, int... ks) {
        int[] errors = new int[ks.length];
        for (int i = 0; i < labels.length; i++) {
            int offset = i * classes;
            float truth = scores[offset + labels[i]];
            int above = 0; // classes that score at least as high as the true one
            for (int c = 0; c < classes; c++) {
                if (c != labels[i] && scores[offset + c] >= truth) {
                    above++;
                }
            }
            for (int j = 0; j < ks.length; j++) {
                if (above >= ks[j]) {
                    errors[j]++;
                }
            }
        }
        return errors;
    }
}
