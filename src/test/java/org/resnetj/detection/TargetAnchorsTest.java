package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The RPN's anchor labels and sampling, as py-faster-rcnn's anchor target layer. */
class TargetAnchorsTest {

    // A 40-pixel-high, 60-pixel-wide image with two 20×20 boxes.
    private static final int HEIGHT = 40;
    private static final int WIDTH = 60;
    private static final float[] BOXES = {0, 0, 19, 19, 30, 10, 49, 29};
    private static final float[] ANCHORS = {
        -5, 0, 14, 19, // 0: crosses the left border: ignored whatever its IoU
        0, 0, 19, 19, // 1: box 0 itself, IoU 1
        0, 0, 19, 17, // 2: IoU 360/400 = 0.9 with box 0
        30, 10, 49, 19, // 3: IoU 0.5 with box 1, tied as its best anchor
        30, 20, 49, 29, // 4: the same IoU 0.5 with box 1
        0, 0, 19, 9, // 5: IoU 0.5 with box 0, not its best: neither
        50, 0, 59, 9, // 6: no overlap, and x2 = 59 is the last column, inside
        0, 0, 19, 4, // 7: IoU 0.25 with box 0, below 0.3
        0, 0, 19, 5, // 8: IoU exactly 0.3: not below it, so neither
        0, 0, 19, 13, // 9: IoU exactly 0.7: positive at the threshold
        30, 25, 49, 40, // 10: y2 = 40 is past the last row: ignored
    };

    /** The paper's thresholds with a batch large enough to keep every label. */
    private static final TargetAnchors ALL = new TargetAnchors(1 << 20, 0.5, 0.7, 0.3);

    @Test
    void labelsByThresholdsBestAnchorsAndBorder() {
        TargetAnchors.Assignment assignment =
                ALL.assign(ANCHORS, BOXES, HEIGHT, WIDTH, new Random(0));
        assertThat(assignment.labels()).containsExactly(-1, 1, 1, 1, 1, -1, 0, 0, -1, 1, -1);
    }

    @Test
    void targetsEncodeEachPositiveToItsBestBox() {
        float[] targets = ALL.assign(ANCHORS, BOXES, HEIGHT, WIDTH, new Random(0)).targets();
        // Anchor 2 (centre (10, 9), 20×18) to box 0 (centre (10, 10), 20×20).
        assertThat(Arrays.copyOfRange(targets, 8, 12))
                .containsExactly(
                        new float[] {0, 1f / 18, 0, (float) Math.log(20.0 / 18)}, within(1e-6f));
        // Anchor 3 (centre (40, 15), 20×10) to box 1 (centre (40, 20), 20×20).
        assertThat(Arrays.copyOfRange(targets, 12, 16))
                .containsExactly(new float[] {0, 0.5f, 0, (float) Math.log(2)}, within(1e-6f));
        assertThat(Arrays.copyOfRange(targets, 4, 8)).containsOnly(0f); // box 0 itself
        for (int negativeOrIgnored : new int[] {0, 5, 6, 7, 8, 10}) {
            assertThat(
                            Arrays.copyOfRange(
                                    targets, 4 * negativeOrIgnored, 4 * negativeOrIgnored + 4))
                    .containsOnly(0f);
        }
    }

    @Test
    void aBoxsBestAnchorIsPositiveEvenBelowTheNegativeThreshold() {
        float[] box = {0, 0, 19, 19};
        float[] anchors = {0, 0, 19, 4, 0, 0, 19, 3}; // IoU 0.25 and 0.2
        assertThat(ALL.assign(anchors, box, HEIGHT, WIDTH, new Random(0)).labels())
                .containsExactly(1, 0);
    }

    @Test
    void aBoxOverlappingNoAnchorMakesNoneOfThemPositive() {
        float[] boxes = {0, 0, 19, 19, 0, 30, 5, 35}; // the second touches no anchor
        float[] anchors = {0, 0, 19, 19, 40, 0, 59, 19};
        assertThat(ALL.assign(anchors, boxes, HEIGHT, WIDTH, new Random(0)).labels())
                .containsExactly(1, 0);
    }

    @Test
    void anImageWithoutBoxesSamplesOnlyNegatives() {
        float[] anchors = gridOf160();
        TargetAnchors.Assignment assignment =
                new TargetAnchors(16, 0.5, 0.7, 0.3)
                        .assign(anchors, new float[0], 160, 160, new Random(1));
        assertThat(assignment.count(0)).isEqualTo(16);
        assertThat(assignment.count(1)).isZero();
        assertThat(assignment.targets()).containsOnly(0f);
    }

