package org.resnetj.eval;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.resnetj.data.ImagePresets;
import org.resnetj.data.ImageSource;
import org.resnetj.data.Workers;

/**
 * Decodes the images of a source and builds their protocol views on worker threads, a bounded
 * number of images ahead of the consumer, and hands them out in order. One consumer thread calls
 * {@link #next}; {@link #close} stops the workers and waits for them to end.
 */
final class ViewPrefetch implements AutoCloseable {

    private static final AtomicInteger POOLS = new AtomicInteger();

    /**
     * The views of one image, or why it could not be read.
     *
     * @param views the protocol's views, null if the image failed
     * @param failure the decoding failure, null if the image was read
     */
    record Prepared(int index, List<ImagePresets.View> views, IOException failure) {}

    private final ImageSource images;
    private final Protocol protocol;
    private final ExecutorService workers;
    private final Deque<Future<Prepared>> pending = new ArrayDeque<>();
    private int nextToSchedule;

    /**
     * Starts preparing the first {@code ahead} images.
     *
     * @param threads worker threads, at least 1
     * @param ahead images prepared or in preparation at any time, at least 1
     */
    ViewPrefetch(ImageSource images, Protocol protocol, int threads, int ahead) {
        if (threads < 1 || ahead < 1) {
            throw new IllegalArgumentException(
                    "view preparation needs at least 1 thread and 1 image ahead, got "
                            + threads
                            + " and "
                            + ahead);
        }
        this.images = images;
        this.protocol = protocol;
        int pool = POOLS.incrementAndGet();
        AtomicInteger workerNumber = new AtomicInteger();
        this.workers =
                Executors.newFixedThreadPool(
                        threads,
                        task -> {
                            Thread thread =
                                    new Thread(
                                            task,
                                            "eval-views-"
                                                    + pool
                                                    + "-"
                                                    + workerNumber.incrementAndGet());
                            // A consumer that dies without closing must not keep the JVM alive.
                            thread.setDaemon(true);
                            return thread;
                        });
        for (int i = 0; i < ahead; i++) {
            schedule();
        }
    }

    /**
     * The next image's views, in index order, waiting for them if they are not ready.
     *
     * @throws InterruptedIOException if the calling thread is interrupted while waiting
     * @throws RuntimeException what a worker failed with other than a decoding failure
     */
    Prepared next() throws InterruptedIOException {
        Future<Prepared> head = pending.removeFirst();
        schedule();
        try {
            return head.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the views of an image");
        } catch (ExecutionException e) {
            throw Workers.failure(e, "preparing the views of an image");
        }
    }

    /** Stops the workers, dropping prepared views, and waits for them to end. */
    @Override
    public void close() {
        pending.clear();
        if (!Workers.stop(workers)) {
            throw new IllegalStateException(
                    "view preparation threads did not stop within a minute");
        }
    }

    private void schedule() {
        if (nextToSchedule >= images.size()) {
            return;
        }
        int index = nextToSchedule++;
        pending.addLast(workers.submit(() -> prepare(index)));
    }

    private Prepared prepare(int index) {
        try {
            return new Prepared(index, protocol.views(images.image(index)), null);
        } catch (IOException e) {
            return new Prepared(index, null, e);
        }
    }
}
