package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * RoI max pooling (Fast R-CNN), as {@code torchvision.ops.roi_pool}: the box is rounded to map
 * pixels (half away from zero), split into bins of float size with floor and ceil edges, each bin
 * clipped to the map, and each bin's output is its maximum, or 0 for a bin left empty.
 *
 * <p>All bins of all RoIs are read at once from tables of rectangle maxima, built without
 * gradients: table (a, b) holds, at each pixel and channel, where the maximum of the a × b
 * rectangle starting there lies. Only the bin sizes in use get a table (at the paper's 14×14 grid
 * on a 38×63 map, bins are at most 4×6), each built from a smaller one and a shifted one-pixel line
 * by one comparison. On a tie the earlier rectangle wins, so each bin's position is its first
 * maximum in row-major order, as torchvision's kernel finds it. The output is then one gather from
 * the map at those positions, and its backward one scatter-add that sends each bin's gradient to
 * that pixel, as torchvision's backward does (differentiating the maxima themselves instead cost
 * 1.3 s of the paper's 11 s training iteration). Where the map needs no gradient (at test), the
 * tables hold the maxima themselves and the positions are never formed.
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
        long channels = map.channels();
        if (!anyUsed) {
            return manager.zeros(new Shape(k, channels, height, width));
        }
        long[] index = new long[bins];
        float[] mask = new float[bins];
        boolean anyEmpty = false;
        // Without a gradient to send back, the maxima themselves are the output.
        boolean backward = map.features().hasGradient();
        NDArray pooled;
        try (Rectangles table = Rectangles.of(map, used, backward)) {
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
                                        rois.image()[r],
                                        ys.size(),
                                        xs.size(),
                                        ys.start(),
                                        xs.start());
                    }
                }
            }
            // Each channel reads its own row of the tables: a gather along the rows' contiguous
            // axis, with one index shared by all channels.
            try (NDArray which = manager.create(index, new Shape(1, bins));
                    NDArray shared = which.broadcast(channels, bins)) {
                NDArray found = table.values().gather(shared, 1);
                if (backward) {
                    // The index stays in the features' manager: the gather's backward reads it.
                    NDArray positions = found.toType(DataType.INT64, false);
                    found.close();
                    try (NDArray byChannel = map.features().transpose(1, 0, 2, 3);
                            NDArray flat = byChannel.reshape(channels, -1)) {
                        pooled = flat.gather(positions, 1);
                    }
                } else {
                    pooled = found;
                }
            }
        }
        if (anyEmpty) {
            try (NDArray kept = manager.create(mask, new Shape(1, bins))) {
                pooled = pooled.muli(kept);
            }
        }
        return pooled.reshape(channels, k, height, width).transpose(1, 0, 2, 3);
    }

    /**
     * The maxima of the map's a × b rectangles for the sizes in use, or where they lie: for every
     * channel and at every pixel where a rectangle fits, its maximum, or the pixel (numbered over
     * N·H·W) of its first maximum in row-major order. All tables are flattened into one C×(Σ
     * N·rows·columns) array, a row per channel: float maxima, or int32 positions.
     */
    private record Rectangles(NDArray values, long[][] offsets, int h, int w)
            implements AutoCloseable {

        static Rectangles of(Map map, boolean[][] used, boolean positions) {
            int tallest = used.length - 1;
            int widest = used[0].length - 1;
            NDArray[][] maxima = new NDArray[tallest + 1][widest + 1];
            NDArray[][] where = positions ? new NDArray[tallest + 1][widest + 1] : null;
            NDArray features = map.features();
            long channels = map.channels();
            try (NDManager scope = features.getManager().newSubManager()) {
                NDArray detached = features.stopGradient();
                detached.attach(scope);
                // C×N×H×W: each table slices rows on axis 2 and columns on axis 3.
                NDArray values = detached.transpose(1, 0, 2, 3);
                NDArray numbers =
                        positions
                                ? scope.arange(0, map.n() * map.h() * map.w(), 1, DataType.INT32)
                                        .reshape(1, map.n(), map.h(), map.w())
                                        .broadcast(channels, map.n(), map.h(), map.w())
                                : null;
                maxima[1][1] = values;
                if (positions) {
                    where[1][1] = numbers;
                }
                for (int b = 2; b <= widest; b++) {
                    grow(maxima, where, 1, b, maxima[1][b - 1], values, numbers);
                }
                for (int a = 2; a <= tallest; a++) {
                    for (int b = 1; b <= widest; b++) {
                        grow(
                                maxima,
                                where,
                                a,
                                b,
                                maxima[a - 1][b],
                                maxima[1][b],
                                positions ? where[1][b] : null);
                    }
                }
                NDList flat = new NDList();
                long[][] offsets = new long[tallest + 1][widest + 1];
                long offset = 0;
                for (int a = 1; a <= tallest; a++) {
                    for (int b = 1; b <= widest; b++) {
                        if (used[a][b]) {
                            NDArray table = positions ? where[a][b] : maxima[a][b];
                            offsets[a][b] = offset;
                            offset += table.size() / channels;
                            flat.add(table.reshape(channels, -1));
                        }
                    }
                }
                NDArray all = flat.size() == 1 ? flat.get(0) : NDArrays.concat(flat, 1);
                all.attach(features.getManager());
                return new Rectangles(all, offsets, map.h(), map.w());
            }
        }

        /**
         * Table (a, b) from a rectangle one pixel shorter along one axis and the one-pixel lines
         * just past its end: rows if a > 1 (a grows), columns otherwise. The earlier rectangle
         * comes first in row-major order, so it wins a tie. Positions too unless {@code where} is
         * null.
         */
        private static void grow(
                NDArray[][] maxima,
                NDArray[][] where,
                int a,
                int b,
                NDArray earlier,
                NDArray lines,
                NDArray linesWhere) {
            boolean rows = a > 1;
            int length = rows ? a - 1 : b - 1;
            long size = earlier.getShape().get(rows ? 2 : 3) - 1;
            String head = rows ? ":, :, 0:{}" : ":, :, :, 0:{}";
            String tail = rows ? ":, :, {}:" : ":, :, :, {}:";
            NDArray first = earlier.get(head, size);
            NDArray last = lines.get(tail, length);
            maxima[a][b] = first.maximum(last);
            if (where != null) {
                NDArray earlierWhere = rows ? where[a - 1][b] : where[1][b - 1];
                where[a][b] =
                        NDArrays.where(
                                first.gte(last),
                                earlierWhere.get(head, size),
                                linesWhere.get(tail, length));
            }
        }

        /** The row of the a × b rectangle at (y, x) of image {@code image}. */
        long index(int image, int a, int b, int y, int x) {
            return offsets[a][b] + pixel(image, y, x, h - a + 1, w - b + 1);
        }

        @Override
        public void close() {
            values.close();
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
