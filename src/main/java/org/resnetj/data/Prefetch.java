package org.resnetj.data;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.LongFunction;

/**
 * Computes the items {@code first, first + 1, ...} of a sequence on background threads, a bounded
 * number ahead of one consumer, and hands them out in order: the prefetcher under the training
 * batches ({@link BatchStream}) and the evaluation views.
 *
 * <p>At most {@code ahead} items are being computed or waiting at a time, which bounds the memory
 * held in prepared items. {@code items} is called from several threads at once, so it must be
 * thread-safe. One consumer thread calls {@link #next}; {@link #close} stops the workers and waits
 * for them to end.
 *
 * @param <T> the items
 */
public final class Prefetch<T> implements AutoCloseable {

    private final String what;
    private final LongFunction<T> items;
    private final long end;
    private final ExecutorService workers;
    private final Deque<Future<T>> pending = new ArrayDeque<>();
    private long nextToSchedule;
    private long nextToHandOut;
    private boolean closed;

    /**
     * Starts computing the first {@code ahead} items.
     *
     * @param threadName the prefix of the worker threads' names
     * @param what what an item is, for messages ("the batch of iteration")
     * @param items item k, for every k in [first, end)
     * @param first the index of the first item {@link #next} returns
     * @param end the index after the last item, {@link Long#MAX_VALUE} for an endless sequence
     * @param threads worker threads, at least 1
     * @param ahead items computed or waiting at any time, at least 1
     */
    public Prefetch(
            String threadName,
            String what,
            LongFunction<T> items,
            long first,
            long end,
            int threads,
            int ahead) {
        if (ahead < 1) {
            throw new IllegalArgumentException(
                    "prefetching needs at least 1 item ahead, got " + ahead);
        }
        this.what = what;
        this.items = items;
        this.workers = Workers.pool(threadName, threads);
        this.end = end;
        this.nextToSchedule = first;
        this.nextToHandOut = first;
        for (int i = 0; i < ahead; i++) {
            schedule();
        }
    }

    /**
     * The next item, waiting for it if it is not ready.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting
     * @throws RuntimeException the exception a worker failed with
     * @throws IllegalStateException if the prefetcher is closed
     * @throws java.util.NoSuchElementException after the last item
     */
    public T next() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("the prefetch of " + what + " is closed");
        }
        Future<T> head = pending.removeFirst();
        schedule();
        long index = nextToHandOut++;
        try {
            return head.get();
        } catch (ExecutionException e) {
            throw Workers.failure(e, "preparing " + what + " " + index);
        }
    }

    /** The index of the item the next call to {@link #next} returns. */
    public long nextIndex() {
        return nextToHandOut;
    }

    /** Stops the workers, dropping prepared items, and waits for them to end. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pending.clear();
        if (!Workers.stop(workers)) {
            throw new IllegalStateException(
                    "the threads preparing " + what + " did not stop within a minute");
        }
    }

    private void schedule() {
        if (nextToSchedule >= end) {
            return;
        }
        long index = nextToSchedule++;
        pending.addLast(workers.submit(() -> items.apply(index)));
    }
}
