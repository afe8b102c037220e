package org.resnetj.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.resnetj.data.Batch;
import org.resnetj.data.CifarImages;
import org.resnetj.data.Shard;
import org.resnetj.distributed.Replicas;
import org.resnetj.distributed.World;
import org.resnetj.engine.Threads;
import org.resnetj.model.InputBuffer;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.resnetj.train.Sgd;
import org.resnetj.train.Trainer;

/**
 * One rank of the distributed workload of {@link DistributedBench}, or the single process it is
 * compared with: SGD steps of the training loop on this rank's share of a global batch of random
 * images, then, with several ranks, an allreduce of one fusion bucket to measure the bandwidth.
 * Rank 0 prints one JSON line.
 *
 * <p>Arguments: {@code MODEL BATCH THREADS WARMUP STEPS}.
 */
final class DistributedWorker {

    /** Allreduces of a full bucket that measure the bandwidth. */
    private static final int PROBES = 5;

    private DistributedWorker() {}

    public static void main(String[] args) throws Exception {
        ModelSpec spec = ModelRegistry.get(args[0]);
        int batch = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        int steps = Integer.parseInt(args[4]);
        try (World world = World.fromEnvironment()) {
            Replicas replicas = new Replicas(world);
            Engine.getInstance().setRandomSeed(0);
            Threads.setIntraOp(threads);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("model", spec.name());
            result.put("ranks", world.size());
            result.put("threads_per_rank", threads);
            result.put("global_batch", batch);
            try (NDManager root = NDManager.newBaseManager();
                    Network network = Network.create(spec.plan(), root);
                    Sgd sgd = new Sgd(network.parameters(), 0.9f, 1e-4f, root)) {
                network.requireGradients();
                Batch shard = randomShard(replicas.shard(), batch, spec.inputSize());
                InputBuffer input = new InputBuffer();
                for (int k = 0; k < warmup; k++) {
                    Trainer.sgdStep(network, sgd, shard, input, 0.01f, false, replicas);
                }
                replicas.sum(0); // every rank starts the clock together
                long averagedBefore = replicas.averagingNanos();
                long bytesBefore = replicas.averagedBytes();
                long start = System.nanoTime();
                for (int k = 0; k < steps; k++) {
                    Trainer.sgdStep(network, sgd, shard, input, 0.01f, false, replicas);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double averaging =
                        replicas.sum((replicas.averagingNanos() - averagedBefore) / 1e9)[0]
                                / world.size();
                result.put("step_seconds", seconds / steps);
                result.put("images_per_sec", (double) batch * steps / seconds);
                result.put("averaging_share", averaging / seconds);
                result.put(
                        "gradient_bytes_per_step",
                        (replicas.averagedBytes() - bytesBefore) / Math.max(1, steps));
            }
            if (replicas.distributed()) {
                result.put("bus_bandwidth_bytes_per_sec", busBandwidth(world));
            }
            if (world.rank() == 0) {
                System.out.println(new ObjectMapper().writeValueAsString(result));
            }
        }
    }

    /** This rank's share of a batch of random images with random labels. */
    private static Batch randomShard(Shard shard, int batch, int side) {
        int size = shard.size(batch);
        SplittableRandom random = new SplittableRandom(shard.index());
        float[] images = new float[size * CifarImages.CHANNELS * side * side];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) (random.nextDouble() - 0.5);
        }
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(CifarImages.CLASSES);
        }
        return new Batch(images, labels, side, 0);
    }

    /**
     * The bus bandwidth of an allreduce of one 25 MB bucket, NCCL's convention: the bucket's bytes
     * times 2(N − 1)/N, what a ring allreduce sends and receives per rank, over the median time.
     */
    private static double busBandwidth(World world) {
        int floats = Replicas.BUCKET_BYTES / Float.BYTES;
        ByteBuffer bucket =
                ByteBuffer.allocateDirect(Replicas.BUCKET_BYTES).order(ByteOrder.nativeOrder());
        double[] seconds = new double[PROBES];
        for (int i = 0; i < PROBES; i++) {
            long start = System.nanoTime();
            world.sumFloats(bucket, floats);
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        double median = Bench.median(seconds);
        int n = world.size();
        return Replicas.BUCKET_BYTES * 2.0 * (n - 1) / n / median;
    }
}
