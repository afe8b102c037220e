package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * py-faster-rcnn's proposal layer: decoded, clipped, small boxes dropped, the best pre-NMS kept,
 * NMS at 0.7, the best post-NMS returned.
 */
class ProposalLayerTest {

    private static final DetectorConfig.Rpn RPN = DetectorConfig.voc("resnet101").rpn();

    /** A 600×800 input at scale 2 (a 300×400 original). */
    private static final DetectionInput INPUT =
            new DetectionInput(new float[3 * 600 * 800], 600, 800, 2.0, false, 400, 300);

    @Test
    void zeroDeltasGiveTheAnchorsClippedInDecreasingScoreWithoutOverlapsAboveTheThreshold() {
        float[] anchors = Anchors.voc().grid(600 / 16, 800 / 16);
        int n = anchors.length / 4;
        float[] scores = new float[n];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            scores[i] = (float) random.nextGaussian();
        }
        ProposalLayer.Proposals test =
                ProposalLayer.propose(anchors, scores, new float[4 * n], INPUT, RPN, false);
        assertThat(test.size()).isEqualTo(RPN.postNmsTest());
        ProposalLayer.Proposals train =
                ProposalLayer.propose(anchors, scores, new float[4 * n], INPUT, RPN, true);
        assertThat(train.size()).isGreaterThan(RPN.postNmsTest()).isLessThanOrEqualTo(2000);
        float[] b = test.boxes();
        for (int i = 0; i < test.size(); i++) {
            if (i > 0) {
                assertThat(test.scores()[i]).isLessThanOrEqualTo(test.scores()[i - 1]);
            }
            assertThat(b[4 * i]).isBetween(0f, 799f);
            assertThat(b[4 * i + 2]).isBetween(0f, 799f);
            assertThat(b[4 * i + 1]).isBetween(0f, 599f);
            assertThat(b[4 * i + 3]).isBetween(0f, 599f);
            assertThat(b[4 * i + 2] - b[4 * i] + 1).isGreaterThanOrEqualTo(32f); // 16 px × 2
            for (int j = 0; j < i; j++) {
                assertThat(torchvisionIou(b, i, j)).isLessThanOrEqualTo(RPN.nms());
            }
        }
        // The first proposal is the best-scoring anchor, clipped, of those at least 32 px a side.
        float[] clipped = BoxCoder.clip(anchors.clone(), 600, 800);
        int best = -1;
        for (int i = 0; i < n; i++) {
            boolean big =
                    clipped[4 * i + 2] - clipped[4 * i] + 1 >= 32
                            && clipped[4 * i + 3] - clipped[4 * i + 1] + 1 >= 32;
            if (big && (best < 0 || scores[i] > scores[best])) {
                best = i;
            }
        }
        assertThat(java.util.Arrays.copyOfRange(b, 0, 4))
                .containsExactly(java.util.Arrays.copyOfRange(clipped, 4 * best, 4 * best + 4));
    }

    @Test
    void boxesNarrowerThanTheMinimumSizeInOriginalPixelsAreDropped() {
        // Two boxes: 20 input pixels wide (10 original: dropped) and 40 (20 original: kept).
        float[] anchors = {0, 0, 19, 19, 100, 100, 139, 139};
        ProposalLayer.Proposals p =
                ProposalLayer.propose(anchors, new float[] {5, 1}, new float[8], INPUT, RPN, false);
        assertThat(p.boxes()).containsExactly(100, 100, 139, 139);
        assertThat(p.scores()).containsExactly(1f);
    }

    /** torchvision's IoU, which {@link Nms} thresholds: no "+1". */
    private static double torchvisionIou(float[] b, int i, int j) {
        double w = Math.min(b[4 * i + 2], b[4 * j + 2]) - Math.max(b[4 * i], b[4 * j]);
        double h = Math.min(b[4 * i + 3], b[4 * j + 3]) - Math.max(b[4 * i + 1], b[4 * j + 1]);
        if (w <= 0 || h <= 0) {
            return 0;
        }
        double ai = (b[4 * i + 2] - b[4 * i]) * (b[4 * i + 3] - b[4 * i + 1]);
        double aj = (b[4 * j + 2] - b[4 * j]) * (b[4 * j + 3] - b[4 * j + 1]);
        return w * h / (ai + aj - w * h);
    }
}
