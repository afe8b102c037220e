package org.resnetj.data;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** What the pools of background workers share: batches, evaluation views and sample passes. */
public final class Workers {

    private static final AtomicInteger POOLS = new AtomicInteger();

    private Workers() {}

    /**
     * A fixed pool of {@code threads} daemon threads named {@code name-P-W} (pool P, worker W): a
     * consumer that dies without closing the pool must not keep the JVM alive.
     *
     * @throws IllegalArgumentException if {@code threads} is below 1
     */
    public static ExecutorService pool(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException(name + " needs at least 1 thread, got " + threads);
        }
        int pool = POOLS.incrementAndGet();
        AtomicInteger worker = new AtomicInteger();
        return Executors.newFixedThreadPool(
                threads,
                task -> {
                    Thread thread =
                            new Thread(task, name + "-" + pool + "-" + worker.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /**
     * The exception to throw for a task that failed: its own unchecked exception as it is (an
     * {@link Error} is thrown from here), or else one saying that {@code what} failed.
     */
    public static RuntimeException failure(ExecutionException e, String what) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(what + " failed", cause);
    }

    /**
     * Stops {@code workers}, interrupting their tasks, and waits up to a minute for them to end.
     *
     * @return whether they ended in time (also true if this thread was interrupted while waiting,
     *     its interrupt status then set again)
     */
    public static boolean stop(ExecutorService workers) {
        workers.shutdownNow();
        try {
            return workers.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
