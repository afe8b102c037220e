package org.resnetj.distributed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.resnetj.data.Shard;
import org.resnetj.eval.Evaluator;

/**
 * Data-parallel SGD over the ranks of a {@link World}, with the conventions of Horovod and
 * PyTorch's DDP: every rank holds a replica of the model; rank 0's initial weights (or the
 * checkpoint it resumes) reach all of them; each rank computes the gradient of its own {@link
 * Shard} of the global batch, and the gradients are averaged by an allreduce before the same SGD
 * update runs on every rank, so the replicas stay identical. Rank 0 alone writes.
 *
 * <p>Arrays travel fused: they are copied back to back into a bucket of at most {@link
 * #BUCKET_BYTES} (DDP's default bucket size), one collective per bucket rather than one per
 * parameter, which is what makes the small arrays of a ResNet (biases, BN scales) cheap. With one
 * rank every operation returns at once, without copying anything.
 */
public final class Replicas {

    /** The size of the fusion buffer: 25 MB, the default {@code bucket_cap_mb} of DDP. */
    public static final int BUCKET_BYTES = 25 << 20;

    private final World world;
    private final int bucketBytes;
    private ByteBuffer bucket = ByteBuffer.allocateDirect(0);
    private long averagingNanos;
    private long averagedBytes;

    /** Replicas over every rank of {@code world}, with 25 MB buckets. */
    public Replicas(World world) {
        this(world, BUCKET_BYTES);
    }

    /**
     * @param bucketBytes the fusion buffer's size, a multiple of 8 bytes
     */
    public Replicas(World world, int bucketBytes) {
        if (bucketBytes < Double.BYTES || bucketBytes % Double.BYTES != 0) {
            throw new IllegalArgumentException(
                    "a fusion bucket must be a positive multiple of 8 bytes, got " + bucketBytes);
        }
        this.world = world;
        this.bucketBytes = bucketBytes;
    }

    /** One process alone. */
    public static Replicas single() {
        return new Replicas(World.SINGLE);
    }

    /** The processes this one trains with. */
    public World world() {
        return world;
    }

    /** Whether more than one process trains. */
    public boolean distributed() {
        return world.size() > 1;
    }

    /** Whether this process writes the run's files: rank 0 alone writes metrics and checkpoints. */
    public boolean writes() {
        return world.rank() == 0;
    }

    /** This rank's share of every batch. */
    public Shard shard() {
        return new Shard(world.rank(), world.size());
    }

    /** Overwrites every array, on every rank, by rank 0's values. */
    public void broadcast(Collection<NDArray> arrays) {
        if (distributed()) {
            fused(arrays, world::broadcast);
        }
    }

    /**
     * Replaces the gradient of every parameter by the mean gradient of the global batch: each
     * rank's gradient, a mean over its {@code images}, is weighted by its share of the images of
     * all ranks, then summed over the ranks. Shards of unequal size therefore count as in one
     * process. Call after backward and before the update.
     */
    public void averageGradients(Collection<NDArray> parameters, int images) {
        if (!distributed()) {
            return;
        }
        long start = System.nanoTime();
        float weight = (float) (images / sum(images)[0]);
        List<NDArray> gradients = new ArrayList<>();
        try {
            for (NDArray w : parameters) {
                NDArray g = w.getGradient();
                gradients.add(g);
                requireFloat(g, "gradient of " + w.getName());
                g.muli(weight);
                averagedBytes += g.size() * Float.BYTES;
            }
            fused(gradients, (buffer, bytes) -> world.sumFloats(buffer, bytes / Float.BYTES));
        } finally {
            gradients.forEach(NDArray::close);
            averagingNanos += System.nanoTime() - start;
        }
    }

    /**
     * The time spent in {@link #averageGradients} so far, in nanoseconds: weighting, copying into
     * and out of the buckets, and the allreduces, which wait for the slowest rank.
     */
    public long averagingNanos() {
        return averagingNanos;
    }

