package org.resnetj.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The residual and plain networks of the paper, as tables, and the one place where their stages are
 * built. A new depth is a new row of a table, never a new branch of code.
 */
public final class ResNets {

    /** The first layer, conv1, and whether a 3×3 max pool with stride 2 opens conv2_x. */
    record Stem(int kernel, int width, int stride, boolean maxPool) {}

    /** One stage of Table 1: its blocks per depth come from a row of its table. */
    record Stage(String name, int width, int stride) {}

    /** One row of an architecture table: the block kind and the number of blocks per stage. */
    record Row(BlockKind kind, List<Integer> blocks) {}

    /** The stem and stages the rows of one table share: ImageNet (Table 1) or CIFAR-10. */
    record Architecture(Stem stem, List<Stage> stages) {}

    /** Table 1: 7×7 conv1 with stride 2, max pool, conv2_x to conv5_x. */
    static final Architecture IMAGENET =
            new Architecture(
                    new Stem(7, 64, 2, true),
                    List.of(
                            new Stage("conv2", 64, 1),
                            new Stage("conv3", 128, 2),
                            new Stage("conv4", 256, 2),
                            new Stage("conv5", 512, 2)));

    /** Table 1, one row per depth: blocks in conv2_x, conv3_x, conv4_x and conv5_x. */
    static final Map<Integer, Row> TABLE_1 =
            Map.of(
                    18, new Row(BlockKind.BASIC, List.of(2, 2, 2, 2)),
                    34, new Row(BlockKind.BASIC, List.of(3, 4, 6, 3)),
                    50, new Row(BlockKind.BOTTLENECK, List.of(3, 4, 6, 3)),
                    101, new Row(BlockKind.BOTTLENECK, List.of(3, 4, 23, 3)),
                    152, new Row(BlockKind.BOTTLENECK, List.of(3, 8, 36, 3)));

    /**
     * Section 4.2: a 3×3 conv1 with 16 filters, then three stages on 32×32, 16×16 and 8×8 maps with
     * 16, 32 and 64 filters; the stages are named after Table 1's convention.
     */
    static final Architecture CIFAR =
            new Architecture(
                    new Stem(3, 16, 1, false),
                    List.of(
                            new Stage("conv2", 16, 1),
                            new Stage("conv3", 32, 2),
                            new Stage("conv4", 64, 2)));

    /** The CIFAR-10 row for depth 6n+2: n basic blocks (2n layers) in each of the 3 stages. */
    static Row cifarRow(int depth) {
        if (!isCifarDepth(depth)) {
            throw new IllegalArgumentException(
                    "a CIFAR-10 depth is 6n+2 with n >= 1, got " + depth);
        }
        int n = (depth - 2) / 6;
        return new Row(BlockKind.BASIC, List.of(n, n, n));
    }

    /** Whether {@code depth} is 6n+2 for some n >= 1. */
    static boolean isCifarDepth(int depth) {
        return depth >= 8 && (depth - 2) % 6 == 0;
    }

    private ResNets() {}

    /**
     * Builds the layer plan of a network of {@code architecture} with the blocks of {@code row}.
     *
     * @param residual whether blocks have shortcuts; false gives the plain counterpart
     */
    static Layer.Sequence plan(
            Architecture architecture, Row row, boolean residual, ModelOptions options) {
        Stem stem = architecture.stem();
        List<Layer> top = new ArrayList<>();
        top.add(convBn("conv1", 3, stem.width(), stem.kernel(), stem.stride(), true));
        int channels = stem.width();
        for (int s = 0; s < architecture.stages().size(); s++) {
            Stage stage = architecture.stages().get(s);
            List<Layer> layers = new ArrayList<>();
            if (s == 0 && stem.maxPool()) {
                layers.add(new Layer.MaxPool(3, 2, 1));
            }
            for (int i = 1; i <= row.blocks().get(s); i++) {
                String name = stage.name() + "_" + i;
                int stride = i == 1 ? stage.stride() : 1;
                Layer.Sequence branch =
                        row.kind() == BlockKind.BASIC
                                ? basicBranch(name, channels, stage.width(), stride)
                                : bottleneckBranch(name, channels, stage.width(), stride, options);
                int out = stage.width() * row.kind().expansion();
                Layer.ShortcutPath shortcut =
                        residual
                                ? shortcut(name, channels, out, stride, options.shortcut())
                                : new Layer.NoShortcut();
                layers.add(new Layer.Block(name, branch, shortcut));
                channels = out;
            }
            top.add(new Layer.Sequence(stage.name() + "_x", layers));
        }
        top.add(new Layer.GlobalAvgPool());
        top.add(new Layer.Linear("fc", channels, options.classes()));
        return new Layer.Sequence("", top);
    }

    /** Fig. 5 left: two 3×3 convolutions, the first carrying the block's stride. */
    private static Layer.Sequence basicBranch(String block, int in, int width, int stride) {
        return branch(
                block,
                convBn(block + ".branch2a", in, width, 3, stride, true),
                convBn(block + ".branch2b", width, width, 3, 1, false));
    }

    /** Fig. 5 right: 1×1 reduce, 3×3, 1×1 restore to 4× the width. */
    private static Layer.Sequence bottleneckBranch(
            String block, int in, int width, int stride, ModelOptions options) {
        boolean strideOn1x1 = options.stridePlacement() == StridePlacement.FIRST_1X1;
        return branch(
                block,
                convBn(block + ".branch2a", in, width, 1, strideOn1x1 ? stride : 1, true),
                convBn(block + ".branch2b", width, width, 3, strideOn1x1 ? 1 : stride, true),
                convBn(block + ".branch2c", width, width * 4, 1, 1, false));
    }

    /**
     * The shortcut of Section 3.3: identity where the dimensions agree (except option C), and
     * zero-padding (A) or a projection (B, C) where they increase.
     */
    private static Layer.ShortcutPath shortcut(
            String block, int in, int out, int stride, Shortcut option) {
        boolean increases = in != out || stride != 1;
        if (option == Shortcut.C || (option == Shortcut.B && increases)) {
            return new Layer.Projection(
                    new Layer.Sequence(
                            block + ".branch1",
                            convBn(block + ".branch1", in, out, 1, stride, false).layers()));
        }
        return increases ? new Layer.ZeroPad(stride, in, out) : new Layer.Identity();
    }

    private static Layer.Sequence branch(String block, Layer.Sequence... convs) {
        List<Layer> layers = new ArrayList<>();
        for (Layer.Sequence conv : convs) {
            layers.addAll(conv.layers());
        }
        return new Layer.Sequence(block + ".branch2", layers);
    }

    /**
     * A k×k convolution without bias, then BN right after it (Section 3.4), then a ReLU unless the
     * output still has to be added to a shortcut. Padding keeps the map size at stride 1.
     */
    static Layer.Sequence convBn(
            String name, int in, int out, int kernel, int stride, boolean relu) {
        List<Layer> layers = new ArrayList<>();
        layers.add(new Layer.Conv(name, in, out, kernel, stride, kernel / 2, false));
        layers.add(new Layer.BatchNorm(name + ".bn", out));
        if (relu) {
            layers.add(new Layer.Relu());
        }
        return new Layer.Sequence(name, layers);
    }
}
