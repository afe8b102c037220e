package org.resnetj.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes a whole directory of generated data so that an interrupted run never leaves a directory
 * that looks complete: the files go into a new hidden sibling, which is renamed into place at the
 * end. The target must not exist or be an empty directory, so nothing already written is lost.
 */
public final class StagedDirectory {

    /** Fills a fresh directory. */
    @FunctionalInterface
    public interface Contents {
        void writeInto(Path dir) throws IOException;
    }

    private StagedDirectory() {}

    /**
     * Writes {@code contents} and moves them to {@code outDir}.
     *
     * @param what what is written, for the messages (e.g. "synthetic CIFAR-10")
     * @throws IOException if {@code outDir} is in the way or a write fails
     */
    public static void write(Path outDir, String what, Contents contents) throws IOException {
        Path out = outDir.toAbsolutePath().normalize();
        if (out.getParent() == null) {
            throw new IOException("cannot write " + what + " to the root directory " + out);
        }
        if (Files.exists(out) && !isEmptyDirectory(out)) {
            throw new IOException(
                    out
                            + " already exists and is not an empty directory: choose another"
                            + " directory or remove it");
        }
        Files.createDirectories(out.getParent());
        Path partial =
                out.resolveSibling(
                        "."
                                + out.getFileName()
                                + ".partial-"
                                + ProcessHandle.current().pid()
                                + "-"
                                + System.nanoTime());
        Files.createDirectory(partial);
        try {
            contents.writeInto(partial);
            if (Files.exists(out)) {
                Files.delete(out);
            }
            Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(partial, e);
            throw e;
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    /**
     * Removes a failed write's partial directory. A failure here only rides along with the original
     * one: a leftover hidden {@code .partial} directory is harmless and can never be mistaken for a
     * data set.
     */
    private static void deleteRecursively(Path dir, Exception cause) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder())
                    .forEach(
                            p -> {
                                try {
                                    Files.deleteIfExists(p);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            });
        } catch (IOException | UncheckedIOException e) {
            cause.addSuppressed(e);
        }
    }
}
