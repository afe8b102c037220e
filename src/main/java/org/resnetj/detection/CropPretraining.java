package org.resnetj.detection;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.data.Seeds;
import org.resnetj.train.Sgd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pretraining of a detector trained from scratch as a classifier of RoIs on crops of its own
 * training set, before end-to-end training: the stand-in, for data with no ImageNet checkpoint at
 * hand (the synthetic default), of the ImageNet classification the paper's detectors start from
 * (Appendix A). A crop shows many objects in the time one whole image takes, so the trunk, the head
 * and the classifier learn the classes sooner.
 *
 * <p>Each sample is a square crop, resized to {@code side} × {@code side} and mirrored with
 * probability 1/2: around one object, with context, its RoI the object's box and its label the
 * object's class + 1; or, for a {@code backgroundFraction} of the samples, of a region that holds
 * no object, with a RoI inside it and label 0, the background. The crops go through the detector's
 * own trunk, RoI pooling and head, with BN on batch statistics, and the classification loss of Fast
 * R-CNN is minimized by {@link Sgd} with its own momentum; the RPN and the box regression do not
 * take part.
 *
 * <p>The crops of iteration i are a pure function of (seed, i).
 */
public final class CropPretraining {

    private static final Logger LOG = LoggerFactory.getLogger(CropPretraining.class);

    /** A background crop may cover at most this fraction of any object. */
    static final double BACKGROUND_COVER = 0.3;

    /** SGD's momentum, the detector's. */
    private static final float MOMENTUM = 0.9f;

    private static final int BACKGROUND_TRIES = 10;
    private static final int LOG_EVERY = 50;

    private CropPretraining() {}

    /**
     * How the pretraining runs.
     *
     * @param iterations SGD steps
     * @param batch crops per step
     * @param side the crops' side in pixels, to which each crop is resampled
     * @param lr the learning rate until {@code stepAt}, then a tenth of it
     * @param stepAt the step of the learning rate
     * @param backgroundFraction the share of background crops
     */
    public record Settings(
            int iterations, int batch, int side, double lr, int stepAt, double backgroundFraction) {

        /** Checks the counts and rates. */
        public Settings {
            if (iterations < 1 || batch < 1 || side < 32) {
                throw new IllegalArgumentException(
                        "crop pretraining needs at least 1 iteration, 1 crop per batch and crops of"
                                + " at least 32 pixels; got "
                                + iterations
                                + ", "
                                + batch
                                + ", "
                                + side);
            }
            if (!(lr > 0) || stepAt < 0 || stepAt > iterations) {
                throw new IllegalArgumentException(
                        "crop pretraining needs a positive learning rate and a step within the run;"
                                + " got "
                                + lr
                                + " and "
                                + stepAt);
            }
            if (!(backgroundFraction >= 0 && backgroundFraction < 1)) {
                throw new IllegalArgumentException(
                        "the background fraction must lie in [0, 1), got " + backgroundFraction);
            }
        }

        /**
         * Pretraining for {@code iterations}: 32 crops of 96 pixels per batch, a quarter of them
         * background, LR 0.02 for three quarters of the run, then 0.002.
         */
        public static Settings of(int iterations) {
            return new Settings(iterations, 32, 96, 0.02, iterations * 3 / 4, 0.25);
        }

        /** The learning rate at {@code iteration}. */
        double lr(int iteration) {
            return iteration < stepAt ? lr : lr / 10;
        }
    }

