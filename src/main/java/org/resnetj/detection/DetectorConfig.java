package org.resnetj.detection;

import java.util.List;
import java.util.Locale;

/**
 * The settings of a Faster R-CNN detector and its training, in one place, with the defaults of the
 * paper's Appendix A and of the systems it builds on (Faster R-CNN, py-faster-rcnn's {@code
 * config.py}, Detectron's ResNet C4 configurations). Every group checks its values when built.
 *
 * @param backbone a registered ImageNet network ({@code resnet50}, {@code resnet101}, {@code
 *     vgg16}, ...): its conv1 to conv4_x are the shared trunk, its conv5_x the per-RoI head
 * @param classes K, the object classes; the classifier scores K + 1 with background as class 0
 * @param scale the input scaling
 * @param rpn the region proposal network's anchors, sampling and proposals
 * @param fastRcnn the per-RoI detector's sampling, loss and test-time settings
 * @param solver SGD and the step schedule
 */
public record DetectorConfig(
        String backbone, int classes, ImageScale scale, Rpn rpn, FastRcnn fastRcnn, Solver solver) {

    /** The trunk's output stride: conv1, the max pool, conv3_1 and conv4_1 each halve the map. */
    public static final int FEATURE_STRIDE = 16;

    /** PASCAL VOC's 20 object classes. */
    public static final int VOC_CLASSES = 20;

    /** COCO's 80 object categories. */
    public static final int COCO_CLASSES = 80;

    /** Checks the backbone name and the class count; each group checks its own values. */
    public DetectorConfig {
        if (backbone == null || backbone.isBlank()) {
            throw new IllegalArgumentException("a detector needs a backbone network name");
        }
        positive("classes", classes);
    }

    /**
     * Input scaling (Faster R-CNN, Section 3.3; py-faster-rcnn {@code SCALES}, {@code MAX_SIZE}):
     * the image is resized by one factor so that its shorter side is {@code shorterSide}, unless
     * its longer side would then exceed {@code maxLongerSide}, in which case that side is {@code
     * maxLongerSide}.
     *
     * @param flip whether training mirrors each image (and its boxes) with probability 1/2, as
     *     py-faster-rcnn's {@code USE_FLIPPED}
     */
    public record ImageScale(int shorterSide, int maxLongerSide, boolean flip) {
        /** Checks that both sides are positive and the cap is not below the shorter side. */
        public ImageScale {
            positive("shorter side", shorterSide);
            if (maxLongerSide < shorterSide) {
                throw new IllegalArgumentException(
                        "the longer side's cap ("
                                + maxLongerSide
                                + ") must be at least the shorter side ("
                                + shorterSide
                                + ")");
            }
        }
    }

    /**
     * The region proposal network (Faster R-CNN, Section 3.1; py-faster-rcnn's {@code RPN_*}).
     *
     * @param anchorSizes the anchors' sides at ratio 1:1, in input pixels (128, 256, 512)
     * @param anchorRatios the anchors' height-to-width ratios (0.5, 1, 2)
     * @param batch anchors sampled per image for the loss (256)
     * @param fgFraction at most this fraction of them positive (0.5)
     * @param positiveIou an anchor is positive above this IoU with a box (0.7), or if it is a box's
     *     best
     * @param negativeIou and negative below this one (0.3)
     * @param nms the IoU of the proposals' non-maximum suppression (0.7)
     * @param preNmsTrain proposals kept by score before NMS in training (12000)
     * @param postNmsTrain and after it (2000)
     * @param preNmsTest proposals kept before NMS at test (6000)
     * @param postNmsTest and after it (300)
     * @param minSize proposals narrower or lower than this, in original-image pixels, are dropped
     *     (16)
     * @param sigma the smooth L1's σ for the box loss (3: quadratic below 1/σ² = 1/9)
     */
    public record Rpn(
            List<Integer> anchorSizes,
            List<Double> anchorRatios,
            int batch,
            double fgFraction,
            double positiveIou,
            double negativeIou,
            double nms,
            int preNmsTrain,
            int postNmsTrain,
            int preNmsTest,
            int postNmsTest,
            int minSize,
            double sigma) {

        /** Checks every count and fraction; keeps copies of the lists. */
        public Rpn {
            anchorSizes = List.copyOf(anchorSizes);
            anchorRatios = List.copyOf(anchorRatios);
            if (anchorSizes.isEmpty() || anchorRatios.isEmpty()) {
                throw new IllegalArgumentException("the RPN needs at least one anchor shape");
            }
            anchorSizes.forEach(s -> positive("anchor size", s));
            anchorRatios.forEach(r -> positive("anchor ratio", r));
            positive("RPN batch", batch);
            fraction("RPN foreground fraction", fgFraction);
            fraction("RPN positive IoU", positiveIou);
            fraction("RPN negative IoU", negativeIou);
            if (negativeIou > positiveIou) {
                throw new IllegalArgumentException(
                        "the RPN's negative IoU ("
                                + negativeIou
                                + ") must not exceed its positive IoU ("
                                + positiveIou
                                + ")");
            }
            fraction("RPN NMS IoU", nms);
            positive("RPN pre-NMS proposals (training)", preNmsTrain);
            positive("RPN post-NMS proposals (training)", postNmsTrain);
            positive("RPN pre-NMS proposals (test)", preNmsTest);
            positive("RPN post-NMS proposals (test)", postNmsTest);
            if (minSize < 0) {
                throw new IllegalArgumentException(
                        "the RPN's minimum proposal size must be 0 or more, got " + minSize);
            }
            positive("RPN smooth L1 sigma", sigma);
        }

        /** A, the anchors at each feature-map position: every size at every ratio. */
        public int anchorsPerPosition() {
            return anchorSizes.size() * anchorRatios.size();
        }

        /** The smooth L1 loss's β = 1/σ², the point where it turns from quadratic to linear. */
        public double beta() {
            return 1 / (sigma * sigma);
        }
    }

    /**
     * The per-RoI detector (Fast R-CNN; py-faster-rcnn's {@code TRAIN.BATCH_SIZE}, {@code
     * FG_FRACTION}, {@code FG_THRESH}, {@code BG_THRESH_*}, {@code BBOX_NORMALIZE_STDS}, {@code
     * TEST.NMS}).
     *
     * @param batch RoIs sampled per image (128)
     * @param fgFraction at most this fraction of them foreground (0.25)
     * @param fgIou a RoI is foreground at IoU ≥ this with a box (0.5)
     * @param bgIouLow background from this IoU (0.1)
     * @param bgIouHigh up to, not including, this one (0.5)
     * @param boxStds the box targets (dx, dy, dw, dh) are divided by these (0.1, 0.1, 0.2, 0.2)
     * @param sigma the smooth L1's σ for the box loss (1)
     * @param testNms the per-class NMS IoU at test (0.3)
     * @param roiSize the side of the pooled RoIs, or 0 for the backbone's own ({@link
     *     Backbone#pooledSize}: 14 before a ResNet's conv5_1, as the paper; 7 before VGG's fc6)
     * @param pooling how RoIs are pooled: {@link Pooling#POOL}, the paper's, unless chosen
     *     otherwise (null, as in configurations written before the choice existed, is {@code POOL})
     */
    public record FastRcnn(
            int batch,
            double fgFraction,
            double fgIou,
            double bgIouLow,
            double bgIouHigh,
            List<Double> boxStds,
            double sigma,
            double testNms,
            int roiSize,
            Pooling pooling) {

        /** Checks every count and fraction; keeps a copy of the deviations. */
        public FastRcnn {
            pooling = pooling == null ? Pooling.POOL : pooling;
            boxStds = List.copyOf(boxStds);
            positive("RoI batch", batch);
            fraction("RoI foreground fraction", fgFraction);
            fraction("RoI foreground IoU", fgIou);
            fraction("RoI background low IoU", bgIouLow);
            fraction("RoI background high IoU", bgIouHigh);
            if (bgIouLow > bgIouHigh) {
                throw new IllegalArgumentException(
                        "the background IoU range [" + bgIouLow + ", " + bgIouHigh + ") is empty");
            }
            if (boxStds.size() != 4) {
                throw new IllegalArgumentException(
                        "box target deviations are 4 values (dx, dy, dw, dh), got "
                                + boxStds.size());
            }
            boxStds.forEach(s -> positive("box target deviation", s));
            positive("Fast R-CNN smooth L1 sigma", sigma);
            fraction("test NMS IoU", testNms);
            if (roiSize < 0) {
                throw new IllegalArgumentException(
                        "the RoI size must be positive, or 0 for the backbone's, got " + roiSize);
            }
        }

        /** The smooth L1 loss's β = 1/σ². */
        public double beta() {
            return 1 / (sigma * sigma);
        }

        /** The same settings with {@code kind} of RoI pooling. */
        public FastRcnn withPooling(Pooling kind) {
            return new FastRcnn(
                    batch,
                    fgFraction,
                    fgIou,
                    bgIouLow,
                    bgIouHigh,
                    boxStds,
                    sigma,
                    testNms,
                    roiSize,
                    kind);
        }
    }

    /** The RoI pooling in front of the per-RoI head. */
    public enum Pooling {
        /**
         * Fast R-CNN's max pooling over quantized bins ({@link RoiPool}, torchvision's {@code
         * roi_pool}): what the paper's detectors used.
         */
        POOL,
        /**
         * Mask R-CNN's bilinear sampling at 2×2 points per bin, with boxes shifted by half a pixel
         * ({@link RoiAlign}, torchvision's {@code roi_align} with {@code sampling_ratio=2,
         * aligned=True}).
         */
        ALIGN
    }

    /**
     * SGD with momentum and one step of the learning rate (Faster R-CNN's VOC schedule: 0.001 for
     * 60k iterations, then 0.0001 for 20k), one image per iteration.
     *
     * @param lr the initial learning rate
     * @param stepAt the iteration at which it is multiplied by {@code gamma}
     * @param iterations the whole run
     * @param gamma the step's factor (0.1)
     * @param momentum μ (0.9)
     * @param weightDecay λ: 1e-4 for ResNet backbones (Detectron's ResNet C4 configurations, and
     *     the paper's own ImageNet training), 5e-4 for VGG-16 (py-faster-rcnn's VGG solvers)
     */
    public record Solver(
            double lr,
            int stepAt,
            int iterations,
            double gamma,
            double momentum,
            double weightDecay) {

        /** Checks the rates and that the step lies inside the run. */
        public Solver {
            positive("learning rate", lr);
            positive("iterations", iterations);
            if (stepAt < 0 || stepAt > iterations) {
                throw new IllegalArgumentException(
                        "the LR step ("
                                + stepAt
                                + ") must lie within the run's "
                                + iterations
                                + " iterations");
            }
            fraction("LR step factor", gamma);
            fraction("momentum", momentum);
            if (!(weightDecay >= 0)) {
                throw new IllegalArgumentException(
                        "weight decay must be 0 or more, got " + weightDecay);
            }
        }

        /** The learning rate at {@code iteration} (0-based). */
        public double lr(int iteration) {
            return iteration < stepAt ? lr : lr * gamma;
        }
    }

    /**
     * The paper's PASCAL VOC setting (Appendix A with Faster R-CNN's defaults): 20 classes, shorter
     * side 600 capped at 1000, anchors 128², 256², 512² at 1:1, 1:2, 2:1, 256 anchors and 128 RoIs
     * per image, LR 0.001 for 60k iterations then 0.0001 for 20k.
     *
     * @param backbone a registered ImageNet network, for example {@code resnet101} or {@code vgg16}
     */
    public static DetectorConfig voc(String backbone) {
        return new DetectorConfig(
                backbone,
                VOC_CLASSES,
                new ImageScale(600, 1000, true),
                paperRpn(List.of(128, 256, 512)),
                paperFastRcnn(128),
                new Solver(0.001, 60_000, 80_000, 0.1, 0.9, weightDecay(backbone)));
    }

    /**
     * The paper's COCO setting: 80 categories, anchors with 64² added, LR 0.001 for 240k iterations
     * then 0.0001 for 80k (the paper's 8 GPUs run these as 8-image mini-batches; here they are one
     * image each).
     */
    public static DetectorConfig coco(String backbone) {
        return new DetectorConfig(
                backbone,
                COCO_CLASSES,
                new ImageScale(600, 1000, true),
                paperRpn(List.of(64, 128, 256, 512)),
                paperFastRcnn(128),
                new Solver(0.001, 240_000, 320_000, 0.1, 0.9, weightDecay(backbone)));
    }

    /**
     * A small setting that trains on the synthetic VOC-format set in about ten minutes on two
     * cores, after {@link CropPretraining} in place of ImageNet: a ResNet-18 C4 backbone on images
     * scaled to shorter side 320 (longer at most 480; the synthetic images are 160 to 240 pixels,
     * and upscaling them as py-faster-rcnn upscales VOC's 500-pixel images to 600 gives their
     * smaller objects a few cells of the stride-16 map), anchors 48, 96 and 192 at the three
     * ratios, 64 RPN anchors and 32 RoIs per image, 100 proposals at test. Three changes from the
     * paper's setting, recorded in the README's Fidelity notes: RoIs are pooled to 7×7 rather than
     * 14×14 before conv5_1 (conv5_x costs 4 times less), with RoIAlign rather than max pooling (it
     * keeps where a small object lies inside a cell), and the LR is 0.01 for 600 iterations, then
     * 0.001 for 200 (the paper's 3:1 proportion; a backbone pretrained on crops for a few minutes
     * takes a larger LR than one that saw ImageNet). Its results are synthetic and say nothing of
     * the paper's numbers.
     *
     * @param classes the synthetic set's object classes
     */
    public static DetectorConfig synthetic(int classes) {
        Rpn paper = paperRpn(List.of(48, 96, 192));
        Rpn small =
                new Rpn(
                        paper.anchorSizes(),
                        paper.anchorRatios(),
                        64,
                        paper.fgFraction(),
                        paper.positiveIou(),
                        paper.negativeIou(),
                        paper.nms(),
                        2000,
                        300,
                        1000,
                        100,
                        4,
                        paper.sigma());
        return new DetectorConfig(
                "resnet18",
                classes,
                new ImageScale(320, 480, true),
                small,
                new FastRcnn(
                        32,
                        0.25,
                        0.5,
                        0.1,
                        0.5,
                        List.of(0.1, 0.1, 0.2, 0.2),
                        1,
                        0.3,
                        7,
                        Pooling.ALIGN),
                new Solver(0.01, 600, 800, 0.1, 0.9, weightDecay("resnet18")));
    }

    private static Rpn paperRpn(List<Integer> sizes) {
        return new Rpn(
                sizes,
                List.of(0.5, 1.0, 2.0),
                256,
                0.5,
                0.7,
                0.3,
                0.7,
                12_000,
                2000,
                6000,
                300,
                16,
                3);
    }

    private static FastRcnn paperFastRcnn(int batch) {
        return new FastRcnn(
                batch, 0.25, 0.5, 0.1, 0.5, List.of(0.1, 0.1, 0.2, 0.2), 1, 0.3, 0, Pooling.POOL);
    }

    /**
     * 5e-4 for VGG (py-faster-rcnn's solvers, the setting of the VGG-16 baseline), 1e-4 for the
     * ResNets (Detectron's e2e_faster_rcnn_R-50-C4 configuration; also the paper's ImageNet value).
     */
    private static double weightDecay(String backbone) {
        return backbone.toLowerCase(Locale.ROOT).startsWith("vgg") ? 5e-4 : 1e-4;
    }

    private static void positive(String what, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }

    private static void positive(String what, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }

    private static void fraction(String what, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(what + " must lie in [0, 1], got " + value);
        }
    }
}
