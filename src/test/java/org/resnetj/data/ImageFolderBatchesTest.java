package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * ImageNet training batches as a pure function of (seed, iteration), and what becomes of unreadable
 * images. The slots are compared with {@link ImageNetPresets#train} under the generator of their
 * position (the wiring) and, on one-colour images, with pixels known by hand.
 */
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

    /**
     * The view the batch must hold at a position: image {@code index} augmented with the generator
     * of that position.
     */
    private static float[] expectedView(
            ImageSource images,
            int index,
            float[] mean,
            Lighting lighting,
            long seed,
            long position)
            throws IOException {
        float[] view = new float[IMAGE];
        ImageNetPresets.train(
                images.image(index),
                mean,
                lighting,
                Seeds.random(seed, Seeds.AUGMENTATION, position),
                view,
                0);
        return view;
    }

    /**
     * The colours (R, G, B bytes) of {@link #constantFolder}'s images: any two differ by at least
     * 60 in red, 60/255 = 0.235 of the input scale.
     */
    private static final int[][] COLOURS = {
        {0, 255, 128}, {60, 195, 10}, {120, 135, 250}, {180, 75, 40}, {240, 15, 200}
    };

    /**
     * Images of one colour each, which every resize, crop and flip leaves as they are: train/c{i
     * mod classes}/img{i}.png, 40 + 7i by 30 + 5i pixels, in {@link #COLOURS}[i].
     */
    private static void constantFolder(Path root, int count, int classes) throws IOException {
        for (int i = 0; i < count; i++) {
            BufferedImage image =
                    new BufferedImage(40 + 7 * i, 30 + 5 * i, BufferedImage.TYPE_INT_RGB);
            int rgb = COLOURS[i][0] << 16 | COLOURS[i][1] << 8 | COLOURS[i][2];
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    image.setRGB(x, y, rgb);
                }
            }
            Path dir = Files.createDirectories(root.resolve("train/c" + i % classes));
            assertThat(
                            ImageIO.write(
                                    image,
                                    "png",
                                    dir.resolve(String.format("img%d.png", i)).toFile()))
                    .isTrue();
        }
    }

    /**
     * Which of constantFolder's images index {@code index} of the split is: i of its name
     * img{i}.png.
     */
    private static int imageNumber(ImageFolder.Split train, int index) {
        String name = train.file(index).getFileName().toString();
        return Integer.parseInt(name.substring(3, name.indexOf('.')));
    }

    /** A per-pixel mean that differs at every position, in multiples of 1/4096 (exact in float). */
    private static float meanAt(int c, int y, int x) {
        return (c + 1) / 8f + x / 1024f + y / 4096f;
    }

    private static float[] positionalMean() {
        float[] mean = new float[IMAGE];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 224; y++) {
                for (int x = 0; x < 224; x++) {
                    mean[(c * 224 + y) * 224 + x] = meanAt(c, y, x);
                }
            }
        }
        return mean;
    }

    /**
     * The offset by which every value of a slot exceeds {@code colour / 255 − mean}, per channel:
     * fails unless it is the same at every pixel (one lighting offset per image and channel).
     */
    private static float[] offsets(float[] slot, int[] colour) {
        float[] offsets = new float[3];
        for (int c = 0; c < 3; c++) {
            offsets[c] = slot[c * 224 * 224] - (colour[c] / 255f - meanAt(c, 0, 0));
            for (int y = 0; y < 224; y++) {
                for (int x = 0; x < 224; x++) {
                    float offset =
                            slot[(c * 224 + y) * 224 + x] - (colour[c] / 255f - meanAt(c, y, x));
                    if (Math.abs(offset - offsets[c]) > 1e-6f) {
                        fail(
                                "channel %d at (%d, %d): offset %s, not %s as at (0, 0)",
                                c, y, x, offset, offsets[c]);
                    }
                }
            }
        }
        return offsets;
    }

    private static float[] slot(Batch batch, int j) {
        return Arrays.copyOfRange(batch.images(), j * IMAGE, (j + 1) * IMAGE);
    }

    @Test
    void eachSlotIsTheImageOfItsEpochPositionAugmentedWithTheGeneratorOfThatPosition()
            throws IOException {
        ImageFolderFiles.trainFolder(dir, 7, 3);
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        float[] mean = randomMean();
        TrainBatches batches =
                TrainBatches.imageFolder(
                        new ImageDecoder(train, BadImages.STOP), mean, Lighting.IMAGENET, 4, 5);
        EpochOrder order = new EpochOrder(train.size(), 5);

        // Iteration 1 holds positions 4..7: the last three images of epoch 0 and the first of epoch
        // 1.
        Batch batch = batches.apply(1);

        assertThat(batch.iteration()).isEqualTo(1);
        assertThat(batch.side()).isEqualTo(224);
        assertThat(batch.size()).isEqualTo(4);
        for (int j = 0; j < 4; j++) {
            int index = order.indexAt(4 + j);
            assertThat(batch.labels()[j]).isEqualTo(train.label(index));
            assertThat(slot(batch, j))
                    .as("slot %d", j)
                    .isEqualTo(expectedView(train, index, mean, Lighting.IMAGENET, 5, 4 + j));
        }
    }

    /**
     * Independent pixels: one-colour images, no lighting and a mean that differs at every position,
     * so every value of a slot is known by hand, colour / 255 − mean(c, y, x), whatever the crop:
     * slot 0 at (red, row 0, column 0) is R/255 − 0.125, and at (blue, row 223, column 223) B/255 −
     * (0.375 + 223/1024 + 223/4096).
     */
    @Test
    void eachSlotIsItsImagesPixelsOver255MinusTheMeanAtTheNetworkPosition() throws IOException {
        constantFolder(dir, 5, 2);
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        TrainBatches batches =
                TrainBatches.imageFolder(
                        new ImageDecoder(train, BadImages.STOP),
                        positionalMean(),
                        Lighting.NONE,
                        5,
                        9);
        EpochOrder order = new EpochOrder(5, 9);

        Batch batch = batches.apply(1); // positions 5..9: epoch 1, a batch of the epoch's size

        Set<Integer> held = new HashSet<>();
        for (int j = 0; j < 5; j++) {
            int image = imageNumber(train, order.indexAt(5 + j));
            int[] colour = COLOURS[image];
            float[] values = slot(batch, j);
            held.add(image);
            assertThat(batch.labels()[j])
                    .as("label of slot %d, image %d", j, image)
                    .isEqualTo(image % 2);
            assertThat(values[0])
                    .as("red at (0, 0) of slot %d", j)
                    .isEqualTo(colour[0] / 255f - 0.125f);
            assertThat(values[IMAGE - 1])
                    .as("blue at (223, 223) of slot %d", j)
                    .isEqualTo(colour[2] / 255f - (0.375f + 223 / 1024f + 223 / 4096f));
            assertThat(offsets(values, colour)).as("slot %d", j).containsExactly(0f, 0f, 0f);
        }
        assertThat(held)
                .as("an epoch holds every image once")
                .containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }

    @Test
    void theSameSeedAndIterationGiveTheSameBatchWhateverTheThreadsAndWhereTheStreamStarts()
            throws IOException {
        ImageFolderFiles.trainFolder(dir, 9, 3);
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        float[] mean = randomMean();
        TrainBatches first =
                TrainBatches.imageFolder(
                        new ImageDecoder(train, BadImages.STOP), mean, Lighting.IMAGENET, 3, 7);
        TrainBatches second =
                TrainBatches.imageFolder(
                        new ImageDecoder(train, BadImages.STOP), mean, Lighting.IMAGENET, 3, 7);
        TrainBatches otherSeed =
                TrainBatches.imageFolder(
                        new ImageDecoder(train, BadImages.STOP), mean, Lighting.IMAGENET, 3, 8);

        Batch direct = first.apply(4);
        Batch[] streamed = new Batch[6];
        try (BatchStream one = new BatchStream(second, 0, 1);
                BatchStream resumed = new BatchStream(first, 4, 2)) {
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
    void underSkipAnUnreadableImageIsReplacedByTheNextPositionsLoggedOnceAndCounted()
            throws IOException {
        constantFolder(dir, 5, 2);
        Path broken = ImageFolderFiles.truncatedJpeg(dir.resolve("train/c1/broken.jpg"));
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        int brokenIndex = -1;
        for (int i = 0; i < train.size(); i++) {
            brokenIndex = train.file(i).equals(broken) ? i : brokenIndex;
        }
        float[] mean = positionalMean();
        long seed = 3;
        ImageDecoder decoder = new ImageDecoder(train, BadImages.SKIP);
        TrainBatches batches =
                TrainBatches.imageFolder(decoder, mean, Lighting.IMAGENET, train.size(), seed);
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
            assertThat(slot(batch, j))
                    .as("slot %d", j)
                    .isEqualTo(expectedView(train, index, mean, Lighting.IMAGENET, seed, j));
            // Independently: the slot is that image's colour plus one lighting offset per channel,
            // which stays far below the 0.235 by which another image's colour would differ.
            for (float offset : offsets(slot(batch, j), COLOURS[imageNumber(train, index)])) {
                assertThat(Math.abs(offset)).as("lighting offset of slot %d", j).isLessThan(0.1f);
            }
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
        TrainBatches batches =
                TrainBatches.imageFolder(
                        new ImageDecoder(train, BadImages.STOP),
                        randomMean(),
                        Lighting.NONE,
                        train.size(),
                        1);

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
        TrainBatches batches =
                TrainBatches.imageFolder(
                        new ImageDecoder(train, BadImages.SKIP), randomMean(), Lighting.NONE, 2, 1);

        assertThatThrownBy(() -> batches.apply(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no readable training image");
    }

    @Test
    void theMeanMustBeACropAndTheBatchPositive() throws IOException {
        ImageFolderFiles.trainFolder(dir, 2, 1);
        ImageDecoder train = new ImageDecoder(ImageFolder.open(dir, null).train(), BadImages.STOP);

        assertThatThrownBy(
                        () -> TrainBatches.imageFolder(train, new float[3072], Lighting.NONE, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3×224×224");
        assertThatThrownBy(
                        () ->
                                TrainBatches.imageFolder(
                                        train, new float[IMAGE], Lighting.NONE, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch size must be at least 1, got 0");
    }

    /**
     * A data-parallel rank decodes only its own share of every batch: of B = 7 over 2 ranks, rank 0
     * decodes the images at positions k·7 + 0..2 of the epoch order and rank 1 those at k·7 + 3..6,
     * each file once, and nothing else, so together they decode exactly the single process's batch.
     */
    @Test
    void eachShardDecodesOnlyTheImagesOfItsShareOfTheBatch() {
        int size = 12;
        int batch = 7;
        long seed = 5;
        List<RgbImage> images = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < size; i++) {
            byte[] chw = new byte[3 * 30 * 40];
            for (int k = 0; k < chw.length; k++) {
                chw[k] = (byte) random.nextInt(256);
            }
            images.add(RgbImage.of(40, 30, chw));
        }
        EpochOrder order = new EpochOrder(size, seed);
        for (long k = 0; k < 3; k++) {
            List<Integer> together = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++) {
                Shard shard = new Shard(rank, 2);
                List<Integer> decoded = new ArrayList<>();
                ImageSource counting = new Counting(images, decoded);
                TrainBatches.imageFolder(
                                new ImageDecoder(counting, BadImages.STOP),
                                randomMean(),
                                Lighting.NONE,
                                batch,
                                seed)
                        .shard(shard)
                        .apply(k);
                List<Integer> share = new ArrayList<>();
                for (int j = 0; j < shard.size(batch); j++) {
                    share.add(order.indexAt(k * batch + shard.first(batch) + j));
                }
                assertThat(decoded)
                        .as("images decoded by rank %d in iteration %d", rank, k)
                        .containsExactlyElementsOf(share);
                together.addAll(decoded);
            }
            List<Integer> whole = new ArrayList<>();
            for (int j = 0; j < batch; j++) {
                whole.add(order.indexAt(k * batch + j));
            }
            assertThat(together).containsExactlyElementsOf(whole);
        }
    }

    /** Images of one class in memory, recording the index of every image decoded. */
    private record Counting(List<RgbImage> images, List<Integer> decoded) implements ImageSource {
        @Override
        public int size() {
            return images.size();
        }

        @Override
        public int label(int index) {
            return 0;
        }

        @Override
        public int classes() {
            return 1;
        }

        @Override
        public String describe(int index) {
            return "memory/" + index + ".jpg";
        }

        @Override
        public RgbImage image(int index) {
            decoded.add(index);
            return images.get(index);
        }
    }
}
