package org.resnetj.detection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * PASCAL VOC's detection metric, as py-faster-rcnn's {@code voc_eval.py} computes it.
 *
 * <p>For each class, detections are taken in descending score (ties in the order given, as numpy's
 * sort of fewer than 17 scores keeps them). Each is matched to the ground-truth box of its class in
 * its image with the largest overlap {@code ovmax} (IoU with VOC's "+1" areas, the first box on
 * ties); it is a true positive if {@code ovmax > 0.5} and that box is not yet taken, a false
 * positive if it is taken or {@code ovmax <= 0.5}; matching a difficult box counts as neither.
 * Recall divides by the non-difficult boxes. AP is the VOC 2007 11-point interpolated precision or,
 * from VOC 2010, the area under the precision envelope.
 */
public final class VocEvaluation {

    /** How precision and recall become one number. */
    public enum Method {
        /** VOC 2007: the mean of the best precision at recall >= 0, 0.1, ..., 1. */
        VOC07_11_POINT,
        /** VOC 2010 and later: the area under the monotone precision envelope. */
        ALL_POINT
    }

    /** VOC's overlap criterion: a match needs an IoU strictly above it. */
    public static final double IOU_THRESHOLD = 0.5;

    /**
     * Per-class and mean AP.
     *
     * @param averagePrecision in label order; NaN for a class with no non-difficult object
     * @param meanAveragePrecision the mean over the classes whose AP is defined
     */
    public record Result(
            Method method,
            List<String> classes,
            List<Double> averagePrecision,
            double meanAveragePrecision) {

        /** One line per class, then the mean, as percentages. */
        public String format() {
            StringBuilder text = new StringBuilder();
            for (int c = 0; c < classes.size(); c++) {
                text.append(
                        String.format(
                                "AP %-14s %6.2f%n", classes.get(c), 100 * averagePrecision.get(c)));
            }
            text.append(String.format("mAP (%s) %6.2f%n", method, 100 * meanAveragePrecision));
            return text.toString();
        }
    }

    private VocEvaluation() {}

    /**
     * Scores {@code detections} against the objects of {@code truth}.
     *
     * @throws IllegalArgumentException if a detection names an image or class not in {@code truth}
     */
    public static Result evaluate(DetectionSet truth, List<Detection> detections, Method method) {
        Map<String, AnnotatedImage> images = new HashMap<>();
        for (AnnotatedImage image : truth.images()) {
            images.put(image.id(), image);
        }
        int classes = truth.classes().size();
        List<List<Detection>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (Detection d : detections) {
            if (!images.containsKey(d.imageId())) {
                throw new IllegalArgumentException(
                        "detection on image " + d.imageId() + ", which is not in " + truth.name());
            }
            if (d.label() >= classes) {
                throw new IllegalArgumentException(
                        "detection of class index " + d.label() + ", expected < " + classes);
            }
            byClass.get(d.label()).add(d);
        }
        List<Double> aps = new ArrayList<>(classes);
        double sum = 0;
        int defined = 0;
        for (int c = 0; c < classes; c++) {
            double ap = classAp(truth, images, c, byClass.get(c), method);
            aps.add(ap);
            if (!Double.isNaN(ap)) {
                sum += ap;
                defined++;
            }
        }
        return new Result(method, truth.classes(), aps, defined == 0 ? Double.NaN : sum / defined);
    }

    private static double classAp(
            DetectionSet truth,
            Map<String, AnnotatedImage> images,
            int label,
            List<Detection> detections,
            Method method) {
        int positives = 0;
        for (AnnotatedImage image : truth.images()) {
            for (GroundTruth g : image.objects()) {
                if (g.label() == label && !g.difficult()) {
                    positives++;
                }
            }
        }
        if (positives == 0) {
            return Double.NaN;
        }
        List<Detection> ranked = new ArrayList<>(detections);
        ranked.sort(Comparator.comparingDouble(Detection::score).reversed());
        Map<String, boolean[]> taken = new HashMap<>();
        int n = ranked.size();
        double[] recall = new double[n];
        double[] precision = new double[n];
        int tp = 0;
        int fp = 0;
        for (int d = 0; d < n; d++) {
            Detection detection = ranked.get(d);
            List<GroundTruth> objects = images.get(detection.imageId()).objects();
            boolean[] used =
                    taken.computeIfAbsent(detection.imageId(), k -> new boolean[objects.size()]);
            double ovmax = Double.NEGATIVE_INFINITY;
            int jmax = -1;
            for (int j = 0; j < objects.size(); j++) {
                GroundTruth g = objects.get(j);
                if (g.label() != label) {
                    continue;
                }
                double overlap = iou(detection.box(), g.box());
                if (overlap > ovmax) {
                    ovmax = overlap;
                    jmax = j;
                }
            }
            if (ovmax > IOU_THRESHOLD) {
                if (!objects.get(jmax).difficult()) {
                    if (!used[jmax]) {
                        tp++;
                        used[jmax] = true;
                    } else {
                        fp++;
                    }
                }
            } else {
                fp++;
            }
            recall[d] = (double) tp / positives;
            // voc_eval.py guards the division for a first detection on a difficult box.
            precision[d] = tp / Math.max(tp + fp, Math.ulp(1.0));
        }
        return averagePrecision(recall, precision, method);
    }

    /**
     * VOC's intersection over union with "+1" areas: boxes cover whole pixels, {@code x2}
     * inclusive.
     */
    static double iou(Box a, Box b) {
        double iw = Math.max(Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()) + 1, 0);
        double ih = Math.max(Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()) + 1, 0);
        double intersection = iw * ih;
        return intersection / (a.area() + b.area() - intersection);
    }

    /** {@code voc_ap}: AP from the cumulative recall and precision after each ranked detection. */
    static double averagePrecision(double[] recall, double[] precision, Method method) {
        if (method == Method.VOC07_11_POINT) {
            double ap = 0;
            for (int i = 0; i <= 10; i++) {
                double t = i * 0.1; // np.arange(0., 1.1, 0.1) holds exactly these values
                double p = 0;
                for (int d = 0; d < recall.length; d++) {
                    if (recall[d] >= t) {
                        p = Math.max(p, precision[d]);
                    }
                }
                ap += p / 11;
            }
            return ap;
        }
        int n = recall.length;
        double[] mrec = new double[n + 2];
        double[] mpre = new double[n + 2];
        System.arraycopy(recall, 0, mrec, 1, n);
        System.arraycopy(precision, 0, mpre, 1, n);
        mrec[n + 1] = 1;
        for (int i = n + 1; i > 0; i--) {
            mpre[i - 1] = Math.max(mpre[i - 1], mpre[i]);
        }
        double ap = 0;
        for (int i = 0; i <= n; i++) {
            if (mrec[i + 1] != mrec[i]) {
                ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
            }
        }
        return ap;
    }
}