    /**
     * Trains {@code detector}'s trunk, head and classifier on RoIs of crops of {@code images}. The
     * detector must be one that trains its BN ({@link Detector#fromScratch}).
     *
     * @param images the training images, with the objects to crop (difficult ones left out)
     * @throws IllegalArgumentException if the detector's BN is frozen
     */
    public static void run(
            Detector detector, List<AnnotatedImage> images, Settings settings, long seed)
            throws IOException {
        if (!detector.scratch()) {
            throw new IllegalArgumentException(
                    "crop pretraining needs a detector trained from scratch, with BN on batch"
                            + " statistics; this one's BN is frozen");
        }
        RoiPooling pooling = DetectorInference.pooling(detector);
        detector.requireGradients();
        try (Sgd sgd =
                new Sgd(
                        detector.trainableParameters(),
                        MOMENTUM,
                        (float) detector.config().solver().weightDecay(),
                        detector.manager())) {
            double loss = 0;
            long errors = 0;
            for (int i = 0; i < settings.iterations(); i++) {
                Crops crops = crops(images, settings, detector.preprocessing(), seed, i);
                int n = crops.labels().length;
                int side = settings.side();
                try (NDManager scope = detector.manager().newSubManager()) {
                    NDArray logits;
                    NDArray labels = scope.create(crops.labels());
                    NDArray step;
                    try (GradientCollector collector =
                            Engine.getInstance().newGradientCollector()) {
                        NDArray x = scope.create(crops.pixels(), new Shape(n, 3, side, side));
                        NDArray features = detector.trunk(x, true);
                        int[] image = new int[n];
                        Arrays.setAll(image, k -> k);
                        NDArray pooled = pooling.apply(features, new Rois(image, crops.boxes()));
                        logits = detector.head(pooled, true).classLogits();
                        step = DetectionLosses.fastRcnnClass(logits, labels);
                        collector.backward(step);
                    }
                    sgd.step((float) settings.lr(i));
                    loss += step.getFloat();
                    errors +=
                            logits.argMax(1)
                                    .toType(labels.getDataType(), false)
                                    .neq(labels)
                                    .sum()
                                    .getLong();
                }
                if ((i + 1) % LOG_EVERY == 0 || i + 1 == settings.iterations()) {
                    int steps = (i % LOG_EVERY) + 1;
                    LOG.info(
                            "pretraining on crops: iter {}/{} loss {} err {}%",
                            i + 1,
                            settings.iterations(),
                            String.format("%.3f", loss / steps),
                            String.format("%.1f", 100.0 * errors / (steps * settings.batch())));
                    loss = 0;
                    errors = 0;
                }
            }
        }
    }

    /**
     * The crops of one iteration.
     *
     * @param pixels N×3×side×side, normalized
     * @param labels each crop's class: its object's class + 1, or 0 for background
     * @param boxes each crop's RoI, in its pixels: its object's box, or a region of background
     */
    record Crops(float[] pixels, int[] labels, float[] boxes) {}

    /** The crops of iteration {@code iteration}. */
    static Crops crops(
            List<AnnotatedImage> images,
            Settings settings,
            Preprocessing preprocessing,
            long seed,
            int iteration)
            throws IOException {
        SplittableRandom random = Seeds.random(seed, Seeds.DETECTION_PRETRAINING, iteration);
        int side = settings.side();
        float[] pixels = new float[settings.batch() * 3 * side * side];
        int[] labels = new int[settings.batch()];
        float[] boxes = new float[4 * settings.batch()];
        for (int b = 0; b < settings.batch(); b++) {
            AnnotatedImage image = images.get(random.nextInt(images.size()));
            Crop crop = null;
            if (random.nextDouble() < settings.backgroundFraction()) {
                crop = background(image, random);
            }
            if (crop == null) {
                crop = object(image, random);
            }
            boolean mirror = random.nextBoolean();
            labels[b] = crop.label();
            float[] view = resample(RgbImage.read(image.file()), crop, side, mirror);
            preprocessing.normalize(view, side, side);
            System.arraycopy(view, 0, pixels, b * view.length, view.length);
            float[] roi = crop.roi(side, mirror);
            System.arraycopy(roi, 0, boxes, 4 * b, 4);
        }
        return new Crops(pixels, labels, boxes);
    }

    /**
     * A square region of an image and the RoI inside it, in the image's pixels, and its label.
     *
     * @param roi the RoI (x1, y1, x2, y2), pixels inclusive
     */
    record Crop(double x, double y, double side, Box roi, int label) {

        /** The RoI in the pixels of the crop resampled to {@code size}, mirrored or not. */
        float[] roi(int size, boolean mirror) {
            double k = size / side;
            double x1 = (roi.x1() - x) * k;
            double x2 = (roi.x2() + 1 - x) * k - 1;
            double y1 = (roi.y1() - y) * k;
            double y2 = (roi.y2() + 1 - y) * k - 1;
            if (mirror) {
                double flipped = size - 1 - x2;
                x2 = size - 1 - x1;
                x1 = flipped;
            }
            return new float[] {(float) x1, (float) y1, (float) x2, (float) y2};
        }
    }

