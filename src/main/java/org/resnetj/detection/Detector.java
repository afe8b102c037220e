package org.resnetj.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.resnetj.checkpoint.ArrayCopy;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.Preprocessing;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;

/**
 * The Faster R-CNN network of the paper's Appendix A: a backbone cut into a shared trunk and a
 * per-RoI head ({@link Backbone}), the region proposal network on the trunk's features, and the
 * sibling classification and box regression layers on the head's output. RoI pooling, anchors,
 * proposals and target assignment are not part of it: {@link #head} takes RoIs already pooled from
 * {@link #trunk}'s features.
 *
 * <p>Layers and names, as py-faster-rcnn's:
 *
 * <ul>
 *   <li>{@code rpn_conv/3x3}: a 3×3 convolution with as many channels as the trunk's output
 *       (VGG-16: 512, as Faster R-CNN; ResNet-50/101 C4: 1024, as Detectron's single-scale RPN,
 *       whose hidden width is its input's), then a ReLU;
 *   <li>{@code rpn_cls_score}: a 1×1 convolution to A objectness logits, one per anchor, each with
 *       a sigmoid (Detectron's form; py-faster-rcnn's 2A scores with a softmax over each pair are
 *       the same model with one redundant logit);
 *   <li>{@code rpn_bbox_pred}: a 1×1 convolution to 4A box deltas;
 *   <li>{@code cls_score}: fully connected to K + 1 class logits, background first;
 *   <li>{@code bbox_pred}: fully connected to 4(K + 1) class-specific box deltas, as
 *       py-faster-rcnn.
 * </ul>
 *
 * These start from Gaussians with std 0.01, except {@code bbox_pred} with 0.001, and zero biases
 * (py-faster-rcnn's prototxt fillers); the backbone starts from an ImageNet checkpoint ({@link
 * #fromImageNet}) or, for a test, from the He initialization of {@link Network}.
 *
 * <p>BN is frozen: the backbone always runs its BN with the running statistics and never updates
 * them, and the BN scale and shift are not trained, so BN is a constant affine map. conv1 and
 * conv2_x are not trained either ({@link Backbone#frozen}). {@link #trainableParameters} is what an
 * optimizer gets; {@link #requireGradients} makes only those record gradients.
 *
 * <p>One {@link Network} owns every array, by name, so that a checkpoint holds {@link
 * #parameters()} and {@link #state()} as for a classifier. The network's training flag switches BN
 * to batch statistics and dropout on together; the detector wants BN frozen and dropout (VGG's fc6
 * and fc7) on in training. No registered backbone part has both, so each part runs with the flag
 * its layers need, which {@link #create} checks.
 */
public final class Detector implements AutoCloseable {

    /** Gaussian std of the RPN's layers and of {@code cls_score} (py-faster-rcnn). */
    static final float SCORE_STD = 0.01f;

    /** Gaussian std of {@code bbox_pred} (py-faster-rcnn). */
    static final float BOX_STD = 0.001f;

    static final String RPN_CONV = "rpn_conv/3x3";
    static final String RPN_CLS = "rpn_cls_score";
    static final String RPN_BOX = "rpn_bbox_pred";
    static final String CLS = "cls_score";
    static final String BOX = "bbox_pred";

    /** The layers that the detector adds to the backbone, none of which an ImageNet net has. */
    static final Set<String> OWN_LAYERS = Set.of(RPN_CONV, RPN_CLS, RPN_BOX, CLS, BOX);

    private final DetectorConfig config;
    private final Backbone backbone;
    private final Preprocessing preprocessing;
    private final Network network;
    private final Layer.Sequence rpnHidden;
    private final Layer.Sequence rpnScores;
    private final Layer.Sequence rpnDeltas;
    private final Layer.Sequence classScores;
    private final Layer.Sequence boxDeltas;
    private final boolean headDropout;
    private boolean scratch;

