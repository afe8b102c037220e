package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** ImageNet training batches as a pure function of (seed, iteration), and what becomes of unreadable images. */
class ImageFolderBatchesTest {

    private static final int IMAGE = ImageNetPresets.IMAGE_SIZE;

    @TempDir Path dir;

    private static float[] randomMean() {
        float[] mean = new float[IMAGE];
        SplittableRandom random = new SplittableRandom(1);
        for (int k = 0; k < mean.length; k++) {
            mean[k] = (float) (0.3 + 0.4 * random.nextDouble());
        }
        return mean;
    }

    /** The view the batch must hold at a position: image {@code index} augmented with the generator of that position. */
    private static float[] expectedView(ImageSource images, int index, float[] mean, Lighting lighting, long seed, long position)
            throws IOException {
        float[] view = new float[IMAGE];
        ImageNetPresets.train(images.image(index), mean, lighting, Seeds.random(seed, Seeds.AUGMENTATION, position), view, 0);
        return view;
    }

    private static float[] slot(Batch batch, int j) {
        return Arrays.copyOfRange(batch.images(), j * IMAGE, (j + 1) * IMAGE);
    }

    @Test
    void eachSlotIsTheImageOfItsEpochPositionAugmentedWithTheGeneratorOfThatPosition() throws IOException {
        ImageFolderFiles.trainFolder(dir, 7, 3);
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        float[] mean = randomMean();
        ImageFolderBatches batches = new ImageFolderBatches(new ImageDecoder(train, BadImages.STOP), mean, Lighting.IMAGENET, 4, 5);
        EpochOrder order = new EpochOrder(train.size(), 5);

        // Iteration 1 holds positions 4..7: the last three images of epoch 0 and the first of epoch 1.
        Batch batch = batches.apply(1);

        assertThat(batch.iteration()).isEqualTo(1);
        assertThat(batch.side()).isEqualTo(224);
        assertThat(batch.size()).isEqualTo(4);
        for (int j = 0; j < 4; j++) {
            int index = order.indexAt(4 + j);
            assertThat(batch.labels()[j]).isEqualTo(train.label(index));
            assertThat(slot(batch, j)).as("slot %d", j).isEqualTo(expectedView(train, index, mean, Lighting.IMAGENET, 5, 4 + j));
        }
    }

    @Test
    void theSameSeedAndIterationGiveTheSameBatchWhateverTheThreadsAndWhereTheStreamStarts() throws IOException {
        ImageFolderFiles.trainFolder(dir, 9, 3);
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        float[] mean = randomMean();
        ImageFolderBatches first = new ImageFolderBatches(new ImageDecoder(train, BadImages.STOP), mean, Lighting.IMAGENET, 3, 7);
        ImageFolderBatches second = new ImageFolderBatches(new ImageDecoder(train, BadImages.STOP), mean, Lighting.IMAGENET, 3, 7);
        ImageFolderBatches otherSeed = new ImageFolderBatches(new ImageDecoder(train, BadImages.STOP), mean, Lighting.IMAGENET, 3, 8);

        Batch direct = first.apply(4);
        Batch[] streamed = new Batch[6];
        try (BatchStream one = new BatchStream(second, 0, 1); BatchStream resumed = new BatchStream(first, 4, 2)) {
            for (int k = 0; k < 6; k++) {
                streamed[k] = one.next();
            }
            Batch resumedFirst = resumed.next();
            assertThat(resumedFirst.images()).isEqualTo(direct.images());
            assertThat(resumedFirst.labels()).isEqualTo(direct.labels());
        }

        assertThat(streamed[4].iteration()).isEqualTo(4);
        assertThat(streamed[4].images()).isEqualTo(direct.images());
        assertThat(streamed[4].labels()).isEqualTo(direct.labels());
        assertThat(streamed[5].images()).as("another iteration").isNotEqualTo(streamed[4].images());
        assertThat(otherSeed.apply(4).images()).as("another seed").isNotEqualTo(direct.images());
    }

    @Test
    void underSkipAnUnreadableImageIsReplacedByTheNextPositionsLoggedOnceAndCounted() throws IOException {
        ImageFolderFiles.trainFolder(dir, 5, 2);
        Path broken = ImageFolderFiles.truncatedJpeg(dir.resolve("train/c1/broken.jpg"));
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        int brokenIndex = -1;
        for (int i = 0; i < train.size(); i++) {
            brokenIndex = train.file(i).equals(broken) ? i : brokenIndex;
        }
        float[] mean = randomMean();
        long seed = 3;
        ImageDecoder decoder = new ImageDecoder(train, BadImages.SKIP);
        ImageFolderBatches batches = new ImageFolderBatches(decoder, mean, Lighting.IMAGENET, train.size(), seed);
        EpochOrder order = new EpochOrder(train.size(), seed);
        Logger logger = (Logger) LoggerFactory.getLogger(ImageDecoder.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        Batch batch;
        Batch again;
        try {
            batch = batches.apply(0);
            again = batches.apply(0);
        } finally {
            logger.detachAppender(log);
        }

        for (int j = 0; j < train.size(); j++) {
            int index = order.indexAt(j);
            for (long next = j + 1; index == brokenIndex; next++) {
                index = order.indexAt(next);
            }
            assertThat(batch.labels()[j]).isEqualTo(train.label(index));
            assertThat(slot(batch, j)).as("slot %d", j).isEqualTo(expectedView(train, index, mean, Lighting.IMAGENET, seed, j));
        }
        assertThat(again.images()).isEqualTo(batch.images());
        assertThat(batches.skipped()).as("skipped once per batch").isEqualTo(2);
        assertThat(log.list).hasSize(1);
        assertThat(log.list.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(log.list.get(0).getFormattedMessage()).contains(broken.toString());
    }

    @Test
    void underStopTheStreamFailsWithAnErrorNamingTheFile() throws IOException {
        ImageFolderFiles.trainFolder(dir, 3, 1);
        Path garbage = ImageFolderFiles.garbage(dir.resolve("train/c0/garbage.jpg"));
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        ImageFolderBatches batches =
                new ImageFolderBatches(new ImageDecoder(train, BadImages.STOP), randomMean(), Lighting.NONE, train.size(), 1);

        try (BatchStream stream = new BatchStream(batches, 0, 2)) {
            assertThatThrownBy(stream::next)
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining(garbage.toString())
                    .hasMessageNotContaining("\n");
        }
    }

    @Test
    void aFolderOfOnlyUnreadableImagesCannotMakeABatch() throws IOException {
        Files.createDirectories(dir.resolve("train/c0"));
        ImageFolderFiles.garbage(dir.resolve("train/c0/a.jpg"));
        ImageFolderFiles.garbage(dir.resolve("train/c0/b.jpg"));
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        ImageFolderBatches batches =
                new ImageFolderBatches(new ImageDecoder(train, BadImages.SKIP), randomMean(), Lighting.NONE, 2, 1);

        assertThatThrownBy(() -> batches.apply(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no readable training image");
    }

    @Test
    void theMeanMustBeACropAndTheBatchPositive() throws IOException {
        ImageFolderFiles.trainFolder(dir, 2, 1);
        ImageDecoder train = new ImageDecoder(ImageFolder.open(dir, null).train(), BadImages.STOP);

        assertThatThrownBy(() -> new ImageFolderBatches(train, new float[3072], Lighting.NONE, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3×224×224");
        assertThatThrownBy(() -> new ImageFolderBatches(train, new float[IMAGE], Lighting.NONE, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch size must be at least 1, got 0");
    }
}
