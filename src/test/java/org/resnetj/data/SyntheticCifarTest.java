package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticCifarTest {

    @TempDir Path tmp;

    @Test
    void writesTheOfficialLayoutWithTrainSpreadEvenlyOverFiveFiles() throws IOException {
        Path out = tmp.resolve("synth");
        SyntheticCifar.write(out, 7, 3, 1);

        long[] sizes = new long[5];
        for (int f = 0; f < 5; f++) {
            sizes[f] = Files.size(out.resolve(Cifar10.TRAIN_FILES.get(f)));
        }
        assertThat(sizes).containsExactly(2 * 3073L, 2 * 3073L, 3073L, 3073L, 3073L);
        assertThat(Files.size(out.resolve(Cifar10.TEST_FILE))).isEqualTo(3 * 3073L);
        assertThat(
                        Files.readString(out.resolve(Cifar10.META_FILE))
                                .lines()
                                .filter(l -> !l.isEmpty())
                                .toList())
                .isEqualTo(SyntheticCifar.CLASS_NAMES);
        assertThat(Files.readString(out.resolve(Cifar10.SYNTHETIC_MARKER), StandardCharsets.UTF_8))
                .contains("seed 1")
                .contains("7 train / 3 test")
                .contains("NOT CIFAR-10");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly("synth");
        }
    }

    @Test
    void whatIsWrittenReadsBackAsTheInMemorySetMarkedSynthetic() throws IOException {
        Path out = tmp.resolve("synth");
        SyntheticCifar.write(out, 23, 11, 5);

        Cifar10Data read = Cifar10.read(out);
        Cifar10Data generated = SyntheticCifar.generate(23, 11, 5);

        assertThat(read.synthetic()).isTrue();
        assertThat(read.description()).contains("SYNTHETIC");
        assertSameImages(read.train(), generated.train());
        assertSameImages(read.test(), generated.test());
    }

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedOthers() throws IOException {
        SyntheticCifar.write(tmp.resolve("a"), 10, 4, 42);
        SyntheticCifar.write(tmp.resolve("b"), 10, 4, 42);
        SyntheticCifar.write(tmp.resolve("c"), 10, 4, 43);

        for (String name :
                List.of("data_batch_1.bin", "data_batch_5.bin", "test_batch.bin", "SYNTHETIC")) {
            byte[] a = Files.readAllBytes(tmp.resolve("a").resolve(name));
            assertThat(Files.readAllBytes(tmp.resolve("b").resolve(name))).as(name).isEqualTo(a);
            assertThat(Files.readAllBytes(tmp.resolve("c").resolve(name))).as(name).isNotEqualTo(a);
        }
    }

    @Test
    void labelsAreBalancedAndTrainDiffersFromTest() {
        Cifar10Data data = SyntheticCifar.generate(200, 50, 0);

        assertThat(data.train().labelCounts()).containsOnly(20);
        assertThat(data.test().labelCounts()).containsOnly(5);
        assertThat(data.train().image(0)).isNotEqualTo(data.test().image(0));
    }

    @Test
    void refusesTooFewImagesAndAnOccupiedDirectory() throws IOException {
        assertThatThrownBy(() -> SyntheticCifar.write(tmp.resolve("x"), 4, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 5 training images");
        assertThatThrownBy(() -> SyntheticCifar.generate(5, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 test image");

        Path occupied = Files.createDirectory(tmp.resolve("occupied"));
        Files.writeString(occupied.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> SyntheticCifar.write(occupied, 5, 1, 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(occupied + " already exists");
        assertThat(Files.readString(occupied.resolve("keep.txt"))).isEqualTo("mine");

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        SyntheticCifar.write(empty, 5, 1, 0);
        assertThat(Cifar10.read(empty).train().size()).isEqualTo(5);
    }

    /**
     * The flip of every class is a rendering of the same class: flipping a (noise-free) scene gives
     * exactly its mirrored scene, whose parameters the generator draws as often.
     */
    @Test
    void aHorizontalFlipKeepsEveryClass() {
        SplittableRandom random = new SplittableRandom(3);
        for (int label = 0; label < CifarImages.CLASSES; label++) {
            for (int draw = 0; draw < 20; draw++) {
                Scene scene = withoutNoise(Scene.draw(label, random));
                byte[] image = new byte[CifarImages.IMAGE_SIZE];
                byte[] mirror = new byte[CifarImages.IMAGE_SIZE];
                scene.render(image, 0);
                scene.mirrored().render(mirror, 0);

                int worst = 0;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 32; y++) {
                        for (int x = 0; x < 32; x++) {
                            int a = image[c * 1024 + y * 32 + (31 - x)] & 0xFF;
                            int b = mirror[c * 1024 + y * 32 + x] & 0xFF;
                            worst = Math.max(worst, Math.abs(a - b));
                        }
                    }
                }
                // Rounding of mirrored coordinates may move a value across a quantization step.
                assertThat(worst)
                        .as("class %s, draw %d", SyntheticCifar.CLASS_NAMES.get(label), draw)
                        .isLessThanOrEqualTo(1);
            }
        }
    }

    /**
     * Colour and position say nothing about the class: a nearest-class-mean classifier on raw
     * pixels, and one on the mean colour, stay far from perfect.
     */
    @Test
    void rawPixelMeansDoNotGiveTheClassAway() {
        Cifar10Data data = SyntheticCifar.generate(3000, 1000, 11);
        double[][] pixelMeans = new double[10][CifarImages.IMAGE_SIZE];
        double[][] colourMeans = new double[10][3];
        int[] counts = data.train().labelCounts();
        for (int i = 0; i < data.train().size(); i++) {
            int label = data.train().label(i);
            byte[] image = data.train().image(i);
            for (int k = 0; k < image.length; k++) {
                pixelMeans[label][k] += (image[k] & 0xFF) / (double) counts[label];
                colourMeans[label][k / 1024] += (image[k] & 0xFF) / (1024.0 * counts[label]);
            }
        }
        int pixelHits = 0;
        int colourHits = 0;
        for (int i = 0; i < data.test().size(); i++) {
            byte[] image = data.test().image(i);
            double[] colour = new double[3];
            double[] values = new double[image.length];
            for (int k = 0; k < image.length; k++) {
                values[k] = image[k] & 0xFF;
                colour[k / 1024] += values[k] / 1024;
            }
            pixelHits += nearest(values, pixelMeans) == data.test().label(i) ? 1 : 0;
            colourHits += nearest(colour, colourMeans) == data.test().label(i) ? 1 : 0;
        }
        assertThat(pixelHits / 1000.0).isLessThan(0.5);
        assertThat(colourHits / 1000.0).isLessThan(0.3);
    }

    private static int nearest(double[] x, double[][] centres) {
        int best = -1;
        double bestDistance = Double.MAX_VALUE;
        for (int c = 0; c < centres.length; c++) {
            double d = 0;
            for (int k = 0; k < x.length; k++) {
                d += (x[k] - centres[c][k]) * (x[k] - centres[c][k]);
            }
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    private static Scene withoutNoise(Scene s) {
        return new Scene(
                s.label(),
                s.cx(),
                s.cy(),
                s.size(),
                s.detail(),
                s.fg(),
                s.bg(),
                s.gx(),
                s.gy(),
                s.specks(),
                0,
                s.noiseSeed());
    }

    private static void assertSameImages(CifarImages a, CifarImages b) {
        assertThat(a.size()).isEqualTo(b.size());
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.label(i)).isEqualTo(b.label(i));
            assertThat(a.image(i)).isEqualTo(b.image(i));
        }
    }
}
