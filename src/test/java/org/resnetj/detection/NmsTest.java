package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NMS: hand-worked cases for the threshold's strictness and the tie order, then the exact kept
 * indices of torchvision's {@code nms} and {@code batched_nms} on clustered random boxes with tied
 * scores (the test prints its speed on 12000 RPN-like boxes).
 */
class NmsTest {

    @TempDir Path dir;

    @Test
    void suppressesOnlyOverlapsStrictlyAboveTheThreshold() {
        // IoU of [0,0,2,1] and [0,0,1,1] is 1/2 exactly (no +1 pixel); [5,5,6,6] overlaps neither.
        float[] boxes = {0, 0, 2, 1, 0, 0, 1, 1, 5, 5, 6, 6};
        float[] scores = {0.9f, 0.8f, 0.7f};
        assertThat(Nms.nms(boxes, scores, 0.5)).containsExactly(0, 1, 2);
        assertThat(Nms.nms(boxes, scores, 0.49)).containsExactly(0, 2);
        assertThat(Nms.nms(boxes, scores, 0.49, 1)).containsExactly(0);
    }

    @Test
    void visitsTiedScoresInIndexOrder() {
        // Boxes 1 and 2 tie and overlap fully: the lower index wins; box 0 scores lowest.
        float[] boxes = {10, 10, 20, 20, 0, 0, 4, 4, 0, 0, 4, 4};
        float[] scores = {0.1f, 0.5f, 0.5f};
        assertThat(Nms.nms(boxes, scores, 0.5)).containsExactly(1, 0);
        int[] classes = {0, 1, 2};
        assertThat(Nms.batchedNms(boxes, scores, classes, 0.5)).containsExactly(1, 2, 0);
    }

    @Test
    void keepsExactlyWhatTorchvisionKeeps() throws Exception {
        TorchvisionOps.require();
        Random random = new Random(11);
        for (int k : new int[] {400, 2500}) { // batched_nms switches algorithm past 1000 boxes
            for (double threshold : new double[] {0.3, 0.7}) {
                float[] boxes = clustered(random, k);
                float[] scores = new float[k];
                int[] classes = new int[k];
                for (int i = 0; i < k; i++) {
                    scores[i] = random.nextInt(50) / 50f; // many ties
                    classes[i] = random.nextInt(4);
                }
                if (k > 1000) { // torchvision's per-class path then sorts unstably: no ties
                    for (int i = 0; i < k; i++) {
                        scores[i] = random.nextFloat();
                    }
                }
                Path run = dir.resolve(k + "-" + threshold);
                Files.createDirectories(run);
                TorchvisionOps.write(run.resolve("boxes.bin"), boxes);
                TorchvisionOps.write(run.resolve("scores.bin"), scores);
                TorchvisionOps.write(run.resolve("classes.bin"), classes);
                TorchvisionOps.run(run, "nms", run, k, threshold);
                int[] nms = Nms.nms(boxes, scores, threshold);
                assertThat(nms).isEqualTo(TorchvisionOps.ints(run.resolve("nms.bin")));
                assertThat(nms.length).isBetween(k / 50, k - k / 50); // some, not all, suppressed
                assertThat(Nms.batchedNms(boxes, scores, classes, threshold))
                        .isEqualTo(TorchvisionOps.ints(run.resolve("batched.bin")));
            }
        }
    }

    @Test
    void printsItsSpeedOnRpnSizedInputs() {
        Random random = new Random(3);
        int k = 12000;
        float[] boxes = clustered(random, k);
        float[] scores = new float[k];
        for (int i = 0; i < k; i++) {
            scores[i] = random.nextFloat();
        }
        int kept = 0;
        for (int warm = 0; warm < 5; warm++) {
            kept += Nms.nms(boxes, scores, 0.7, 2000).length + Nms.nms(boxes, scores, 0.7).length;
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        int[] top = Nms.nms(boxes, scores, 0.7, 2000);
        long c1 = threads.getCurrentThreadCpuTime();
        long t1 = System.nanoTime();
        int[] all = Nms.nms(boxes, scores, 0.7);
        long c2 = threads.getCurrentThreadCpuTime();
        long t2 = System.nanoTime();
        System.out.printf(
                Locale.ROOT,
                "NMS of %d boxes at 0.7: first %d kept in %.1f ms (%.1f ms CPU), all %d in %.1f ms"
                        + " (%.1f ms CPU) (%d)%n",
                k,
                top.length,
                (t1 - t0) / 1e6,
                (c1 - c0) / 1e6,
                all.length,
                (t2 - t1) / 1e6,
                (c2 - c1) / 1e6,
                kept);
        assertThat(all).startsWith(top);
    }

    /**
     * Boxes around a few centres in an 800×600 image, so that many overlap heavily, as an RPN's
     * proposals do.
     */
    private static float[] clustered(Random random, int k) {
        float[] boxes = new float[4 * k];
        int clusters = Math.max(1, k / 20);
        float[] centres = new float[2 * clusters];
        for (int c = 0; c < clusters; c++) {
            centres[2 * c] = 800 * random.nextFloat();
            centres[2 * c + 1] = 600 * random.nextFloat();
        }
        for (int i = 0; i < k; i++) {
            int c = random.nextInt(clusters);
            float w = 16 + 200 * random.nextFloat();
            float h = 16 + 200 * random.nextFloat();
            float x = centres[2 * c] + 20 * (float) random.nextGaussian();
            float y = centres[2 * c + 1] + 20 * (float) random.nextGaussian();
            boxes[4 * i] = x - w / 2;
            boxes[4 * i + 1] = y - h / 2;
            boxes[4 * i + 2] = x + w / 2;
            boxes[4 * i + 3] = y + h / 2;
        }
        return boxes;
    }
}
