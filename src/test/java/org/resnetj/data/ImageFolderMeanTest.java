package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-pixel mean of the center crops of a seeded sample of an image folder. */
class ImageFolderMeanTest {

    @TempDir Path dir;

    /**
     * The mean of ImagePresets.centerCrop over the given files, in doubles, one file after the
     * other.
     */
    private static float[] independentMean(List<Path> files) throws IOException {
        double[] sums = new double[ImageNetPresets.IMAGE_SIZE];
        for (Path file : files) {
            float[] crop = ImagePresets.centerCrop(RgbImage.read(file));
            for (int k = 0; k < sums.length; k++) {
                sums[k] += crop[k];
            }
        }
        float[] mean = new float[sums.length];
        for (int k = 0; k < mean.length; k++) {
            mean[k] = (float) (sums[k] / files.size());
        }
        return mean;
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int k = 0; k < expected.length; k++) {
            assertThat(actual[k]).as("value %d", k).isCloseTo(expected[k], within(1e-6f));
        }
    }

    @Test
    void aSampleAsLargeAsTheFolderGivesTheMeanCenterCropOfEveryImage() throws IOException {
        ImageFolder folder = ImageFolder.open(ImageFolderFiles.threeClasses(dir), null);
        ImageFolder.Split train = folder.train();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            files.add(train.file(i));
        }

        float[] mean =
                ImageFolderMean.of(
                        new ImageDecoder(train, BadImages.STOP),
                        ImageFolderMean.DEFAULT_SAMPLE,
                        1,
                        2);

        assertClose(mean, independentMean(files));
    }

    @Test
    void aSmallerSampleIsTheSeededOneWhateverTheThreadCount() throws IOException {
        List<Path> files = ImageFolderFiles.trainFolder(dir, 10, 2);
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        int[] order = SamplePass.order(train.size(), 42);
        List<Path> sampled =
                List.of(
                        train.file(order[0]),
                        train.file(order[1]),
                        train.file(order[2]),
                        train.file(order[3]));

        float[] one = ImageFolderMean.of(new ImageDecoder(train, BadImages.STOP), 4, 42, 1);
        float[] three = ImageFolderMean.of(new ImageDecoder(train, BadImages.STOP), 4, 42, 3);
        float[] otherSeed = ImageFolderMean.of(new ImageDecoder(train, BadImages.STOP), 4, 43, 2);

        assertThat(files).hasSize(10);
        assertClose(one, independentMean(sampled));
        assertThat(three).isEqualTo(one);
        assertThat(otherSeed).isNotEqualTo(one);
    }

    @Test
    void underSkipAnUnreadableImageIsCountedAndTheNextOfTheSampleTakesItsPlace()
            throws IOException {
        ImageFolderFiles.trainFolder(dir, 6, 2);
        Path broken = ImageFolderFiles.truncatedJpeg(dir.resolve("train/c0/broken.jpg"));
        ImageFolder.Split train = ImageFolder.open(dir, null).train();
        int[] order = SamplePass.order(train.size(), 9);
        int brokenIndex = -1;
        for (int i = 0; i < train.size(); i++) {
            brokenIndex = train.file(i).equals(broken) ? i : brokenIndex;
        }
        int brokenAt = 0;
        while (order[brokenAt] != brokenIndex) {
            brokenAt++;
        }
        int sample =
                Math.max(
                        3, brokenAt + 1); // the broken file is among the images the sample asks for
        List<Path> expected = new ArrayList<>();
        for (int k = 0; k < order.length && expected.size() < sample; k++) {
            if (order[k] != brokenIndex) {
                expected.add(train.file(order[k]));
            }
        }
        ImageDecoder decoder = new ImageDecoder(train, BadImages.SKIP);

        float[] mean = ImageFolderMean.of(decoder, sample, 9, 2);

        assertClose(mean, independentMean(expected));
        assertThat(decoder.skipped()).isEqualTo(1);
        assertThat(decoder.unreadable()).containsExactly(broken.toString());
    }

    @Test
    void underStopTheFirstUnreadableImageEndsThePassNamingIt() throws IOException {
        ImageFolderFiles.trainFolder(dir, 3, 1);
        Path garbage = ImageFolderFiles.garbage(dir.resolve("train/c0/zzz.jpg"));
        ImageFolder.Split train = ImageFolder.open(dir, null).train();

        assertThatThrownBy(
                        () ->
                                ImageFolderMean.of(
                                        new ImageDecoder(train, BadImages.STOP), 100, 1, 2))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(garbage.toString());
    }

    @Test
    void aFolderOfOnlyUnreadableImagesHasNoMean() throws IOException {
        ImageFolderFiles.garbage(Files.createDirectories(dir.resolve("train/c0")).resolve("a.jpg"));
        ImageFolderFiles.truncatedJpeg(dir.resolve("train/c0/b.jpg"));
        ImageFolder.Split train = ImageFolder.open(dir, null).train();

        assertThatThrownBy(
                        () ->
                                ImageFolderMean.of(
                                        new ImageDecoder(train, BadImages.SKIP), 100, 1, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(
                        "no readable image for the per-pixel mean among the 2 images");
    }

    @Test
    void countsBelowOneAreRejected() throws IOException {
        ImageFolderFiles.trainFolder(dir, 2, 1);
        ImageDecoder train = new ImageDecoder(ImageFolder.open(dir, null).train(), BadImages.STOP);

        assertThatThrownBy(() -> ImageFolderMean.of(train, 0, 1, 1))
                .hasMessageContaining("at least 1 image, got 0");
        assertThatThrownBy(() -> ImageFolderMean.of(train, 5, 1, 0))
                .hasMessageContaining("at least 1 thread, got 0");
    }
}
