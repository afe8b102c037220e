package org.resnetj.detection;

import java.util.ArrayList;
import java.util.List;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelSpec;

/**
 * A registered ImageNet network cut into the two parts of a Faster R-CNN detector, keeping the
 * paper's layer names so that an ImageNet checkpoint fills them by name (Appendix A).
 *
 * <ul>
 *   <li>ResNet ("C4"): conv1 to conv4_x are the shared trunk, at stride 16. RoI pooling to 14×14
 *       sits before conv5_1; conv5_x, whose first block has stride 2 and so gives 7×7, is the
 *       per-RoI head, followed by global average pooling.
 *   <li>VGG (Faster R-CNN's baseline): conv1_1 to conv5_3 are the trunk, without the last max pool,
 *       at stride 16; RoI pooling to 7×7, then fc6 and fc7 with their dropout, are the head.
 * </ul>
 *
 * The classifier of the ImageNet network (fc, or VGG's fc8) is left out: the detector's own sibling
 * layers replace it.
 *
 * @param model the registered network's name
 * @param options the options its plan was built with (those of the checkpoint to load)
 * @param trunk conv1 … conv4_x (VGG: … conv5_3): NCHW images to features at 1/16 of their size
 * @param head the per-RoI part: pooled RoIs, NCHW, to one feature vector per RoI
 * @param trunkChannels the channels of the trunk's features (1024 for ResNet-50/101, 256 for
 *     ResNet-18, 512 for VGG-16)
 * @param headFeatures the length of the head's vector per RoI (2048, 512, VGG's 4096)
 * @param pooledSize the side of a pooled RoI the head takes (14, VGG's 7)
 */
