package org.resnetj.data;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * The endless stream of augmented training batches, prepared ahead of time on background threads.
 *
 * <p>The batch of iteration k is a pure function of (seed, k), so a run resumed at iteration k sees
 * exactly the batches an uninterrupted run would have seen:
 *
 * <ul>
 *   <li>the training indices form an endless sequence of epochs, each a permutation drawn from a
 *       generator seeded by (seed, epoch);
 *   <li>iteration k takes positions [k·B, (k+1)·B) of that sequence, so a batch may straddle two
 *       epochs and no image is dropped or repeated within an epoch;
 *   <li>the augmentation of position p ({@link CifarPresets#train}) draws from a generator seeded
 *       by (seed, p).
 * </ul>
 *
 * <p>{@code threads} workers prepare up to 2·threads batches ahead; {@link #next} hands them out in
 * iteration order and rethrows a worker's failure. One consumer thread calls {@link #next}. The
 * stream owns its workers: {@link #close} stops them and waits for them to end.
 */
public final class BatchStream implements AutoCloseable {

    private static final AtomicInteger STREAMS = new AtomicInteger();

    private final LongFunction<Batch> batches;
    private final ExecutorService workers;
    private final Deque<Future<Batch>> pending = new ArrayDeque<>();
    private long nextToSchedule;
    private long nextToHandOut;
    private boolean closed;

    /**
     * Starts preparing batches from iteration {@code startIteration}.
     *
     * @param images the training set
     * @param mean the per-pixel mean to subtract ({@link PixelMean#of}), 3,072 values
     * @param batchSize images per batch (128 in Section 4.2)
     * @param seed fixes the epoch orders and the augmentations
     * @param startIteration the iteration of the first batch {@link #next} returns, 0 for a new run
     * @param threads background threads preparing batches, at least 1
     * @throws IllegalArgumentException if a count is out of range, the set is empty or the mean is
     *     not 3,072 values
     */
    public BatchStream(
            ImageSet images,
            float[] mean,
            int batchSize,
            long seed,
            long startIteration,
            int threads) {
        this(images, mean, batchSize, seed, Shard.WHOLE, startIteration, threads);
    }

    /**
     * Starts preparing {@code shard}'s share of every batch, as one of several data-parallel
     * processes: the batch of iteration k is the one of {@link #BatchStream(ImageSet, float[], int,
     * long, long, int)}, and this stream makes only the shard's images of it.
     *
     * @param batchSize images per batch of all shards together
     */
    public BatchStream(
            ImageSet images,
            float[] mean,
            int batchSize,
            long seed,
            Shard shard,
            long startIteration,
            int threads) {
        this(new TrainBatches(images, mean, batchSize, seed, shard), startIteration, threads);
    }

    /**
     * Prefetches {@code batches.apply(k)} for k = startIteration, startIteration + 1, ... on {@code
     * threads} workers, up to 2·threads batches ahead: that bounds the memory held in prepared
     * batches. {@code batches} is called from several threads at once, so it must be thread-safe,
     * and it should be a pure function of k (as {@link ImageFolderBatches} is) for a resumed run to
     * see the batches of an uninterrupted one.
     *
     * @param batches the batch of each iteration, for example {@link ImageFolderBatches}
     * @param startIteration the iteration of the first batch {@link #next} returns, 0 for a new run
     * @param threads background threads preparing batches, at least 1
     * @throws IllegalArgumentException if a count is out of range
     */
    public BatchStream(LongFunction<Batch> batches, long startIteration, int threads) {
        if (startIteration < 0) {
            throw new IllegalArgumentException(
                    "start iteration must be at least 0, got " + startIteration);
        }
        if (threads < 1) {
            throw new IllegalArgumentException(
                    "batch preparation needs at least 1 thread, got " + threads);
        }
        this.batches = batches;
        this.nextToSchedule = startIteration;
        this.nextToHandOut = startIteration;
        int stream = STREAMS.incrementAndGet();
        AtomicInteger workerNumber = new AtomicInteger();
        this.workers =
                Executors.newFixedThreadPool(
                        threads,
                        task -> {
                            Thread thread =
                                    new Thread(
                                            task,
                                            "batch-prefetch-"
                                                    + stream
                                                    + "-"
                                                    + workerNumber.incrementAndGet());
                            // A consumer that dies without closing must not keep the JVM alive.
                            thread.setDaemon(true);
                            return thread;
                        });
        for (int i = 0; i < 2 * threads; i++) {
            schedule();
        }
    }

    /**
     * The batch of the next iteration, waiting for it if it is not ready.
     *
     * @throws RuntimeException the exception a worker failed with
     * @throws CancellationException if the calling thread is interrupted while waiting
     * @throws IllegalStateException if the stream is closed
     */
    public Batch next() {
        if (closed) {
            throw new IllegalStateException("the batch stream is closed");
        }
        Future<Batch> head = pending.removeFirst();
        schedule();
        long iteration = nextToHandOut++;
        try {
            return head.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException(
                    "interrupted while waiting for the batch of iteration " + iteration);
        } catch (ExecutionException e) {
            throw Workers.failure(e, "preparing the batch of iteration " + iteration);
        }
    }

    /** The iteration of the batch the next call to {@link #next} returns. */
    public long nextIteration() {
        return nextToHandOut;
    }

    /** Stops the workers, dropping prepared batches, and waits for them to end. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pending.clear();
        if (!Workers.stop(workers)) {
            throw new IllegalStateException(
                    "batch preparation threads did not stop within a minute");
        }
    }

    private void schedule() {
        long iteration = nextToSchedule++;
        pending.addLast(workers.submit(() -> batches.apply(iteration)));
    }

    /**
     * The batches of one evaluation pass over {@code images}, in order, through the eval preset
     * (mean subtraction only); the last batch holds the remainder. Prepared on the iterating
     * thread, as the preset costs little next to a forward pass.
     */
    public static Iterable<Batch> eval(ImageSet images, float[] mean, int batchSize) {
        CifarPresets.checkMean(mean);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        float[] centre = mean.clone();
        return () ->
                new Iterator<>() {
                    private int start;

                    @Override
                    public boolean hasNext() {
                        return start < images.size();
                    }

                    @Override
                    public Batch next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        int count = Math.min(batchSize, images.size() - start);
                        float[] data = new float[count * ImageSet.IMAGE_SIZE];
                        int[] labels = new int[count];
                        for (int j = 0; j < count; j++) {
                            labels[j] = images.label(start + j);
                            CifarPresets.eval(
                                    images, start + j, centre, data, j * ImageSet.IMAGE_SIZE);
                        }
                        long number = start / batchSize;
                        start += count;
                        return new Batch(data, labels, ImageSet.SIDE, number);
                    }
                };
    }
}