    private Detector(
            DetectorConfig config,
            Backbone backbone,
            Preprocessing preprocessing,
            boolean scratch,
            NDManager parent) {
        int c = backbone.trunkChannels();
        int a = config.rpn().anchorsPerPosition();
        int classes = config.classes() + 1;
        this.config = config;
        this.backbone = backbone;
        this.preprocessing = preprocessing;
        this.scratch = scratch;
        rpnHidden =
                new Layer.Sequence(
                        "rpn",
                        List.of(new Layer.Conv(RPN_CONV, c, c, 3, 1, 1, true), new Layer.Relu()));
        rpnScores = part(new Layer.Conv(RPN_CLS, c, a, 1, 1, 0, true));
        rpnDeltas = part(new Layer.Conv(RPN_BOX, c, 4 * a, 1, 1, 0, true));
        classScores = part(new Layer.Linear(CLS, backbone.headFeatures(), classes));
        boxDeltas = part(new Layer.Linear(BOX, backbone.headFeatures(), 4 * classes));
        boolean trunkDropout = contains(backbone.trunk(), Layer.Dropout.class);
        boolean headBn = contains(backbone.head(), Layer.BatchNorm.class);
        headDropout = contains(backbone.head(), Layer.Dropout.class);
        int roiSize = config.fastRcnn().roiSize();
        if (roiSize != 0 && roiSize != backbone.pooledSize() && !headBn) {
            throw new IllegalArgumentException(
                    backbone.model()
                            + "'s head takes "
                            + backbone.pooledSize()
                            + "×"
                            + backbone.pooledSize()
                            + " RoIs (its fc6 is fixed), not "
                            + roiSize
                            + "×"
                            + roiSize);
        }
        if (trunkDropout || (headBn && headDropout)) {
            throw new IllegalArgumentException(
                    backbone.model()
                            + " has dropout in its trunk or both BN and dropout in its head, which"
                            + " a detector cannot run with BN frozen");
        }
        Layer.Sequence plan =
                new Layer.Sequence(
                        "",
                        List.of(
                                backbone.trunk(),
                                backbone.head(),
                                rpnHidden,
                                rpnScores,
                                rpnDeltas,
                                classScores,
                                boxDeltas));
        network = Network.create(plan, parent);
        gaussian(RPN_CONV, SCORE_STD);
        gaussian(RPN_CLS, SCORE_STD);
        gaussian(RPN_BOX, SCORE_STD);
        gaussian(CLS, SCORE_STD);
        gaussian(BOX, BOX_STD);
    }

    /**
     * A detector with a freshly initialized backbone built with {@code options}. The draws come
     * from the engine's generator, which the caller seeds.
     *
     * @param preprocessing what the backbone's weights expect of an image ({@link
     *     DetectionInput#of})
     * @throws IllegalArgumentException if the backbone is not a registered ImageNet network
     */
    public static Detector create(
            DetectorConfig config,
            ModelOptions options,
            Preprocessing preprocessing,
            NDManager parent) {
        ModelSpec spec = ModelRegistry.get(config.backbone());
        return new Detector(config, Backbone.cut(spec, options), preprocessing, false, parent);
    }

    /**
     * A detector trained from scratch, for data with no ImageNet checkpoint at hand (the synthetic
     * default): the backbone starts from He initialization, every parameter is trained, and BN
     * normalizes with the statistics of each training batch (the image in the trunk, its RoIs in
     * the head) and its running averages at test, as in the classification training of Section 3.4.
     * Freezing BN (Appendix A) keeps ImageNet statistics; at initialization there are none to keep,
     * and frozen conv1 and conv2_x would stay random.
     *
     * @throws IllegalArgumentException if the backbone is not a registered ImageNet network
     */
    public static Detector fromScratch(
            DetectorConfig config,
            ModelOptions options,
            Preprocessing preprocessing,
            NDManager parent) {
        ModelSpec spec = ModelRegistry.get(config.backbone());
        return new Detector(config, Backbone.cut(spec, options), preprocessing, true, parent);
    }

    /**
     * A detector whose trunk and head come from an ImageNet classification checkpoint: one that
     * {@code train} wrote, or torchvision's weights brought in by {@code import}. Its network and
     * options (such as torchvision's stride on the 3×3 convolution) are the checkpoint's, and so is
     * its preprocessing. The checkpoint's classifier is not used.
     *
     * @throws IOException in one line naming the file, if it is not a readable checkpoint, holds
     *     another network than {@code config.backbone()}, or lacks an array of the backbone or has
     *     one of another shape
     */
    public static Detector fromImageNet(Path checkpoint, DetectorConfig config, NDManager parent)
            throws IOException {
        try (NDManager scope = parent.newSubManager()) {
            Checkpoint.Contents contents = Checkpoint.read(checkpoint, scope);
            LoadedModel.Architecture architecture = LoadedModel.architecture(contents, checkpoint);
            ModelSpec spec = architecture.spec();
            if (!spec.name().equals(ModelRegistry.get(config.backbone()).name())) {
                throw new IOException(
                        "checkpoint "
                                + checkpoint
                                + " holds "
                                + spec.name()
                                + ", but the detector's backbone is "
                                + config.backbone());
            }
            Preprocessing preprocessing = LoadedModel.preprocessing(contents, checkpoint);
            Detector detector;
            try {
                detector =
                        new Detector(
                                config,
                                Backbone.cut(spec, architecture.options()),
                                preprocessing,
                                false,
                                parent);
            } catch (IllegalArgumentException e) {
                throw new IOException("checkpoint " + checkpoint + ": " + e.getMessage());
            }
            try {
                detector.loadBackbone(contents.model(), checkpoint);
            } catch (IOException e) {
                detector.close();
                throw e;
            }
            return detector;
        }
    }

