package org.resnetj.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Writes small files in exactly the official CIFAR-10 binary format, for the reader's tests. */
final class CifarFiles {

    private CifarFiles() {}

    /**
     * {@code count} records whose label is (first + i) % 10 and whose pixel k is (first + i + k) %
     * 256, so every image of a test set can be recognised from its bytes.
     */
    static byte[] records(int first, int count) {
        byte[] data = new byte[count * Cifar10.RECORD_SIZE];
        for (int i = 0; i < count; i++) {
            int image = first + i;
            data[i * Cifar10.RECORD_SIZE] = (byte) (image % 10);
            for (int k = 0; k < CifarImages.IMAGE_SIZE; k++) {
                data[i * Cifar10.RECORD_SIZE + 1 + k] = (byte) (image + k);
            }
        }
        return data;
    }

    /**
     * Writes data_batch_1..5.bin with {@code perFile} records each and test_batch.bin with {@code
     * test}.
     */
    static void writeDirectory(Path dir, int perFile, int test) throws IOException {
        Files.createDirectories(dir);
        for (int f = 0; f < 5; f++) {
            Files.write(dir.resolve(Cifar10.TRAIN_FILES.get(f)), records(f * perFile, perFile));
        }
        Files.write(dir.resolve(Cifar10.TEST_FILE), records(1000, test));
    }

    /** Writes a gzip-compressed tar archive holding {@code entries} (name to bytes). */
    static void writeArchive(Path archive, Map<String, byte[]> entries) throws IOException {
        try (OutputStream file = Files.newOutputStream(archive);
                GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(file);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
            TarArchiveEntry dir = new TarArchiveEntry(Cifar10.ARCHIVE_DIR + "/");
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(Cifar10.ARCHIVE_DIR + "/" + e.getKey());
                entry.setSize(e.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
    }

    /** The archive of a directory written by {@link #writeDirectory}. */
    static void archiveOf(Path dir, Path archive) throws IOException {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                entries.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        writeArchive(archive, entries);
    }
}
