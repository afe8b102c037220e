package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * COCO's twelve numbers against cases worked out by hand from cocoeval.py's rules: partial overlaps
 * across the ten thresholds, crowd boxes, area ranges, the detection limits, ties in IoU, and
 * images without detections.
 */
class CocoEvaluationTest {

    /** Precision 1/(1 + eps) is what cocoeval.py computes for "1". */
    private static final double CLOSE = 1e-12;

    private static Box xywh(double x, double y, double w, double h) {
        return Box.fromXywh(x, y, w, h);
    }

    private static GroundTruth object(Box box) {
        return new GroundTruth(box, 0, false, false, box.width() * box.height());
    }

    private static AnnotatedImage image(int id, GroundTruth... objects) {
        return new AnnotatedImage(
                Integer.toString(id), Path.of(id + ".jpg"), 300, 300, List.of(objects));
    }

    private static Detection detection(int image, double score, Box box) {
        return new Detection(Integer.toString(image), 0, score, box);
    }

    private static double[] evaluate(List<AnnotatedImage> images, List<Detection> detections) {
        return CocoEvaluation.evaluate(new DetectionSet("hand", List.of("a"), images), detections)
                .stats();
    }

    @Test
    void anExactDetectionScoresOneWhereTheAreaRangeHasObjects() {
        double[] stats =
                evaluate(
                        List.of(image(1, object(xywh(0, 0, 10, 10)))),
                        List.of(detection(1, 0.5, xywh(0, 0, 10, 10))));
        assertThat(stats)
                .containsExactly(
                        new double[] {1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1}, within(CLOSE));
    }

    @Test
    void anOverlapOf10Over13MatchesAtTheSixThresholdsUpTo075() {
        double[] stats =
                evaluate(
                        List.of(image(1, object(xywh(0, 0, 10, 10)))),
                        List.of(detection(1, 0.5, xywh(0, 0, 10, 13))));
        assertThat(CocoEvaluation.iou(xywh(0, 0, 10, 13), xywh(0, 0, 10, 10), false))
                .isEqualTo(100.0 / 130);
        assertThat(stats)
                .containsExactly(
                        new double[] {0.6, 1, 1, 0.6, -1, -1, 0.6, 0.6, 0.6, 0.6, -1, -1},
                        within(CLOSE));
    }

    @Test
    void detectionsInsideACrowdAreNeitherRewardedNorPenalised() {
        Box crowd = xywh(20, 0, 20, 40);
        // Against a crowd box IoU is the intersection over the detection's area.
        assertThat(CocoEvaluation.iou(xywh(22, 2, 10, 10), crowd, true)).isEqualTo(1.0);
        assertThat(CocoEvaluation.iou(xywh(35, 0, 10, 10), crowd, true)).isEqualTo(0.5);
        List<AnnotatedImage> images =
                List.of(
                        image(
                                1,
                                object(xywh(0, 0, 10, 10)),
                                new GroundTruth(crowd, 0, false, true, 800)));
        // Two detections inside the crowd outrank the true positive: were they false positives,
        // AP would be 1/3.
        double[] inside =
                evaluate(
                        images,
                        List.of(
                                detection(1, 0.95, xywh(22, 2, 10, 10)),
                                detection(1, 0.93, xywh(30, 30, 10, 10)),
                                detection(1, 0.9, xywh(0, 0, 10, 10))));
        assertThat(inside[0]).isCloseTo(1, within(CLOSE));
        // Half inside: ignored at IoU 0.50, a false positive above. Precision is 1 at 0.50 and
        // 1/2 at the other nine thresholds; AR@1 keeps only that detection, which finds nothing.
        double[] half =
                evaluate(
                        images,
                        List.of(
                                detection(1, 0.96, xywh(35, 0, 10, 10)),
                                detection(1, 0.9, xywh(0, 0, 10, 10))));
        assertThat(half)
                .containsExactly(
                        new double[] {0.55, 1, 0.5, 0.55, -1, -1, 0, 1, 1, 1, -1, -1},
                        within(CLOSE));
    }

