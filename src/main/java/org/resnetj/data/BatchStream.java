package org.resnetj.data;

import java.util.concurrent.CancellationException;
import java.util.function.LongFunction;

/**
 * The endless stream of training batches, prepared ahead of time on background threads: a {@link
 * Prefetch} of the batch of each iteration, whatever the kind of data.
 *
 * <p>{@code threads} workers prepare up to 2·threads batches ahead; {@link #next} hands them out in
 * iteration order and rethrows a worker's failure. One consumer thread calls {@link #next}. The
 * stream owns its workers: {@link #close} stops them and waits for them to end.
 */
public final class BatchStream implements AutoCloseable {

    private final Prefetch<Batch> prefetch;

    /**
     * Prefetches {@code batches.apply(k)} for k = startIteration, startIteration + 1, ... on {@code
     * threads} workers, up to 2·threads batches ahead: that bounds the memory held in prepared
     * batches. {@code batches} is called from several threads at once, so it must be thread-safe,
     * and it should be a pure function of k (as {@link TrainBatches} is) for a resumed run to see
     * the batches of an uninterrupted one.
     *
     * @param batches the batch of each iteration, for example {@link TrainBatches}
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
        this.prefetch =
                new Prefetch<>(
                        "batch-prefetch",
                        "the batch of iteration",
                        batches,
                        startIteration,
                        Long.MAX_VALUE,
                        threads,
                        2 * threads);
    }

    /**
     * The batch of the next iteration, waiting for it if it is not ready.
     *
     * @throws RuntimeException the exception a worker failed with
     * @throws CancellationException if the calling thread is interrupted while waiting
     * @throws IllegalStateException if the stream is closed
     */
    public Batch next() {
        long iteration = prefetch.nextIndex();
        try {
            return prefetch.next();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException(
                    "interrupted while waiting for the batch of iteration " + iteration);
        }
    }

    /** The iteration of the batch the next call to {@link #next} returns. */
    public long nextIteration() {
        return prefetch.nextIndex();
    }

    /** Stops the workers, dropping prepared batches, and waits for them to end. */
    @Override
    public void close() {
        prefetch.close();
    }
}
