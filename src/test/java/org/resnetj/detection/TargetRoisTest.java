package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Fast R-CNN head's RoI sampling, as py-faster-rcnn's proposal target layer. */
class TargetRoisTest {

    // Two 20×20 boxes, of classes 2 and 0.
    private static final float[] BOXES = {0, 0, 19, 19, 50, 50, 69, 69};
    private static final int[] CLASSES = {2, 0};
    private static final float[] PROPOSALS = {
        0, 0, 19, 17, // IoU 0.9 with box 0: foreground
        50, 50, 69, 59, // IoU exactly 0.5 with box 1: foreground
        0, 0, 19, 7, // IoU 0.4: background
        0, 0, 19, 1, // IoU exactly 0.1: background
        0, 0, 19, 0, // IoU 0.05: neither
        100, 100, 120, 120 // IoU 0: neither
    };

    private static TargetRois sampler(int batch, double fgFraction) {
        return new TargetRois(
                new DetectorConfig.FastRcnn(
                        batch,
                        fgFraction,
                        0.5,
                        0.1,
                        0.5,
                        List.of(0.1, 0.1, 0.2, 0.2),
                        1,
                        0.3,
                        0,
                        null));
    }

    @Test
    void labelsForegroundByClassPlusOneAndBackgroundZeroWithTheBoxesAppended() {
        TargetRois.Sample sample =
                sampler(16, 0.5).sample(PROPOSALS, BOXES, CLASSES, new Random(0));
        assertThat(sample.rois())
                .containsExactly(
                        0, 0, 19, 17, 50, 50, 69, 59, 0, 0, 19, 19, 50, 50, 69, 69, // foreground
                        0, 0, 19, 7, 0, 0, 19, 1); // background
        assertThat(sample.labels()).containsExactly(3, 1, 3, 1, 0, 0);
        assertThat(sample.foreground()).isEqualTo(4);
    }

    @Test
    void targetsAreTheNormalisedEncodingOfTheMatchedBoxForForegroundOnly() {
        float[] targets =
                sampler(16, 0.5).sample(PROPOSALS, BOXES, CLASSES, new Random(0)).targets();
        // Centre (10, 9), 20×18 to centre (10, 10), 20×20; divided by 0.1, 0.1, 0.2, 0.2.
        assertThat(Arrays.copyOfRange(targets, 0, 4))
                .containsExactly(
                        new float[] {0, 10f / 18, 0, (float) (Math.log(20.0 / 18) / 0.2)},
                        within(1e-5f));
        // Centre (60, 55), 20×10 to centre (60, 60), 20×20.
        assertThat(Arrays.copyOfRange(targets, 4, 8))
                .containsExactly(new float[] {0, 5, 0, (float) (Math.log(2) / 0.2)}, within(1e-5f));
        assertThat(Arrays.copyOfRange(targets, 8, 24)).containsOnly(0f); // boxes, background
    }

    @Test
    void takesRoundedFractionOfForegroundAndNoMoreBackgroundThanThereIs() {
        TargetRois.Sample sample =
                sampler(8, 0.25).sample(PROPOSALS, BOXES, CLASSES, new Random(0));
        assertThat(sample.foreground()).isEqualTo(2); // round(8 · 0.25) of the 4 candidates
        assertThat(sample.size()).isEqualTo(4); // and both background candidates, not 6
        assertThat(Arrays.copyOfRange(sample.labels(), 2, 4)).containsOnly(0);
    }

    @Test
    void withoutProposalsTheBoxesThemselvesAreTheForeground() {
        TargetRois.Sample sample =
                sampler(16, 0.5).sample(new float[0], BOXES, CLASSES, new Random(0));
        assertThat(sample.rois()).containsExactly(BOXES);
        assertThat(sample.labels()).containsExactly(3, 1);
        assertThat(sample.targets()).containsOnly(0f);
    }

    @Test
    void anImageWithoutBoxesGivesNoRois() {
        TargetRois.Sample sample =
                sampler(16, 0.5).sample(PROPOSALS, new float[0], new int[0], new Random(0));
        assertThat(sample.size()).isZero();
        assertThat(sample.rois()).isEmpty();
    }

    @Test
    void thePapersSettingSamples32ForegroundAnd96BackgroundInTheirIouRanges() {
        Random random = new Random(5);
        float[] proposals = jittered(BOXES, 2000, random);
        TargetRois.Sample sample =
                new TargetRois(DetectorConfig.voc("resnet101").fastRcnn())
                        .sample(proposals, BOXES, CLASSES, new Random(1));
        assertThat(sample.size()).isEqualTo(128);
        assertThat(sample.foreground()).isEqualTo(32);
        double[] iou = Overlaps.iou(sample.rois(), BOXES);
        for (int r = 0; r < sample.size(); r++) {
            int best = iou[2 * r] >= iou[2 * r + 1] ? 0 : 1;
            double bestIou = iou[2 * r + best];
            float[] target = Arrays.copyOfRange(sample.targets(), 4 * r, 4 * r + 4);
            if (r < 32) {
                assertThat(bestIou).isGreaterThanOrEqualTo(0.5);
                assertThat(sample.labels()[r]).isEqualTo(CLASSES[best] + 1);
                float[] roi = Arrays.copyOfRange(sample.rois(), 4 * r, 4 * r + 4);
                assertThat(BoxCoder.FAST_RCNN.decode(roi, target))
                        .containsExactly(
                                Arrays.copyOfRange(BOXES, 4 * best, 4 * best + 4), within(1e-3f));
            } else {
                assertThat(bestIou).isGreaterThanOrEqualTo(0.1).isLessThan(0.5);
                assertThat(sample.labels()[r]).isZero();
                assertThat(target).containsOnly(0f);
            }
        }
    }

    @Test
    void theSameSeedDrawsTheSameSample() {
        float[] proposals = jittered(BOXES, 500, new Random(5));
        TargetRois sampler = sampler(32, 0.25);
        TargetRois.Sample first = sampler.sample(proposals, BOXES, CLASSES, new Random(9));
        TargetRois.Sample again = sampler.sample(proposals, BOXES, CLASSES, new Random(9));
        TargetRois.Sample other = sampler.sample(proposals, BOXES, CLASSES, new Random(10));
        assertThat(again.rois()).isEqualTo(first.rois());
        assertThat(other.rois()).isNotEqualTo(first.rois());
    }

    /** Proposals around the boxes: each box shifted and stretched by up to its own size. */
    private static float[] jittered(float[] boxes, int count, Random random) {
        float[] out = new float[4 * count];
        for (int p = 0; p < count; p++) {
            int b = 4 * (p % (boxes.length / 4));
            float x = boxes[b] + 20 * (random.nextFloat() - 0.5f);
            float y = boxes[b + 1] + 20 * (random.nextFloat() - 0.5f);
            out[4 * p] = x;
            out[4 * p + 1] = y;
            out[4 * p + 2] = x + 10 + 20 * random.nextFloat();
            out[4 * p + 3] = y + 10 + 20 * random.nextFloat();
        }
        return out;
    }
}
