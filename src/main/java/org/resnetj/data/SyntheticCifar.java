package org.resnetj.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A procedurally drawn stand-in for CIFAR-10, written in exactly the official binary layout, for
 * machines that cannot download the real data.
 *
 * <p>Ten classes of pattern: horizontal stripes, vertical stripes, a checkerboard, concentric
 * rings, a lattice of dots, a disc, a square, a triangle pointing up, a plus sign and a diagonal
 * cross. Each image draws its class's centre, size and edge sharpness, a foreground and a
 * background colour (any two colours at least 0.5 apart in RGB, so colour says nothing about the
 * class), a lighting slope, up to three distractor specks and per-pixel noise.
 *
 * <p>Every class is mirror-symmetric in itself, so the training augmentation's horizontal flip
 * keeps an image in its class (see {@link Scene}): classes such as gratings at +45° and −45°, which
 * a flip turns into each other, would put a floor under the training error. Orientation carries the
 * class only where a flip leaves it alone (0° against 90° stripes, plus against cross), and no
 * pattern is rotated.
 *
 * <p>Generation is deterministic: image i of a split comes from a generator seeded by (seed, split,
 * i), and the labels (exactly balanced, in shuffled order) from one seeded by (seed, split), so the
 * same arguments always give the same bytes, whatever the thread count.
 */
public final class SyntheticCifar {

    /** The class names, in label order, as written to {@code batches.meta.txt}. */
    public static final List<String> CLASS_NAMES =
            List.of(
                    "horizontal_stripes",
                    "vertical_stripes",
                    "checkerboard",
                    "rings",
                    "dots",
                    "disc",
                    "square",
                    "triangle",
                    "plus",
                    "cross");

    /** Bumped whenever a change to the drawing changes the bytes written for the same arguments. */
    public static final int GENERATOR_VERSION = 1;

    /** The fewest training images: one per data batch file. */
    public static final int MIN_TRAIN = Cifar10.TRAIN_FILES.size();

    private SyntheticCifar() {}

    /**
     * Writes a synthetic data set to {@code outDir}: {@code train} images spread as evenly as
     * possible over data_batch_1..5.bin, {@code test} images in test_batch.bin, the class names in
     * batches.meta.txt, and the {@code SYNTHETIC} marker that labels the data as synthetic.
     *
     * <p>The files are written into a new hidden directory next to {@code outDir} and renamed into
     * place at the end, so an interrupted run never leaves a directory that looks complete. {@code
     * outDir} must not exist or be an empty directory.
     *
     * @throws IllegalArgumentException if {@code train < 5} or {@code test < 1}
     * @throws IOException if {@code outDir} is in the way or a write fails
     */
    public static void write(Path outDir, int train, int test, long seed) throws IOException {
        checkCounts(train, test);
        StagedDirectory.write(
                outDir,
                "synthetic CIFAR-10",
                dir -> {
                    int start = 0;
                    for (int file = 0; file < MIN_TRAIN; file++) {
                        int count = train / MIN_TRAIN + (file < train % MIN_TRAIN ? 1 : 0);
                        Files.write(
                                dir.resolve(Cifar10.TRAIN_FILES.get(file)),
                                records(seed, false, train, start, count));
                        start += count;
                    }
                    Files.write(dir.resolve(Cifar10.TEST_FILE), records(seed, true, test, 0, test));
                    Files.writeString(
                            dir.resolve(Cifar10.META_FILE),
                            String.join("\n", CLASS_NAMES) + "\n\n",
                            StandardCharsets.UTF_8);
                    Files.writeString(
                            dir.resolve(Cifar10.SYNTHETIC_MARKER),
                            marker(train, test, seed),
                            StandardCharsets.UTF_8);
                });
    }

