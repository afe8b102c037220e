package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Pools each RoI of a feature map to a fixed grid: the bridge between the shared trunk and the
 * per-RoI head (in the paper's Appendix A, a 14×14 RoI before conv5_1). The two kinds are {@link
 * RoiPool} (Fast R-CNN's max pooling, what the paper used) and {@link RoiAlign} (Mask R-CNN's
 * bilinear sampling).
 *
 * <p>libtorch has neither op (torchvision's kernels live in its own library), so both are built
 * here from DJL operations that autograd differentiates with respect to the features, one RoI at a
 * time: the RoI's window of the map is cut out, and the geometry, worked out in Java in float
 * exactly as torchvision's CPU kernels do, becomes small index or weight arrays for it. The boxes
 * are constants: no gradient flows to them, as in torchvision.
 */
public abstract sealed class RoiPooling permits RoiAlign, RoiPool {

    /** The output grid's height. */
    protected final int height;

    /** The output grid's width. */
    protected final int width;

    /** Feature-map units per input pixel: 1/16 for the C4 trunk's stride. */
    protected final float spatialScale;

    RoiPooling(int height, int width, float spatialScale) {
        if (height < 1 || width < 1 || !(spatialScale > 0)) {
            throw new IllegalArgumentException(
                    "RoI pooling to "
                            + height
                            + "×"
                            + width
                            + " at scale "
                            + spatialScale
                            + ": expected a grid of at least 1×1 and a positive scale");
        }
        this.height = height;
        this.width = width;
        this.spatialScale = spatialScale;
    }

    /**
     * Pools the RoIs.
     *
     * @param features N×C×H×W float maps
     * @return K×C×height×width, in the features' manager, differentiable with respect to them
     */
    public NDArray apply(NDArray features, Rois rois) {
        Shape shape = features.getShape();
        if (shape.dimension() != 4) {
            throw new IllegalArgumentException(
                    "RoI pooling of a map of shape " + shape + ": expected N×C×H×W");
        }
        int n = (int) shape.get(0);
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        // Everything stays in the features' manager until it closes: autograd's backward reads
        // the index and weight arrays through DJL's handles, so they must outlive the backward.
        NDManager manager = features.getManager();
        NDList pooled = new NDList(rois.size());
        for (int k = 0; k < rois.size(); k++) {
            int b = rois.image()[k];
            if (b < 0 || b >= n) {
                throw new IllegalArgumentException(
                        "RoI " + k + " on image " + b + " of a batch of " + n);
            }
            pooled.add(pool(manager, features.get(b), h, w, rois.boxes(), 4 * k));
        }
        return rois.size() == 0
                ? manager.zeros(new Shape(0, shape.get(1), height, width))
                : NDArrays.stack(pooled);
    }

    /**
     * Pools one RoI.
     *
     * @param map the RoI's C×H×W map
     * @param box the array holding the RoI's box at {@code offset}
     * @return C×height×width, in {@code manager}
     */
    abstract NDArray pool(NDManager manager, NDArray map, int h, int w, float[] box, int offset);

    /** The rows {@code [from, to)} and columns {@code [left, right)} of a map. */
    static NDArray window(NDArray map, int from, int to, int left, int right) {
        return map.get(new NDIndex(":, {}:{}, {}:{}", from, to, left, right));
    }

    /** C×height×width zeros, for a RoI that no sample or bin reaches. */
    NDArray zeros(NDManager manager, NDArray map) {
        return manager.zeros(new Shape(map.getShape().get(0), height, width));
    }
}