    @Test
    void samplesAtMostTheForegroundFractionAndFillsTheBatchWithNegatives() {
        float[] anchors = gridOf160();
        float[] boxes = new float[4 * 9]; // nine boxes that are 32-pixel square anchors
        for (int b = 0; b < 9; b++) {
            int position = (1 + 3 * (b / 3)) * 10 + 1 + 3 * (b % 3);
            System.arraycopy(anchors, 4 * (9 * position + 4), boxes, 4 * b, 4);
        }
        TargetAnchors.Assignment all = ALL.assign(anchors, boxes, 160, 160, new Random(0));
        assertThat(all.count(1)).isGreaterThanOrEqualTo(9); // enough positives to subsample
        TargetAnchors.Assignment sampled =
                new TargetAnchors(16, 0.25, 0.7, 0.3)
                        .assign(anchors, boxes, 160, 160, new Random(7));
        assertThat(sampled.count(1)).isEqualTo(4); // ⌊16 · 0.25⌋
        assertThat(sampled.count(0)).isEqualTo(12);
        for (int a = 0; a < anchors.length / 4; a++) {
            if (sampled.labels()[a] != -1) {
                assertThat(sampled.labels()[a]).isEqualTo(all.labels()[a]);
            }
        }
    }

    @Test
    void fewPositivesLeaveMoreRoomForNegatives() {
        float[] anchors = gridOf160();
        float[] box = {40, 40, 71, 71};
        TargetAnchors.Assignment all = ALL.assign(anchors, box, 160, 160, new Random(0));
        TargetAnchors.Assignment sampled =
                new TargetAnchors(32, 0.5, 0.7, 0.3).assign(anchors, box, 160, 160, new Random(3));
        assertThat(all.count(1)).isBetween(1, 15);
        assertThat(sampled.count(1)).isEqualTo(all.count(1));
        assertThat(sampled.count(0)).isEqualTo(32 - all.count(1));
    }

    @Test
    void thePapersSettingSamples256AnchorsAtMostHalfPositive() {
        DetectorConfig.Rpn rpn = DetectorConfig.voc("resnet101").rpn();
        float[] anchors = Anchors.voc().grid(38, 50);
        float[] boxes = new float[4 * 40]; // many large boxes, for more than 128 positives
        for (int b = 0; b < 40; b++) {
            float x = 15 * b;
            float y = 10 * (b % 10);
            boxes[4 * b] = x;
            boxes[4 * b + 1] = y;
            boxes[4 * b + 2] = Math.min(x + 200, 799);
            boxes[4 * b + 3] = y + 400;
        }
        TargetAnchors.Assignment assignment =
                new TargetAnchors(rpn).assign(anchors, boxes, 600, 800, new Random(0));
        assertThat(assignment.count(1)).isEqualTo(128);
        assertThat(assignment.count(0)).isEqualTo(128);
    }

    @Test
    void theSameSeedDrawsTheSameSampleAndAnotherSeedAnother() {
        float[] anchors = gridOf160();
        float[] boxes = {10, 10, 60, 70, 80, 40, 150, 100};
        TargetAnchors sampler = new TargetAnchors(16, 0.5, 0.7, 0.3);
        int[] first = sampler.assign(anchors, boxes, 160, 160, new Random(42)).labels();
        assertThat(sampler.assign(anchors, boxes, 160, 160, new Random(42)).labels())
                .isEqualTo(first);
        assertThat(sampler.assign(anchors, boxes, 160, 160, new Random(43)).labels())
                .isNotEqualTo(first);
    }

    @Test
    void choosesEachCandidateEquallyOften() {
        int[] candidates = {3, 5, 8, 13};
        int[] chosen = new int[14];
        Random random = new Random(0);
        int draws = 20_000;
        for (int d = 0; d < draws; d++) {
            int[] pick = TargetAnchors.choose(candidates, 2, random);
            assertThat(pick).hasSize(2).doesNotHaveDuplicates().isSorted();
            for (int p : pick) {
                chosen[p]++;
            }
        }
        for (int c : candidates) { // each with probability 1/2; 4 standard deviations is 283
            assertThat(chosen[c]).isCloseTo(draws / 2, within(283));
        }
    }

    /** Anchors of 16, 32 and 64 pixels at stride 16 over a 160×160 image. */
    private static float[] gridOf160() {
        return new Anchors(16, new int[] {16, 32, 64}, new double[] {0.5, 1, 2}).grid(10, 10);
    }
}
