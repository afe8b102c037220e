package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding under a bad-images policy: what is skipped, counted, remembered, and what is not. */
class ImageDecoderTest {

    @TempDir Path dir;

    @Test
    void underSkipAnUnreadableFileIsRememberedAndCountedEveryTime() throws IOException {
        ImageFolderFiles.trainFolder(dir, 2, 1);
        Path broken = ImageFolderFiles.truncatedJpeg(dir.resolve("train/c0/a-broken.jpg"));
        ImageDecoder decoder =
                new ImageDecoder(ImageFolder.open(dir, null).train(), BadImages.SKIP);

        assertThat(decoder.read(0)).isEmpty();
        assertThat(decoder.read(0)).isEmpty();
        assertThat(decoder.read(1)).isPresent();

        assertThat(decoder.skipped()).isEqualTo(2);
        assertThat(decoder.unreadable()).containsExactly(broken.toString());
    }

    @Test
    void underStopTheErrorNamesTheFileOnce() throws IOException {
        ImageFolderFiles.trainFolder(dir, 1, 1);
        Path garbage = ImageFolderFiles.garbage(dir.resolve("train/c0/a.jpg"));
        ImageDecoder decoder =
                new ImageDecoder(ImageFolder.open(dir, null).train(), BadImages.STOP);

        assertThatThrownBy(() -> decoder.read(0))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessage(
                        "cannot decode image " + garbage + ": not a JPEG, PNG, BMP or GIF file");
        assertThat(decoder.skipped()).isZero();
    }

    @Test
    void aReadOnAnInterruptedThreadIsACancellationNotABadFile() throws IOException {
        ImageFolderFiles.trainFolder(dir, 1, 1);
        ImageDecoder decoder =
                new ImageDecoder(ImageFolder.open(dir, null).train(), BadImages.SKIP);

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> decoder.read(0)).isInstanceOf(CancellationException.class);
        } finally {
            Thread.interrupted();
        }

        assertThat(decoder.skipped()).isZero();
        assertThat(decoder.unreadable()).isEmpty();
        assertThat(decoder.read(0)).isPresent();
    }
}
