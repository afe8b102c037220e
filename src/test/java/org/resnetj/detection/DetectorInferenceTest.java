package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * From the head's outputs to detections, as py-faster-rcnn's {@code test_net}: scores above 0.05,
 * per-class NMS at 0.3 (Faster R-CNN's test setting), at most 100 per image, boxes in the original
 * image.
 */
class DetectorInferenceTest {

    private static final DetectorConfig CONFIG = DetectorConfig.voc("resnet101");
    private static final int CLASSES = CONFIG.classes() + 1;

    /** A 400×300 original at scale 2, not mirrored. */
    private static final DetectionInput INPUT =
            new DetectionInput(new float[3 * 600 * 800], 600, 800, 2.0, false, 400, 300);

    @Test
    void overlapsAboveThreeTenthsOfOneClassAreSuppressedButNotAcrossClasses() {
        // RoI 0 and RoI 1 overlap with IoU 0.6 (in original pixels, no +1), RoI 2 with IoU 0.2.
        float[] rois = {
            0, 0, 200, 200, // original 0..100
            50, 0, 250, 200, // original 25..125: IoU 75/125 = 0.6
            150, 0, 350, 200, // original 75..175: IoU 25/175 with RoI 0 < 0.3
        };
        float[] probabilities = new float[3 * CLASSES];
        probabilities[0 * CLASSES + 1] = 0.9f; // class 0 ("aeroplane")
        probabilities[1 * CLASSES + 1] = 0.8f; // class 0: suppressed by RoI 0
        probabilities[1 * CLASSES + 2] = 0.7f; // class 1: kept, another class
        probabilities[2 * CLASSES + 1] = 0.6f; // class 0: kept, low overlap
        probabilities[2 * CLASSES + 3] = 0.04f; // below 0.05: dropped
        List<Detection> detections =
                DetectorInference.select(
                        CONFIG, INPUT, rois, probabilities, new float[3 * 4 * CLASSES], "img");
        assertThat(detections)
                .extracting(Detection::score)
                .containsExactly((double) 0.9f, (double) 0.7f, (double) 0.6f);
        assertThat(detections).extracting(Detection::label).containsExactly(0, 1, 0);
        assertThat(detections.get(0).box()).isEqualTo(new Box(0, 0, 100, 100));
        assertThat(detections.get(2).box()).isEqualTo(new Box(75, 0, 175, 100));
    }

    @Test
    void atMostOneHundredDetectionsPerImageTheBestOnes() {
        int r = 150; // disjoint 2×2 RoIs, each scoring for one class
        float[] rois = new float[4 * r];
        float[] probabilities = new float[r * CLASSES];
        for (int k = 0; k < r; k++) {
            rois[4 * k] = 5 * (k % 15) * 2;
            rois[4 * k + 1] = 5 * (k / 15) * 2;
            rois[4 * k + 2] = rois[4 * k] + 4;
            rois[4 * k + 3] = rois[4 * k + 1] + 4;
            probabilities[k * CLASSES + 1 + k % 20] = 0.1f + 0.005f * k;
        }
        List<Detection> detections =
                DetectorInference.select(
                        CONFIG, INPUT, rois, probabilities, new float[r * 4 * CLASSES], "img");
        assertThat(detections).hasSize(DetectorInference.MAX_PER_IMAGE);
        assertThat(detections.get(99).score())
                .isEqualTo(0.1f + 0.005f * 50, org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void poolingIsTheConfigurationsChoiceAndMaxPoolingWhereAnOlderOneNamesNone() {
        assertThat(DetectorInference.pooling(DetectorConfig.Pooling.POOL, 14))
                .isInstanceOf(RoiPool.class);
        assertThat(DetectorInference.pooling(DetectorConfig.Pooling.ALIGN, 7))
                .isInstanceOf(RoiAlign.class);
        assertThat(DetectorConfig.voc("resnet101").fastRcnn().pooling())
                .isEqualTo(DetectorConfig.Pooling.POOL);

        Map<String, Object> older =
                DetectionRun.JSON.convertValue(
                        DetectorConfig.voc("resnet101").fastRcnn(),
                        new TypeReference<Map<String, Object>>() {});
        older.remove("pooling");
        assertThat(DetectionRun.JSON.convertValue(older, DetectorConfig.FastRcnn.class).pooling())
                .isEqualTo(DetectorConfig.Pooling.POOL);
    }
}
