package org.resnetj.detection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * COCO's box metric: the twelve numbers of pycocotools' {@code COCOeval.summarize()}, computed as
 * its {@code evaluate()} and {@code accumulate()} do with the default parameters.
 *
 * <ul>
 *   <li>IoU thresholds 0.50:0.05:0.95, 101 recall points 0:0.01:1, at most 1, 10 or 100 detections
 *       per image and category, areas all, small (up to 32²), medium (32² to 96²), large (from
 *       96²); a range includes both ends.
 *   <li>IoU without "+1" on {@code [x, y, w, h]}; against a crowd box, intersection over the
 *       detection's area.
 *   <li>Per image, category and threshold, detections in descending score (ties in the order given,
 *       as its stable sort) take the unmatched box with the highest IoU at or above the threshold
 *       (the later box on equal IoU); a crowd box may be taken many times. Crowd boxes and boxes
 *       outside the area range are ignored: a detection matched to one counts for nothing, as does
 *       an unmatched detection outside the area range.
 *   <li>Precision at recall r is the envelope's value at the first rank whose recall reaches r, or
 *       0 when none does; AP averages it over categories with a non-ignored box, thresholds and
 *       recall points. AR averages the final recall likewise.
 * </ul>
 *
 * <p>One difference, on purpose: pycocotools records a match by the ground truth's annotation id
 * and so treats a box with id 0 as never matched; here a match is a match.
 */
public final class CocoEvaluation {

    /** The twelve summary lines, in {@code summarize()}'s order. */
    public static final List<String> STAT_NAMES =
            List.of(
                    "Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]");

