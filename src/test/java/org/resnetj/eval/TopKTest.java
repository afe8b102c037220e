package org.resnetj.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Top-k errors counted on hand-made scores. */
class TopKTest {

    @Test
    void countsTop1AndTop5ErrorsFromTheRankOfTheTrueClass() {
        int classes = 7;
        float[] scores = {
            // true class 0 ranks 1st
            0.9f, 0.1f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f,
            // true class 5 ranks 5th: a top-1 error, not a top-5 one
            0.30f, 0.25f, 0.05f, 0.20f, 0.10f, 0.06f, 0.04f,
            // true class 2 ranks 6th: both
            0.30f, 0.25f, 0.05f, 0.20f, 0.10f, 0.06f, 0.04f,
            // true class 1 ranks 3rd: a top-1 error
            0.30f, 0.25f, 0.05f, 0.35f, 0.10f, 0.06f, 0.04f,
        };
        int[] labels = {0, 5, 2, 1};

        int[] errors = TopK.errors(scores, labels, classes, 1, 5);

        assertThat(errors).containsExactly(3, 1);
    }

    @Test
    void aTieWithTheTrueClassCountsAgainstIt() {
        float[] scores = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f};

        assertThat(TopK.errors(scores, new int[] {0}, 6, 1, 5)).containsExactly(1, 1);
    }
}
