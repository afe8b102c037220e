package org.resnetj.detection;

import java.util.Arrays;

/**
 * The RPN's proposals for one image, as py-faster-rcnn's {@code ProposalLayer} (Faster R-CNN §3.3,
 * with the paper's Appendix A settings): every anchor moved by its predicted deltas ({@link
 * BoxCoder#RPN}), clipped to the image, those narrower or lower than the minimum size dropped, the
 * {@code preNms} best by objectness kept, NMS at IoU 0.7, and the first {@code postNms} of what NMS
 * keeps returned. Training takes 12000 before NMS and 2000 after it, test 6000 and 300.
 *
 * <p>NMS measures IoU as py-faster-rcnn's {@code nms} does, with +1 pixel areas, consistent with
 * the rest of the detector's inclusive coordinates: it runs {@link Nms} (torchvision's rules:
 * suppress only IoU strictly above the threshold) on the boxes with x2 and y2 moved one pixel out,
 * which turns inclusive pixel spans into the half-open ones torchvision measures. The two differ
 * only for boxes a few pixels wide, which the minimum size removes anyway.
 *
 * <p>Scores rank by the objectness logit (the sigmoid is monotone, so the order is that of the
 * probabilities, without their float ties near 1); equal scores keep anchor order, where
 * py-faster-rcnn's {@code argsort()[::-1]} leaves ties in an order numpy does not specify.
 */
public final class ProposalLayer {

    private final int preNms;
    private final int postNms;
    private final double nms;
    private final int minSize;

    /**
     * @param preNms the best-scoring boxes NMS considers
     * @param postNms the most proposals returned
     * @param nms NMS's IoU threshold
     * @param minSize proposals narrower or lower than this, in original-image pixels, are dropped
     */
    ProposalLayer(int preNms, int postNms, double nms, int minSize) {
        this.preNms = preNms;
        this.postNms = postNms;
        this.nms = nms;
        this.minSize = minSize;
    }

    /** The training proposals of the RPN configuration (12000 before NMS, 2000 after). */
    public static ProposalLayer training(DetectorConfig.Rpn rpn) {
        return new ProposalLayer(rpn.preNmsTrain(), rpn.postNmsTrain(), rpn.nms(), rpn.minSize());
    }

    /** The test proposals of the RPN configuration (6000 before NMS, 300 after). */
    public static ProposalLayer test(DetectorConfig.Rpn rpn) {
        return new ProposalLayer(rpn.preNmsTest(), rpn.postNmsTest(), rpn.nms(), rpn.minSize());
    }

    /**
     * One image's proposals, best first.
     *
     * @param boxes 4 per proposal, (x1, y1, x2, y2) in the scaled image's inclusive pixels
     * @param scores one per proposal, the objectness logits as given
     */
    public record Proposals(float[] boxes, float[] scores) {

        /** The number of proposals. */
        public int size() {
            return scores.length;
        }
    }

    /**
     * The proposals of one image.
     *
     * @param anchors all anchors, 4 per anchor, as {@link Anchors#grid} lays them out
     * @param objectness one logit per anchor, in the anchors' order ({@link
     *     Detector.RpnOutput#objectnessPerAnchor})
     * @param deltas 4 per anchor, (dx, dy, dw, dh) ({@link Detector.RpnOutput#deltasPerAnchor})
     * @param height the scaled image's height in pixels, to clip to
     * @param width and width
     * @param scale the factor by which the image was scaled, so that the minimum size is in
     *     original-image pixels (py-faster-rcnn's {@code min_size * im_info[2]})
     */
    public Proposals propose(
            float[] anchors,
            float[] objectness,
            float[] deltas,
            int height,
            int width,
            double scale) {
        int count = objectness.length;
        if (anchors.length != 4 * count || deltas.length != 4 * count) {
            throw new IllegalArgumentException(
                    anchors.length
                            + " anchor coordinates and "
                            + deltas.length
                            + " deltas for "
                            + count
                            + " scores: expected 4 of each per score");
        }
        float[] boxes = BoxCoder.clip(BoxCoder.RPN.decode(anchors, deltas), height, width);
        double smallest = minSize * scale;
        int[] large = new int[count];
        int largeCount = 0;
        for (int b = 0; b < count; b++) {
            double w = (double) boxes[4 * b + 2] - boxes[4 * b] + 1;
            double h = (double) boxes[4 * b + 3] - boxes[4 * b + 1] + 1;
            if (w >= smallest && h >= smallest) {
                large[largeCount++] = b;
            }
        }
        large = Arrays.copyOf(large, largeCount);
        int[] ranked = Nms.byDecreasingScore(Nms.gather(objectness, large));
        int[] candidates = new int[Math.min(preNms, largeCount)];
        for (int i = 0; i < candidates.length; i++) {
            candidates[i] = large[ranked[i]];
        }
        float[] candidateBoxes = TargetAnchors.gather(boxes, candidates);
        float[] candidateScores = Nms.gather(objectness, candidates);
        int[] kept = Nms.nms(halfOpen(candidateBoxes), candidateScores, nms, postNms);
        return new Proposals(
                TargetAnchors.gather(candidateBoxes, kept), Nms.gather(candidateScores, kept));
    }

    /** Inclusive pixel boxes as half-open spans: x2 and y2 one pixel further out. */
    private static float[] halfOpen(float[] boxes) {
        float[] out = boxes.clone();
        for (int b = 0; b < out.length; b += 4) {
            out[b + 2] += 1;
            out[b + 3] += 1;
        }
        return out;
    }
}
