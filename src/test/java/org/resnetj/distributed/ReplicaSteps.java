package org.resnetj.distributed;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.resnetj.data.Batch;
import org.resnetj.data.BatchStream;
import org.resnetj.data.CifarImages;
import org.resnetj.data.PixelMean;
import org.resnetj.data.TrainBatches;
import org.resnetj.engine.Threads;
import org.resnetj.model.InputBuffer;
import org.resnetj.model.Layer;
import org.resnetj.model.Network;
import org.resnetj.train.Sgd;
import org.resnetj.train.Trainer;

/**
 * A few SGD steps of a small network without batch normalization, whose gradient is the same
 * however a batch is split, run by every rank of the job {@code mpirun} starts (as PyTorch's {@code
 * _test_DDP_5iter} does): each rank takes its shard of the batch the single-process run would use,
 * through the training loop's own step. Every rank draws different initial weights, so only the
 * broadcast of rank 0's makes the replicas agree. Each rank writes its final parameters to {@code
 * OUT.rankR}.
 *
 * <p>Arguments: {@code OUT BATCH STEPS BUCKET_BYTES}.
 */
public final class ReplicaSteps {

    static final long SEED = 7;
    static final int IMAGES = 40;
    static final float LR = 0.05f;

    private ReplicaSteps() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]);
        int steps = Integer.parseInt(args[2]);
        int bucketBytes = Integer.parseInt(args[3]);
        try (World world = World.fromEnvironment()) {
            Engine.getInstance(); // loads libtorch before it is told its threads
            Threads.setIntraOp(1);
            Replicas replicas = new Replicas(world, bucketBytes);
            Map<String, float[]> weights =
                    train(replicas, SEED + 1000L * world.rank(), batch, steps);
            write(weights, Path.of(out + ".rank" + world.rank()));
        }
    }

    /** The network: two convolutions with biases, ReLU, global pooling, a classifier. */
    static Layer.Sequence plan() {
        return new Layer.Sequence(
                "net",
                List.of(
                        new Layer.Conv("conv1", 3, 6, 3, 1, 1, true),
                        new Layer.Relu(),
                        new Layer.Conv("conv2", 6, 8, 3, 2, 1, true),
                        new Layer.Relu(),
                        new Layer.GlobalAvgPool(),
                        new Layer.Linear("fc", 8, CifarImages.CLASSES)));
    }

    /** Random 32×32 images and labels, the same in every process. */
    static CifarImages images() {
        Random random = new Random(SEED);
        byte[] pixels = new byte[IMAGES * CifarImages.IMAGE_SIZE];
        random.nextBytes(pixels);
        byte[] labels = new byte[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            labels[i] = (byte) random.nextInt(CifarImages.CLASSES);
        }
        return CifarImages.of(pixels, labels);
    }

    /**
     * Initializes with {@code initSeed}, then runs {@code steps} SGD steps on this rank's shards of
     * batches of {@code batch} images, and returns the parameters by name.
     */
    static Map<String, float[]> train(Replicas replicas, long initSeed, int batch, int steps) {
        CifarImages images = images();
        float[] mean = PixelMean.of(images);
        Engine.getInstance().setRandomSeed((int) initSeed);
        InputBuffer input = new InputBuffer();
        try (NDManager root = NDManager.newBaseManager();
                Network network = Network.create(plan(), root);
                Sgd sgd = new Sgd(network.parameters(), 0.9f, 1e-4f, root);
                BatchStream batches =
                        new BatchStream(
                                TrainBatches.cifar(images, mean, batch, SEED)
                                        .shard(replicas.shard()),
                                0,
                                1)) {
            replicas.broadcast(network.parameters().values());
            network.requireGradients();
            for (int k = 0; k < steps; k++) {
                Batch shard = batches.next();
                Trainer.sgdStep(network, sgd, shard, input, LR, false, replicas);
            }
            Map<String, float[]> weights = new LinkedHashMap<>();
            network.parameters().forEach((name, w) -> weights.put(name, w.toFloatArray()));
            return weights;
        }
    }

    static void write(Map<String, float[]> weights, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(weights.size());
            for (Map.Entry<String, float[]> e : weights.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                for (float v : e.getValue()) {
                    out.writeFloat(v);
                }
            }
        }
    }

    static Map<String, float[]> read(Path file) throws IOException {
        Map<String, float[]> weights = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                float[] values = new float[in.readInt()];
                for (int j = 0; j < values.length; j++) {
                    values[j] = in.readFloat();
                }
                weights.put(name, values);
            }
        }
        return weights;
    }
}
