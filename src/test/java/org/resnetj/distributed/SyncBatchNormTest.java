package org.resnetj.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.resnetj.engine.Threads;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.resnetj.model.Shortcut;

/**
 * Synchronised BN: the graph cut at every BN and run backward piece by piece gives the gradients of
 * one backward pass through the whole graph; and two ranks, each normalizing with the statistics of
 * both shards, train as one process with ordinary BN over the whole batch (PyTorch's {@code
 * SyncBatchNorm} tests make the same comparison).
 */
class SyncBatchNormTest {

    private static final int STEPS = 3;

    @TempDir Path dir;

    /**
     * With one rank the synchronised statistics are the batch's own: forward, running statistics
     * and every gradient equal the engine's BN and its backward pass, over zero-padded (A) and
     * projection (B) shortcuts, whose BN layers sit on both paths of a block, and with γ and β away
     * from 1 and 0.
     */
    @ParameterizedTest(name = "shortcut {0}")
    @EnumSource(
            value = Shortcut.class,
            names = {"A", "B"})
    void piecewiseBackwardWithOneRankGivesTheGradientsOfTheWholeGraph(Shortcut shortcut) {
        ModelSpec spec = ModelRegistry.get("resnet8");
        Layer.Sequence plan = spec.plan(spec.defaults().withShortcut(shortcut), 16);
        Threads.setIntraOp(1);
        Map<String, float[]> whole = gradients(plan, false);
        Map<String, float[]> piecewise = gradients(plan, true);
        assertThat(piecewise.keySet()).containsExactlyElementsOf(whole.keySet());
        for (String name : whole.keySet()) {
            assertThat(relativeDifference(piecewise.get(name), whole.get(name)))
                    .as(name)
                    .isLessThan(1e-4);
        }
    }

    /**
     * Two ranks sharing a batch with synchronised BN make the updates, and keep the BN running
     * statistics, of one process at the whole batch with ordinary BN; with per-replica BN they do
     * not. The batch of 7 splits 3 + 4, so the ranks' sums must be weighed by their shares.
     *
     * <p>The tolerance is absolute, 5e-5: the weights are below 1, each moves by 0.002 to 0.07 in
     * the three steps, and float32 runs that sum in different orders differ by up to about 1e-5 (in
     * the first stage, which has the most pixels). Per-replica BN differs by more than 1e-3.
     */
    @Test
    void twoRanksWithSynchronisedBatchNormTrainAsOneProcessAtTheWholeBatch() throws Exception {
        int batch = 7;
        Path out =
                ReplicaSteps.runOnTwoRanks(
                        dir,
                        String.valueOf(batch),
                        String.valueOf(STEPS),
                        String.valueOf(Replicas.BUCKET_BYTES),
                        "resnet8");
        Map<String, float[]> rank0 = ReplicaSteps.read(Path.of(out + ".rank0"));
        Map<String, float[]> rank1 = ReplicaSteps.read(Path.of(out + ".rank1"));
        Map<String, float[]> local = ReplicaSteps.read(Path.of(out + ".local.rank0"));

        Layer.Sequence plan = ModelRegistry.get("resnet8").plan();
        Map<String, float[]> single =
                ReplicaSteps.train(Replicas.single(), plan, ReplicaSteps.SEED, batch, STEPS, false);
        Map<String, float[]> initial =
                ReplicaSteps.train(Replicas.single(), plan, ReplicaSteps.SEED, batch, 0, false);

        assertThat(rank0.keySet()).containsExactlyElementsOf(single.keySet());
        double perReplica = 0;
        for (String name : single.keySet()) {
            assertThat(rank1.get(name)).as(name).containsExactly(rank0.get(name));
            assertThat(ReplicaSteps.maxDifference(rank0.get(name), single.get(name)))
                    .as("%s: two ranks with synchronised BN against one process", name)
                    .isLessThan(5e-5);
            assertThat(relativeDifference(single.get(name), initial.get(name)))
                    .as("%s moved in %d steps", name, STEPS)
                    .isGreaterThan(1e-3);
            perReplica =
                    Math.max(
                            perReplica,
                            ReplicaSteps.maxDifference(local.get(name), single.get(name)));
        }
        assertThat(perReplica).as("per-replica BN against one process").isGreaterThan(1e-3);
    }

    /**
     * The gradients of every parameter, and the running statistics, after one forward and backward
     * pass of a fixed batch, through the engine's BN or through {@link SyncBatchNorm} on one rank.
     */
    private static Map<String, float[]> gradients(Layer.Sequence plan, boolean piecewise) {
        Engine.getInstance().setRandomSeed(3);
        Random random = new Random(5);
        try (NDManager root = NDManager.newBaseManager();
                Network network = Network.create(plan, root);
                NDManager scope = network.manager().newSubManager()) {
            for (Map.Entry<String, NDArray> p : network.parameters().entrySet()) {
                if (!p.getKey().endsWith(".weight")) {
                    // γ around 1 and β around 0, not exactly: the correction scales with γ.
                    float[] shift = new float[(int) p.getValue().size()];
                    for (int i = 0; i < shift.length; i++) {
                        shift[i] = (float) (0.3 * random.nextGaussian());
                    }
                    p.getValue().addi(scope.create(shift, p.getValue().getShape()));
                }
            }
            network.requireGradients();
            int batch = 4;
            float[] pixels = new float[batch * 3 * 16 * 16];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            int[] labels = {1, 7, 3, 1};
            NDArray x = scope.create(pixels, new Shape(batch, 3, 16, 16));
            NDArray y = scope.create(labels);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                if (piecewise) {
                    SyncBatchNorm sync = new SyncBatchNorm(Replicas.single());
                    sync.backward(crossEntropy(network.forward(x, sync), y));
                } else {
                    collector.backward(crossEntropy(network.forward(x, true), y));
                }
            }
            Map<String, float[]> values = new LinkedHashMap<>();
            network.parameters()
                    .forEach(
                            (name, w) -> {
                                try (NDArray g = w.getGradient()) {
                                    values.put(name + ".grad", g.toFloatArray());
                                }
                            });
            network.state().forEach((name, s) -> values.put(name, s.toFloatArray()));
            return values;
        }
    }

    private static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return logits.logSoftmax(1).get(new NDIndex().addAllDim().addPickDim(labels)).neg().mean();
    }

    /** The largest difference, relative to the largest magnitude of {@code expected}. */
    private static double relativeDifference(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double max = 0;
        double scale = 1e-12;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return max / scale;
    }
}
