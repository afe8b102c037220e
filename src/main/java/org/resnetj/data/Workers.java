package org.resnetj.data;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** What the pools of background workers share: batches, evaluation views and sample passes. */
public final class Workers {

    private Workers() {}

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
