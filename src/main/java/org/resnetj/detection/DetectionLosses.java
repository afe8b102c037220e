package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The four losses of Faster R-CNN's end-to-end training, normalized as py-faster-rcnn normalizes
 * them (one image per iteration). All are differentiable with respect to the predictions; labels
 * and targets are data.
 *
 * <p>The smooth L1 of Fast R-CNN with Faster R-CNN's σ: {@code 0.5·σ²·x²} for |x| below 1/σ², and
 * {@code |x| − 0.5/σ²} above, which is PyTorch's {@code smooth_l1_loss} with β = 1/σ² (σ = 3, β =
 * 1/9 for the RPN; σ = 1, β = 1 for Fast R-CNN).
 *
 * <p>Labels of anchors: 1 positive, 0 negative, −1 not sampled (ignored). Labels of RoIs: the
 * class, 0 for background.
 */
public final class DetectionLosses {

    private DetectionLosses() {}

    /**
     * The RPN's objectness loss: binary cross-entropy of each sampled anchor's logit (sigmoid)
     * against its label, averaged over the sampled anchors (labels 0 and 1); unsampled ones (−1)
     * take no part, as py-faster-rcnn's {@code ignore_label: -1} with its valid-count
     * normalization.
     *
     * @param logits one per anchor, (h·w·A), {@link Detector.RpnOutput#objectnessPerAnchor}
     * @param labels the same length: 1, 0 or −1
     * @return a scalar
     */
    public static NDArray rpnObjectness(NDArray logits, NDArray labels) {
        try (NDArray sampled = labels.gte(0).toType(DataType.FLOAT32, false);
                NDArray positive = labels.eq(1).toType(DataType.FLOAT32, false);
                NDArray count = sampled.sum().maximum(1f)) {
            // max(x, 0) − x·y + log(1 + exp(−|x|)): stable for logits of any size.
            NDArray perAnchor =
                    logits.maximum(0f)
                            .sub(logits.mul(positive))
                            .add(logits.abs().neg().exp().add(1f).log());
            return perAnchor.mul(sampled).sum().div(count);
        }
    }

    /**
     * The RPN's box loss: smooth L1 (β = 1/σ²) of the positive anchors' deltas against their
     * targets, summed over the four coordinates and the positive anchors, divided by the number of
     * sampled anchors (py-faster-rcnn's outside weights 1/N with {@code RPN_POSITIVE_WEIGHT} −1).
     *
     * @param deltas (h·w·A)×4, {@link Detector.RpnOutput#deltasPerAnchor}
     * @param targets (h·w·A)×4, the encoded boxes; rows of non-positive anchors are ignored
     * @param labels (h·w·A): 1, 0 or −1
     * @param beta 1/σ², {@link DetectorConfig.Rpn#beta}
     * @return a scalar
     */
    public static NDArray rpnBox(NDArray deltas, NDArray targets, NDArray labels, double beta) {
        try (NDArray sampled = labels.gte(0).toType(DataType.FLOAT32, false);
                NDArray count = sampled.sum().maximum(1f);
                NDArray positive = labels.eq(1).toType(DataType.FLOAT32, false).reshape(-1, 1)) {
            NDArray difference = deltas.sub(targets).mul(positive);
            return smoothL1(difference, beta).sum().div(count);
        }
    }

    /**
     * Fast R-CNN's classification loss: softmax cross-entropy over K + 1 classes, averaged over the
     * sampled RoIs.
     *
     * @param logits R×(K + 1), {@link Detector.HeadOutput#classLogits}
     * @param labels R class indices, 0 the background
     * @return a scalar
     */
    public static NDArray fastRcnnClass(NDArray logits, NDArray labels) {
        long classes = logits.getShape().get(1);
        try (NDArray oneHot =
                labels.toType(DataType.INT32, false).oneHot((int) classes, DataType.FLOAT32)) {
            return logits.logSoftmax(1).mul(oneHot).sum().neg().div(logits.getShape().get(0));
        }
    }

    /**
     * Fast R-CNN's box loss: smooth L1 (β = 1/σ²) of each foreground RoI's deltas for its own class
     * against its targets, summed and divided by the number of sampled RoIs R, as py-faster-rcnn's
     * {@code SmoothL1Loss} with inside weights 1 on the 4 columns of the RoI's class and outside
     * weights 1; background RoIs add nothing.
     *
     * @param deltas R×4(K + 1), {@link Detector.HeadOutput#boxDeltas}
     * @param targets R×4, the encoded (and normalized) boxes of each RoI's class
     * @param labels R class indices, 0 the background
     * @param beta 1/σ², {@link DetectorConfig.FastRcnn#beta}
     * @return a scalar
     */
    public static NDArray fastRcnnBox(
            NDArray deltas, NDArray targets, NDArray labels, double beta) {
        long rois = deltas.getShape().get(0);
        int classes = Math.toIntExact(deltas.getShape().get(1) / 4);
        try (NDArray label = labels.toType(DataType.INT32, false).reshape(-1, 1);
                NDArray columnClass =
                        deltas.getManager().arange(0, classes, 1, DataType.INT32).repeat(4);
                NDArray own = label.eq(columnClass);
                NDArray foreground = label.gt(0);
                NDArray inside = own.logicalAnd(foreground).toType(DataType.FLOAT32, false);
                NDArray wide = targets.tile(new long[] {1, classes})) {
            NDArray difference = deltas.sub(wide).mul(inside);
            return smoothL1(difference, beta).sum().div(rois);
        }
    }

    /**
     * Smooth L1 elementwise: {@code 0.5·x²/β} where |x| < β, {@code |x| − 0.5·β} elsewhere, written
     * as {@code 0.5·m²/β + (|x| − m)} with m = min(|x|, β), which has the same value and gradient
     * in both regions.
     */
    public static NDArray smoothL1(NDArray x, double beta) {
        NDArray magnitude = x.abs();
        NDArray quadratic = magnitude.minimum((float) beta);
        return quadratic.square().mul((float) (0.5 / beta)).add(magnitude.sub(quadratic));
    }
}
