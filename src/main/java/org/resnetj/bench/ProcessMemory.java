package org.resnetj.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resident memory of this process, read from {@code /proc/self/status} (Linux). Both sides of
 * the benchmark measure a workload's memory the same way: {@link #resetPeak} just before the model
 * is built, {@link #peakKb} at the end; the difference is what the workload added to the runtime
 * and the loaded libraries.
 */
final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcessMemory() {}

    /**
     * Resets the peak resident size (VmHWM) to the current one, where the kernel allows it (writing
     * 5 to {@code /proc/self/clear_refs}).
     *
     * @return the resident size after the reset, in KiB, or 0 where there is no /proc
     */
    static long resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException | UnsupportedOperationException e) {
            // Not Linux, or not allowed: the peak then counts from the process start.
        }
        return residentKb();
    }

    /** The current resident size (VmRSS) in KiB, or 0 where there is no /proc. */
    static long residentKb() {
        return field("VmRSS");
    }

    /**
     * The peak resident size (VmHWM) in KiB since start or the last reset, or 0 where there is no
     * /proc.
     */
    static long peakKb() {
        return field("VmHWM");
    }

    private static long field(String name) {
        if (!Files.isReadable(STATUS)) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(
                            line.substring(name.length() + 1).replace("kB", "").strip());
                }
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
