package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * VOC's metric against cases worked out by hand from voc_eval.py's rules: ties, difficult objects,
 * an image without detections, the "+1" areas and the strict IoU > 0.5.
 */
class VocEvaluationTest {

    private static final double EPS = 1e-12;

    private static Box box(double x1, double y1, double x2, double y2) {
        return new Box(x1, y1, x2, y2);
    }

    private static AnnotatedImage image(String id, GroundTruth... objects) {
        return new AnnotatedImage(id, Path.of(id + ".jpg"), 200, 200, List.of(objects));
    }

    /**
     * Class "a": img1 has A1 and a difficult D1, img2 has A2, img3 has A3 and no detection. Class
     * "b" has no object at all.
     */
    private static DetectionSet truth() {
        return new DetectionSet(
                "hand",
                List.of("a", "b"),
                List.of(
                        image(
                                "img1",
                                GroundTruth.of(box(0, 0, 9, 9), 0),
                                new GroundTruth(box(20, 20, 29, 29), 0, true, false, 100)),
                        image("img2", GroundTruth.of(box(0, 0, 9, 9), 0)),
                        image("img3", GroundTruth.of(box(50, 50, 59, 59), 0))));
    }

    /**
     * Ranked: TP on A1, D1 (neither), TP on A2 and a duplicate on A1 tied at 0.7, a miss.
     * Recall/precision after each: (1/3, 1), (1/3, 1), then for the tie in this order (2/3, 1),
     * (2/3, 2/3), and last (2/3, 1/2).
     */
    private static List<Detection> detections(boolean duplicateFirst) {
        Detection onA2 = new Detection("img2", 0, 0.7, box(0, 0, 9, 9));
        Detection duplicate = new Detection("img1", 0, 0.7, box(0, 0, 9, 9));
        return List.of(
                new Detection("img2", 0, 0.5, box(100, 100, 109, 109)),
                new Detection("img1", 0, 0.9, box(0, 0, 9, 9)),
                new Detection("img1", 0, 0.8, box(20, 20, 29, 29)),
                duplicateFirst ? duplicate : onA2,
                duplicateFirst ? onA2 : duplicate,
                new Detection("img3", 1, 0.3, box(0, 0, 9, 9)));
    }

    @Test
    void voc07ElevenPointApTakesTheBestPrecisionAtEachRecallStep() {
        VocEvaluation.Result result =
                VocEvaluation.evaluate(
                        truth(), detections(false), VocEvaluation.Method.VOC07_11_POINT);
        // Recall reaches 2/3 with precision 1: points 0, 0.1, ..., 0.6 score 1, the rest 0.
        assertThat(result.averagePrecision().get(0)).isCloseTo(7.0 / 11, within(EPS));
        assertThat(result.averagePrecision().get(1)).isNaN();
        assertThat(result.meanAveragePrecision()).isCloseTo(7.0 / 11, within(EPS));
    }

    @Test
    void allPointApIsTheAreaUnderThePrecisionEnvelope() {
        VocEvaluation.Result result =
                VocEvaluation.evaluate(truth(), detections(false), VocEvaluation.Method.ALL_POINT);
        assertThat(result.averagePrecision().get(0)).isCloseTo(2.0 / 3, within(EPS));
    }

    @Test
    void tiedScoresKeepTheGivenOrder() {
        // The duplicate ranks before the true positive: (1/3, 1), (1/3, 1), (1/3, 1/2), (2/3,
        // 2/3), (2/3, 1/2).
        List<Detection> swapped = detections(true);
        assertThat(
                        VocEvaluation.evaluate(
                                        truth(), swapped, VocEvaluation.Method.VOC07_11_POINT)
                                .averagePrecision()
                                .get(0))
                .isCloseTo(6.0 / 11, within(EPS));
        assertThat(
                        VocEvaluation.evaluate(truth(), swapped, VocEvaluation.Method.ALL_POINT)
                                .averagePrecision()
                                .get(0))
                .isCloseTo(5.0 / 9, within(EPS));
    }

    @Test
    void overlapCountsWholePixelsAndMustExceedOneHalf() {
        // 10x10 against 10x19 pixels: IoU 100/190 with "+1", but 81/162 = 0.5 without.
        assertThat(VocEvaluation.iou(box(0, 0, 9, 9), box(0, 0, 9, 18)))
                .isCloseTo(100.0 / 190, within(EPS));
        DetectionSet one =
                new DetectionSet(
                        "one",
                        List.of("a"),
                        List.of(image("i", GroundTruth.of(box(0, 0, 9, 9), 0))));
        assertThat(
                        VocEvaluation.evaluate(
                                        one,
                                        List.of(new Detection("i", 0, 1, box(0, 0, 9, 18))),
                                        VocEvaluation.Method.ALL_POINT)
                                .meanAveragePrecision())
                .isEqualTo(1.0);
        // Exactly 0.5 (10x10 in 10x20) is a miss.
        assertThat(
                        VocEvaluation.evaluate(
                                        one,
                                        List.of(new Detection("i", 0, 1, box(0, 0, 9, 19))),
                                        VocEvaluation.Method.ALL_POINT)
                                .meanAveragePrecision())
                .isEqualTo(0.0);
    }

    @Test
    void noDetectionsScoreZeroAndAFirstHitOnADifficultObjectIsNotADivisionByZero() {
        assertThat(
                        VocEvaluation.evaluate(truth(), List.of(), VocEvaluation.Method.ALL_POINT)
                                .averagePrecision()
                                .get(0))
                .isEqualTo(0.0);
        List<Detection> difficultFirst =
                List.of(
                        new Detection("img1", 0, 0.9, box(20, 20, 29, 29)),
                        new Detection("img3", 0, 0.8, box(50, 50, 59, 59)));
        // (0, 0) then (1/3, 1): the 11-point AP has 1 at 0, 0.1, 0.2, 0.3.
        assertThat(
                        VocEvaluation.evaluate(
                                        truth(),
                                        difficultFirst,
                                        VocEvaluation.Method.VOC07_11_POINT)
                                .averagePrecision()
                                .get(0))
                .isCloseTo(4.0 / 11, within(EPS));
    }

    @Test
    void aDetectionOnAnUnknownImageIsRefused() {
        assertThatThrownBy(
                        () ->
                                VocEvaluation.evaluate(
                                        truth(),
                                        List.of(new Detection("nope", 0, 1, box(0, 0, 1, 1))),
                                        VocEvaluation.Method.ALL_POINT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
    }
}