    /** The gradient bytes averaged so far. */
    public long averagedBytes() {
        return averagedBytes;
    }

    /** The sum of each value over all ranks: exact for integer counts below 2^53. */
    public double[] sum(double... values) {
        double[] sums = values.clone();
        world.sumDoubles(sums);
        return sums;
    }

    /**
     * The errors of all ranks' shards of an evaluation together, reduced exactly: the error counts
     * and image counts are summed, not the rates averaged. A rate times its images gives back its
     * integer count, as the rate is that count divided by the images.
     */
    public Evaluator.Result sum(Evaluator.Result shard) {
        if (!distributed()) {
            return shard;
        }
        double[] counts =
                sum(
                        Math.round(shard.top1Error() * shard.images()),
                        Math.round(shard.top5Error() * shard.images()),
                        shard.images());
        return new Evaluator.Result(counts[0] / counts[2], counts[1] / counts[2], (int) counts[2]);
    }

    /**
     * Fails on this rank if its {@code value} of {@code what} differs from rank 0's: ranks that
     * disagree on the model, the recipe or the data would train different things in lockstep.
     *
     * @throws IllegalArgumentException naming both values
     */
    public void requireSame(String what, String value) {
        if (!distributed()) {
            return;
        }
        String expected = fromRankZero(value);
        if (!expected.equals(value)) {
            throw new IllegalArgumentException(
                    "ranks disagree on "
                            + what
                            + ": rank 0 has "
                            + expected
                            + ", rank "
                            + world.rank()
                            + " has "
                            + value);
        }
    }

    /**
     * Brings rank 0's {@code file} to every rank: rank 0 sends its bytes, and every other rank
     * receives them into a temporary copy, with the same file name, that {@link Shared#close}
     * deletes. Ranks on other machines need not see rank 0's run directory.
     *
     * @param file rank 0's file, or empty if it has none (what the other ranks pass is ignored)
     */
    public Shared share(Optional<Path> file) throws IOException {
        if (!distributed()) {
            return new Shared(file, null);
        }
        long length = broadcastLong(writes() && file.isPresent() ? Files.size(file.get()) : -1);
        if (length < 0) {
            return new Shared(Optional.empty(), null);
        }
        String name = fromRankZero(writes() ? file.get().getFileName().toString() : "");
        if (writes()) {
            try (FileChannel in = FileChannel.open(file.get(), StandardOpenOption.READ)) {
                stream(length, (buffer, chunk) -> readFully(in, buffer, chunk));
            }
            return new Shared(file, null);
        }
        Path dir = Files.createTempDirectory("resnet-rank" + world.rank() + "-");
        Path copy = dir.resolve(name);
        try (FileChannel out =
                FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            stream(length, (buffer, chunk) -> writeFully(out, buffer, chunk));
        }
        return new Shared(Optional.of(copy), dir);
    }

