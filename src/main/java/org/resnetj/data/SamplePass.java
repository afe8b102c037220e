package org.resnetj.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One parallel pass over the center crops of a seeded sample of a data set's images, for the
 * statistics the training preset needs (the per-pixel mean, the lighting covariance).
 *
 * <p>The sample is the first min(sample, size) readable images of a permutation of all indices
 * drawn from (seed, {@link Seeds#STATISTICS_SAMPLE}): under {@link BadImages#SKIP} an unreadable
 * image is made up for by the next ones of the permutation. It is worked through in rounds: a round
 * decodes the next images still needed, split into chunks over a fixed pool, and the next round
 * makes up for the skipped ones. Which images count is a property of the files alone, and the
 * partial results are merged in chunk order, so with exact (integer) accumulators the result does
 * not depend on the thread count or the timing.
 */
final class SamplePass {

    private static final Logger LOG = LoggerFactory.getLogger(SamplePass.class);

    /**
     * Chunks per thread in a round: enough to even out slow images, few enough to merge cheaply.
     */
    private static final int CHUNKS_PER_THREAD = 4;

    private SamplePass() {}

    /** The order in which images enter the sample: a permutation of 0..size−1. */
    static int[] order(int size, long seed) {
        return Seeds.permutation(size, Seeds.random(seed, Seeds.STATISTICS_SAMPLE, 0));
    }

    /** The 224×224 center crop of {@link ImagePresets#centerCrop}, as CHW bytes. */
    static byte[] centerCrop(RgbImage image) {
        int[] size = ImagePresets.shorterSideTo(image.width(), image.height(), ImagePresets.RESIZE);
        int crop = ImagePresets.CROP;
        return WindowResample.window(
                image,
                size[0],
                size[1],
                ImagePresets.centerOffset(size[1], crop),
                ImagePresets.centerOffset(size[0], crop),
                crop,
                crop);
    }

    /**
     * Accumulates the center crop of every image of the sample.
     *
     * @param what what is computed, for the log
     * @param empty a new accumulator
     * @param add adds one crop (3×224×224 CHW bytes) to an accumulator
     * @param merge adds the second accumulator to the first and returns the sum
     * @return the merged accumulator
     * @throws IllegalArgumentException if sample or threads is below 1
     * @throws IllegalStateException if no image of the source can be read
     * @throws java.io.UncheckedIOException naming the file, at the first unreadable image under
     *     STOP
     */
    static <A> A run(
            ImageDecoder images,
            int sample,
            long seed,
            int threads,
            String what,
            Supplier<A> empty,
            BiConsumer<A, byte[]> add,
            BinaryOperator<A> merge) {
        if (sample < 1) {
            throw new IllegalArgumentException(
                    "computing the " + what + " needs a sample of at least 1 image, got " + sample);
        }
        if (threads < 1) {
            throw new IllegalArgumentException(
                    "computing the " + what + " needs at least 1 thread, got " + threads);
        }
        int size = images.source().size();
        if (size == 0) {
            throw new IllegalArgumentException(
                    "cannot compute the " + what + " of an empty image set");
        }
        int target = Math.min(sample, size);
        LOG.info("{}: decoding {} of {} images on {} threads", what, target, size, threads);
        long started = System.nanoTime();
        int[] order = order(size, seed);
        ExecutorService workers = Workers.pool("image-statistics", threads);
        try {
            A total = empty.get();
            int used = 0;
            int next = 0;
            while (used < target && next < size) {
                int take = Math.min(target - used, size - next);
                int chunks = Math.min(take, threads * CHUNKS_PER_THREAD);
                List<Future<Part<A>>> parts = new ArrayList<>(chunks);
                for (int c = 0; c < chunks; c++) {
                    int from = next + (int) ((long) take * c / chunks);
                    int to = next + (int) ((long) take * (c + 1) / chunks);
                    parts.add(
                            workers.submit(
                                    () -> {
                                        A acc = empty.get();
                                        int read = 0;
                                        for (int i = from;
                                                i < to && !Thread.currentThread().isInterrupted();
                                                i++) {
                                            Optional<RgbImage> image = images.read(order[i]);
                                            if (image.isPresent()) {
                                                add.accept(acc, centerCrop(image.get()));
                                                read++;
                                            }
                                        }
                                        return new Part<>(acc, read);
                                    }));
                }
                for (Future<Part<A>> future : parts) {
                    Part<A> part = await(future, what);
                    total = merge.apply(total, part.accumulator());
                    used += part.read();
                }
                next += take;
            }
            if (used == 0) {
                throw new IllegalStateException(
                        "no readable image for the "
                                + what
                                + " among the "
                                + size
                                + " images (such as "
                                + images.source().describe(0)
                                + ")");
            }
            if (used < target) {
                LOG.warn(
                        "{}: only {} of the {} images asked for could be read", what, used, target);
            }
            LOG.info(
                    "{}: {} images in {} s",
                    what,
                    used,
                    String.format("%.1f", (System.nanoTime() - started) / 1e9));
            return total;
        } finally {
            if (!Workers.stop(workers)) {
                LOG.warn("{}: decoding threads did not stop within a minute", what);
            }
        }
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while computing the " + what, e);
        } catch (ExecutionException e) {
            throw Workers.failure(e, "computing the " + what);
        }
    }

    private record Part<A>(A accumulator, int read) {}
}
