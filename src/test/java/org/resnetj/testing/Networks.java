package org.resnetj.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.resnetj.model.Network;

/**
 * What tests that compare two ways of running a network share: the seed, a network whose BN is not
 * the identity, and the difference measured between two sets of logits.
 */
public final class Networks {

    /** The seed a test gives the engine, so that initial weights are repeatable. */
    public static final int SEED = 20151210;

    private Networks() {}

    /**
     * Random BN scales in [0.5, 1.5) and shifts of std 0.1, then running statistics averaged over
     * training-mode passes on random batches, so that every BN sees activations like its
     * statistics.
     */
    public static void randomiseBatchNorm(Network network, NDManager manager, int size) {
        Random random = new Random(7);
        network.parameters()
                .forEach(
                        (name, array) -> {
                            float[] values = new float[(int) array.size()];
                            if (name.endsWith(".gamma")) {
                                for (int i = 0; i < values.length; i++) {
                                    values[i] = 0.5f + random.nextFloat();
                                }
                                array.set(values);
                            } else if (name.endsWith(".beta")) {
                                for (int i = 0; i < values.length; i++) {
                                    values[i] = 0.1f * (float) random.nextGaussian();
                                }
                                array.set(values);
                            }
                        });
        for (int i = 0; i < 30; i++) {
            try (NDManager scope = manager.newSubManager()) {
                network.forward(scope.randomNormal(new Shape(4, 3, size, size)), true);
            }
        }
    }

    /** max |actual − expected| over max |expected|. */
    public static double relativeDifference(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double diff = 0;
        for (int i = 0; i < actual.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
        }
        return diff / maxAbs(expected);
    }

    /** The largest |value|. */
    public static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
