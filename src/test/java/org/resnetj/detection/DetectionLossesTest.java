package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.resnetj.testing.Reference;

/**
 * Faster R-CNN's losses: a case worked by hand, and random cases against PyTorch's own {@code
 * binary_cross_entropy_with_logits}, {@code smooth_l1_loss(beta)} and {@code cross_entropy} ({@code
 * bench/detection_losses_reference.py}).
 */
class DetectionLossesTest {

    private static final Path SCRIPT = Path.of("bench", "detection_losses_reference.py");
    private static final String PYTHON =
            System.getenv().getOrDefault("RESNETJ_PYTHON", "/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * By hand, σ = 3 (β = 1/9) for the RPN: anchor 0 is positive with deltas 0 against targets
     * (0.05, 0.5, −1, 0), giving 0.5·9·0.05² + (0.5 − 1/18) + (1 − 1/18) + 0 = 1.400139, over 2
     * sampled anchors (anchor 2 is unsampled) = 0.700069. Fast R-CNN, σ = 1: RoI 0 of class 2 has
     * class-2 deltas (0.5, 0, 0, 2) against 0: 0.125 + 1.5 = 1.625 over R = 2 RoIs = 0.8125;
     * background RoI 1 adds nothing whatever its deltas. Cross-entropy: RoI 0, logits (1, 2, 3),
     * class 2: log(e + e² + e³) − 3 = 0.407606; RoI 1, uniform over 3: log 3; mean 0.753109. BCE:
     * anchor 0 (logit 0.5, positive) log(1 + e^−0.5) = 0.474077, anchor 1 (logit −1, negative)
     * log(1 + e^−1) = 0.313262; mean 0.393669.
     */
    @Test
    void lossesMatchAHandWorkedCase() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray rpnLabels = m.create(new int[] {1, 0, -1});
            assertThat(
                            DetectionLosses.rpnObjectness(
                                            m.create(new float[] {0.5f, -1, 2}), rpnLabels)
                                    .getFloat())
                    .isCloseTo(0.393669f, within(1e-6f));
            NDArray rpnDeltas =
                    m.create(new float[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}, new Shape(3, 4));
            NDArray rpnTargets =
                    m.create(
                            new float[] {0.05f, 0.5f, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                            new Shape(3, 4));
            assertThat(DetectionLosses.rpnBox(rpnDeltas, rpnTargets, rpnLabels, 1 / 9.0).getFloat())
                    .isCloseTo(0.700069f, within(1e-6f));
            NDArray roiLabels = m.create(new int[] {2, 0});
            assertThat(
                            DetectionLosses.fastRcnnClass(
                                            m.create(
                                                    new float[] {1, 2, 3, 0, 0, 0},
                                                    new Shape(2, 3)),
                                            roiLabels)
                                    .getFloat())
                    .isCloseTo(0.753109f, within(1e-6f));
            float[] deltas = new float[24];
            Arrays.fill(deltas, 12, 24, 1f);
            deltas[8] = 0.5f;
            deltas[11] = 2f;
            assertThat(
                            DetectionLosses.fastRcnnBox(
                                            m.create(deltas, new Shape(2, 12)),
                                            m.zeros(new Shape(2, 4)),
                                            roiLabels,
                                            1.0)
                                    .getFloat())
                    .isCloseTo(0.8125f, within(1e-6f));
        }
    }

    @Test
    void lossesMatchPyTorchOnRandomCases() throws Exception {
        Reference.require(
                Files.isRegularFile(SCRIPT), "run from the project directory: no " + SCRIPT);
        Reference.require(pythonHasTorch(), PYTHON + " has no torch");
        Random random = new Random(7);
        int anchors = 40;
        int rois = 12;
        int classes = 5;
        List<Map<String, Object>> cases = new ArrayList<>();
        for (int trial = 0; trial < 3; trial++) {
            int[] rpnLabels = new int[anchors];
            for (int i = 0; i < anchors; i++) {
                rpnLabels[i] = random.nextInt(3) - 1;
            }
            rpnLabels[0] = 1;
            int[] roiLabels = new int[rois];
            for (int i = 0; i < rois; i++) {
                roiLabels[i] = random.nextInt(classes);
            }
            roiLabels[0] = 1;
            Map<String, Object> input = new LinkedHashMap<>();
            input.put("rpn_logits", gaussian(random, anchors, 3));
            input.put("rpn_labels", rpnLabels);
            input.put("rpn_deltas", rows(gaussian(random, anchors * 4, 0.3), 4));
            input.put("rpn_targets", rows(gaussian(random, anchors * 4, 0.3), 4));
            input.put("cls_logits", rows(gaussian(random, rois * classes, 2), classes));
            input.put("roi_labels", roiLabels);
            input.put("box_deltas", rows(gaussian(random, rois * 4 * classes, 1.5), 4 * classes));
            input.put("box_targets", rows(gaussian(random, rois * 4, 1.5), 4));
            cases.add(input);
        }
        List<?> expected = reference(cases);
        assertThat(expected).hasSize(cases.size());
        for (int trial = 0; trial < cases.size(); trial++) {
            Map<String, Object> input = cases.get(trial);
            Map<?, ?> losses = (Map<?, ?>) expected.get(trial);
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray labels = m.create((int[]) input.get("rpn_labels"));
                NDArray roiLabels = m.create((int[]) input.get("roi_labels"));
                assertClose(
                        DetectionLosses.rpnObjectness(
                                m.create((float[]) input.get("rpn_logits")), labels),
                        losses.get("rpn_objectness"));
                assertClose(
                        DetectionLosses.rpnBox(
                                m.create((float[][]) input.get("rpn_deltas")),
                                m.create((float[][]) input.get("rpn_targets")),
                                labels,
                                1 / 9.0),
                        losses.get("rpn_box"));
                assertClose(
                        DetectionLosses.fastRcnnClass(
                                m.create((float[][]) input.get("cls_logits")), roiLabels),
                        losses.get("fast_rcnn_class"));
                assertClose(
                        DetectionLosses.fastRcnnBox(
                                m.create((float[][]) input.get("box_deltas")),
                                m.create((float[][]) input.get("box_targets")),
                                roiLabels,
                                1.0),
                        losses.get("fast_rcnn_box"));
            }
        }
    }

    private static void assertClose(NDArray actual, Object expected) {
        double value = ((Number) expected).doubleValue();
        assertThat((double) actual.getFloat()).isCloseTo(value, within(1e-5 * Math.max(1, value)));
    }

    private static float[] gaussian(Random random, int n, double std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextGaussian() * std);
        }
        return out;
    }

    private static float[][] rows(float[] values, int width) {
        float[][] out = new float[values.length / width][width];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(values, i * width, out[i], 0, width);
        }
        return out;
    }

    private static boolean pythonHasTorch() throws InterruptedException {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").start();
            return p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<?> reference(List<Map<String, Object>> input)
            throws IOException, InterruptedException {
        Process process =
                new ProcessBuilder(PYTHON, SCRIPT.toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(JSON.writeValueAsBytes(input));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return JSON.readValue(output, List.class);
    }
}
