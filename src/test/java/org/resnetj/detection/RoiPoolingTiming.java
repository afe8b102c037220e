package org.resnetj.detection;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;

/**
 * Prints the time of RoIPool and RoIAlign forward and backward, not a test: at the paper's size
 * (Appendix A: a conv4 map of a 600×1000 image, 1×1024×38×63, 128 RoIs pooled to 14×14) and at the
 * synthetic detector's (1×256×10×13, 32 RoIs). Run with {@code java -cp ... RoiPoolingTiming
 * [repeats]}.
 */
final class RoiPoolingTiming {

    private RoiPoolingTiming() {}

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        time("paper", 1024, 38, 63, 128, repeats);
        time("synthetic", 256, 10, 13, 32, repeats);
    }

    /** The process's CPU time so far, all threads, in nanoseconds: less noisy on a shared host. */
    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void time(String name, int c, int h, int w, int k, int repeats) {
        Random random = new Random(1);
        float[] boxes = new float[4 * k];
        for (int i = 0; i < k; i++) { // boxes of 16 px to the whole image, at stride 16
            float bw = 16 + random.nextFloat() * (w * 16 - 16);
            float bh = 16 + random.nextFloat() * (h * 16 - 16);
            float x1 = random.nextFloat() * (w * 16 - bw);
            float y1 = random.nextFloat() * (h * 16 - bh);
            boxes[4 * i] = x1;
            boxes[4 * i + 1] = y1;
            boxes[4 * i + 2] = x1 + bw;
            boxes[4 * i + 3] = y1 + bh;
        }
        Rois rois = Rois.ofImage(boxes);
        for (RoiPooling op :
                new RoiPooling[] {
                    new RoiPool(14, 14, 1f / 16), new RoiAlign(14, 14, 1f / 16, 0, false)
                }) {
            for (int r = 0; r < repeats; r++) {
                try (NDManager manager = NDManager.newBaseManager()) {
                    NDArray x = manager.randomNormal(new Shape(1, c, h, w));
                    x.setRequiresGradient(true);
                    try (GradientCollector collector =
                            Engine.getInstance().newGradientCollector()) {
                        long c0 = cpu();
                        long t0 = System.nanoTime();
                        NDArray y = op.apply(x, rois);
                        y.getFloat(0, 0, 0, 0);
                        long t1 = System.nanoTime();
                        long c1 = cpu();
                        collector.backward(y.sum());
                        x.getGradient().getFloat(0, 0, 0, 0);
                        long t2 = System.nanoTime();
                        long c2 = cpu();
                        System.out.printf(
                                "%s %s: forward %.3f s (CPU %.3f s), backward %.3f s (CPU %.3f"
                                        + " s)%n",
                                name,
                                op.getClass().getSimpleName(),
                                (t1 - t0) / 1e9,
                                (c1 - c0) / 1e9,
                                (t2 - t1) / 1e9,
                                (c2 - c1) / 1e9);
                    }
                }
            }
        }
    }
}
