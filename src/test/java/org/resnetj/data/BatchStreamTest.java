package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchStreamTest {

    private static final float[] ZERO_MEAN = new float[CifarImages.IMAGE_SIZE];

    /** Image i has every pixel equal to i + 1 (never 0, the padding) and label (i * 7) % 10. */
    private static CifarImages identifiable(int count) {
        byte[] pixels = new byte[count * CifarImages.IMAGE_SIZE];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            java.util.Arrays.fill(
                    pixels,
                    i * CifarImages.IMAGE_SIZE,
                    (i + 1) * CifarImages.IMAGE_SIZE,
                    (byte) (i + 1));
            labels[i] = (byte) (i * 7 % 10);
        }
        return CifarImages.of(pixels, labels);
    }

    /** The index of the image a batch slot shows, read from its non-padding pixels. */
    private static int imageIndex(Batch batch, int slot) {
        int index = -1;
        for (int k = 0; k < CifarImages.IMAGE_SIZE; k++) {
            float v = batch.images()[slot * CifarImages.IMAGE_SIZE + k];
            if (v != 0) {
                int i = Math.round(v * 255) - 1;
                assertThat(index == -1 || index == i).as("one image per slot").isTrue();
                index = i;
            }
        }
        return index;
    }

    private static List<Batch> take(BatchStream stream, int count) {
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batches.add(stream.next());
        }
        return batches;
    }

    private static void assertSame(Batch a, Batch b) {
        assertThat(a.iteration()).isEqualTo(b.iteration());
        assertThat(a.labels()).isEqualTo(b.labels());
        assertThat(a.images()).isEqualTo(b.images());
    }

    @Test
    void theSameSeedGivesTheSameBatchesWhateverTheThreadCount() {
        CifarImages images = SyntheticCifar.generate(30, 1, 0).train();
        float[] mean = PixelMean.of(images);
        try (BatchStream one = new BatchStream(TrainBatches.cifar(images, mean, 8, 3), 0, 1);
                BatchStream three = new BatchStream(TrainBatches.cifar(images, mean, 8, 3), 0, 3);
                BatchStream other = new BatchStream(TrainBatches.cifar(images, mean, 8, 4), 0, 2)) {
            List<Batch> a = take(one, 10);
            List<Batch> b = take(three, 10);
            List<Batch> c = take(other, 10);
            for (int i = 0; i < 10; i++) {
                assertThat(a.get(i).iteration()).isEqualTo(i);
                assertSame(a.get(i), b.get(i));
            }
            assertThat(c.get(0).images()).isNotEqualTo(a.get(0).images());
        }
    }

    @Test
    void aStreamResumedAtIterationKGivesTheBatchesOfAnUninterruptedOne() {
        CifarImages images = SyntheticCifar.generate(25, 1, 1).train();
        float[] mean = PixelMean.of(images);
        try (BatchStream whole = new BatchStream(TrainBatches.cifar(images, mean, 7, 9), 0, 2);
                BatchStream resumed =
                        new BatchStream(TrainBatches.cifar(images, mean, 7, 9), 6, 2)) {
            List<Batch> first = take(whole, 10);
            assertThat(resumed.nextIteration()).isEqualTo(6);
            for (int k = 6; k < 10; k++) {
                assertSame(resumed.next(), first.get(k));
            }
        }
    }

    @Test
    void labelsMatchImagesAndEachEpochVisitsEveryImageOnce() {
        int n = 37;
        int batch = 8;
        CifarImages images = identifiable(n);
        List<Integer> sequence = new ArrayList<>();
        try (BatchStream stream =
                new BatchStream(TrainBatches.cifar(images, ZERO_MEAN, batch, 5), 0, 2)) {
            for (Batch b : take(stream, 10)) {
                assertThat(b.size()).isEqualTo(batch);
                for (int slot = 0; slot < batch; slot++) {
                    int index = imageIndex(b, slot);
                    assertThat(b.labels()[slot]).isEqualTo(images.label(index));
                    sequence.add(index);
                }
            }
        }
        List<Integer> epoch0 = sequence.subList(0, n);
        List<Integer> epoch1 = sequence.subList(n, 2 * n);
        List<Integer> all = IntStream.range(0, n).boxed().toList();
        assertThat(epoch0).containsExactlyInAnyOrderElementsOf(all);
        assertThat(epoch1).containsExactlyInAnyOrderElementsOf(all);
        assertThat(epoch1).isNotEqualTo(epoch0);
    }

    @Test
    void augmentationVariesWithThePositionNotJustTheImage() {
        CifarImages images = identifiable(3);
        TrainBatches batches = TrainBatches.cifar(images, ZERO_MEAN, 3, 0);
        // With 3 images and batch 3 every batch is one epoch: the same images, new crops.
        Batch a = batches.apply(0);
        Batch b = batches.apply(1);
        assertThat(a.images()).isNotEqualTo(b.images());
        assertSame(batches.apply(1), b);
    }

    @Test
    void aWorkersFailureReachesTheCaller() {
        try (BatchStream stream =
                new BatchStream(
                        k -> {
                            if (k == 2) {
                                throw new IllegalStateException("broken batch " + k);
                            }
                            return new Batch(new float[0], new int[0], CifarImages.SIDE, k);
                        },
                        0,
                        2)) {
            stream.next();
            stream.next();
            assertThatThrownBy(stream::next)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("broken batch 2");
        }
    }

    @Test
    void closeStopsEveryWorker() throws InterruptedException {
        CifarImages images = identifiable(10);
        List<Thread> others = prefetchThreads();
        BatchStream stream = new BatchStream(TrainBatches.cifar(images, ZERO_MEAN, 4, 0), 0, 3);
        stream.next();
        List<Thread> workers = prefetchThreads().stream().filter(t -> !others.contains(t)).toList();
        assertThat(workers).isNotEmpty();

        stream.close();

        // A worker thread may still be leaving its run loop when the pool reports termination.
        for (Thread worker : workers) {
            worker.join(10_000);
        }
        assertThat(workers).noneMatch(Thread::isAlive);
        assertThatThrownBy(stream::next)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private static List<Thread> prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("batch-prefetch-"))
                .toList();
    }

    @Test
    void evalGoesOnceThroughTheSetInOrderWithASmallerLastBatch() {
        CifarImages images = identifiable(23);
        float[] mean = PixelMean.of(images);
        List<Batch> batches = new ArrayList<>();
        CifarPresets.evalBatches(images, mean, 10).forEach(batches::add);

        assertThat(batches).extracting(Batch::size).containsExactly(10, 10, 3);
        assertThat(batches).extracting(Batch::iteration).containsExactly(0L, 1L, 2L);
        float[] expected = new float[CifarImages.IMAGE_SIZE];
        CifarPresets.eval(images, 21, mean, expected, 0);
        Batch last = batches.get(2);
        assertThat(
                        java.util.Arrays.copyOfRange(
                                last.images(), CifarImages.IMAGE_SIZE, 2 * CifarImages.IMAGE_SIZE))
                .isEqualTo(expected);
        assertThat(last.labels())
                .containsExactly(images.label(20), images.label(21), images.label(22));
    }

    @Test
    void badArgumentsAreRejected() {
        CifarImages images = identifiable(3);
        assertThatThrownBy(() -> new BatchStream(TrainBatches.cifar(images, ZERO_MEAN, 0, 0), 0, 1))
                .hasMessageContaining("batch size");
        assertThatThrownBy(
                        () -> new BatchStream(TrainBatches.cifar(images, ZERO_MEAN, 2, 0), -1, 1))
                .hasMessageContaining("start iteration");
        assertThatThrownBy(() -> new BatchStream(TrainBatches.cifar(images, ZERO_MEAN, 2, 0), 0, 0))
                .hasMessageContaining("thread");
        assertThatThrownBy(
                        () ->
                                new BatchStream(
                                        TrainBatches.cifar(images.head(0), ZERO_MEAN, 2, 0), 0, 1))
                .hasMessageContaining("empty");
    }
}
