package org.resnetj.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;
import org.resnetj.data.BadImages;
import org.resnetj.data.ImagePresets;
import org.resnetj.data.ImageSource;
import org.resnetj.data.Prefetch;
import org.resnetj.data.Preprocessing;
import org.resnetj.model.Classifier;
import org.resnetj.model.Complexity;
import org.resnetj.model.Layer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Top-1 and top-5 error of a network, or of an ensemble of networks, on labelled images under one
 * of the paper's ImageNet testing protocols ({@link Protocol}).
 *
 * <p>For each image: the protocol's views (pixel / 255) are normalised with each model's own
 * preprocessing and run through its network in inference mode; the softmax of each view's scores is
 * averaged over the image's views (crops, flips, scales), then over the models. An ensemble (Table
 * 5) averages the softmax scores of several models; one model is an ensemble of one. An image
 * counts as a top-k error as {@link TopK} decides on the averaged scores.
 *
 * <p>The fully convolutional form of multi-scale testing (Section 3.4, after VGG [40] and [12])
 * applies the fully connected layer at every position of the last feature map and averages the
 * class scores over the positions. Both steps are linear, so this equals global average pooling
 * followed by the fully connected layer: {@code (1/P) Σ_p (W x_p + b) = W ((1/P) Σ_p x_p) + b}. Our
 * ImageNet networks end in exactly that, so running one on the whole resized image gives the
 * position-averaged scores; as in VGG, it is the softmax of those scores that is then averaged over
 * scales and flips.
 *
 * <p>Batching: center and 10-crop views are all 224×224, so the views of several images share a
 * forward pass; multi-scale views differ in size from image to image and scale to scale, so each
 * (image, scale) is a pass of two views, the image and its mirror. Every pass runs in a sub-manager
 * of the network's that is closed as soon as the scores are read, so nothing accumulates over a
 * long run.
 *
 * <p>Images are decoded and their views built on worker threads ({@code threads} of them), at most
 * {@link #IN_FLIGHT_PER_THREAD} images per worker ahead of the network. Decoding costs little next
 * to a forward pass that runs on the same cores, and a bound of a few images keeps memory flat: one
 * image's multi-scale views take about 30 MB.
 */
public final class ProtocolEvaluator {

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolEvaluator.class);

    /** Images prepared ahead of the network per worker thread. */
    static final int IN_FLIGHT_PER_THREAD = 2;

    /** The largest k of the errors reported (top-5, as in Tables 3 to 5). */
    private static final int TOP5 = 5;

    private ProtocolEvaluator() {}

    /**
     * A member of an ensemble: a network and the preprocessing its weights expect.
     *
     * @param name what to call the model in messages, for example its checkpoint path
     * @param network the network, run in inference mode and never changed
     * @param preprocessing the normalisation applied to every view
     */
    public record Model(String name, Classifier network, Preprocessing preprocessing) {

        /** Checks that nothing is missing. */
        public Model {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(preprocessing, "preprocessing");
        }

        /**
         * The number of classes the network scores: the width of its last fully connected layer.
         */
        public int classes() {
            return ProtocolEvaluator.classes(network.plan(), name);
        }
    }

    /**
     * The outcome of an evaluation.
     *
     * @param errors top-1 and top-5 error as fractions of the images evaluated, and their number
     *     (top-k for k = the number of classes if there are fewer than 5)
     * @param skipped images left out of the errors' denominator because they could not be read
     *     ({@link BadImages#SKIP})
     */
    public record Result(Evaluator.Result errors, int skipped) {}

    /**
     * Evaluates, stopping at the first image that cannot be read and reporting no progress.
     *
     * @see #evaluate(List, ImageSource, Protocol, int, int, BadImages, IntConsumer)
     */
    public static Result evaluate(
            List<Model> models, ImageSource images, Protocol protocol, int batchSize, int threads)
            throws IOException {
        return evaluate(models, images, protocol, batchSize, threads, BadImages.STOP, done -> {});
    }

    /**
     * Evaluates an ensemble under a testing protocol; the networks are run in inference mode and
     * nothing in them changes.
     *
     * @param models the ensemble, one or more models scoring the same classes
     * @param images the labelled images; their number of classes must be the models'
     * @param protocol which views of each image are scored
     * @param batchSize the most views in one forward pass; 10-crop keeps an image's ten views in
     *     one pass, so it runs {@code max(1, batchSize / 10)} images per pass; multi-scale always
     *     runs passes of two views
     * @param threads worker threads decoding images and building views
     * @param badImages whether an unreadable image is skipped or stops the evaluation
     * @param progress told the number of images done (scored or skipped) after each pass and each
     *     skip; it reaches {@code images.size()}
     * @throws IllegalArgumentException if a count is below 1, there are no models or no images, or
     *     a model does not fit the protocol or the images (wrong input size, a network that cannot
     *     take whole images for multi-scale testing, a different number of classes)
     * @throws IOException naming the image if one cannot be read and {@code badImages} is {@link
     *     BadImages#STOP}, or if no image at all can be read
     */
    public static Result evaluate(
            List<Model> models,
            ImageSource images,
            Protocol protocol,
            int batchSize,
            int threads,
            BadImages badImages,
            IntConsumer progress)
            throws IOException {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(badImages, "badImages");
        Objects.requireNonNull(progress, "progress");
        if (batchSize < 1 || threads < 1) {
            throw new IllegalArgumentException(
                    "batch size and threads must be at least 1, got "
                            + batchSize
                            + " and "
                            + threads);
        }
        if (images.size() < 1) {
            throw new IllegalArgumentException("there are no images to evaluate");
        }
        int classes = checkModels(models, protocol, images.classes());
        int imagesPerPass =
                protocol.fixedSize() ? Math.max(1, batchSize / protocol.viewsPerImage()) : 1;
        long top1 = 0;
        long top5 = 0;
        int evaluated = 0;
        int skipped = 0;
        IOException firstFailure = null;
        try (Prefetch<Prepared> prefetch =
                new Prefetch<>(
                        "eval-views",
                        "the views of image",
                        index -> prepare(images, protocol, (int) index),
                        0,
                        images.size(),
                        threads,
                        IN_FLIGHT_PER_THREAD * threads)) {
            List<Prepared> pass = new ArrayList<>(imagesPerPass);
            for (int i = 0; i < images.size(); i++) {
                Prepared prepared = next(prefetch);
                if (prepared.failure() != null) {
                    String message = failureMessage(images, prepared);
                    if (badImages == BadImages.STOP) {
                        throw new IOException(message, prepared.failure());
                    }
                    LOG.warn("skipping an unreadable image: {}", message);
                    firstFailure =
                            firstFailure == null
                                    ? new IOException(message, prepared.failure())
                                    : firstFailure;
                    skipped++;
                    progress.accept(evaluated + skipped);
                } else {
                    pass.add(prepared);
                }
                if (pass.size() == imagesPerPass || (i == images.size() - 1 && !pass.isEmpty())) {
                    float[] scores = averageScores(models, views(pass), classes);
                    int[] labels = pass.stream().mapToInt(p -> images.label(p.index())).toArray();
                    int[] errors = TopK.errors(scores, labels, classes, 1, Math.min(TOP5, classes));
                    top1 += errors[0];
                    top5 += errors[1];
                    evaluated += pass.size();
                    pass.clear();
                    progress.accept(evaluated + skipped);
                }
            }
        }
        if (evaluated == 0) {
            throw new IOException(
                    "none of the "
                            + images.size()
                            + " images could be read; the first: "
                            + firstFailure.getMessage(),
                    firstFailure);
        }
        return new Result(
                new Evaluator.Result(
                        (double) top1 / evaluated, (double) top5 / evaluated, evaluated),
                skipped);
    }

    /**
     * The views of one image, or why it could not be read.
     *
     * @param views the protocol's views, null if the image failed
     * @param failure the decoding failure, null if the image was read
     */
    private record Prepared(int index, List<ImagePresets.View> views, IOException failure) {}

    /** Decodes image {@code index} and builds its views; runs on a worker thread. */
    private static Prepared prepare(ImageSource images, Protocol protocol, int index) {
        try {
            return new Prepared(index, protocol.views(images.image(index)), null);
        } catch (IOException e) {
            return new Prepared(index, null, e);
        }
    }

    /**
     * The next image's views, in index order, waiting for them if they are not ready.
     *
     * @throws InterruptedIOException if the calling thread is interrupted while waiting
     */
    private static Prepared next(Prefetch<Prepared> prefetch) throws InterruptedIOException {
        try {
            return prefetch.next();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the views of an image");
        }
    }

    /**
     * The ensemble's scores of each image: the softmax of every view's scores averaged over the
     * image's views, then over the models.
     *
     * @param views the views of each image, in the order a protocol gives them; every image has the
     *     same number
     * @return images × classes probabilities, row-major
     */
    static float[] averageScores(
            List<Model> models, List<List<ImagePresets.View>> views, int classes) {
        int perImage = views.get(0).size();
        List<ImagePresets.View> flat = new ArrayList<>(views.size() * perImage);
        for (List<ImagePresets.View> ofImage : views) {
            if (ofImage.size() != perImage) {
                throw new IllegalArgumentException(
                        "every image needs the same number of views, got "
                                + perImage
                                + " and "
                                + ofImage.size());
            }
            flat.addAll(ofImage);
        }
        double weight = 1.0 / ((double) perImage * models.size());
        double[] sums = new double[views.size() * classes];
        for (int[] pass : passes(flat)) {
            List<ImagePresets.View> run = flat.subList(pass[0], pass[1]);
            int[] owners = new int[run.size()];
            for (int v = 0; v < owners.length; v++) {
                owners[v] = (pass[0] + v) / perImage;
            }
            for (Model model : models) {
                float[] logits = logits(model, run, classes);
                addSoftmax(logits, classes, owners, weight, sums);
            }
        }
        float[] scores = new float[sums.length];
        for (int k = 0; k < sums.length; k++) {
            scores[k] = (float) sums[k];
        }
        return scores;
    }

    /**
     * Adds {@code weight} times the softmax of each row of {@code logits} to the row {@code
     * owners[r]} of {@code sums}. The softmax is taken in double precision after subtracting the
     * row's maximum, so large scores do not overflow.
     */
    static void addSoftmax(
            float[] logits, int classes, int[] owners, double weight, double[] sums) {
        double[] exp = new double[classes];
        for (int r = 0; r < owners.length; r++) {
            int offset = r * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[offset + c]);
            }
            double total = 0;
            for (int c = 0; c < classes; c++) {
                exp[c] = Math.exp(logits[offset + c] - max);
                total += exp[c];
            }
            int into = owners[r] * classes;
            for (int c = 0; c < classes; c++) {
                sums[into + c] += weight * exp[c] / total;
            }
        }
    }

    /** The network's scores of views of one size, each normalised by the model's preprocessing. */
    private static float[] logits(Model model, List<ImagePresets.View> views, int classes) {
        int height = views.get(0).height();
        int width = views.get(0).width();
        int size = 3 * height * width;
        float[] input = new float[views.size() * size];
        for (int v = 0; v < views.size(); v++) {
            float[] view = views.get(v).pixels().clone();
            model.preprocessing().normalize(view, height, width);
            System.arraycopy(view, 0, input, v * size, size);
        }
        try (NDManager scope = model.network().manager().newSubManager()) {
            NDArray x = scope.create(input, new Shape(views.size(), 3, height, width));
            float[] logits = model.network().logits(x).toFloatArray();
            if (logits.length != views.size() * classes) {
                throw new IllegalStateException(
                        "model "
                                + model.name()
                                + " gave "
                                + logits.length
                                + " scores for "
                                + views.size()
                                + " views of "
                                + classes
                                + " classes");
            }
            return logits;
        }
    }

    /**
     * The forward passes over {@code views}: each maximal run of consecutive views of one size, as
     * {start, end} indices. For the fixed-size protocols that is every view of the images given;
     * for multi-scale testing, each image at one scale and its mirror.
     */
    static List<int[]> passes(List<ImagePresets.View> views) {
        List<int[]> passes = new ArrayList<>();
        int start = 0;
        while (start < views.size()) {
            int end = start + 1;
            while (end < views.size() && sameSize(views.get(end), views.get(start))) {
                end++;
            }
            passes.add(new int[] {start, end});
            start = end;
        }
        return passes;
    }

    private static boolean sameSize(ImagePresets.View a, ImagePresets.View b) {
        return a.height() == b.height() && a.width() == b.width();
    }

    private static List<List<ImagePresets.View>> views(List<Prepared> pass) {
        List<List<ImagePresets.View>> views = new ArrayList<>(pass.size());
        for (Prepared prepared : pass) {
            views.add(prepared.views());
        }
        return views;
    }

    /** The failure of an image, in one line that names it once. */
    private static String failureMessage(ImageSource images, Prepared prepared) {
        String where = images.describe(prepared.index());
        IOException failure = prepared.failure();
        String reason = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        return reason.contains(where) ? reason : "cannot read image " + where + ": " + reason;
    }

    /**
     * Checks that every model fits the protocol and the images and that all score the same classes,
     * and returns their number.
     */
    private static int checkModels(List<Model> models, Protocol protocol, int imageClasses) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("an evaluation needs at least one model, got none");
        }
        Model first = models.get(0);
        int classes = first.classes();
        for (Model model : models) {
            int side = model.preprocessing().side();
            if (side != ImagePresets.CROP) {
                throw new IllegalArgumentException(
                        "model "
                                + model.name()
                                + " expects "
                                + side
                                + "×"
                                + side
                                + " inputs (its "
                                + model.preprocessing().type()
                                + " preprocessing); the "
                                + protocol
                                + " protocol needs a network for "
                                + ImagePresets.CROP
                                + "×"
                                + ImagePresets.CROP
                                + " ImageNet crops");
            }
            Layer.Sequence plan = model.network().plan();
            if (protocol.fixedSize() && !accepts(plan, ImagePresets.CROP)) {
                throw new IllegalArgumentException(
                        "model "
                                + model.name()
                                + " cannot take "
                                + ImagePresets.CROP
                                + "×"
                                + ImagePresets.CROP
                                + " views: its plan was built for another input size");
            }
            if (!protocol.fixedSize() && !acceptsAnySize(plan)) {
                throw new IllegalArgumentException(
                        "model "
                                + model.name()
                                + " cannot take the whole images of "
                                + protocol
                                + " testing: its fully connected layers need a map of one size (as"
                                + " VGG's do), expected a network ending in global average pooling;"
                                + " use "
                                + Protocol.CENTER
                                + " or "
                                + Protocol.TEN_CROP);
            }
            if (model.classes() != classes) {
                throw new IllegalArgumentException(
                        "the models of an ensemble must score the same classes: "
                                + first.name()
                                + " scores "
                                + classes
                                + ", "
                                + model.name()
                                + " scores "
                                + model.classes());
            }
        }
        if (classes != imageClasses) {
            throw new IllegalArgumentException(
                    "the images have "
                            + imageClasses
                            + " classes but "
                            + (models.size() == 1 ? "the model scores " : "the models score ")
                            + classes);
        }
        return classes;
    }

    /**
     * The number of classes a plan scores: the width of its last fully connected layer.
     *
     * @throws IllegalArgumentException naming the model if the plan has none
     */
    static int classes(Layer.Sequence plan, String name) {
        int classes = -1;
        for (Layer layer : leaves(plan)) {
            if (layer instanceof Layer.Linear linear) {
                classes = linear.out();
            }
        }
        if (classes < 0) {
            throw new IllegalArgumentException(
                    "model " + name + " has no fully connected layer to score classes with");
        }
        return classes;
    }

    /**
     * Whether a plan takes inputs of any size (at least 32×32): it reduces its last map by global
     * average pooling before its first fully connected layer, rather than flattening a map whose
     * size that layer fixes (VGG).
     */
    static boolean acceptsAnySize(Layer.Sequence plan) {
        Layer reduction = null;
        for (Layer layer : leaves(plan)) {
            if (layer instanceof Layer.Linear) {
                return reduction instanceof Layer.GlobalAvgPool;
            }
            if (layer instanceof Layer.GlobalAvgPool || layer instanceof Layer.Flatten) {
                reduction = layer;
            }
        }
        return false;
    }

    /**
     * Whether a plan takes {@code side}×{@code side} inputs: its maps do not vanish, and what
     * reaches its first fully connected layer has the width that layer expects.
     */
    static boolean accepts(Layer.Sequence plan, int side) {
        List<Layer> convolutional = new ArrayList<>();
        Layer.Linear first = null;
        for (Layer layer : leaves(plan)) {
            if (layer instanceof Layer.Linear linear) {
                first = linear;
                break;
            }
            convolutional.add(layer);
        }
        if (first == null) {
            return false;
        }
        try {
            List<Complexity.Part> parts =
                    Complexity.of(new Layer.Sequence("", convolutional), side).parts();
            Complexity.Dims out =
                    parts.isEmpty()
                            ? new Complexity.Dims(3, side, side)
                            : parts.get(parts.size() - 1).output();
            return (long) out.channels() * out.height() * out.width() == first.in();
        } catch (IllegalArgumentException e) {
            return false; // a map shrinks to nothing at this size
        }
    }

    /** The layers of a plan in the order they run, nested sequences opened; blocks stay whole. */
    private static List<Layer> leaves(Layer layer) {
        List<Layer> out = new ArrayList<>();
        if (layer instanceof Layer.Sequence sequence) {
            for (Layer child : sequence.layers()) {
                out.addAll(leaves(child));
            }
        } else {
            out.add(layer);
        }
        return out;
    }
}
