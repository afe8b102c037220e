package org.resnetj.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the images of a source under a {@link BadImages} policy. One decoder per data set is
 * meant to be shared by everything that reads it (the per-pixel mean, the lighting statistics, the
 * training batches), so that an unreadable file is reported once and counted in one place.
 *
 * <p>Under {@link BadImages#SKIP} an unreadable file is logged at WARN the first time only and
 * remembered: later reads of it return empty at once, without decoding it again. The result of a
 * read therefore depends on the file alone, never on timing, and the callers' replacements stay
 * deterministic. Thread-safe.
 */
public final class ImageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(ImageDecoder.class);

    private final ImageSource source;
    private final BadImages policy;
    private final ConcurrentMap<Integer, String> unreadable = new ConcurrentHashMap<>();
    private final AtomicLong skipped = new AtomicLong();

    /** Reads {@code source} under {@code policy}. */
    public ImageDecoder(ImageSource source, BadImages policy) {
        if (source == null || policy == null) {
            throw new NullPointerException(
                    "an image decoder needs a source and a bad-images policy");
        }
        this.source = source;
        this.policy = policy;
    }

    /** The images this decoder reads. */
    public ImageSource source() {
        return source;
    }

    /** What happens to an unreadable file. */
    public BadImages policy() {
        return policy;
    }

    /**
     * Decodes image {@code index}.
     *
     * @return the image, or empty if it cannot be read and the policy is {@link BadImages#SKIP}
     * @throws UncheckedIOException naming the file if it cannot be read and the policy is {@link
     *     BadImages#STOP}
     * @throws CancellationException if the calling thread is interrupted: decoding then fails
     *     whatever the file, so the failure is neither counted nor remembered
     */
    public Optional<RgbImage> read(int index) {
        if (unreadable.containsKey(index)) {
            skipped.incrementAndGet();
            return Optional.empty();
        }
        try {
            return Optional.of(source.image(index));
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                // ImageIO fails on an interrupted thread (ClosedByInterruptException, or no reader
                // found): the file is fine, the work is being cancelled (BatchStream.close).
                throw new CancellationException(
                        "interrupted while decoding " + source.describe(index));
            }
            String message = namingTheFile(index, e);
            if (policy == BadImages.STOP) {
                throw new UncheckedIOException(message, e);
            }
            if (unreadable.putIfAbsent(index, message) == null) {
                LOG.warn("skipping an unreadable image: {}", message);
            }
            skipped.incrementAndGet();
            return Optional.empty();
        }
    }

    /**
     * How many reads were skipped so far: every time an unreadable image was asked for and
     * replaced, including in batches prepared ahead and never used.
     */
    public long skipped() {
        return skipped.get();
    }

    /** The files found unreadable so far, sorted. */
    public List<String> unreadable() {
        return unreadable.keySet().stream().sorted().map(source::describe).toList();
    }

    private String namingTheFile(int index, IOException e) {
        String file = source.describe(index);
        String message = e.getMessage();
        if (message == null) {
            return "cannot read image " + file + ": " + e;
        }
        return message.contains(file) ? message : "cannot read image " + file + ": " + message;
    }
}
