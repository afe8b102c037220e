package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * RoIAlign (Mask R-CNN), as {@code torchvision.ops.roi_align}: each output bin is the mean of a
 * grid of bilinear samples, a sample outside [-1, size] on either axis counting as zero and one
 * inside clamped to the map.
 *
 * <p>Bilinear sampling separates by axis: a sample's weight on pixel (y, x) is its row weight times
 * its column weight, and the validity test is per axis too. So a pooled RoI is {@code Ay · window ·
 * Axᵀ}, for each channel, with {@code Ay} (height × window rows) holding each output row's mean row
 * weights and {@code Ax} the same for columns: two small matrix products, whatever the number of
 * samples, and autograd's gradient of them is torchvision's backward. On the channels-last map the
 * first product reads the window in place, a window row being one contiguous run of (columns × C)
 * values. Against torchvision only float rounding differs (the sums run in another order).
 */
public final class RoiAlign extends RoiPooling {

    private final int samplingRatio;
    private final boolean aligned;

    /**
     * @param samplingRatio samples per bin along each axis; 0 or less for torchvision's adaptive
     *     {@code ceil(roi size / output size)} (its default, -1, and Detectron's 0)
     * @param aligned whether to shift boxes by half a pixel (torchvision's {@code aligned}); the
     *     default, false, is Detectron's original RoIAlign
     */
    public RoiAlign(int height, int width, float spatialScale, int samplingRatio, boolean aligned) {
        super(height, width, spatialScale);
        this.samplingRatio = samplingRatio;
        this.aligned = aligned;
    }

    @Override
    NDArray pool(NDManager manager, Map map, Rois rois) {
        long channels = map.channels();
        // Flattening the transposed view copies it into channels-last order, so that a window's
        // rows of (columns × C) values are contiguous pieces of it.
        NDArray pixels =
                map.features()
                        .transpose(0, 2, 3, 1)
                        .reshape(-1, channels)
                        .reshape(map.n(), map.h(), map.w(), -1);
        NDArray zeros = manager.zeros(new Shape((long) height * width, channels));
        NDList pooled = new NDList(rois.size());
        for (int r = 0; r < rois.size(); r++) {
            float[] box = rois.boxes();
            float offset = aligned ? 0.5f : 0f;
            float startX = box[4 * r] * spatialScale - offset;
            float startY = box[4 * r + 1] * spatialScale - offset;
            float roiWidth = box[4 * r + 2] * spatialScale - offset - startX;
            float roiHeight = box[4 * r + 3] * spatialScale - offset - startY;
            if (!aligned) { // the original op forces a RoI of at least one map pixel
                roiWidth = Math.max(roiWidth, 1f);
                roiHeight = Math.max(roiHeight, 1f);
            }
            int gridY = samplingRatio > 0 ? samplingRatio : (int) Math.ceil(roiHeight / height);
            int gridX = samplingRatio > 0 ? samplingRatio : (int) Math.ceil(roiWidth / width);
            Axis rows = Axis.of(startY, roiHeight / height, gridY, height, map.h());
            Axis columns = Axis.of(startX, roiWidth / width, gridX, width, map.w());
            if (rows == null || columns == null) {
                pooled.add(zeros);
                continue;
            }
            NDArray window =
                    pixels.get(
                                    new NDIndex(
                                            "{}, {}:{}, {}:{}",
                                            rois.image()[r],
                                            rows.from(),
                                            rows.to(),
                                            columns.from(),
                                            columns.to()))
                            .reshape(rows.size(), -1);
            NDArray ay = manager.create(rows.weights(), new Shape(height, rows.size()));
            NDArray ax = manager.create(columns.weights(), new Shape(width, columns.size()));
            NDArray byRow = ay.matMul(window).reshape(height, columns.size(), channels);
            pooled.add(ax.matMul(byRow).reshape((long) height * width, channels));
        }
        return NDArrays.concat(pooled)
                .reshape(rois.size(), height, width, channels)
                .transpose(0, 3, 1, 2);
    }

    /**
     * One axis of a RoI: each output position's mean sample weights over the map positions {@code
     * [from, to)}, row-major (outputs × positions).
     */
    private record Axis(float[] weights, int from, int to) {

        int size() {
            return to - from;
        }

        /**
         * The axis's weights, with torchvision's sample positions, validity test and clamping, in
         * float; null if no sample falls on the map.
         *
         * @param start the RoI's start on the map
         * @param bin the bin size
         * @param grid samples per bin
         * @param outputs output positions
         * @param size the map's size on this axis
         */
        static Axis of(float start, float bin, int grid, int outputs, int size) {
            if (grid <= 0) {
                return null;
            }
            float[] dense = new float[outputs * size];
            int from = size;
            int to = 0;
            for (int p = 0; p < outputs; p++) {
                for (int i = 0; i < grid; i++) {
                    float s = start + p * bin + (i + .5f) * bin / grid;
                    if (s < -1.0 || s > size) {
                        continue;
                    }
                    if (s <= 0) {
                        s = 0;
                    }
                    int low = (int) s;
                    int high;
                    if (low >= size - 1) {
                        high = low = size - 1;
                        s = low;
                    } else {
                        high = low + 1;
                    }
                    float l = s - low;
                    dense[p * size + low] += (1f - l) / grid;
                    dense[p * size + high] += l / grid;
                    from = Math.min(from, low);
                    to = Math.max(to, high + 1);
                }
            }
            if (from >= to) {
                return null;
            }
            float[] weights = new float[outputs * (to - from)];
            for (int p = 0; p < outputs; p++) {
                System.arraycopy(dense, p * size + from, weights, p * (to - from), to - from);
            }
            return new Axis(weights, from, to);
        }
    }
}
