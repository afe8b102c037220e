package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * py-faster-rcnn's anchor and RoI targets: the labelling rules of Faster R-CNN Section 3.1.3 and
 * Fast R-CNN's sampling, on boxes whose overlaps are worked out by hand.
 */
class DetectionTargetsTest {

    private static final DetectorConfig.Rpn RPN = DetectorConfig.voc("resnet101").rpn();
    private static final DetectorConfig.FastRcnn HEAD = DetectorConfig.voc("resnet101").fastRcnn();

    @Test
    void overlapCountsWholePixels() {
        // [0, 9] and [5, 14] on x, same rows: 5 of 10 columns shared, union 15 columns.
        float[] a = {0, 0, 9, 9};
        float[] b = {5, 0, 14, 9};
        assertThat(DetectionTargets.iou(a, 0, b, 0)).isCloseTo(50.0 / 150.0, within(1e-12));
    }

    @Test
    void
            anchorsArePositiveAboveSevenTenthsOrBestForABoxNegativeBelowThreeTenthsAndIgnoredAcrossTheBorder() {
        float[] box = {10, 10, 49, 49}; // 40×40
        float[] anchors = {
            10, 10, 49, 49, // IoU 1: positive
            10, 10, 49, 55, // 40×46: IoU 1600/1840 = 0.87: positive
            10, 10, 49, 29, // 40×20: IoU 0.5: neither
            60, 60, 99, 99, // disjoint: negative
            -5, 10, 34, 49, // crosses the left border: ignored
            10, 30, 49, 89, // 40×60, overlap 40×20 = 800, union 3200: 0.25: negative
        };
        DetectionTargets.AnchorTargets t =
                DetectionTargets.anchors(anchors, box, 100, 100, RPN, new SplittableRandom(1));
        assertThat(t.labels()).containsExactly(1, 1, -1, 0, -1, 0);
        float[] expected = BoxCoder.RPN.encode(new float[] {10, 10, 49, 55}, box);
        assertThat(java.util.Arrays.copyOfRange(t.targets(), 4, 8)).containsExactly(expected);
    }

    @Test
    void theBestAnchorOfABoxIsPositiveEvenBelowSevenTenths() {
        float[] box = {10, 10, 49, 49};
        float[] anchors = {
            10, 10, 49, 29, // IoU 0.5, the best this box has
            60, 60, 99, 99,
        };
        DetectionTargets.AnchorTargets t =
                DetectionTargets.anchors(anchors, box, 100, 100, RPN, new SplittableRandom(1));
        assertThat(t.labels()).containsExactly(1, 0);
    }

    @Test
    void samplingKeepsAtMostHalfPositiveAndFillsTheBatchWithNegatives() {
        // 400 copies of the box (positive) and 400 disjoint anchors (negative).
        float[] box = {0, 0, 15, 15};
        float[] anchors = new float[4 * 800];
        for (int a = 0; a < 800; a++) {
            float shift = a < 400 ? 0 : 100;
            anchors[4 * a] = shift;
            anchors[4 * a + 1] = shift;
            anchors[4 * a + 2] = shift + 15;
            anchors[4 * a + 3] = shift + 15;
        }
        int[] labels =
                DetectionTargets.anchors(anchors, box, 200, 200, RPN, new SplittableRandom(7))
                        .labels();
        long positive = java.util.Arrays.stream(labels).filter(l -> l == 1).count();
        long negative = java.util.Arrays.stream(labels).filter(l -> l == 0).count();
        assertThat(positive).isEqualTo(128); // 0.5 × 256
        assertThat(negative).isEqualTo(128);
        for (int a = 0; a < 800; a++) {
            assertThat(labels[a]).isIn(-1, a < 400 ? 1 : 0);
        }
    }

    @Test
    void roisAppendTheBoxesTakeAQuarterForegroundAndBackgroundFromTenthToHalf() {
        float[] boxes = {100, 100, 139, 139, 300, 300, 339, 339};
        int[] classes = {2, 4};
        // 200 proposals near the first box (foreground), 200 half-overlapping it (IoU 1/3,
        // background), 200 far away (IoU 0: neither).
        float[] proposals = new float[4 * 600];
        for (int p = 0; p < 600; p++) {
            float dx = p < 200 ? p % 3 : p < 400 ? 20 : 500;
            proposals[4 * p] = 100 + dx;
            proposals[4 * p + 1] = 100;
            proposals[4 * p + 2] = 139 + dx;
            proposals[4 * p + 3] = 139;
        }
        DetectionTargets.RoiTargets rois =
                DetectionTargets.rois(proposals, boxes, classes, HEAD, new SplittableRandom(3));
        assertThat(rois.size()).isEqualTo(128);
        int foreground = 0;
        for (int k = 0; k < rois.size(); k++) {
            double best =
                    Math.max(
                            DetectionTargets.iou(rois.boxes(), k, boxes, 0),
                            DetectionTargets.iou(rois.boxes(), k, boxes, 1));
            if (rois.labels()[k] > 0) {
                foreground++;
                assertThat(best).isGreaterThanOrEqualTo(0.5);
                int own = DetectionTargets.iou(rois.boxes(), k, boxes, 0) >= 0.5 ? 0 : 1;
                assertThat(rois.labels()[k]).isEqualTo(classes[own] + 1);
                float[] expected =
                        BoxCoder.FAST_RCNN.encode(
                                java.util.Arrays.copyOfRange(rois.boxes(), 4 * k, 4 * k + 4),
                                java.util.Arrays.copyOfRange(boxes, 4 * own, 4 * own + 4));
                assertThat(java.util.Arrays.copyOfRange(rois.targets(), 4 * k, 4 * k + 4))
                        .containsExactly(expected);
            } else {
                assertThat(best).isGreaterThanOrEqualTo(0.1).isLessThan(0.5);
                assertThat(java.util.Arrays.copyOfRange(rois.targets(), 4 * k, 4 * k + 4))
                        .containsOnly(0f);
            }
        }
        assertThat(foreground).isEqualTo(32); // 25% of 128
    }

    @Test
    void theGroundTruthBoxesAreRoisSoEveryImageHasForeground() {
        float[] boxes = {10, 10, 59, 59};
        DetectionTargets.RoiTargets rois =
                DetectionTargets.rois(
                        new float[0], boxes, new int[] {0}, HEAD, new SplittableRandom(0));
        assertThat(rois.labels()).containsExactly(1);
        assertThat(rois.boxes()).containsExactly(boxes);
        assertThat(rois.targets()).containsOnly(0f);
    }
}
