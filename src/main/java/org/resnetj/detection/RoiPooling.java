package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Pools each RoI of a feature map to a fixed grid: the bridge between the shared trunk and the
 * per-RoI head (in the paper's Appendix A, a 14×14 RoI before conv5_1). The two kinds are {@link
 * RoiPool} (Fast R-CNN's max pooling, what the paper used) and {@link RoiAlign} (Mask R-CNN's
 * bilinear sampling).
 *
 * <p>libtorch has neither op (torchvision's kernels live in its own library), so both are built
 * here from DJL operations that autograd differentiates with respect to the features. The geometry
 * is worked out in Java in float exactly as torchvision's CPU kernels do, and becomes index and
 * weight arrays for all RoIs at once. The boxes are constants: no gradient flows to them, as in
 * torchvision.
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
        long channels = shape.get(1);
        for (int k = 0; k < rois.size(); k++) {
            int b = rois.image()[k];
            if (b < 0 || b >= n) {
                throw new IllegalArgumentException(
                        "RoI " + k + " on image " + b + " of a batch of " + n);
            }
        }
        // Everything stays in the features' manager until it closes: autograd's backward reads
        // the index and weight arrays through DJL's handles, so they must outlive the backward.
        NDManager manager = features.getManager();
        if (rois.size() == 0) {
            return manager.zeros(new Shape(0, channels, height, width));
        }
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        return pool(manager, new Map(features, n, h, w), rois);
    }

    /**
     * Pools all RoIs.
     *
     * @return K×C×height×width, in the features' manager
     */
    abstract NDArray pool(NDManager manager, Map map, Rois rois);

    /**
     * A batch of feature maps.
     *
     * @param features N×C×H×W
     */
    record Map(NDArray features, int n, int h, int w) {

        /** C, the number of channels. */
        long channels() {
            return features.getShape().get(1);
        }
    }

    /** Column {@code x} of row {@code y} of image {@code b}, flattened as rows of (N·)H×W. */
    static long pixel(int b, int y, int x, int rows, int columns) {
        return ((long) b * rows + y) * columns + x;
    }
}
