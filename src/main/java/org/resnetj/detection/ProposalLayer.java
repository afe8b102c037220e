package org.resnetj.detection;

import java.util.Arrays;

/**
 * The RPN's proposals for one image, as py-faster-rcnn's {@code proposal_layer.py}: every anchor
 * moved by its predicted deltas ({@link BoxCoder#RPN}), clipped to the input, those narrower or
 * lower than {@code minSize} original pixels dropped, the {@code preNms} best by objectness kept,
 * then NMS at {@code rpn.nms()}, and the {@code postNms} first of what remains.
 *
 * <p>The scores and deltas are read as plain numbers: no gradient reaches the RPN through the
 * proposals' coordinates (the "approximate joint training" of Faster R-CNN, Section 3.2).
 */
public final class ProposalLayer {

    private ProposalLayer() {}

    /**
     * Proposals in decreasing objectness.
     *
     * @param boxes 4 per proposal, input pixels
     * @param scores the objectness logit of each
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
     * @param anchors 4 per anchor ({@link Anchors#grid})
     * @param objectness one logit per anchor, in the anchors' order
     * @param deltas 4 per anchor
     * @param input the image as the detector took it (its size and scale)
     * @param training whether to keep the training counts (12000 → 2000) or the test ones (6000 →
     *     300)
     */
    public static Proposals propose(
            float[] anchors,
            float[] objectness,
            float[] deltas,
            DetectionInput input,
            DetectorConfig.Rpn rpn,
            boolean training) {
        int n = objectness.length;
        if (anchors.length != 4 * n || deltas.length != 4 * n) {
            throw new IllegalArgumentException(
                    anchors.length
                            + " anchor coordinates and "
                            + deltas.length
                            + " deltas for "
                            + n
                            + " scores: expected 4 per score");
        }
        float[] boxes =
                BoxCoder.clip(BoxCoder.RPN.decode(anchors, deltas), input.height(), input.width());
        double minSize = rpn.minSize() * input.scale();
        int[] order = Nms.byDecreasingScore(objectness);
        int preNms = training ? rpn.preNmsTrain() : rpn.preNmsTest();
        int postNms = training ? rpn.postNmsTrain() : rpn.postNmsTest();
        float[] candidates = new float[4 * Math.min(preNms, n)];
        float[] scores = new float[Math.min(preNms, n)];
        int kept = 0;
        for (int i = 0; i < n && kept < scores.length; i++) {
            int b = order[i];
            if (boxes[4 * b + 2] - boxes[4 * b] + 1 >= minSize
                    && boxes[4 * b + 3] - boxes[4 * b + 1] + 1 >= minSize) {
                System.arraycopy(boxes, 4 * b, candidates, 4 * kept, 4);
                scores[kept++] = objectness[b];
            }
        }
        candidates = Arrays.copyOf(candidates, 4 * kept);
        scores = Arrays.copyOf(scores, kept);
        int[] survivors = Nms.nms(candidates, scores, rpn.nms(), postNms);
        float[] outBoxes = new float[4 * survivors.length];
        float[] outScores = new float[survivors.length];
        for (int i = 0; i < survivors.length; i++) {
            System.arraycopy(candidates, 4 * survivors[i], outBoxes, 4 * i, 4);
            outScores[i] = scores[survivors[i]];
        }
        return new Proposals(outBoxes, outScores);
    }
}
