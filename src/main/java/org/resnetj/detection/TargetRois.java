package org.resnetj.detection;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The Fast R-CNN head's training RoIs for one image, as py-faster-rcnn's {@code
 * ProposalTargetLayer} (the paper's Appendix A: 128 RoIs per image, 25% foreground):
 *
 * <ol>
 *   <li>The ground-truth boxes are appended to the proposals, so that every box has at least one
 *       perfect RoI.
 *   <li>Each candidate is matched to the box it overlaps most (IoU with +1 areas, {@link Overlaps};
 *       the first such box on a tie).
 *   <li>Foreground: IoU at least {@code fgIou} (0.5), at most {@code round(batch · fgFraction)}
 *       (32) of them drawn uniformly without replacement. Background: IoU in [{@code bgIouLow},
 *       {@code bgIouHigh}) = [0.1, 0.5), drawn the same way to fill the batch. With too few
 *       candidates the sample is smaller than the batch: py-faster-rcnn neither repeats RoIs nor
 *       pads.
 * </ol>
 *
 * <p>An image without boxes has no candidate of IoU 0.1 or more, so it gives no RoIs;
 * py-faster-rcnn trains on no such image (its {@code filter_roidb}), and a caller should skip it.
 */
public final class TargetRois {

    private final DetectorConfig.FastRcnn config;
    private final BoxCoder coder;

    /** The sampling and target normalisation of the Fast R-CNN configuration. */
    public TargetRois(DetectorConfig.FastRcnn config) {
        List<Double> stds = config.boxStds();
        this.config = config;
        this.coder = new BoxCoder(stds.get(0), stds.get(1), stds.get(2), stds.get(3));
    }

    /**
     * One image's sampled RoIs, foreground first.
     *
     * @param rois 4 per RoI, (x1, y1, x2, y2) in the scaled image's inclusive pixels
     * @param labels one per RoI: the matched box's class + 1 for foreground, 0 for background (the
     *     labels {@link DetectionLosses#fastRcnnClass} takes)
     * @param targets 4 per RoI: the encoding ({@link BoxCoder#FAST_RCNN}, normalised) of the
     *     matched box for foreground, 0 for background; {@link DetectionLosses#fastRcnnBox} expands
     *     them to the label's class
     */
    public record Sample(float[] rois, int[] labels, float[] targets) {

        /** The number of RoIs. */
        public int size() {
            return labels.length;
        }

        /** The number of foreground RoIs, which come first. */
        public int foreground() {
            int count = 0;
            while (count < labels.length && labels[count] > 0) {
                count++;
            }
            return count;
        }
    }

    /**
     * Samples one image's RoIs from its proposals and boxes.
     *
     * @param proposals 4 per proposal ({@link ProposalLayer.Proposals#boxes})
     * @param boxes the image's ground-truth boxes, 4 per box in inclusive pixels
     * @param classes each box's class, 0-based ({@link GroundTruth#label})
     * @param random draws the subsets; seed it for a repeatable run
     */
    public Sample sample(float[] proposals, float[] boxes, int[] classes, Random random) {
        Overlaps.requireBoxes(proposals, boxes);
        int gts = boxes.length / 4;
        if (classes.length != gts) {
            throw new IllegalArgumentException(
                    classes.length + " classes for " + gts + " boxes: expected one per box");
        }
        float[] candidates = new float[proposals.length + boxes.length];
        System.arraycopy(proposals, 0, candidates, 0, proposals.length);
        System.arraycopy(boxes, 0, candidates, proposals.length, boxes.length);
        int count = candidates.length / 4;
        double[] overlaps = Overlaps.iou(candidates, boxes);
        int[] match = new int[count];
        double[] matchIou = new double[count];
        int[] fg = new int[count];
        int[] bg = new int[count];
        int fgCount = 0;
        int bgCount = 0;
        for (int c = 0; c < count; c++) {
            for (int g = 0; g < gts; g++) {
                if (overlaps[c * gts + g] > matchIou[c]) {
                    matchIou[c] = overlaps[c * gts + g];
                    match[c] = g;
                }
            }
            if (matchIou[c] >= config.fgIou()) {
                fg[fgCount++] = c;
            } else if (matchIou[c] >= config.bgIouLow() && matchIou[c] < config.bgIouHigh()) {
                bg[bgCount++] = c;
            }
        }
        int fgTaken = Math.min((int) Math.rint(config.batch() * config.fgFraction()), fgCount);
        int bgTaken = Math.min(config.batch() - fgTaken, bgCount);
        int[] taken = new int[fgTaken + bgTaken];
        System.arraycopy(
                TargetAnchors.choose(Arrays.copyOf(fg, fgCount), fgTaken, random),
                0,
                taken,
                0,
                fgTaken);
        System.arraycopy(
                TargetAnchors.choose(Arrays.copyOf(bg, bgCount), bgTaken, random),
                0,
                taken,
                fgTaken,
                bgTaken);

        float[] rois = TargetAnchors.gather(candidates, taken);
        int[] labels = new int[taken.length];
        float[] targets = new float[rois.length];
        for (int i = 0; i < fgTaken; i++) {
            int g = match[taken[i]];
            labels[i] = classes[g] + 1;
            float[] delta =
                    coder.encode(
                            Arrays.copyOfRange(rois, 4 * i, 4 * i + 4),
                            Arrays.copyOfRange(boxes, 4 * g, 4 * g + 4));
            System.arraycopy(delta, 0, targets, 4 * i, 4);
        }
        return new Sample(rois, labels, targets);
    }
}
