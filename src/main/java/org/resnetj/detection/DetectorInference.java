package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.resnetj.data.RgbImage;

/**
 * A trained detector on images, as py-faster-rcnn's {@code im_detect} and {@code test_net}: the
 * image at the configured scale (not mirrored), the trunk, the RPN's test-time proposals (6000 →
 * NMS → 300), RoI pooling, the head; then per class the RoIs moved by that class's deltas, clipped
 * to the image, those scoring above {@link #SCORE_THRESHOLD} kept, NMS within each class at {@code
 * testNms} (0.3), and the {@link #MAX_PER_IMAGE} best of all classes.
 */
public final class DetectorInference {

    /** py-faster-rcnn's {@code test_net} threshold: detections scoring lower are dropped. */
    public static final double SCORE_THRESHOLD = 0.05;

    /** py-faster-rcnn's {@code max_per_image}: at most this many detections per image. */
    public static final int MAX_PER_IMAGE = 100;

    private DetectorInference() {}

    /** Samples per bin along each axis of {@link DetectorConfig.Pooling#ALIGN}. */
    static final int ALIGN_SAMPLES = 2;

    /** The RoI pooling in front of the detector's head, as its configuration chooses. */
    static RoiPooling pooling(Detector detector) {
        return pooling(detector.config().fastRcnn().pooling(), detector.roiSize());
    }

    /** {@code kind} of RoI pooling to {@code side} × {@code side} at stride 16. */
    static RoiPooling pooling(DetectorConfig.Pooling kind, int side) {
        float scale = 1f / DetectorConfig.FEATURE_STRIDE;
        return switch (kind) {
            case POOL -> new RoiPool(side, side, scale);
            case ALIGN -> new RoiAlign(side, side, scale, ALIGN_SAMPLES, true);
        };
    }

    /** The anchors of a feature map of {@code height} × {@code width}. */
    static float[] anchors(DetectorConfig.Rpn rpn, int height, int width) {
        int[] sizes = rpn.anchorSizes().stream().mapToInt(Integer::intValue).toArray();
        double[] ratios = rpn.anchorRatios().stream().mapToDouble(Double::doubleValue).toArray();
        return new Anchors(DetectorConfig.FEATURE_STRIDE, sizes, ratios).grid(height, width);
    }

    /**
     * The detections of one image, in decreasing score, in the image's own pixels.
     *
     * @param imageId what each detection names as its image
     */
    public static List<Detection> detect(Detector detector, RgbImage image, String imageId) {
        return detect(detector, image, imageId, PhaseClock.OFF);
    }

    /**
     * As {@link #detect(Detector, RgbImage, String)}, charging its parts to {@code clock}: {@link
     * PhaseClock#INPUT}, {@link PhaseClock#TRUNK}, {@link PhaseClock#RPN} (the RPN's layers and the
     * proposal layer with its NMS), {@link PhaseClock#ROI_HEAD} (RoI pooling, the head, reading its
     * outputs back) and {@link PhaseClock#POSTPROCESS}.
     */
    public static List<Detection> detect(
            Detector detector, RgbImage image, String imageId, PhaseClock clock) {
        DetectorConfig config = detector.config();
        DetectionInput input =
                DetectionInput.of(image, config.scale(), false, detector.preprocessing());
        try (NDManager scope = detector.manager().newSubManager()) {
            NDArray batch = input.toBatch(scope);
            clock.lap(PhaseClock.INPUT);
            NDArray features = detector.trunk(batch);
            clock.lap(PhaseClock.TRUNK);
            Detector.RpnOutput rpn = detector.rpn(features);
            int h = (int) features.getShape().get(2);
            int w = (int) features.getShape().get(3);
            ProposalLayer.Proposals proposals =
                    ProposalLayer.test(config.rpn())
                            .propose(
                                    anchors(config.rpn(), h, w),
                                    rpn.objectnessPerAnchor().toFloatArray(),
                                    rpn.deltasPerAnchor().toFloatArray(),
                                    input.height(),
                                    input.width(),
                                    input.scale());
            clock.lap(PhaseClock.RPN);
            if (proposals.size() == 0) {
                return List.of();
            }
            NDArray pooled = pooling(detector).apply(features, Rois.ofImage(proposals.boxes()));
            Detector.HeadOutput head = detector.head(pooled, false);
            float[] probabilities = head.classProbabilities().toFloatArray();
            float[] deltas = head.boxDeltas().toFloatArray();
            clock.lap(PhaseClock.ROI_HEAD);
            List<Detection> detections =
                    select(config, input, proposals.boxes(), probabilities, deltas, imageId);
            clock.lap(PhaseClock.POSTPROCESS);
            return detections;
        }
    }

    /**
     * The detections of every image of {@code set}, reading each image file in turn.
     *
     * @param progress told the number of images done after each
     * @throws IOException naming the image file, if one cannot be read
     */
    public static List<Detection> detectAll(
            Detector detector, DetectionSet set, IntConsumer progress) throws IOException {
        List<Detection> all = new ArrayList<>();
        int done = 0;
        for (AnnotatedImage image : set.images()) {
            all.addAll(detect(detector, RgbImage.read(image.file()), image.id()));
            progress.accept(++done);
        }
        return all;
    }

    /**
     * From the head's outputs to detections: the RoIs in original pixels, each class's boxes
     * decoded from them (py-faster-rcnn divides the RoIs by the scale before decoding), clipped,
     * thresholded, suppressed per class and cut to the best {@link #MAX_PER_IMAGE}.
     */
    static List<Detection> select(
            DetectorConfig config,
            DetectionInput input,
            float[] rois,
            float[] probabilities,
            float[] deltas,
            String imageId) {
        int r = rois.length / 4;
        int classes = config.classes() + 1;
        List<Double> stds = config.fastRcnn().boxStds();
        BoxCoder coder = new BoxCoder(stds.get(0), stds.get(1), stds.get(2), stds.get(3));
        float[] boxes =
                BoxCoder.clip(
                        coder.decode(input.toOriginal(rois), deltas),
                        input.originalHeight(),
                        input.originalWidth());
        List<float[]> kept = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int k = 0; k < r; k++) {
            for (int c = 1; c < classes; c++) {
                float score = probabilities[k * classes + c];
                if (score > SCORE_THRESHOLD) {
                    int at = 4 * (k * classes + c);
                    kept.add(new float[] {boxes[at], boxes[at + 1], boxes[at + 2], boxes[at + 3]});
                    scores.add(score);
                    labels.add(c - 1);
                }
            }
        }
        float[] flat = new float[4 * kept.size()];
        float[] score = new float[kept.size()];
        int[] label = new int[kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            System.arraycopy(kept.get(i), 0, flat, 4 * i, 4);
            score[i] = scores.get(i);
            label[i] = labels.get(i);
        }
        int[] survivors = Nms.batchedNms(flat, score, label, config.fastRcnn().testNms());
        List<Detection> out = new ArrayList<>();
        for (int i = 0; i < Math.min(survivors.length, MAX_PER_IMAGE); i++) {
            int d = survivors[i];
            out.add(
                    new Detection(
                            imageId,
                            label[d],
                            score[d],
                            new Box(
                                    flat[4 * d],
                                    flat[4 * d + 1],
                                    flat[4 * d + 2],
                                    flat[4 * d + 3])));
        }
        return out;
    }
}
