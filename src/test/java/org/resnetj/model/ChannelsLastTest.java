package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnetj.engine.InferenceNetwork;
import org.resnetj.testing.Networks;

/**
 * A batch of two or more images runs in channels-last memory order, a single image in NCHW
 * (Kernels.CHANNELS_LAST_MIN_BATCH): the layout changes the kernels, not the logits. Each image of
 * a batch must get the logits it gets alone, to float rounding; so must it from the network
 * compiled for inference, whose oneDNN kernels differ by batch size too.
 */
class ChannelsLastTest {

    private static final double RELATIVE_TOLERANCE = 1e-4;
    private static final int BATCH = 3;

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(ModelTestSupport.SEED);
    }

    @ParameterizedTest(name = "{0}, {1}×{1}, compiled: {2}")
    @CsvSource({
        "resnet50, 64, false",
        "resnet50, 64, true",
        "resnet20, 32, false",
        "resnet20, 32, true",
        "vgg16, 32, false"
    })
    void eachImageOfABatchGetsTheLogitsItGetsAlone(String model, int size, boolean compiled) {
        ModelSpec spec = ModelRegistry.get(model);
        try (NDManager manager = NDManager.newBaseManager()) {
            Network eager = Network.create(spec.plan(spec.defaults(), size), manager);
            Networks.randomiseBatchNorm(eager, manager, size);
            NDArray batch = manager.randomNormal(new Shape(BATCH, 3, size, size));
            try (Classifier network = compiled ? InferenceNetwork.compile(eager) : eager) {
                assertLogitsPerImageEqualTogether(network, batch);
            }
        }
    }

    private static void assertLogitsPerImageEqualTogether(Classifier network, NDArray batch) {
        float[] together = network.logits(batch).toFloatArray();

        int classes = together.length / BATCH;
        double scale = 0;
        double difference = 0;
        for (int n = 0; n < BATCH; n++) {
            float[] alone =
                    network.logits(batch.get(new NDIndex("{}:{}", n, n + 1))).toFloatArray();
            for (int k = 0; k < classes; k++) {
                scale = Math.max(scale, Math.abs(alone[k]));
                difference = Math.max(difference, Math.abs(alone[k] - together[n * classes + k]));
            }
        }
        assertThat(difference / scale).isLessThan(RELATIVE_TOLERANCE);
    }
}
