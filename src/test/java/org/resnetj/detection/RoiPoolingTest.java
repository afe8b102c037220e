package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RoIPool and RoIAlign against torchvision's {@code roi_pool} and {@code roi_align} (Debian's
 * torchvision 0.14): outputs and the gradient with respect to the features, within 1e-5, on a
 * random two-image batch and RoIs that include boxes crossing every edge of the map, boxes wholly
 * off it, boxes under one map pixel and reversed boxes; RoIAlign with {@code aligned} false and
 * true and sampling ratios adaptive, 1, 2 and 3. RoIPool also on a map of few distinct values,
 * where bins hold ties: the gradient goes to each bin's first maximum in row-major order.
 */
class RoiPoolingTest {

    private static final int N = 2;
    private static final int C = 3;
    private static final int H = 7;
    private static final int W = 9;
    private static final int PH = 3;
    private static final int PW = 4;
    private static final float SCALE = 0.5f;
    private static final double TOLERANCE = 1e-5;

    @TempDir static Path dir;
    private static float[] features;
    private static float[] tied;
    private static float[] upstream;
    private static Rois rois;

    @BeforeAll
    static void reference() throws Exception {
        TorchvisionOps.require();
        Random random = new Random(7);
        features = gaussian(random, N * C * H * W);
        float[][] boxes = {
            {0, 0, 17, 13}, // the whole image (map 9×7 at scale 1/2)
            {3.3f, 2.1f, 11.7f, 9.4f},
            {-5.2f, -3.7f, 6.1f, 5.5f}, // over the top-left corner
            {12.6f, 8.2f, 23.9f, 19.3f}, // over the bottom-right corner
            {-9, 2, -3, 8}, // left of the map
            {20.5f, 15.5f, 30, 25}, // past the bottom right
            {5.1f, 5.2f, 5.6f, 5.4f}, // under one map pixel
            {9, 7, 4, 2}, // reversed
            {1.0f, 0.5f, 16.9f, 3.0f}, // a wide strip
            {-0.75f, -0.75f, 2.25f, 17.5f}, // a tall strip leaving the bottom
            {-3, -5, 9, 7}, // at scale 1/2, halves that round away from zero
        };
        int k = boxes.length + 6;
        int[] image = new int[k];
        float[] flat = new float[4 * k];
        for (int i = 0; i < k; i++) {
            image[i] = i % N;
            float[] b = i < boxes.length ? boxes[i] : randomBox(random);
            System.arraycopy(b, 0, flat, 4 * i, 4);
        }
        rois = new Rois(image, flat);
        upstream = gaussian(random, k * C * PH * PW);
        float[] torchRois = new float[5 * k];
        for (int i = 0; i < k; i++) {
            torchRois[5 * i] = image[i];
            System.arraycopy(flat, 4 * i, torchRois, 5 * i + 1, 4);
        }
        TorchvisionOps.write(dir.resolve("features.bin"), features);
        TorchvisionOps.write(dir.resolve("rois.bin"), torchRois);
        TorchvisionOps.write(dir.resolve("upstream.bin"), upstream);
        TorchvisionOps.run(dir, "roi", dir, N, C, H, W, k, PH, PW, SCALE);
        tied = new float[features.length];
        for (int i = 0; i < tied.length; i++) {
            tied[i] = Math.round(features[i]); // mostly -1, 0 and 1
        }
        Path ties = Files.createDirectories(dir.resolve("ties"));
        TorchvisionOps.write(ties.resolve("features.bin"), tied);
        TorchvisionOps.write(ties.resolve("rois.bin"), torchRois);
        TorchvisionOps.write(ties.resolve("upstream.bin"), upstream);
        TorchvisionOps.run(ties, "roi", ties, N, C, H, W, k, PH, PW, SCALE);
    }

    private static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    private static float[] randomBox(Random random) {
        float x1 = -4 + 22 * random.nextFloat();
        float y1 = -4 + 18 * random.nextFloat();
        return new float[] {x1, y1, x1 + 12 * random.nextFloat(), y1 + 10 * random.nextFloat()};
    }

    @Test
    void roiPoolMatchesTorchvisionForwardAndBackward() throws Exception {
        check(new RoiPool(PH, PW, SCALE), features, dir, "pool");
    }

    @Test
    void roiPoolGivesATieToTheFirstMaximumAsTorchvision() throws Exception {
        check(new RoiPool(PH, PW, SCALE), tied, dir.resolve("ties"), "pool");
    }

    @Test
    void roiAlignMatchesTorchvisionForwardAndBackward() throws Exception {
        for (boolean aligned : new boolean[] {false, true}) {
            for (int ratio : new int[] {-1, 1, 2, 3}) {
                check(
                        new RoiAlign(PH, PW, SCALE, ratio, aligned),
                        features,
                        dir,
                        "align_" + (aligned ? 1 : 0) + "_" + ratio);
            }
        }
    }

    private static void check(RoiPooling op, float[] features, Path reference, String name)
            throws Exception {
        float[] out;
        float[] gradient;
        float[] inference; // without a gradient, as at test
        try (NDManager manager = NDManager.newBaseManager()) {
            inference =
                    op.apply(manager.create(features, new Shape(N, C, H, W)), rois).toFloatArray();
            NDArray x = manager.create(features, new Shape(N, C, H, W));
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = op.apply(x, rois);
                assertThat(y.getShape()).isEqualTo(new Shape(rois.size(), C, PH, PW));
                out = y.toFloatArray();
                NDArray g = manager.create(upstream, y.getShape());
                collector.backward(y.mul(g).sum());
            }
            gradient = x.getGradient().toFloatArray();
        }
        assertClose(
                name + " output", out, TorchvisionOps.floats(reference.resolve(name + ".out.bin")));
        assertClose(
                name + " output without a gradient",
                inference,
                TorchvisionOps.floats(reference.resolve(name + ".out.bin")));
        assertClose(
                name + " gradient",
                gradient,
                TorchvisionOps.floats(reference.resolve(name + ".grad.bin")));
    }

    private static void assertClose(String what, float[] ours, float[] theirs) {
        assertThat(ours).as(what).hasSameSizeAs(theirs);
        double max = 0;
        int worst = 0;
        for (int i = 0; i < ours.length; i++) {
            double d = Math.abs((double) ours[i] - theirs[i]);
            if (d > max) {
                max = d;
                worst = i;
            }
        }
        assertThat(max)
                .as(
                        "%s: max |ours - torchvision| at %d (%s vs %s)",
                        what, worst, ours[worst], theirs[worst])
                .isLessThanOrEqualTo(TOLERANCE);
    }
}
