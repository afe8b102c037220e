package org.resnetj.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Data-parallel SGD over two ranks against one process, after PyTorch's {@code _test_DDP_5iter}: on
 * a network without batch normalization, whose gradient does not depend on how the batch is split,
 * two ranks that each take their share of a batch of B images make the same updates as one process
 * taking all B.
 */
class DataParallelTest {

    private static final int STEPS = 5;

    /** Small enough that the parameters straddle buckets: 256 floats. */
    private static final int BUCKET_BYTES = 1024;

    @TempDir Path dir;

    /**
     * B = 8 splits 4 + 4; B = 7 splits 3 + 4, which a mean of the ranks' means would get wrong: the
     * gradients are weighted by the images of each shard.
     */
    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {8, 7})
    void twoRanksAtHalfTheBatchTakeTheStepsOfOneProcessAtTheWholeBatch(int batch) throws Exception {
        Mpirun.require();
        Path out = dir.resolve("weights");
        Mpirun.Result job =
                Mpirun.run(
                        Mpirun.command(
                                2,
                                ReplicaSteps.class.getName(),
                                List.of(
                                        out.toString(),
                                        String.valueOf(batch),
                                        String.valueOf(STEPS),
                                        String.valueOf(BUCKET_BYTES))),
                        dir.resolve("job.log"),
                        120);
        assertThat(job.exitCode()).as(job.output()).isZero();
        Map<String, float[]> rank0 = ReplicaSteps.read(Path.of(out + ".rank0"));
        Map<String, float[]> rank1 = ReplicaSteps.read(Path.of(out + ".rank1"));

        Map<String, float[]> single =
                ReplicaSteps.train(Replicas.single(), ReplicaSteps.SEED, batch, STEPS);
        Map<String, float[]> initial =
                ReplicaSteps.train(Replicas.single(), ReplicaSteps.SEED, batch, 0);

        assertThat(rank0.keySet()).containsExactlyElementsOf(single.keySet());
        for (String name : single.keySet()) {
            // The same update of the same averaged gradient: the replicas agree bit for bit.
            assertThat(rank1.get(name)).as(name).containsExactly(rank0.get(name));
            assertThat(maxDifference(rank0.get(name), single.get(name)))
                    .as("%s: two ranks against one process", name)
                    .isLessThan(2e-5);
            assertThat(maxDifference(single.get(name), initial.get(name)))
                    .as("%s moved in %d steps", name, STEPS)
                    .isGreaterThan(1e-3);
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