    /**
     * A file {@link #share shared} by rank 0, deleted on close where it is a copy.
     *
     * @param path the file on this rank, if rank 0 had one
     * @param copyDir the temporary directory of a copy, or null on rank 0
     */
    public record Shared(Optional<Path> path, Path copyDir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            if (copyDir != null) {
                if (path.isPresent()) {
                    Files.deleteIfExists(path.get());
                }
                Files.deleteIfExists(copyDir);
            }
        }
    }

    /** Something to do with rank 0's bytes in the bucket. */
    private interface Transfer {
        void apply(ByteBuffer bucket, int bytes) throws IOException;
    }

    /** Broadcasts {@code length} bytes in buckets, {@code each} filling (rank 0) or using them. */
    private void stream(long length, Transfer each) throws IOException {
        ByteBuffer buffer = ensureBucket((int) Math.min(length, bucketBytes));
        for (long offset = 0; offset < length; offset += bucketBytes) {
            int chunk = (int) Math.min(bucketBytes, length - offset);
            buffer.clear().limit(chunk);
            if (writes()) {
                each.apply(buffer, chunk);
            }
            world.broadcast(buffer, chunk);
            if (!writes()) {
                buffer.clear().limit(chunk);
                each.apply(buffer, chunk);
            }
        }
    }

    private static void readFully(FileChannel in, ByteBuffer buffer, int bytes) throws IOException {
        while (buffer.position() < bytes) {
            if (in.read(buffer) < 0) {
                throw new IOException("file ended while it was being sent to the other ranks");
            }
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer, int bytes)
            throws IOException {
        while (buffer.position() < bytes) {
            out.write(buffer);
        }
    }

    /** Rank 0's {@code text}, on every rank; what the other ranks pass is ignored. */
    public String fromRankZero(String text) {
        if (!distributed()) {
            return text;
        }
        byte[] bytes = writes() ? text.getBytes(StandardCharsets.UTF_8) : new byte[0];
        int length = Math.toIntExact(broadcastLong(bytes.length));
        byte[] received = new byte[length];
        ByteBuffer buffer = ensureBucket(Math.min(length, bucketBytes));
        for (int offset = 0; offset < length; offset += bucketBytes) {
            int chunk = Math.min(bucketBytes, length - offset);
            if (writes()) {
                buffer.put(0, bytes, offset, chunk);
            }
            world.broadcast(buffer, chunk);
            buffer.get(0, received, offset, chunk);
        }
        return new String(received, StandardCharsets.UTF_8);
    }

    private long broadcastLong(long value) {
        ByteBuffer buffer = ensureBucket(Long.BYTES);
        buffer.putLong(0, value);
        world.broadcast(buffer, Long.BYTES);
        return buffer.getLong(0);
    }

    /** A collective over the first {@code bytes} bytes of the bucket. */
    private interface Collective {
        void apply(ByteBuffer bucket, int bytes);
    }

    /**
     * Runs {@code collective} over the arrays' bytes back to back, a bucket at a time: each bucket
     * is filled from the arrays' native memory, reduced or broadcast, and copied back.
     */
    private void fused(Collection<NDArray> arrays, Collective collective) {
        List<ByteBuffer> views = new ArrayList<>(arrays.size());
        long total = 0;
        for (NDArray array : arrays) {
            ByteBuffer view = array.toByteBuffer(true);
            if (!view.isDirect()) {
                throw new IllegalStateException(
                        "array " + array.getName() + " is not in native memory the engine shares");
            }
            views.add(view);
            total += view.capacity();
        }
        ByteBuffer buffer = ensureBucket((int) Math.min(total, bucketBytes));
        for (long offset = 0; offset < total; offset += bucketBytes) {
            int bytes = (int) Math.min(bucketBytes, total - offset);
            copy(views, offset, buffer, bytes, true);
            collective.apply(buffer, bytes);
            copy(views, offset, buffer, bytes, false);
        }
    }

    /**
     * Copies bytes [offset, offset + bytes) of the views' concatenation into the bucket ({@code
     * toBucket}) or back out of it.
     */
    private static void copy(
            List<ByteBuffer> views, long offset, ByteBuffer bucket, int bytes, boolean toBucket) {
        long start = 0;
        int done = 0;
        for (ByteBuffer view : views) {
            long end = start + view.capacity();
            if (end > offset && done < bytes) {
                int from = (int) (offset + done - start);
                int length = (int) Math.min(view.capacity() - from, bytes - done);
                if (toBucket) {
                    bucket.put(done, view, from, length);
                } else {
                    view.put(from, bucket, done, length);
                }
                done += length;
            }
            start = end;
        }
        if (done != bytes) {
            throw new IllegalStateException("copied " + done + " of " + bytes + " bytes");
        }
    }

    private ByteBuffer ensureBucket(int bytes) {
        if (bucket.capacity() < bytes) {
            bucket = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        return bucket;
    }

    private static void requireFloat(NDArray array, String what) {
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException(
                    what + " is " + array.getDataType() + ": gradients are averaged as float32");
        }
    }
}
