package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The share of every batch that each data-parallel process takes. */
class ShardTest {

    @ParameterizedTest(name = "{0} items over {1} shards")
    @CsvSource({"128, 1", "128, 2", "128, 3", "256, 7", "7, 2", "5, 5", "1000, 32"})
    void theSharesAreContiguousDisjointCoverEveryItemAndDifferByAtMostOne(int n, int count) {
        int next = 0;
        int smallest = Integer.MAX_VALUE;
        int largest = 0;
        for (int index = 0; index < count; index++) {
            Shard shard = new Shard(index, count);
            assertThat(shard.first(n))
                    .as("shard %d starts where %d ended", index, index - 1)
                    .isEqualTo(next);
            next += shard.size(n);
            smallest = Math.min(smallest, shard.size(n));
            largest = Math.max(largest, shard.size(n));
        }
        assertThat(next).isEqualTo(n);
        assertThat(largest - smallest).isLessThanOrEqualTo(1);
    }

    /**
     * The shards of iteration k's batch, side by side, are the single process's batch of iteration
     * k: the same images in the same slots, with the same augmentation, and the same labels.
     */
    @ParameterizedTest(name = "batch {0} over {1} shards")
    @CsvSource({"8, 2", "7, 2", "9, 3"})
    void theShardsOfABatchPutTogetherAreTheWholeBatch(int batch, int count) {
        CifarImages images = SyntheticCifar.generate(25, 1, 0).train();
        float[] mean = PixelMean.of(images);
        long seed = 11;
        try (BatchStream whole =
                new BatchStream(TrainBatches.cifar(images, mean, batch, seed), 2, 1)) {
            for (int k = 0; k < 4; k++) {
                Batch expected = whole.next();
                float[] pixels = new float[0];
                int[] labels = new int[0];
                for (int index = 0; index < count; index++) {
                    try (BatchStream shard =
                            new BatchStream(
                                    TrainBatches.cifar(images, mean, batch, seed)
                                            .shard(new Shard(index, count)),
                                    2 + k,
                                    1)) {
                        Batch part = shard.next();
                        assertThat(part.iteration()).isEqualTo(expected.iteration());
                        pixels = concat(pixels, part.images());
                        labels = concat(labels, part.labels());
                    }
                }
                assertThat(labels).isEqualTo(expected.labels());
                assertThat(pixels).isEqualTo(expected.images());
            }
        }
    }

    @ParameterizedTest(name = "shard {0} of {1}")
    @CsvSource({"0, 0", "2, 2", "-1, 3"})
    void aShardOutsideTheCountIsRefused(int index, int count) {
        assertThatThrownBy(() -> new Shard(index, count))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shard " + index + " of " + count + " does not exist");
    }

    private static float[] concat(float[] a, float[] b) {
        float[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
