package org.resnetj.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reader of the official CIFAR-10 binary distribution ({@code cifar-10-binary.tar.gz}).
 *
 * <p>Each file is a run of 3,073-byte records: one label byte (0..9), then 3,072 pixel bytes, the
 * red, green and blue planes of a 32×32 image, each row-major. The official files hold 10,000
 * records each; any whole number of at least one record is accepted, so small files written in the
 * same format (tests, {@link SyntheticCifar}) read the same way.
 *
 * <p>{@link #read} takes any of the shapes the distribution comes in: the archive itself, read in
 * place without extracting; the directory extracting it gives ({@code cifar-10-batches-bin/}); a
 * directory that contains either of those; or a directory holding the six {@code .bin} files.
 */
public final class Cifar10 {

    /** The training files, in the order their images are concatenated. */
    public static final List<String> TRAIN_FILES =
            List.of(
                    "data_batch_1.bin",
                    "data_batch_2.bin",
                    "data_batch_3.bin",
                    "data_batch_4.bin",
                    "data_batch_5.bin");

    /** The test file. */
    public static final String TEST_FILE = "test_batch.bin";

    /** The official class names, in label order (the archive's {@code batches.meta.txt}). */
    public static final List<String> CLASS_NAMES =
            List.of(
                    "airplane",
                    "automobile",
                    "bird",
                    "cat",
                    "deer",
                    "dog",
                    "frog",
                    "horse",
                    "ship",
                    "truck");

    /** The class names, one per line, as the official archive carries them. */
    public static final String META_FILE = "batches.meta.txt";

    /** The official archive's file name. */
    public static final String ARCHIVE = "cifar-10-binary.tar.gz";

    /** The directory the official archive unpacks to. */
    public static final String ARCHIVE_DIR = "cifar-10-batches-bin";

    /** A file whose presence next to the batches marks the data as synthetic. */
    public static final String SYNTHETIC_MARKER = "SYNTHETIC";

    /** Bytes per record: one label byte and one 3×32×32 image. */
    public static final int RECORD_SIZE = 1 + CifarImages.IMAGE_SIZE;

    private static final String EXPECTED_FILES =
            "data_batch_1.bin..data_batch_5.bin and test_batch.bin";

    private Cifar10() {}

    /**
     * Reads CIFAR-10 from {@code source}: a directory holding the six {@code .bin} files, a
     * directory holding {@code cifar-10-batches-bin/} or {@code cifar-10-binary.tar.gz}, or the
     * archive itself.
     *
     * @throws IOException with a one-line message naming the file and what was expected, if a file
     *     is missing, truncated, holds a label outside 0..9, or the archive is unreadable
     */
    public static Cifar10Data read(Path source) throws IOException {
        if (Files.isRegularFile(source)) {
            return readArchive(source);
        }
        if (!Files.isDirectory(source)) {
            throw new IOException(
                    "CIFAR-10 source not found: "
                            + source
                            + " (expected a directory with "
                            + EXPECTED_FILES
                            + ", or "
                            + ARCHIVE
                            + ")");
        }
        if (holdsBatches(source)) {
            return readDirectory(source);
        }
        if (Files.isDirectory(source.resolve(ARCHIVE_DIR))) {
            return readDirectory(source.resolve(ARCHIVE_DIR));
        }
        if (Files.isRegularFile(source.resolve(ARCHIVE))) {
            return readArchive(source.resolve(ARCHIVE));
        }
        throw new IOException(
                "no CIFAR-10 data in "
                        + source
                        + ": expected "
                        + EXPECTED_FILES
                        + ", a "
                        + ARCHIVE_DIR
                        + "/ directory, or "
                        + ARCHIVE);
    }

    /**
     * Whether {@code source} looks like CIFAR-10 binary data that {@link #read} takes: a file (the
     * archive), or a directory holding a batch file, the {@link #SYNTHETIC_MARKER}, a {@link
     * #ARCHIVE_DIR} directory or the {@link #ARCHIVE}. Cheap: it reads no file.
     */
    public static boolean looksLike(Path source) {
        if (Files.isRegularFile(source)) {
            return true;
        }
        return Files.isDirectory(source)
                && (holdsBatches(source)
                        || Files.isDirectory(source.resolve(ARCHIVE_DIR))
                        || Files.isRegularFile(source.resolve(ARCHIVE)));
    }

    /** The layouts {@link #read} takes, for messages. */
    public static String layout() {
        return "a directory with " + EXPECTED_FILES + ", or " + ARCHIVE;
    }

    private static boolean holdsBatches(Path dir) {
        if (Files.exists(dir.resolve(TEST_FILE)) || Files.exists(dir.resolve(SYNTHETIC_MARKER))) {
            return true;
        }
        return TRAIN_FILES.stream().anyMatch(name -> Files.exists(dir.resolve(name)));
    }

    private static Cifar10Data readDirectory(Path dir) throws IOException {
        List<Records> train = new ArrayList<>();
        for (String name : TRAIN_FILES) {
            train.add(Records.parse(dir.resolve(name).toString(), readFile(dir, name)));
        }
        Records test = Records.parse(dir.resolve(TEST_FILE).toString(), readFile(dir, TEST_FILE));
        Path marker = dir.resolve(SYNTHETIC_MARKER);
        String synthetic =
                Files.isRegularFile(marker)
                        ? Files.readString(marker, StandardCharsets.UTF_8)
                        : null;
        return assemble(dir.toString(), train, test, synthetic);
    }

    private static byte[] readFile(Path dir, String name) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IOException(
                    "missing " + file + ": a CIFAR-10 directory holds " + EXPECTED_FILES);
        }
        if (Files.size(file) > Integer.MAX_VALUE) {
            throw new IOException(
                    file
                            + " is "
                            + Files.size(file)
                            + " bytes, far too large for a CIFAR-10 batch");
        }
        return Files.readAllBytes(file);
    }

    /** Streams the archive once, keeping the six batches and the marker, without touching disk. */
    private static Cifar10Data readArchive(Path archive) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        List<String> wanted = new ArrayList<>(TRAIN_FILES);
        wanted.add(TEST_FILE);
        wanted.add(SYNTHETIC_MARKER);
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
                InputStream gzip = new GzipCompressorInputStream(file, true);
                TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                String base = name.substring(name.lastIndexOf('/') + 1);
                if (entry.isFile() && wanted.contains(base) && !entries.containsKey(base)) {
                    if (entry.getSize() > Integer.MAX_VALUE) {
                        throw new IOException(
                                archive
                                        + "!"
                                        + name
                                        + " is "
                                        + entry.getSize()
                                        + " bytes, far too large for a CIFAR-10 batch");
                    }
                    entries.put(base, tar.readAllBytes());
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // The compressor and tar readers report corruption in many forms (a bad magic number,
            // a bad header checksum, an early end of stream); the user needs only the one fact.
            throw new IOException(
                    "cannot read "
                            + archive
                            + " as a gzip-compressed tar archive like "
                            + ARCHIVE
                            + ": "
                            + oneLine(e),
                    e);
        }
        List<Records> train = new ArrayList<>();
        for (String name : TRAIN_FILES) {
            train.add(Records.parse(archive + "!" + name, archiveEntry(archive, entries, name)));
        }
        Records test =
                Records.parse(archive + "!" + TEST_FILE, archiveEntry(archive, entries, TEST_FILE));
        byte[] marker = entries.get(SYNTHETIC_MARKER);
        return assemble(
                archive.toString(),
                train,
                test,
                marker == null ? null : new String(marker, StandardCharsets.UTF_8));
    }

    private static byte[] archiveEntry(Path archive, Map<String, byte[]> entries, String name)
            throws IOException {
        byte[] bytes = entries.get(name);
        if (bytes == null) {
            throw new IOException(
                    archive
                            + " has no "
                            + ARCHIVE_DIR
                            + "/"
                            + name
                            + ": a CIFAR-10 archive holds "
                            + EXPECTED_FILES
                            + " under "
                            + ARCHIVE_DIR
                            + "/");
        }
        return bytes;
    }

    private static String oneLine(Exception e) {
        if (e instanceof EOFException) {
            return "it ends early (a truncated download?)";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s+", " ").trim();
    }

    private static Cifar10Data assemble(
            String where, List<Records> trainParts, Records test, String marker) {
        int count = trainParts.stream().mapToInt(r -> r.labels.length).sum();
        byte[] pixels = new byte[count * CifarImages.IMAGE_SIZE];
        byte[] labels = new byte[count];
        int at = 0;
        for (Records part : trainParts) {
            System.arraycopy(
                    part.pixels, 0, pixels, at * CifarImages.IMAGE_SIZE, part.pixels.length);
            System.arraycopy(part.labels, 0, labels, at, part.labels.length);
            at += part.labels.length;
        }
        CifarImages train = new CifarImages(pixels, labels, 0, count);
        CifarImages testSet = new CifarImages(test.pixels, test.labels, 0, test.labels.length);
        String sizes = count + " train / " + testSet.size() + " test images";
        String description =
                marker == null
                        ? "CIFAR-10 from " + where + " (" + sizes + ")"
                        : "SYNTHETIC CIFAR-10 stand-in from "
                                + where
                                + " ("
                                + sizes
                                + "; "
                                + marker.lines().findFirst().orElse("no description").trim()
                                + ")";
        return new Cifar10Data(train, testSet, marker != null, description);
    }

    /** The records of one batch file, split into labels and pixels. */
    private static final class Records {
        final byte[] labels;
        final byte[] pixels;

        private Records(byte[] labels, byte[] pixels) {
            this.labels = labels;
            this.pixels = pixels;
        }

        static Records parse(String name, byte[] data) throws IOException {
            if (data.length == 0 || data.length % RECORD_SIZE != 0) {
                throw new IOException(
                        name
                                + " is "
                                + data.length
                                + " bytes: a CIFAR-10 batch must be a whole number (at least one)"
                                + " of 3,073-byte records (1 label byte + 3,072 pixel bytes)");
            }
            int count = data.length / RECORD_SIZE;
            byte[] labels = new byte[count];
            byte[] pixels = new byte[count * CifarImages.IMAGE_SIZE];
            for (int i = 0; i < count; i++) {
                int label = Byte.toUnsignedInt(data[i * RECORD_SIZE]);
                if (label >= CifarImages.CLASSES) {
                    throw new IOException(
                            name + ": record " + i + " has label " + label + ", expected 0..9");
                }
                labels[i] = (byte) label;
                System.arraycopy(
                        data,
                        i * RECORD_SIZE + 1,
                        pixels,
                        i * CifarImages.IMAGE_SIZE,
                        CifarImages.IMAGE_SIZE);
            }
            return new Records(labels, pixels);
        }
    }
}
