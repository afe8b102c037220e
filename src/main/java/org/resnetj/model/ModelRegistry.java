package org.resnetj.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every network of the paper by name. {@code resnetN} and {@code plainN} name the ImageNet nets of
 * Table 1 for N in {18, 34, 50, 101, 152} and the CIFAR-10 nets of Section 4.2 for every other N =
 * 6n+2; {@code cifar-resnetN} and {@code cifar-plainN} always name the CIFAR-10 net, which reaches
 * the depths 50 and 152 that Table 1 takes. {@code vgg16} and {@code vgg19} are the reference nets
 * of Fig. 3.
 */
public final class ModelRegistry {

    /** The CIFAR-10 ResNets of Table 6 and Fig. 6. */
    static final List<Integer> CIFAR_RESNET_DEPTHS = List.of(20, 32, 44, 56, 110, 1202);

    /** The CIFAR-10 plain nets of Fig. 6 (left). */
    static final List<Integer> CIFAR_PLAIN_DEPTHS = List.of(20, 32, 44, 56, 110);

    /** The ImageNet depths of Table 1. */
    static final List<Integer> IMAGENET_DEPTHS = List.of(18, 34, 50, 101, 152);

    private static final Pattern RESNET_NAME = Pattern.compile("(cifar-)?(resnet|plain)(\\d{1,5})");
    private static final Pattern VGG_NAME = Pattern.compile("vgg(\\d{1,3})");

    private static final int CIFAR_CLASSES = 10;
    private static final int IMAGENET_CLASSES = 1000;

    private ModelRegistry() {}

    /** The named models of the paper, in the order {@code ./resnet models} lists them. */
    public static List<ModelSpec> named() {
        List<ModelSpec> specs = new ArrayList<>();
        CIFAR_RESNET_DEPTHS.forEach(d -> specs.add(cifar(d, true)));
        CIFAR_PLAIN_DEPTHS.forEach(d -> specs.add(cifar(d, false)));
        IMAGENET_DEPTHS.forEach(d -> specs.add(imagenet(d, true)));
        IMAGENET_DEPTHS.forEach(d -> specs.add(imagenet(d, false)));
        Vgg.CONVS_PER_STAGE.keySet().stream().sorted().forEach(d -> specs.add(vgg(d)));
        return specs;
    }

    /**
     * Looks a model up by name.
     *
     * @throws IllegalArgumentException naming the model and what names exist
     */
    public static ModelSpec get(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        Matcher resnet = RESNET_NAME.matcher(key);
        if (resnet.matches()) {
            boolean forceCifar = resnet.group(1) != null;
            boolean residual = resnet.group(2).equals("resnet");
            int depth = Integer.parseInt(resnet.group(3));
            if (!forceCifar && ResNets.TABLE_1.containsKey(depth)) {
                return imagenet(depth, residual);
            }
            if (ResNets.isCifarDepth(depth)) {
                return cifar(depth, residual);
            }
        }
        Matcher vgg = VGG_NAME.matcher(key);
        if (vgg.matches() && Vgg.CONVS_PER_STAGE.containsKey(Integer.parseInt(vgg.group(1)))) {
            return vgg(Integer.parseInt(vgg.group(1)));
        }
        throw new IllegalArgumentException(
                "unknown model '"
                        + name
                        + "': expected resnetN or plainN with N in "
                        + IMAGENET_DEPTHS
                        + " (ImageNet) or N = 6n+2 (CIFAR-10), cifar-resnetN, vgg16 or vgg19"
                        + " (see ./resnet models)");
    }

    private static ModelSpec cifar(int depth, boolean residual) {
        ResNets.Row row = ResNets.cifarRow(depth);
        int n = row.blocks().get(0);
        boolean tableName = !ResNets.TABLE_1.containsKey(depth);
        String name = (tableName ? "" : "cifar-") + (residual ? "resnet" : "plain") + depth;
        String description =
                String.format(
                        Locale.ROOT,
                        "CIFAR-10 %s-%d (Sec. 4.2): 3 stages of %d basic blocks, 16/32/64"
                                + " filters%s",
                        residual ? "ResNet" : "plain",
                        depth,
                        n,
                        residual ? ", shortcut A" : "");
        return new ModelSpec(
                name,
                description,
                ModelSpec.Family.CIFAR10,
                depth,
                residual,
                new ModelOptions(Shortcut.A, StridePlacement.FIRST_1X1, CIFAR_CLASSES),
                32,
                (options, size) -> ResNets.plan(ResNets.CIFAR, row, residual, options));
    }

    private static ModelSpec imagenet(int depth, boolean residual) {
        ResNets.Row row = ResNets.TABLE_1.get(depth);
        String description =
                String.format(
                        Locale.ROOT,
                        "ImageNet %s-%d (Table 1): %s blocks %s in conv2_x..conv5_x%s",
                        residual ? "ResNet" : "plain",
                        depth,
                        row.kind() == BlockKind.BASIC ? "basic" : "bottleneck",
                        row.blocks(),
                        residual ? ", shortcut B" : "");
        return new ModelSpec(
                (residual ? "resnet" : "plain") + depth,
                description,
                ModelSpec.Family.IMAGENET,
                depth,
                residual,
                new ModelOptions(Shortcut.B, StridePlacement.FIRST_1X1, IMAGENET_CLASSES),
                224,
                (options, size) -> ResNets.plan(ResNets.IMAGENET, row, residual, options));
    }

    private static ModelSpec vgg(int depth) {
        return new ModelSpec(
                "vgg" + depth,
                "VGG-"
                        + depth
                        + " reference (Fig. 3 left, Table 3): 3x3 convs, no BN, fc 4096-4096",
                ModelSpec.Family.REFERENCE,
                depth,
                false,
                new ModelOptions(Shortcut.B, StridePlacement.FIRST_1X1, IMAGENET_CLASSES),
                224,
                (options, size) -> Vgg.plan(depth, options, size));
    }
}