    /**
     * Copies every parameter and BN statistic of the trunk and the head from {@code arrays}, by
     * name; the detector's own layers keep theirs.
     *
     * @param source the file the arrays come from, for the message
     * @throws IOException naming the array if one is missing or of another shape
     */
    public void loadBackbone(Map<String, NDArray> arrays, Path source) throws IOException {
        ArrayCopy.copy(arrays, backboneArrays(network.parameters()), source);
        ArrayCopy.copy(arrays, backboneArrays(network.state()), source);
    }

    private static Map<String, NDArray> backboneArrays(Map<String, NDArray> all) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        all.forEach(
                (name, array) -> {
                    if (!OWN_LAYERS.contains(layerOf(name))) {
                        out.put(name, array);
                    }
                });
        return out;
    }

    /** The layer that owns parameter {@code name}: all before the last dot. */
    static String layerOf(String name) {
        return name.substring(0, name.lastIndexOf('.'));
    }

    /**
     * The shared trunk: images to features at stride 16.
     *
     * @param images NCHW, normalized as {@link #preprocessing()} says ({@link DetectionInput})
     * @return N×C×h×w features (C = {@link Backbone#trunkChannels}) in the input's manager, h and w
     *     being H/16 and W/16 rounded up for a ResNet (padded strided convolutions), down for VGG
     *     (2×2 max pools): 14×14 for a 224×224 input
     */
    public NDArray trunk(NDArray images) {
        return trunk(images, false);
    }

    /**
     * The shared trunk in training or at test: as {@link #trunk(NDArray)}, except that a detector
     * {@link #fromScratch} normalizes with the batch's statistics in training.
     */
    public NDArray trunk(NDArray images, boolean training) {
        return network.forward(backbone.trunk(), images, training && scratch);
    }

    /**
     * The region proposal network on the trunk's features.
     *
     * @param features 1×C×h×w, from {@link #trunk}
     */
    public RpnOutput rpn(NDArray features) {
        NDArray hidden = network.forward(rpnHidden, features, false);
        NDArray scores = network.forward(rpnScores, hidden, false);
        NDArray deltas = network.forward(rpnDeltas, hidden, false);
        hidden.close();
        return new RpnOutput(scores, deltas);
    }

    /**
     * The RPN's outputs, as its 1×1 convolutions give them.
     *
     * @param objectness 1×A×h×w logits: sigmoid gives the probability that anchor a at (y, x) is an
     *     object
     * @param deltas 1×4A×h×w box deltas: channel 4a + j is delta j (dx, dy, dw, dh) of anchor a
     */
    public record RpnOutput(NDArray objectness, NDArray deltas) {

        /**
         * The logits per anchor, (h·w·A): index (y·w + x)·A + a, py-faster-rcnn's order (anchors
         * vary fastest, then x, then y), which its anchor generator and proposal layer use.
         */
        public NDArray objectnessPerAnchor() {
            return objectness.transpose(0, 2, 3, 1).reshape(-1);
        }

        /** The deltas per anchor, (h·w·A)×4, in the order of {@link #objectnessPerAnchor}. */
        public NDArray deltasPerAnchor() {
            return deltas.transpose(0, 2, 3, 1).reshape(-1, 4);
        }
    }

    /**
     * The per-RoI head and the sibling outputs.
     *
     * @param pooled R×C×s×s RoIs pooled from the trunk's features, s = {@link Backbone#pooledSize}
     *     (14 before a ResNet's conv5_1, 7 before VGG's fc6)
     * @param training whether VGG's dropout is on; BN stays frozen either way, unless the detector
     *     is {@link #fromScratch}
     */
    public HeadOutput head(NDArray pooled, boolean training) {
        NDArray features = roiFeatures(pooled, training);
        NDArray classes = network.forward(classScores, features, false);
        NDArray deltas = network.forward(boxDeltas, features, false);
        features.close();
        return new HeadOutput(classes, deltas);
    }

    /**
     * The per-RoI head alone: conv5_x and global average pooling (VGG: fc6 and fc7), before the
     * sibling layers.
     *
     * @param pooled as for {@link #head}
     * @param training as for {@link #head}
     * @return R×D, D = {@link Backbone#headFeatures}
     */
    public NDArray roiFeatures(NDArray pooled, boolean training) {
        return network.forward(backbone.head(), pooled, training && (headDropout || scratch));
    }

    /**
     * What the head gives for R RoIs.
     *
     * @param classLogits R×(K + 1), class 0 the background
     * @param boxDeltas R×4(K + 1): columns 4k … 4k + 3 are class k's (dx, dy, dw, dh), in units of
     *     the normalized targets (divided by {@link DetectorConfig.FastRcnn#boxStds})
     */
    public record HeadOutput(NDArray classLogits, NDArray boxDeltas) {

        /** The softmax of the class logits, R×(K + 1). */
        public NDArray classProbabilities() {
            return classLogits.softmax(1);
        }
    }

    /** The settings the detector was built with. */
    public DetectorConfig config() {
        return config;
    }

    /** The cut backbone. */
    public Backbone backbone() {
        return backbone;
    }

    /**
     * The side of the pooled RoIs the head takes: the configuration's, or the backbone's own
     * ({@link Backbone#pooledSize}).
     */
    public int roiSize() {
        int size = config.fastRcnn().roiSize();
        return size > 0 ? size : backbone.pooledSize();
    }

    /** Whether the detector trains {@link #fromScratch}, BN included. */
    public boolean scratch() {
        return scratch;
    }

    /** What the backbone's weights expect of an image. */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** Every parameter by name: the backbone's, then the RPN's, then the siblings'. */
    public Map<String, NDArray> parameters() {
        return network.parameters();
    }

    /** The backbone's BN running statistics by name; they never change. */
    public Map<String, NDArray> state() {
        return network.state();
    }

    /**
     * The parameters that training updates: all but {@link Backbone#frozen} ones in fine-tuning,
     * all of them {@link #fromScratch}.
     */
    public Map<String, NDArray> trainableParameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        network.parameters()
                .forEach(
                        (name, array) -> {
                            if (scratch || !Backbone.frozen(name)) {
                                out.put(name, array);
                            }
                        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * Makes the {@link #trainableParameters} record gradients, and only them: the frozen ones take
     * no part in the backward pass.
     */
    public void requireGradients() {
        Map<String, NDArray> trainable = trainableParameters();
        network.parameters()
                .forEach((name, p) -> p.setRequiresGradient(trainable.containsKey(name)));
    }

    /**
     * From now on, trains as a detector {@link #fromImageNet} does: BN frozen with its running
     * statistics, conv1 and conv2_x not trained. For a detector {@link #fromScratch} after its
     * {@link CropPretraining}, the stand-in for ImageNet.
     */
    public void freeze() {
        scratch = false;
    }

    /** The manager that owns every parameter and statistic. */
    public NDManager manager() {
        return network.manager();
    }

    @Override
    public void close() {
        network.close();
    }

    private void gaussian(String layer, float std) {
        NDArray weight = network.parameters().get(layer + ".weight");
        weight.intern(network.manager().randomNormal(0f, std, weight.getShape(), DataType.FLOAT32));
    }

    private static Layer.Sequence part(Layer layer) {
        return new Layer.Sequence(
                layer instanceof Layer.Conv c ? c.name() : ((Layer.Linear) layer).name(),
                List.of(layer));
    }

    private static boolean contains(Layer layer, Class<? extends Layer> kind) {
        if (kind.isInstance(layer)) {
            return true;
        }
        if (layer instanceof Layer.Sequence s) {
            return s.layers().stream().anyMatch(child -> contains(child, kind));
        }
        if (layer instanceof Layer.Block b) {
            return contains(b.branch(), kind)
                    || (b.shortcut() instanceof Layer.Projection p && contains(p.convBn(), kind));
        }
        return false;
    }
}
