package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.Provenance;
import org.resnetj.data.Batch;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.data.Seeds;
import org.resnetj.distributed.Replicas;
import org.resnetj.model.InputBuffer;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.resnetj.train.Sgd;
import org.resnetj.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classification pretraining of a detector's backbone on the crops of its own training set, for
 * data with no ImageNet checkpoint at hand (the synthetic default). The paper's detectors start
 * from ImageNet classification and are fine-tuned with BN frozen (Appendix A); this gives a machine
 * without ImageNet the same start, so the detector is then built by {@link Detector#fromImageNet}
 * and trained exactly as in the paper.
 *
 * <p>Each sample is a square crop, resized to {@code side} × {@code side} and mirrored with
 * probability 1/2: around one object, with its class + 1 as label, a margin of context and a little
 * jitter; or, for a {@code backgroundFraction} of the samples, of a region that holds no object
 * (label 0, the detector's background class). The network is the backbone's registered classifier
 * with K + 1 outputs, trained with BN on batch statistics and {@link Sgd}, as in Section 3.4. The
 * result is a checkpoint in the format {@code train} writes.
 *
 * <p>The crops of iteration i are a pure function of (seed, i).
 */
public final class CropPretraining {

    private static final Logger LOG = LoggerFactory.getLogger(CropPretraining.class);

    /** A background crop may cover at most this fraction of any object. */
    static final double BACKGROUND_COVER = 0.3;

    /** SGD's momentum and weight decay, Section 3.4's. */
    private static final float MOMENTUM = 0.9f;

    private static final float WEIGHT_DECAY = 1e-4f;

    private static final int BACKGROUND_TRIES = 10;
    private static final int LOG_EVERY = 50;

    private CropPretraining() {}

    /**
     * How the pretraining runs.
     *
     * @param iterations SGD steps
     * @param batch crops per step
     * @param side the crops' side in pixels: 16 × the detector's RoI size gives the head the map it
     *     sees in detection
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
         * The pretraining of {@code config}'s backbone for {@code iterations}: crops whose trunk
         * map has the detector's RoI size (16 × 7 = 112 pixels for the synthetic default), 32 per
         * batch with a quarter background, LR 0.05 for three quarters of the run, then 0.005.
         */
        public static Settings of(DetectorConfig config, int iterations) {
            int roi = config.fastRcnn().roiSize();
            int side =
                    DetectorConfig.FEATURE_STRIDE * (roi > 0 ? roi : Backbone.RESNET_POOLED_SIZE);
            return new Settings(iterations, 32, side, 0.05, iterations * 3 / 4, 0.25);
        }

        /** The learning rate at {@code iteration}. */
        double lr(int iteration) {
            return iteration < stepAt ? lr : lr / 10;
        }
    }

    /**
     * Trains {@code backbone}'s classifier on crops of {@code images} and writes it to {@code out}.
     * The engine's generator, which the caller seeds, draws the initial weights.
     *
     * @param images the training images, with the objects to crop (difficult ones left out)
     * @param classes K, the object classes
     * @return {@code out}
     */
    public static Path run(
            List<AnnotatedImage> images,
            int classes,
            String backbone,
            Settings settings,
            long seed,
            Path out)
            throws IOException {
        ModelSpec spec = ModelRegistry.get(backbone);
        ModelOptions options = spec.defaults().withClasses(classes + 1);
        Preprocessing.Torchvision preprocessing = Preprocessing.Torchvision.IMAGENET;
        InputBuffer input = new InputBuffer();
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(options, settings.side()), manager)) {
            network.requireGradients();
            try (Sgd sgd = new Sgd(network.parameters(), MOMENTUM, WEIGHT_DECAY, manager)) {
                double loss = 0;
                long errors = 0;
                for (int i = 0; i < settings.iterations(); i++) {
                    Batch batch = batch(images, settings, preprocessing, seed, i);
                    Trainer.StepResult step =
                            Trainer.sgdStep(
                                    network,
                                    sgd,
                                    batch,
                                    input,
                                    (float) settings.lr(i),
                                    false,
                                    Replicas.single(),
                                    false);
                    loss += step.loss();
                    errors += step.errors();
                    if ((i + 1) % LOG_EVERY == 0 || i + 1 == settings.iterations()) {
                        int n = (i % LOG_EVERY) + 1;
                        LOG.info(
                                "pretraining {} on crops: iter {}/{} loss {} err {}%",
                                backbone,
                                i + 1,
                                settings.iterations(),
                                String.format("%.3f", loss / n),
                                String.format("%.1f", 100.0 * errors / (n * settings.batch())));
                        loss = 0;
                        errors = 0;
                    }
                }
            }
            Map<String, NDArray> arrays = new LinkedHashMap<>(network.parameters());
            arrays.putAll(network.state());
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("model", spec.name());
            meta.put("options", Checkpoint.optionsMap(options));
            meta.put("iteration", settings.iterations());
            meta.put("preprocessing", preprocessing.describe());
            meta.put("pretrained_on", "crops of the detection training set");
            Provenance.current().putInto(meta);
            Checkpoint.write(out, meta, arrays, Map.of());
        }
        return out;
    }

    /** The crops of iteration {@code iteration}, normalized, with their labels. */
    static Batch batch(
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
        for (int b = 0; b < settings.batch(); b++) {
            AnnotatedImage image = images.get(random.nextInt(images.size()));
            Crop crop = null;
            if (random.nextDouble() < settings.backgroundFraction()) {
                crop = background(image, random);
            }
            if (crop == null) {
                crop = object(image, random);
            }
            labels[b] = crop.label();
            float[] view = resample(RgbImage.read(image.file()), crop, side, random.nextBoolean());
            preprocessing.normalize(view, side, side);
            System.arraycopy(view, 0, pixels, b * view.length, view.length);
        }
        return new Batch(pixels, labels, side, iteration);
    }

    /** A square region of an image, in pixels, and its label. */
    record Crop(double x, double y, double side, int label) {}

    /** A crop around one of the image's objects, with 20 to 60% context and 10% jitter. */
    static Crop object(AnnotatedImage image, SplittableRandom random) {
        GroundTruth o = image.objects().get(random.nextInt(image.objects().size()));
        Box b = o.box();
        double side = Math.max(b.width(), b.height()) * (1.2 + 0.4 * random.nextDouble());
        double cx = (b.x1() + b.x2() + 1) / 2 + (random.nextDouble() - 0.5) * 0.2 * b.width();
        double cy = (b.y1() + b.y2() + 1) / 2 + (random.nextDouble() - 0.5) * 0.2 * b.height();
        return new Crop(cx - side / 2, cy - side / 2, side, o.label() + 1);
    }

    /**
     * A crop inside the image that covers at most {@link #BACKGROUND_COVER} of every object, its
     * side log-uniform from 16 pixels to the image's shorter side; null if none was found.
     */
    static Crop background(AnnotatedImage image, SplittableRandom random) {
        int shorter = Math.min(image.width(), image.height());
        for (int t = 0; t < BACKGROUND_TRIES; t++) {
            double side = Math.exp(Math.log(16) + random.nextDouble() * Math.log(shorter / 16.0));
            double x = random.nextDouble() * (image.width() - side);
            double y = random.nextDouble() * (image.height() - side);
            if (image.objects().stream()
                    .allMatch(o -> covered(o.box(), x, y, side) <= BACKGROUND_COVER)) {
                return new Crop(x, y, side, 0);
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
