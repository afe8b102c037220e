package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * RoI max pooling (Fast R-CNN), as {@code torchvision.ops.roi_pool}: the box is rounded to map
 * pixels (half away from zero), split into bins of float size with floor and ceil edges, each bin
 * clipped to the map, and each bin's output is its maximum, or 0 for a bin left empty.
 *
 * <p>A bin is a rectangle, and the maximum over a rectangle is the maximum over its rows of the
 * maximum over its columns. So each RoI takes two gathers and two reductions: the window's columns
 * are gathered bin by bin (each bin padded to the widest by repeating its last column, which leaves
 * its maximum alone) and reduced, then the rows the same way. The gradient goes to each bin's
 * maximum, as torchvision's backward sends it.
 */
public final class RoiPool extends RoiPooling {

    /** The paper's Fast R-CNN RoI pooling, with the given output grid and map scale. */
    public RoiPool(int height, int width, float spatialScale) {
        super(height, width, spatialScale);
    }

    @Override
    NDArray pool(NDManager manager, NDArray map, int h, int w, float[] box, int o) {
        int startX = roundHalfAway(box[o] * spatialScale);
        int startY = roundHalfAway(box[o + 1] * spatialScale);
        int endX = roundHalfAway(box[o + 2] * spatialScale);
        int endY = roundHalfAway(box[o + 3] * spatialScale);
        Bins rows = Bins.of(startY, Math.max(endY - startY + 1, 1), height, h);
        Bins columns = Bins.of(startX, Math.max(endX - startX + 1, 1), width, w);
        if (rows == null || columns == null) {
            return zeros(manager, map);
        }
        long channels = map.getShape().get(0);
        NDArray window = window(map, rows.from, rows.to, columns.from, columns.to);
        NDArray columnIndex =
                columns.indices(manager)
                        .reshape(1, 1, (long) width * columns.widest)
                        .broadcast(channels, rows.size(), (long) width * columns.widest);
        NDArray columnMax =
                window.gather(columnIndex, 2)
                        .reshape(channels, rows.size(), width, columns.widest)
                        .max(new int[] {3});
        NDArray rowIndex =
                rows.indices(manager)
                        .reshape(1, (long) height * rows.widest, 1)
                        .broadcast(channels, (long) height * rows.widest, width);
        NDArray pooled =
                columnMax
                        .gather(rowIndex, 1)
                        .reshape(channels, height, rows.widest, width)
                        .max(new int[] {2});
        if (rows.anyEmpty || columns.anyEmpty) {
            float[] mask = new float[height * width];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    mask[y * width + x] = rows.empty[y] || columns.empty[x] ? 0f : 1f;
                }
            }
            pooled = pooled.mul(manager.create(mask, new Shape(height, width)));
        }
        return pooled;
    }

    /** C++'s {@code std::round} of a float, which rounds halves away from zero. */
    static int roundHalfAway(float v) {
        return (int) Math.copySign(Math.floor(Math.abs(v) + 0.5), v);
    }

    /**
     * One axis of a RoI's bins: bin p covers map positions {@code [start[p], end[p])}, within the
     * window {@code [from, to)} that holds every non-empty bin.
     */
    private record Bins(
            int[] start,
            int[] end,
            boolean[] empty,
            boolean anyEmpty,
            int from,
            int to,
            int widest) {

        int size() {
            return to - from;
        }

        /**
         * Each bin's positions relative to the window, {@code widest} per bin, the last repeated as
         * padding; an empty bin takes position 0, its output masked afterwards.
         */
        NDArray indices(NDManager manager) {
            long[] out = new long[start.length * widest];
            for (int p = 0; p < start.length; p++) {
                for (int j = 0; j < widest; j++) {
                    out[p * widest + j] = empty[p] ? 0 : Math.min(start[p] + j, end[p] - 1) - from;
                }
            }
            return manager.create(out);
        }

        /**
         * torchvision's bins, in float; null if all are empty.
         *
         * @param roiStart the rounded RoI start
         * @param roiSize the RoI's size in map pixels, at least 1
         * @param outputs the number of bins
         * @param size the map's size on this axis
         */
        static Bins of(int roiStart, int roiSize, int outputs, int size) {
            float bin = (float) roiSize / outputs;
            int[] start = new int[outputs];
            int[] end = new int[outputs];
            boolean[] empty = new boolean[outputs];
            boolean anyEmpty = false;
            int from = size;
            int to = 0;
            int widest = 0;
            for (int p = 0; p < outputs; p++) {
                int s = (int) Math.floor(p * bin) + roiStart;
                int e = (int) Math.ceil((p + 1) * bin) + roiStart;
                start[p] = Math.min(Math.max(s, 0), size);
                end[p] = Math.min(Math.max(e, 0), size);
                empty[p] = end[p] <= start[p];
                anyEmpty |= empty[p];
                if (!empty[p]) {
                    from = Math.min(from, start[p]);
                    to = Math.max(to, end[p]);
                    widest = Math.max(widest, end[p] - start[p]);
                }
            }
            return from >= to ? null : new Bins(start, end, empty, anyEmpty, from, to, widest);
        }
    }
}
