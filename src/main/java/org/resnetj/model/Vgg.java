package org.resnetj.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The VGG reference nets of Fig. 3 (left) and Table 3, configurations D (16 layers) and E (19
 * layers) of Simonyan and Zisserman: 3×3 convolutions with bias and no BN, five stages each closed
 * by a 2×2 max pool, then fc6 and fc7 with 4096 units and dropout, and fc8.
 */
final class Vgg {

    /** Convolutions per stage, one row per depth. */
    static final Map<Integer, List<Integer>> CONVS_PER_STAGE =
            Map.of(16, List.of(2, 2, 3, 3, 3), 19, List.of(2, 2, 4, 4, 4));

    /** Filters per stage. */
    static final List<Integer> WIDTHS = List.of(64, 128, 256, 512, 512);

    static final int HIDDEN = 4096;
    static final float DROPOUT = 0.5f;

    private Vgg() {}

    /**
     * Builds the plan for {@code depth}. The fully connected fc6 sees the whole last map, so its
     * size depends on the input size, which must be a multiple of 32.
     */
    static Layer.Sequence plan(int depth, ModelOptions options, int inputSize) {
        if (inputSize < 32 || inputSize % 32 != 0) {
            throw new IllegalArgumentException(
                    "VGG needs an input size that is a positive multiple of 32, got " + inputSize);
        }
        List<Layer> top = new ArrayList<>();
        int channels = 3;
        List<Integer> convs = CONVS_PER_STAGE.get(depth);
        for (int s = 0; s < convs.size(); s++) {
            List<Layer> layers = new ArrayList<>();
            for (int i = 1; i <= convs.get(s); i++) {
                String name = "conv" + (s + 1) + "_" + i;
                layers.add(new Layer.Conv(name, channels, WIDTHS.get(s), 3, 1, 1, true));
                layers.add(new Layer.Relu());
                channels = WIDTHS.get(s);
            }
            layers.add(new Layer.MaxPool(2, 2, 0));
            top.add(new Layer.Sequence("conv" + (s + 1) + "_x", layers));
        }
        int side = inputSize / 32;
        top.add(new Layer.Flatten());
        top.add(
                new Layer.Sequence(
                        "fc",
                        List.of(
                                new Layer.Linear("fc6", channels * side * side, HIDDEN),
                                new Layer.Relu(),
                                new Layer.Dropout(DROPOUT),
                                new Layer.Linear("fc7", HIDDEN, HIDDEN),
                                new Layer.Relu(),
                                new Layer.Dropout(DROPOUT),
                                new Layer.Linear("fc8", HIDDEN, options.classes()))));
        return new Layer.Sequence("", top);
    }
}