    /**
     * A crop around one of the image's objects, 1.5 to 2.5 times its longer side, the object
     * anywhere in its middle half: the RoI is the object's box, with context around it, as in a
     * whole image's map.
     */
    static Crop object(AnnotatedImage image, SplittableRandom random) {
        GroundTruth o = image.objects().get(random.nextInt(image.objects().size()));
        Box b = o.box();
        double extent = Math.max(b.width(), b.height());
        double side = extent * (1.5 + random.nextDouble());
        double slack = (side - extent) / 2;
        double cx = (b.x1() + b.x2() + 1) / 2 + (random.nextDouble() - 0.5) * slack;
        double cy = (b.y1() + b.y2() + 1) / 2 + (random.nextDouble() - 0.5) * slack;
        return new Crop(cx - side / 2, cy - side / 2, side, b, o.label() + 1);
    }

    /**
     * A crop inside the image that covers at most {@link #BACKGROUND_COVER} of every object, its
     * side log-uniform from 16 pixels to the image's shorter side, with a RoI of 40 to 80% of its
     * side anywhere in it; null if none was found.
     */
    static Crop background(AnnotatedImage image, SplittableRandom random) {
        int shorter = Math.min(image.width(), image.height());
        for (int t = 0; t < BACKGROUND_TRIES; t++) {
            double side = Math.exp(Math.log(16) + random.nextDouble() * Math.log(shorter / 16.0));
            double x = random.nextDouble() * (image.width() - side);
            double y = random.nextDouble() * (image.height() - side);
            if (image.objects().stream()
                    .allMatch(o -> covered(o.box(), x, y, side) <= BACKGROUND_COVER)) {
                double inner = side * (0.4 + 0.4 * random.nextDouble());
                double rx = x + random.nextDouble() * (side - inner);
                double ry = y + random.nextDouble() * (side - inner);
                return new Crop(x, y, side, new Box(rx, ry, rx + inner - 1, ry + inner - 1), 0);
            }
        }
        return null;
    }

    /** The fraction of {@code box}'s area inside the square at (x, y). */
    private static double covered(Box box, double x, double y, double side) {
        double w = Math.min(box.x2() + 1, x + side) - Math.max(box.x1(), x);
        double h = Math.min(box.y2() + 1, y + side) - Math.max(box.y1(), y);
        return w <= 0 || h <= 0 ? 0 : w * h / box.area();
    }

    /**
     * The crop resampled bilinearly to side × side, channel-major, in [0, 1]; pixels beyond the
     * image repeat its edge.
     */
    static float[] resample(RgbImage image, Crop crop, int side, boolean mirror) {
        float[] out = new float[3 * side * side];
        double step = crop.side() / side;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < side; i++) {
                double sy = crop.y() + (i + 0.5) * step - 0.5;
                for (int j = 0; j < side; j++) {
                    int column = mirror ? side - 1 - j : j;
                    double sx = crop.x() + (column + 0.5) * step - 0.5;
                    out[(c * side + i) * side + j] = bilinear(image, c, sy, sx) / 255f;
                }
            }
        }
        return out;
    }

    private static float bilinear(RgbImage image, int c, double y, double x) {
        double cy = Math.max(0, Math.min(image.height() - 1, y));
        double cx = Math.max(0, Math.min(image.width() - 1, x));
        int y0 = (int) Math.floor(cy);
        int x0 = (int) Math.floor(cx);
        int y1 = Math.min(y0 + 1, image.height() - 1);
        int x1 = Math.min(x0 + 1, image.width() - 1);
        double fy = cy - y0;
        double fx = cx - x0;
        double top = image.sample(c, y0, x0) * (1 - fx) + image.sample(c, y0, x1) * fx;
        double bottom = image.sample(c, y1, x0) * (1 - fx) + image.sample(c, y1, x1) * fx;
        return (float) (top * (1 - fy) + bottom * fy);
    }
}