    @Test
    void areaRangesIgnoreObjectsAndUnmatchedDetectionsOutsideThem() {
        // A small, a medium and a large object; the large one's image has no detection. Two exact
        // detections tie at 0.9 on different images; a small false positive follows.
        List<AnnotatedImage> images =
                List.of(
                        image(1, object(xywh(0, 0, 10, 10))),
                        image(2, object(xywh(0, 0, 50, 50))),
                        image(3, object(xywh(0, 0, 100, 100))));
        double[] stats =
                evaluate(
                        images,
                        List.of(
                                detection(1, 0.9, xywh(0, 0, 10, 10)),
                                detection(2, 0.9, xywh(0, 0, 50, 50)),
                                detection(2, 0.8, xywh(60, 60, 10, 10))));
        // all: recall 1/3, 2/3, 2/3 at precision 1, 1, 2/3: recall points 0 .. 0.66 score 1.
        double all = 67.0 / 101;
        assertThat(stats)
                .containsExactly(
                        new double[] {all, all, all, 1, 1, 0, 2.0 / 3, 2.0 / 3, 2.0 / 3, 1, 1, 0},
                        within(CLOSE));
    }

    @Test
    void aDetectionTakesTheLaterOfTwoBoxesWithEqualOverlap() {
        // x overlaps g1 and g2 equally (90/110); cocoeval.py's ">=" gives it g2, which leaves y
        // only g1 at 70/130. At 0.50 both match (AP 1); from 0.55 to 0.80 only x does (recall
        // 1/2: 51 of 101 points; six thresholds); from 0.85 nothing matches. Giving x the first
        // box would score (1 + 6) / 10.
        List<AnnotatedImage> images =
                List.of(image(1, object(xywh(0, 0, 10, 10)), object(xywh(2, 0, 10, 10))));
        double[] stats =
                evaluate(
                        images,
                        List.of(
                                detection(1, 0.9, xywh(1, 0, 10, 10)),
                                detection(1, 0.8, xywh(3, 0, 10, 10))));
        assertThat(stats[0]).isCloseTo((1 + 6 * 51.0 / 101) / 10, within(CLOSE));
        assertThat(stats[1]).isCloseTo(1, within(CLOSE));
        assertThat(stats[2]).isCloseTo(51.0 / 101, within(CLOSE));
        // Recall: 1 at 0.50, 1/2 at six thresholds, 0 at three.
        assertThat(stats[8]).isCloseTo((1 + 6 * 0.5) / 10, within(CLOSE));
    }

    @Test
    void noDetectionsGiveZeroWhereThereAreObjects() {
        double[] stats =
                evaluate(List.of(image(1, object(xywh(0, 0, 40, 40))), image(2)), List.of());
        assertThat(stats)
                .containsExactly(
                        new double[] {0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, -1}, within(0.0));
    }

    @Test
    void onlyTheHundredBestDetectionsPerImageCount() {
        // 100 false positives outrank the one true detection, which falls outside maxDets 100.
        List<Detection> detections = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            detections.add(detection(1, 0.9, xywh(200, 200, 10, 10)));
        }
        detections.add(detection(1, 0.1, xywh(0, 0, 10, 10)));
        double[] stats = evaluate(List.of(image(1, object(xywh(0, 0, 10, 10)))), detections);
        assertThat(stats[0]).isEqualTo(0.0);
        assertThat(stats[8]).isEqualTo(0.0);
        detections.remove(0);
        // With 99 before it, it is the 100th: recall 1 at precision 1/100.
        stats = evaluate(List.of(image(1, object(xywh(0, 0, 10, 10)))), detections);
        assertThat(stats[0]).isCloseTo(0.01, within(CLOSE));
        assertThat(stats[8]).isEqualTo(1.0);
        assertThat(stats[7]).isEqualTo(0.0);
    }
}