    static final int THRESHOLDS = 10;
    static final int RECALL_POINTS = 101;
    static final int[] MAX_DETS = {1, 10, 100};
    private static final double[][] AREAS = {
        {0, 1e5 * 1e5}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e5 * 1e5}
    };
    private static final int ALL = 0;
    private static final int SMALL = 1;
    private static final int MEDIUM = 2;
    private static final int LARGE = 3;

    /** np.linspace(.5, 0.95, 10), whose values are i * step + 0.5 exactly. */
    static final double[] IOU_THRESHOLDS = new double[THRESHOLDS];

    /** np.linspace(.0, 1.00, 101), whose values are i * 0.01 exactly, the last 1.0. */
    static final double[] RECALL_THRESHOLDS = new double[RECALL_POINTS];

    static {
        double step = (0.95 - 0.5) / (THRESHOLDS - 1);
        for (int i = 0; i < THRESHOLDS; i++) {
            IOU_THRESHOLDS[i] = i * step + 0.5;
        }
        for (int i = 0; i < RECALL_POINTS; i++) {
            RECALL_THRESHOLDS[i] = i * 0.01;
        }
    }

    /**
     * The twelve numbers; -1 where no category has a box to find, as pycocotools prints.
     *
     * @param stats in the order of {@link #STAT_NAMES}
     */
    public record Summary(double[] stats) {

        public Summary {
            stats = stats.clone();
        }

        /** AP averaged over IoU 0.50:0.95, the COCO metric ("mAP@[.5, .95]"). */
        public double ap() {
            return stats[0];
        }

        /** AP at IoU 0.50 ("mAP@.5"). */
        public double ap50() {
            return stats[1];
        }

        /** Twelve lines as {@code summarize()} prints them. */
        public String format() {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < stats.length; i++) {
                text.append(String.format(" %s = %.3f%n", STAT_NAMES.get(i), stats[i]));
            }
            return text.toString();
        }
    }

    private CocoEvaluation() {}

    /**
     * Scores {@code detections} against {@code truth}, with COCO ids from {@link CocoDataset#of}.
     */
    public static Summary evaluate(DetectionSet truth, List<Detection> detections) {
        return evaluate(CocoDataset.of(truth), detections);
    }

    /**
     * Scores {@code detections} against {@code truth}; images are taken in ascending COCO id, as
     * pycocotools sorts them.
     *
     * @throws IllegalArgumentException if a detection names an image or class not in {@code truth}
     */
    public static Summary evaluate(CocoDataset truth, List<Detection> detections) {
        DetectionSet set = truth.set();
        int classes = set.classes().size();
        List<Integer> order = new ArrayList<>();
        Map<String, Integer> imageIndex = new HashMap<>();
        for (int i = 0; i < set.images().size(); i++) {
            order.add(i);
            imageIndex.put(set.images().get(i).id(), i);
        }
        order.sort(Comparator.comparingLong(truth.imageIds()::get));
        int images = order.size();
        // detections[image][class], in the order given
        List<List<List<Detection>>> found = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            List<List<Detection>> perClass = new ArrayList<>();
            for (int c = 0; c < classes; c++) {
                perClass.add(new ArrayList<>());
            }
            found.add(perClass);
        }
        for (Detection d : detections) {
            Integer image = imageIndex.get(d.imageId());
            if (image == null) {
                truth.imageId(d.imageId()); // throws, naming the image
            }
            if (d.label() >= classes) {
                throw new IllegalArgumentException(
                        "detection of class index " + d.label() + ", expected < " + classes);
            }
            found.get(image).get(d.label()).add(d);
        }
        double[][][][][] precision =
                new double[THRESHOLDS][RECALL_POINTS][classes][AREAS.length][MAX_DETS.length];
        double[][][][] recall = new double[THRESHOLDS][classes][AREAS.length][MAX_DETS.length];
        for (double[][][][] p : precision) {
            for (double[][][] q : p) {
                for (double[][] r : q) {
                    for (double[] s : r) {
                        Arrays.fill(s, -1);
                    }
                }
            }
        }
        for (double[][][] p : recall) {
            for (double[][] q : p) {
                for (double[] r : q) {
                    Arrays.fill(r, -1);
                }
            }
        }
        for (int c = 0; c < classes; c++) {
            for (int a = 0; a < AREAS.length; a++) {
                List<ImageResult> results = new ArrayList<>();
                for (int i : order) {
                    List<GroundTruth> objects = new ArrayList<>();
                    for (GroundTruth g : set.images().get(i).objects()) {
                        if (g.label() == c) {
                            objects.add(g);
                        }
                    }
                    ImageResult result = evaluateImage(objects, found.get(i).get(c), AREAS[a]);
                    if (result != null) {
                        results.add(result);
                    }
                }
                if (results.isEmpty()) {
                    continue;
                }
                for (int m = 0; m < MAX_DETS.length; m++) {
                    accumulate(results, MAX_DETS[m], c, a, m, precision, recall);
                }
            }
        }
        double[] stats = new double[12];
        stats[0] = meanPrecision(precision, -1, ALL, 2);
        stats[1] = meanPrecision(precision, 0, ALL, 2);
        stats[2] = meanPrecision(precision, 5, ALL, 2);
        stats[3] = meanPrecision(precision, -1, SMALL, 2);
        stats[4] = meanPrecision(precision, -1, MEDIUM, 2);
        stats[5] = meanPrecision(precision, -1, LARGE, 2);
        stats[6] = meanRecall(recall, ALL, 0);
        stats[7] = meanRecall(recall, ALL, 1);
        stats[8] = meanRecall(recall, ALL, 2);
        stats[9] = meanRecall(recall, SMALL, 2);
        stats[10] = meanRecall(recall, MEDIUM, 2);
        stats[11] = meanRecall(recall, LARGE, 2);
        return new Summary(stats);
    }

    /**
     * One image and category at one area range: {@code evaluateImg}'s matches for the top {@code
     * maxDets[-1]} detections.
     *
     * @param scores the detections' scores, descending
     * @param matched [threshold][detection]: matched to some box
     * @param ignored [threshold][detection]: left out of precision and recall
     * @param ignoredTruth per box; {@code npig} counts the others
     */
    private record ImageResult(
            double[] scores, boolean[][] matched, boolean[][] ignored, boolean[] ignoredTruth) {}

    private static ImageResult evaluateImage(
            List<GroundTruth> objects, List<Detection> detections, double[] range) {
        if (objects.isEmpty() && detections.isEmpty()) {
            return null;
        }
        // Ground truth with ignored boxes last (a stable sort), detections by descending score.
        List<GroundTruth> truth = new ArrayList<>(objects);
        truth.sort(Comparator.comparing(g -> ignored(g, range)));
        List<Detection> ranked = new ArrayList<>(detections);
        ranked.sort(Comparator.comparingDouble(Detection::score).reversed());
        int maxDet = MAX_DETS[MAX_DETS.length - 1];
        if (ranked.size() > maxDet) {
            ranked = ranked.subList(0, maxDet);
        }
        int g = truth.size();
        int d = ranked.size();
        boolean[] truthIgnored = new boolean[g];
        boolean[] crowd = new boolean[g];
        for (int j = 0; j < g; j++) {
            truthIgnored[j] = ignored(truth.get(j), range);
            crowd[j] = truth.get(j).crowd();
        }
        double[][] ious = new double[d][g];
        for (int k = 0; k < d; k++) {
            for (int j = 0; j < g; j++) {
                ious[k][j] = iou(ranked.get(k).box(), truth.get(j).box(), crowd[j]);
            }
        }
        boolean[][] matched = new boolean[THRESHOLDS][d];
        boolean[][] ignored = new boolean[THRESHOLDS][d];
        for (int t = 0; t < THRESHOLDS; t++) {
            boolean[] taken = new boolean[g];
            for (int k = 0; k < d; k++) {
                double best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
                int m = -1;
                for (int j = 0; j < g; j++) {
                    if (taken[j] && !crowd[j]) {
                        continue;
                    }
                    // Once matched to a box that counts, never settle for an ignored one.
                    if (m > -1 && !truthIgnored[m] && truthIgnored[j]) {
                        break;
                    }
                    if (ious[k][j] < best) {
                        continue;
                    }
                    best = ious[k][j];
                    m = j;
                }
                if (m == -1) {
                    continue;
                }
                ignored[t][k] = truthIgnored[m];
                matched[t][k] = true;
                taken[m] = true;
            }
        }
        for (int k = 0; k < d; k++) {
            double area = ranked.get(k).box().width() * ranked.get(k).box().height();
            boolean outside = area < range[0] || area > range[1];
            for (int t = 0; t < THRESHOLDS; t++) {
                ignored[t][k] |= !matched[t][k] && outside;
            }
        }
        double[] scores = new double[d];
        for (int k = 0; k < d; k++) {
            scores[k] = ranked.get(k).score();
        }
        return new ImageResult(scores, matched, ignored, truthIgnored);
    }

    /** pycocotools' {@code _ignore}: a crowd, or an area outside the range (ends included). */
    private static boolean ignored(GroundTruth g, double[] range) {
        return g.crowd() || g.area() < range[0] || g.area() > range[1];
    }

    /**
     * {@code bbIou} of cocoapi's maskApi.c: no "+1"; over the detection's own area for a crowd box.
     */
    static double iou(Box detection, Box truth, boolean crowd) {
        double dw = detection.width();
        double dh = detection.height();
        double gw = truth.width();
        double gh = truth.height();
        double w =
                Math.min(detection.x1() + dw, truth.x1() + gw)
                        - Math.max(detection.x1(), truth.x1());
        if (w <= 0) {
            return 0;
        }
        double h =
                Math.min(detection.y1() + dh, truth.y1() + gh)
                        - Math.max(detection.y1(), truth.y1());
        if (h <= 0) {
            return 0;
        }
        double intersection = w * h;
        double union = crowd ? dw * dh : dw * dh + gw * gh - intersection;
        return intersection / union;
    }

    /** {@code accumulate()} for one category, area range and detection limit. */
    private static void accumulate(
            List<ImageResult> results,
            int maxDet,
            int c,
            int a,
            int m,
            double[][][][][] precision,
            double[][][][] recall) {
        int npig = 0;
        for (ImageResult r : results) {
            for (boolean ig : r.ignoredTruth()) {
                if (!ig) {
                    npig++;
                }
            }
        }
        if (npig == 0) {
            return;
        }
        // Each image's first maxDet detections, then a stable sort on descending score.
        List<int[]> picks = new ArrayList<>(); // {result, detection}
        for (int i = 0; i < results.size(); i++) {
            int count = Math.min(maxDet, results.get(i).scores().length);
            for (int k = 0; k < count; k++) {
                picks.add(new int[] {i, k});
            }
        }
        picks.sort(Comparator.comparingDouble((int[] p) -> -results.get(p[0]).scores()[p[1]]));
        int nd = picks.size();
        for (int t = 0; t < THRESHOLDS; t++) {
            double[] rc = new double[nd];
            double[] pr = new double[nd];
            double tp = 0;
            double fp = 0;
            for (int n = 0; n < nd; n++) {
                ImageResult r = results.get(picks.get(n)[0]);
                int k = picks.get(n)[1];
                if (!r.ignored()[t][k]) {
                    if (r.matched()[t][k]) {
                        tp++;
                    } else {
                        fp++;
                    }
                }
                rc[n] = tp / npig;
                pr[n] = tp / (fp + tp + Math.ulp(1.0));
            }
            recall[t][c][a][m] = nd > 0 ? rc[nd - 1] : 0;
            for (int n = nd - 1; n > 0; n--) {
                if (pr[n] > pr[n - 1]) {
                    pr[n - 1] = pr[n];
                }
            }
            int n = 0;
            for (int ri = 0; ri < RECALL_POINTS; ri++) {
                // np.searchsorted(rc, recThrs, side='left'): the first rank with rc >= threshold
                while (n < nd && rc[n] < RECALL_THRESHOLDS[ri]) {
                    n++;
                }
                precision[t][ri][c][a][m] = n < nd ? pr[n] : 0;
            }
        }
    }

    /** The mean precision over thresholds (or threshold {@code t}), recall points and classes. */
    private static double meanPrecision(double[][][][][] precision, int t, int a, int m) {
        double sum = 0;
        int count = 0;
        for (int ti = 0; ti < THRESHOLDS; ti++) {
            if (t >= 0 && ti != t) {
                continue;
            }
            for (double[][][] atRecall : precision[ti]) {
                for (double[][] atClass : atRecall) {
                    double v = atClass[a][m];
                    if (v > -1) {
                        sum += v;
                        count++;
                    }
                }
            }
        }
        return count == 0 ? -1 : sum / count;
    }

    /** The mean final recall over thresholds and classes. */
    private static double meanRecall(double[][][][] recall, int a, int m) {
        double sum = 0;
        int count = 0;
        for (double[][][] atThreshold : recall) {
            for (double[][] atClass : atThreshold) {
                double v = atClass[a][m];
                if (v > -1) {
                    sum += v;
                    count++;
                }
            }
        }
        return count == 0 ? -1 : sum / count;
    }
}
