package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The RPN's proposals, as py-faster-rcnn's proposal layer, on hand-made scores. */
class ProposalLayerTest {

    private static final int HEIGHT = 100;
    private static final int WIDTH = 200;

    @Test
    void dropsBoxesBelowTheMinimumSizeInOriginalImagePixels() {
        float[] anchors = {
            0, 0, 7, 7, // 8×8: kept, 16 original pixels at scale 0.5 are 8 here
            20, 0, 26, 30, // 7 wide: dropped
            40, 0, 70, 6, // 7 high: dropped
            -20, 0, 7, 30 // 28 wide, but 8 once clipped to the image: kept
        };
        ProposalLayer.Proposals proposals =
                new ProposalLayer(10, 10, 0.7, 16)
                        .propose(
                                anchors,
                                new float[] {1, 4, 3, 2},
                                new float[16],
                                HEIGHT,
                                WIDTH,
                                0.5);
        assertThat(proposals.boxes()).containsExactly(0, 0, 7, 30, 0, 0, 7, 7);
        assertThat(proposals.scores()).containsExactly(2, 1);
    }

    @Test
    void decodesTheDeltasAndClipsToTheImage() {
        float[] anchor = {0, 0, 15, 15};
        float[] deltas = {0.75f, 0.125f, (float) Math.log(2), 0}; // to (4, 2, 35, 17)
        float[] outward = {0, 0, (float) Math.log(2), (float) Math.log(2)}; // to (-8, -8, 23, 23)
        ProposalLayer layer = new ProposalLayer(10, 10, 0.7, 0);
        assertThat(layer.propose(anchor, new float[1], deltas, HEIGHT, WIDTH, 1).boxes())
                .containsExactly(new float[] {4, 2, 35, 17}, within(1e-4f));
        assertThat(layer.propose(anchor, new float[1], outward, HEIGHT, WIDTH, 1).boxes())
                .containsExactly(new float[] {0, 0, 23, 23}, within(1e-4f));
    }

    @Test
    void suppressesOverlapsAboveTheThresholdWithPlusOnePixelAreas() {
        float[] anchors = {
            0, 0, 9, 9, // best
            0, 0, 7, 8, // IoU 72/100 = 0.72 with +1 areas (0.69 without): suppressed
            0, 0, 9, 6, // IoU exactly 70/100: not above 0.7, kept
            50, 50, 59, 59 // disjoint, kept
        };
        ProposalLayer.Proposals proposals =
                new ProposalLayer(10, 10, 0.7, 0)
                        .propose(
                                anchors, new float[] {9, 8, 7, 6}, new float[16], HEIGHT, WIDTH, 1);
        assertThat(proposals.scores()).containsExactly(9, 7, 6);
        assertThat(proposals.boxes()).containsExactly(0, 0, 9, 9, 0, 0, 9, 6, 50, 50, 59, 59);
    }

    @Test
    void nmsSeesOnlyThePreNmsBestAndReturnsAtMostPostNms() {
        float[] anchors = new float[4 * 6];
        for (int b = 0; b < 6; b++) { // six disjoint boxes, scored 0 to 5
            anchors[4 * b] = 20 * b;
            anchors[4 * b + 2] = 20 * b + 9;
            anchors[4 * b + 3] = 9;
        }
        float[] scores = {0, 1, 2, 3, 4, 5};
        float[] deltas = new float[24];
        assertThat(
                        new ProposalLayer(3, 10, 0.7, 0)
                                .propose(anchors, scores, deltas, 100, 200, 1)
                                .scores())
                .containsExactly(5, 4, 3);
        assertThat(
                        new ProposalLayer(10, 2, 0.7, 0)
                                .propose(anchors, scores, deltas, 100, 200, 1)
                                .scores())
                .containsExactly(5, 4);
    }

    @Test
    void thePapersCountsCapTrainingAndTestProposals() {
        DetectorConfig.Rpn rpn = DetectorConfig.voc("resnet101").rpn();
        float[] anchors = Anchors.voc().grid(38, 50);
        int count = anchors.length / 4;
        Random random = new Random(0);
        float[] scores = new float[count];
        float[] deltas = new float[4 * count];
        for (int i = 0; i < count; i++) {
            scores[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < deltas.length; i++) {
            deltas[i] = (float) (0.3 * random.nextGaussian());
        }
        ProposalLayer.Proposals training =
                ProposalLayer.training(rpn).propose(anchors, scores, deltas, 600, 800, 1.6);
        ProposalLayer.Proposals test =
                ProposalLayer.test(rpn).propose(anchors, scores, deltas, 600, 800, 1.6);
        assertThat(training.size()).isEqualTo(2000);
        assertThat(test.size()).isEqualTo(300);
        for (ProposalLayer.Proposals proposals : new ProposalLayer.Proposals[] {training, test}) {
            float[] boxes = proposals.boxes();
            assertThat(proposals.scores()).isSortedAccordingTo((a, b) -> Float.compare(b, a));
            double[] iou = Overlaps.iou(boxes, boxes);
            int n = proposals.size();
            double largestIou = 0;
            for (int i = 0; i < n; i++) {
                assertThat(boxes[4 * i + 2] - boxes[4 * i] + 1).isGreaterThanOrEqualTo(16 * 1.6f);
                assertThat(boxes[4 * i + 3] - boxes[4 * i + 1] + 1)
                        .isGreaterThanOrEqualTo(16 * 1.6f);
                assertThat(boxes[4 * i]).isGreaterThanOrEqualTo(0);
                assertThat(boxes[4 * i + 2]).isLessThanOrEqualTo(799);
                for (int j = i + 1; j < n; j++) {
                    largestIou = Math.max(largestIou, iou[i * n + j]);
                }
            }
            assertThat(largestIou).isLessThanOrEqualTo(0.7 + 1e-6);
        }
        // The test proposals are the first of the training ones: NMS is greedy, and both see the
        // same best 6000 boxes first.
        assertThat(training.scores()).startsWith(test.scores());
    }

    @Test
    void rejectsDeltasThatDoNotMatchTheScores() {
        assertThatThrownBy(
                        () ->
                                new ProposalLayer(1, 1, 0.7, 0)
                                        .propose(
                                                new float[8],
                                                new float[2],
                                                new float[4],
                                                10,
                                                10,
                                                1))
                .hasMessageContaining("expected 4 of each per score");
    }
}
