package org.resnetj.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a state_dict from .pth and .safetensors files, whatever their storage types and layouts.
 */
class StateDictTest {

    @TempDir Path dir;

    @Test
    void aTransposedTensorIsReadInRowMajorOrder() throws IOException {
        ByteBuffer storage = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            storage.putFloat(i);
        }
        Path file = dir.resolve("p4.pth");
        TorchSave.writeRaw(
                file, TorchPickleTest.PROTOCOL_4_TRANSPOSED, Map.of("0", storage.array()));

        StateDict.Read read = StateDict.read(file);

        assertThat(read.format()).isEqualTo(StateDict.Format.PTH);
        assertThat(read.tensors().get("w").shape()).containsExactly(3, 2);
        assertThat(read.tensors().get("w").values()).containsExactly(0, 3, 1, 4, 2, 5);
    }

    @Test
    void halfAndLongStoragesBecomeFloats() throws IOException {
        Map<String, TorchSave.Tensor> tensors = new LinkedHashMap<>();
        tensors.put(
                "h",
                new TorchSave.Tensor(
                        "HalfStorage", new long[] {2, 2}, new float[] {0.5f, -1.25f, 1024f, 0f}));
        tensors.put("n", new TorchSave.Tensor("LongStorage", new long[0], new float[] {7}));
        Path file = dir.resolve("half.pth");
        TorchSave.write(file, tensors, Map.of("", 1));

        Map<String, StateDict.Tensor> read = StateDict.read(file).tensors();

        assertThat(read.get("h").type()).isEqualTo(StorageType.HALF);
        assertThat(read.get("h").values()).containsExactly(0.5f, -1.25f, 1024f, 0f);
        assertThat(read.get("n").shape()).isEmpty();
        assertThat(read.get("n").values()).containsExactly(7f);
    }

    @Test
    void halfToFloatCoversSubnormalsAndInfinity() {
        assertThat(StorageType.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(StorageType.halfToFloat((short) 0x3C00)).isEqualTo(1f);
        assertThat(StorageType.halfToFloat((short) 0xC000)).isEqualTo(-2f);
        assertThat(StorageType.halfToFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(StorageType.halfToFloat((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void aPthWhoseStorageIsShortIsRefusedNamingTheTensor() throws IOException {
        Path file = dir.resolve("short.pth");
        TorchSave.writeRaw(file, TorchPickleTest.PROTOCOL_4_TRANSPOSED, Map.of("0", new byte[20]));

        assertThatThrownBy(() -> StateDict.read(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("storage 0 of 'w' holds 20 bytes, expected 24");
    }

    @Test
    void otherFilesAreRefusedByWhatTheyAre() throws IOException {
        Path legacy = dir.resolve("legacy.pth");
        Files.write(
                legacy,
                new byte[] {
                    (byte) 0x80,
                    2,
                    (byte) 0x8a,
                    10,
                    0x6c,
                    (byte) 0xfc,
                    (byte) 0x9c,
                    0x46,
                    (byte) 0xf9
                });
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello, world");
        Path zip = dir.resolve("other.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("a/readme.txt"));
            out.write(1);
        }

        assertThatThrownBy(() -> StateDict.read(legacy))
                .hasMessageContaining("legacy (pre-1.6, non-zip) format");
        assertThatThrownBy(() -> StateDict.read(text))
                .hasMessageContaining("neither a PyTorch .pth (zip) nor a .safetensors");
        assertThatThrownBy(() -> StateDict.read(zip)).hasMessageContaining("no <folder>/data.pkl");
    }

    @Test
    void aSafetensorsHeaderPointingOutsideTheFileIsRefusedNamingTheTensor() throws IOException {
        byte[] header =
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}".getBytes();
        ByteBuffer file = ByteBuffer.allocate(8 + header.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header).putFloat(1f);
        Path path = dir.resolve("cut.safetensors");
        Files.write(path, file.array());

        assertThatThrownBy(() -> StateDict.read(path))
                .hasMessageContaining("'w' has data_offsets [0,8]");
    }
}
