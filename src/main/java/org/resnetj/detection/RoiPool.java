package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * RoI max pooling (Fast R-CNN), as {@code torchvision.ops.roi_pool}: the box is rounded to map
 * pixels (half away from zero), split into bins of float size with floor and ceil edges, each bin
 * clipped to the map, and each bin's output is its maximum, or 0 for a bin left empty.
 *
 * <p>All bins of all RoIs are read at once, one map pixel per bin, from tables of rectangle maxima:
 * table (a, b) holds, at each pixel, the maximum of the a × b rectangle starting there. Only the
 * bin sizes in use get a table (at the paper's 14×14 grid on a 38×63 map, bins are at most 4×6),
 * each built from a smaller one by one elementwise maximum with a shifted one-pixel line. The
 * gradient goes to each bin's maximum, as torchvision's backward sends it; only a tie between two
 * pixels of equal value splits it between them, where torchvision gives it all to the first.
 */
public final class RoiPool extends RoiPooling {

    /** The paper's Fast R-CNN RoI pooling, with the given output grid and map scale. */
    public RoiPool(int height, int width, float spatialScale) {
        super(height, width, spatialScale);
    }

    @Override
    NDArray pool(NDManager manager, Map map, Rois rois) {
        int k = rois.size();
        Bins[] rows = new Bins[k];
        Bins[] columns = new Bins[k];
        int tallest = 1;
        int widest = 1;
        float[] box = rois.boxes();
        for (int r = 0; r < k; r++) {
            int startX = roundHalfAway(box[4 * r] * spatialScale);
            int startY = roundHalfAway(box[4 * r + 1] * spatialScale);
            int endX = roundHalfAway(box[4 * r + 2] * spatialScale);
            int endY = roundHalfAway(box[4 * r + 3] * spatialScale);
            rows[r] = Bins.of(startY, Math.max(endY - startY + 1, 1), height, map.h());
            columns[r] = Bins.of(startX, Math.max(endX - startX + 1, 1), width, map.w());
            tallest = Math.max(tallest, rows[r].largest());
            widest = Math.max(widest, columns[r].largest());
        }
        boolean[][] used = new boolean[tallest + 1][widest + 1];
        boolean anyUsed = false;
        for (int r = 0; r < k; r++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    Bins.Span ys = rows[r].span(y);
                    Bins.Span xs = columns[r].span(x);
                    if (ys != null && xs != null) {
                        used[ys.size()][xs.size()] = true;
                        anyUsed = true;
                    }
                }
            }
        }
        int bins = k * height * width;
        if (!anyUsed) {
            return manager.zeros(new Shape(bins, map.pixels().getShape().get(3)));
        }
        RectangleMaxima table = RectangleMaxima.of(map, used);
        long[] index = new long[bins];
        float[] mask = new float[bins];
        boolean anyEmpty = false;
        for (int r = 0; r < k; r++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int bin = (r * height + y) * width + x;
                    Bins.Span ys = rows[r].span(y);
                    Bins.Span xs = columns[r].span(x);
                    if (ys == null || xs == null) {
                        anyEmpty = true; // index 0 stands in, masked out below
                        continue;
                    }
                    mask[bin] = 1;
                    index[bin] =
                            table.index(
                                    rois.image()[r], ys.size(), xs.size(), ys.start(), xs.start());
                }
            }
        }
        NDArray pooled = rows(manager, table.values(), index);
        return anyEmpty ? pooled.mul(manager.create(mask, new Shape(bins, 1))) : pooled;
    }

    /**
     * The maxima of the map's a × b rectangles for the sizes in use, at every pixel where they fit,
     * all flattened into the rows of one (Σ N·rows·columns)×C array.
     */
    private record RectangleMaxima(NDArray values, long[][] offsets, int h, int w) {

        static RectangleMaxima of(Map map, boolean[][] used) {
            int tallest = used.length - 1;
            int widest = used[0].length - 1;
            NDArray[][] tables = new NDArray[tallest + 1][widest + 1];
            NDArray pixels = map.pixels();
            tables[1][1] = pixels;
            for (int b = 2; b <= widest; b++) {
                tables[1][b] = grown(tables[1][b - 1], pixels, 2, b - 1);
            }
            for (int a = 2; a <= tallest; a++) {
                for (int b = 1; b <= widest; b++) {
                    tables[a][b] = grown(tables[a - 1][b], tables[1][b], 1, a - 1);
                }
            }
            long channels = pixels.getShape().get(3);
            NDList flat = new NDList();
            long[][] offsets = new long[tallest + 1][widest + 1];
            long offset = 0;
            for (int a = 1; a <= tallest; a++) {
                for (int b = 1; b <= widest; b++) {
                    if (used[a][b]) {
                        offsets[a][b] = offset;
                        offset += tables[a][b].size() / channels;
                        flat.add(tables[a][b].reshape(-1, channels));
                    }
                }
            }
            NDArray values = flat.size() == 1 ? flat.get(0) : NDArrays.concat(flat);
            return new RectangleMaxima(values, offsets, map.h(), map.w());
        }

        /**
         * A table of rectangles one pixel longer along {@code axis} (1 rows, 2 columns): the
         * maximum of each rectangle and the line of {@code lines} (the one-pixel-thick table of the
         * same width) just past its end.
         */
        private static NDArray grown(NDArray table, NDArray lines, int axis, int length) {
            long size = table.getShape().get(axis) - 1;
            String head = axis == 1 ? ":, 0:{}" : ":, :, 0:{}";
            String tail = axis == 1 ? ":, {}:" : ":, :, {}:";
            return table.get(head, size).maximum(lines.get(tail, length));
        }

        /** The row of the a × b rectangle at (y, x) of image {@code image}. */
        long index(int image, int a, int b, int y, int x) {
            return offsets[a][b] + pixel(image, y, x, h - a + 1, w - b + 1);
        }
    }

    /** C++'s {@code std::round} of a float, which rounds halves away from zero. */
    static int roundHalfAway(float v) {
        return (int) Math.copySign(Math.floor(Math.abs(v) + 0.5), v);
    }

    /** One axis of a RoI's bins: bin p covers map positions {@code [start[p], end[p])}. */
    private record Bins(int[] start, int[] end) {

        /** A bin's positions, {@code [start, end)}, not empty. */
        record Span(int start, int end) {
            int size() {
                return end - start;
            }
        }

        /** Bin p's positions, or null if it is empty. */
        Span span(int p) {
            return end[p] > start[p] ? new Span(start[p], end[p]) : null;
        }

        /** The size of the largest bin, 0 if all are empty. */
        int largest() {
            int largest = 0;
            for (int p = 0; p < start.length; p++) {
                largest = Math.max(largest, end[p] - start[p]);
            }
            return largest;
        }

        /**
         * torchvision's bins, in float.
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
            for (int p = 0; p < outputs; p++) {
                int s = (int) Math.floor(p * bin) + roiStart;
                int e = (int) Math.ceil((p + 1) * bin) + roiStart;
                start[p] = Math.min(Math.max(s, 0), size);
                end[p] = Math.min(Math.max(e, 0), size);
            }
            return new Bins(start, end);
        }
    }
}