public record Backbone(
        String model,
        ModelOptions options,
        Layer.Sequence trunk,
        Layer.Sequence head,
        int trunkChannels,
        int headFeatures,
        int pooledSize) {

    /** The stage whose first layer the RoI pooling precedes. */
    static final String HEAD_STAGE = "conv5_x";

    /** py-faster-rcnn's and the paper's RoI size in front of a ResNet's conv5_1. */
    static final int RESNET_POOLED_SIZE = 14;

    /**
     * Cuts the plan of {@code spec} built with {@code options} (at the network's ImageNet input
     * size, which fixes VGG's fc6 for a 7×7 map).
     *
     * @throws IllegalArgumentException naming the network if it has no conv5_x stage (the CIFAR-10
     *     nets), or if its trunk's stride is not 16
     */
    public static Backbone cut(ModelSpec spec, ModelOptions options) {
        List<Layer> top = spec.plan(options, spec.inputSize()).layers();
        int stage = indexOf(top, HEAD_STAGE);
        if (stage < 0) {
            throw new IllegalArgumentException(
                    "a detector's backbone needs an ImageNet network with a conv5_x stage"
                            + " (resnet18 … resnet152, plain18 … plain152, vgg16, vgg19); "
                            + spec.name()
                            + " has none");
        }
        Layer.Sequence conv5 = (Layer.Sequence) top.get(stage);
        Backbone backbone =
                top.get(stage + 1) instanceof Layer.GlobalAvgPool
                        ? c4(spec, options, top, stage, conv5)
                        : vgg(spec, options, top, stage, conv5);
        int stride = stride(backbone.trunk);
        if (stride != DetectorConfig.FEATURE_STRIDE) {
            throw new IllegalArgumentException(
                    spec.name()
                            + "'s trunk has stride "
                            + stride
                            + ", a detector's needs "
                            + DetectorConfig.FEATURE_STRIDE);
        }
        return backbone;
    }

    private static Backbone c4(
            ModelSpec spec,
            ModelOptions options,
            List<Layer> top,
            int stage,
            Layer.Sequence conv5) {
        Layer.Sequence trunk = new Layer.Sequence("trunk", top.subList(0, stage));
        Layer.Sequence head = new Layer.Sequence("head", List.of(conv5, new Layer.GlobalAvgPool()));
        return new Backbone(
                spec.name(),
                options,
                trunk,
                head,
                outChannels(trunk),
                outChannels(conv5),
                RESNET_POOLED_SIZE);
    }

    /**
     * VGG: the trunk keeps conv5_x without its closing max pool (stride 16, not 32); the head is
     * the flattening and fc6, fc7 with their ReLUs and dropout, without the classifier fc8. fc6
     * takes the whole 7×7 map, so the pooled side is read off its width.
     */
    private static Backbone vgg(
            ModelSpec spec,
            ModelOptions options,
            List<Layer> top,
            int stage,
            Layer.Sequence conv5) {
        List<Layer> conv5Layers = new ArrayList<>(conv5.layers());
        if (conv5Layers.get(conv5Layers.size() - 1) instanceof Layer.MaxPool) {
            conv5Layers.remove(conv5Layers.size() - 1);
        }
        List<Layer> trunkLayers = new ArrayList<>(top.subList(0, stage));
        trunkLayers.add(new Layer.Sequence(conv5.name(), conv5Layers));
        Layer.Sequence trunk = new Layer.Sequence("trunk", trunkLayers);

        List<Layer> fcLayers = new ArrayList<>();
        for (Layer layer : top.subList(stage + 1, top.size())) {
            if (layer instanceof Layer.Sequence s) {
                fcLayers.addAll(s.layers());
            } else {
                fcLayers.add(layer);
            }
        }
        int classifier = lastLinear(fcLayers);
        List<Layer> headLayers = fcLayers.subList(0, classifier);
        Layer.Linear fc6 =
                headLayers.stream()
                        .filter(Layer.Linear.class::isInstance)
                        .map(Layer.Linear.class::cast)
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                spec.name() + " has no fully connected layer"));
        int channels = outChannels(trunk);
        int pooled = (int) Math.round(Math.sqrt((double) fc6.in() / channels));
        Layer.Linear fc7 = (Layer.Linear) headLayers.get(lastLinear(headLayers));
        return new Backbone(
                spec.name(),
                options,
                trunk,
                new Layer.Sequence("head", headLayers),
                channels,
                fc7.out(),
                pooled);
    }

    /**
     * Whether {@code parameter} is held fixed in fine-tuning: every BN scale and shift (BN is a
     * constant affine map, Appendix A), and conv1 and conv2_x (py-faster-rcnn fixes conv1_1 …
     * conv2_2 of VGG-16, and the authors' and Detectron's ResNet detectors freeze conv1 and
     * conv2_x).
     */
    public static boolean frozen(String parameter) {
        if (parameter.endsWith(".gamma") || parameter.endsWith(".beta")) {
            return true;
        }
        int end = 0;
        while (end < parameter.length()
                && parameter.charAt(end) != '_'
                && parameter.charAt(end) != '.') {
            end++;
        }
        String stage = parameter.substring(0, end);
        return stage.equals("conv1") || stage.equals("conv2");
    }

    private static int indexOf(List<Layer> top, String name) {
        for (int i = 0; i < top.size(); i++) {
            if (top.get(i) instanceof Layer.Sequence s && s.name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static int lastLinear(List<Layer> layers) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i) instanceof Layer.Linear) {
                return i;
            }
        }
        throw new IllegalArgumentException("no fully connected layer in " + layers);
    }

    /** The output channels of the last convolution on the main path of {@code layer}, or 0. */
    static int outChannels(Layer layer) {
        if (layer instanceof Layer.Conv c) {
            return c.out();
        }
        if (layer instanceof Layer.Block b) {
            return outChannels(b.branch());
        }
        if (layer instanceof Layer.Sequence s) {
            for (int i = s.layers().size() - 1; i >= 0; i--) {
                int channels = outChannels(s.layers().get(i));
                if (channels > 0) {
                    return channels;
                }
            }
        }
        return 0;
    }

    /** The product of the strides along the main path of {@code layer}. */
    static int stride(Layer layer) {
        if (layer instanceof Layer.Conv c) {
            return c.stride();
        }
        if (layer instanceof Layer.MaxPool p) {
            return p.stride();
        }
        if (layer instanceof Layer.Block b) {
            return stride(b.branch());
        }
        if (layer instanceof Layer.Sequence s) {
            int product = 1;
            for (Layer child : s.layers()) {
                product *= stride(child);
            }
            return product;
        }
        return 1;
    }
}