    /**
     * The data set {@link #write} would write, in memory, as {@link Cifar10#read} would return it.
     *
     * @throws IllegalArgumentException if {@code train < 5} or {@code test < 1}
     */
    public static Cifar10Data generate(int train, int test, long seed) {
        checkCounts(train, test);
        CifarImages trainSet = images(seed, false, train);
        CifarImages testSet = images(seed, true, test);
        return new Cifar10Data(
                trainSet,
                testSet,
                true,
                "SYNTHETIC CIFAR-10 stand-in in memory ("
                        + train
                        + " train / "
                        + test
                        + " test images; "
                        + marker(train, test, seed).lines().findFirst().orElseThrow()
                        + ")");
    }

    private static void checkCounts(int train, int test) {
        if (train < MIN_TRAIN) {
            throw new IllegalArgumentException(
                    "synthetic CIFAR-10 needs at least "
                            + MIN_TRAIN
                            + " training images (one per data_batch file), got "
                            + train);
        }
        if (test < 1) {
            throw new IllegalArgumentException(
                    "synthetic CIFAR-10 needs at least 1 test image, got " + test);
        }
    }

    private static CifarImages images(long seed, boolean test, int total) {
        byte[] records = records(seed, test, total, 0, total);
        byte[] pixels = new byte[total * CifarImages.IMAGE_SIZE];
        byte[] labels = new byte[total];
        for (int i = 0; i < total; i++) {
            labels[i] = records[i * Cifar10.RECORD_SIZE];
            System.arraycopy(
                    records,
                    i * Cifar10.RECORD_SIZE + 1,
                    pixels,
                    i * CifarImages.IMAGE_SIZE,
                    CifarImages.IMAGE_SIZE);
        }
        return new CifarImages(pixels, labels, 0, total);
    }

    /**
     * Records {@code start .. start+count-1} of a split of {@code total} images, in the file
     * layout.
     */
    private static byte[] records(long seed, boolean test, int total, int start, int count) {
        byte[] labels = labels(seed, test, total);
        long stream = test ? Seeds.SYNTHETIC_TEST_IMAGES : Seeds.SYNTHETIC_TRAIN_IMAGES;
        byte[] out = new byte[count * Cifar10.RECORD_SIZE];
        // Each image has its own generator, so the parallel order cannot change the bytes.
        IntStream.range(0, count)
                .parallel()
                .forEach(
                        i -> {
                            int index = start + i;
                            int label = labels[index];
                            out[i * Cifar10.RECORD_SIZE] = (byte) label;
                            Scene.draw(label, Seeds.random(seed, stream, index))
                                    .render(out, i * Cifar10.RECORD_SIZE + 1);
                        });
        return out;
    }

    /** Exactly balanced labels (as in CIFAR-10, up to the remainder) in a seeded random order. */
    private static byte[] labels(long seed, boolean test, int total) {
        // Shuffling the labels i % 10 in place moves label order[i] % 10 to position i.
        int[] order =
                Seeds.permutation(
                        total,
                        Seeds.random(
                                seed,
                                test ? Seeds.SYNTHETIC_TEST_LABELS : Seeds.SYNTHETIC_TRAIN_LABELS,
                                0));
        byte[] labels = new byte[total];
        for (int i = 0; i < total; i++) {
            labels[i] = (byte) (order[i] % CifarImages.CLASSES);
        }
        return labels;
    }

    private static String marker(int train, int test, long seed) {
        StringBuilder text = new StringBuilder();
        text.append("resnetj SyntheticCifar v")
                .append(GENERATOR_VERSION)
                .append(", seed ")
                .append(seed)
                .append(", ")
                .append(train)
                .append(" train / ")
                .append(test)
                .append(" test images\n");
        text.append(
                "This is NOT CIFAR-10: a procedurally drawn stand-in in the CIFAR-10 binary"
                        + " layout.\n");
        text.append("Label every result obtained on it as synthetic.\n");
        text.append("Classes (each mirror-symmetric, so a horizontal flip keeps its class):\n");
        for (int i = 0; i < CLASS_NAMES.size(); i++) {
            text.append(i).append(' ').append(CLASS_NAMES.get(i)).append('\n');
        }
        return text.toString();
    }
}
