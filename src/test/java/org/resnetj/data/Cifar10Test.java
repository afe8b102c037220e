package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {

    @TempDir Path tmp;

    @Test
    void readsADirectoryOfBatchesInFileOrder() throws IOException {
        CifarFiles.writeDirectory(tmp, 3, 4);

        Cifar10Data data = Cifar10.read(tmp);

        assertThat(data.train().size()).isEqualTo(15);
        assertThat(data.test().size()).isEqualTo(4);
        assertThat(data.synthetic()).isFalse();
        assertThat(data.description()).contains("15 train / 4 test").doesNotContain("SYNTHETIC");
        for (int i = 0; i < 15; i++) {
            assertThat(data.train().label(i)).isEqualTo(i % 10);
            assertThat(data.train().image(i))
                    .isEqualTo(
                            Arrays.copyOfRange(CifarFiles.records(i, 1), 1, Cifar10.RECORD_SIZE));
        }
        assertThat(data.test().image(2))
                .isEqualTo(Arrays.copyOfRange(CifarFiles.records(1002, 1), 1, Cifar10.RECORD_SIZE));
    }

    @Test
    void readsTheExtractedArchiveDirectoryFromItsParent() throws IOException {
        CifarFiles.writeDirectory(tmp.resolve(Cifar10.ARCHIVE_DIR), 2, 1);

        assertThat(Cifar10.read(tmp).train().size()).isEqualTo(10);
    }

    @Test
    void readsTheArchiveInPlaceAndFromItsDirectory() throws IOException {
        Path batches = tmp.resolve("batches");
        CifarFiles.writeDirectory(batches, 2, 3);
        Path holder = Files.createDirectory(tmp.resolve("holder"));
        Path archive = holder.resolve(Cifar10.ARCHIVE);
        CifarFiles.archiveOf(batches, archive);

        Cifar10Data direct = Cifar10.read(archive);
        Cifar10Data viaDirectory = Cifar10.read(holder);
        Cifar10Data plain = Cifar10.read(batches);

        for (Cifar10Data data : new Cifar10Data[] {direct, viaDirectory}) {
            assertThat(data.train().size()).isEqualTo(10);
            assertThat(data.test().size()).isEqualTo(3);
            for (int i = 0; i < 10; i++) {
                assertThat(data.train().image(i)).isEqualTo(plain.train().image(i));
                assertThat(data.train().label(i)).isEqualTo(plain.train().label(i));
            }
        }
        assertThat(direct.synthetic()).isFalse();
    }

    @Test
    void theSyntheticMarkerLabelsTheData() throws IOException {
        CifarFiles.writeDirectory(tmp, 1, 1);
        Files.writeString(tmp.resolve(Cifar10.SYNTHETIC_MARKER), "made by a test\nmore\n");

        Cifar10Data data = Cifar10.read(tmp);

        assertThat(data.synthetic()).isTrue();
        assertThat(data.description())
                .contains("SYNTHETIC")
                .contains("made by a test")
                .doesNotContain("\n");
    }

    @Test
    void aMissingFileIsNamedWithTheFilesExpected() throws IOException {
        CifarFiles.writeDirectory(tmp, 1, 1);
        Files.delete(tmp.resolve("data_batch_3.bin"));

        assertThatThrownBy(() -> Cifar10.read(tmp))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("data_batch_3.bin")
                .hasMessageContaining("data_batch_1.bin..data_batch_5.bin and test_batch.bin");
    }

    @Test
    void aMissingSourceOrAnEmptyDirectoryIsReported() throws IOException {
        assertThatThrownBy(() -> Cifar10.read(tmp.resolve("nowhere")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not found")
                .hasMessageContaining("nowhere");
        assertThatThrownBy(() -> Cifar10.read(tmp))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no CIFAR-10 data in " + tmp)
                .hasMessageContaining(Cifar10.ARCHIVE);
    }

    @Test
    void aTruncatedFileGivesItsLengthAndTheRecordSize() throws IOException {
        CifarFiles.writeDirectory(tmp, 2, 1);
        byte[] whole = Files.readAllBytes(tmp.resolve("data_batch_2.bin"));
        Files.write(tmp.resolve("data_batch_2.bin"), Arrays.copyOf(whole, whole.length - 7));

        assertThatThrownBy(() -> Cifar10.read(tmp))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("data_batch_2.bin is 6139 bytes")
                .hasMessageContaining("whole number")
                .hasMessageContaining("3,073-byte records");
    }

    @Test
    void anEmptyFileIsRejected() throws IOException {
        CifarFiles.writeDirectory(tmp, 1, 1);
        Files.write(tmp.resolve(Cifar10.TEST_FILE), new byte[0]);

        assertThatThrownBy(() -> Cifar10.read(tmp))
                .hasMessageContaining("test_batch.bin is 0 bytes");
    }

    @Test
    void aLabelOutsideTheClassesNamesFileRecordAndValue() throws IOException {
        CifarFiles.writeDirectory(tmp, 3, 1);
        byte[] data = Files.readAllBytes(tmp.resolve("data_batch_4.bin"));
        data[2 * Cifar10.RECORD_SIZE] = (byte) 200;
        Files.write(tmp.resolve("data_batch_4.bin"), data);

        assertThatThrownBy(() -> Cifar10.read(tmp))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("data_batch_4.bin")
                .hasMessageContaining("record 2 has label 200, expected 0..9");
    }

    @Test
    void aCorruptArchiveIsOneClearLine() throws IOException {
        Path notGzip = tmp.resolve("garbage.tar.gz");
        Files.write(notGzip, "this is not an archive".getBytes());
        assertThatThrownBy(() -> Cifar10.read(notGzip))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot read " + notGzip)
                .hasMessageContaining("gzip-compressed tar")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        Path batches = tmp.resolve("batches");
        CifarFiles.writeDirectory(batches, 2, 1);
        Path archive = tmp.resolve(Cifar10.ARCHIVE);
        CifarFiles.archiveOf(batches, archive);
        byte[] whole = Files.readAllBytes(archive);
        Files.write(archive, Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> Cifar10.read(archive))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot read " + archive);
    }

    @Test
    void anArchiveWithoutABatchNamesTheEntry() throws IOException {
        Path archive = tmp.resolve(Cifar10.ARCHIVE);
        CifarFiles.writeArchive(archive, Map.of("data_batch_1.bin", CifarFiles.records(0, 1)));

        assertThatThrownBy(() -> Cifar10.read(archive))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("has no cifar-10-batches-bin/data_batch_2.bin");
    }
}
