package org.resnetj.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnetj.data.Batch;
import org.resnetj.data.CifarImages;
import org.resnetj.data.CifarPresets;
import org.resnetj.model.Layer;
import org.resnetj.model.Network;

/**
 * The statistic of the paper's Fig. 7: the standard deviation of each 3×3 layer's response over a
 * test set. "The responses are the outputs of each 3×3 layer, after BN and before other
 * nonlinearity (ReLU/addition)" (Section 4.2).
 *
 * <p>The layers are the 3×3 convolutions that BN follows, in the order of the plan: for a CIFAR net
 * {@code conv1} and every {@code branch2a} and {@code branch2b}; for an ImageNet net the 3×3s of
 * its blocks (its 7×7 {@code conv1} and the 1×1s of a bottleneck are not 3×3 layers).
 *
 * <p>The std of a layer pools every element of its response over the whole set: all images,
 * channels and positions together, one population of N·C·H·W values x, and std = sqrt(Σ(x − mean)²
 * / (N·C·H·W)). The paper gives one number per layer and names no per-channel averaging, so we take
 * the plain std of the layer's output. The population form (dividing by the count, not the count
 * less one) makes no visible difference at these counts. Each batch's mean and sum of squared
 * deviations are computed by the engine in double precision and merged exactly (Chan et al.'s
 * pairwise update), so the result does not depend on the batch size beyond rounding.
 */
public final class LayerResponses {

    /** One layer's response std. */
    public record LayerStd(String layer, double std) {}

    private LayerResponses() {}

    /** The names of the plan's 3×3 layers, in the order the network runs them. */
    public static List<String> layers(Layer.Sequence plan) {
        List<String> names = new ArrayList<>();
        collect(plan, names);
        return names;
    }

    private static void collect(Layer layer, List<String> names) {
        if (layer instanceof Layer.Sequence s) {
            Layer previous = null;
            for (Layer child : s.layers()) {
                collect(child, names);
                if (child instanceof Layer.BatchNorm
                        && previous instanceof Layer.Conv conv
                        && isThreeByThree(conv)) {
                    names.add(conv.name());
                }
                previous = child;
            }
        } else if (layer instanceof Layer.Block b) {
            // Network runs the branch first, then the shortcut.
            collect(b.branch(), names);
            if (b.shortcut() instanceof Layer.Projection p) {
                collect(p.convBn(), names);
            }
        }
    }

    private static boolean isThreeByThree(Layer.Conv conv) {
        return conv.kernel() == 3;
    }

    /**
     * Runs {@code images} through {@code network} in inference mode (BN uses its running
     * statistics) and returns the response std of every 3×3 layer, in plan order.
     *
     * @param mean the per-pixel mean the network was trained with, subtracted from each image
     * @param batchSize images per forward pass; it does not change the result
     * @throws IllegalArgumentException if the set is empty, the mean is not 3,072 values or the
     *     batch size is below 1
     */
    public static List<LayerStd> measure(
            Network network, CifarImages images, float[] mean, int batchSize) {
        if (images.size() == 0) {
            throw new IllegalArgumentException("no images to measure layer responses on");
        }
        Map<String, Moments> moments = new LinkedHashMap<>();
        for (String name : layers(network.plan())) {
            moments.put(name, new Moments());
        }
        for (Batch batch : CifarPresets.evalBatches(images, mean, batchSize)) {
            try (NDManager scope = network.manager().newSubManager()) {
                NDArray x = scope.create(batch.images(), new Shape(batch.shape()));
                network.forward(
                        x,
                        false,
                        (conv, response) -> {
                            Moments m = moments.get(conv.name());
                            if (m != null) {
                                m.add(response);
                            }
                        });
            }
        }
        List<LayerStd> result = new ArrayList<>();
        moments.forEach((name, m) -> result.add(new LayerStd(name, m.std())));
        return result;
    }

    /** Count, mean and sum of squared deviations of a growing population, in double. */
    static final class Moments {
        private long count;
        private double mean;
        private double m2;

        /** Adds every element of {@code values}; the temporaries are freed before returning. */
        void add(NDArray values) {
            try (NDArray d = values.toType(DataType.FLOAT64, true);
                    NDArray batchMeanArray = d.mean();
                    NDArray deviations = d.sub(batchMeanArray);
                    NDArray squares = deviations.square();
                    NDArray sum = squares.sum()) {
                merge(d.size(), batchMeanArray.getDouble(), sum.getDouble());
            }
        }

        /** Chan, Golub and LeVeque's update: exact for any split of the population. */
        void merge(long n, double batchMean, double batchM2) {
            if (n == 0) {
                return;
            }
            long total = count + n;
            double delta = batchMean - mean;
            mean += delta * n / total;
            m2 += batchM2 + delta * delta * ((double) count * n / total);
            count = total;
        }

        long count() {
            return count;
        }

        /** The population std, sqrt(Σ(x − mean)² / count). */
        double std() {
            if (count == 0) {
                throw new IllegalStateException("no responses were recorded");
            }
            return Math.sqrt(m2 / count);
        }
    }
}
