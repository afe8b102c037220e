package org.resnetj.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The restricted pickle machine: what a state_dict needs is read, anything else is refused by name.
 */
class TorchPickleTest {

    /**
     * {@code torch.save(OrderedDict(w=torch.arange(6.).reshape(2, 3).t()), f, pickle_protocol=4)}'s
     * data.pkl.
     */
    static final byte[] PROTOCOL_4_TRANSPOSED =
            HexFormat.of()
                    .parseHex(
                            "80049599000000000000008c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0177948c0c"
                                + "746f7263682e5f7574696c73948c125f72656275696c645f74656e736f725f763294939428288c0773746f72616765948c"
                                + "05746f726368948c0c466c6f617453746f726167659493948c0130948c03637075944b067494514b004b034b0286944b01"
                                + "4b03869489680229529474945294732e");

    /**
     * {@code pickle.dumps} of an object whose {@code __reduce__} is {@code (os.system, ("ls",))}.
     */
    static final byte[] OS_SYSTEM =
            "\u0080\u0002cposix\nsystem\nq\u0000X\u0002\u0000\u0000\u0000lsq\u0001\u0085q\u0002Rq\u0003."
                    .getBytes(StandardCharsets.ISO_8859_1);

    /** The same with {@code (eval, ("1+1",))} at protocol 4, naming the global by STACK_GLOBAL. */
    static final byte[] BUILTINS_EVAL =
            HexFormat.of()
                    .parseHex(
                            "8004951f000000000000008c086275696c74696e73948c046576616c9493948c03312b3194859452942e");

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void readsAProtocol4StateDictWithATransposedTensor() throws IOException {
        Object root = TorchPickle.load(PROTOCOL_4_TRANSPOSED);

        assertThat(root).isInstanceOf(Map.class);
        TorchPickle.TensorRef w = (TorchPickle.TensorRef) ((Map<?, ?>) root).get("w");
        assertThat(w.size()).containsExactly(3, 2);
        assertThat(w.stride()).containsExactly(1, 3);
        assertThat(w.offset()).isZero();
        assertThat(w.storage())
                .isEqualTo(new TorchPickle.StorageRef(StorageType.FLOAT, "0", "cpu", 6));
    }

    @Test
    void refusesAGlobalOtherThanAStateDictNeedsNamingIt() {
        assertThatThrownBy(() -> TorchPickle.load(OS_SYSTEM))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("refused global posix.system");
        assertThatThrownBy(() -> TorchPickle.load(latin1("\u0080\u0002cos\nsystem\n.")))
                .hasMessageContaining("refused global os.system");
        assertThatThrownBy(() -> TorchPickle.load(BUILTINS_EVAL))
                .hasMessageContaining("refused global builtins.eval");
        // torch's own helpers outside the state_dict rule are refused too.
        assertThatThrownBy(
                        () ->
                                TorchPickle.load(
                                        latin1("\u0080\u0002ctorch.serialization\n_get_layout\n.")))
                .hasMessageContaining("refused global torch.serialization._get_layout");
    }

    @Test
    void refusesOpcodesThatCreateObjects() {
        assertThatThrownBy(
                        () ->
                                TorchPickle.load(
                                        latin1("\u0080\u0002ccollections\nOrderedDict\n)\u0081.")))
                .hasMessageContaining("refused pickle opcode NEWOBJ");
        assertThatThrownBy(() -> TorchPickle.load(latin1("(ios\nsystem\n.")))
                .hasMessageContaining("refused pickle opcode INST");
        assertThatThrownBy(() -> TorchPickle.load(latin1("\u0080\u0002\u0082\u0001.")))
                .hasMessageContaining("refused pickle opcode EXT1");
    }

    @Test
    void aStorageTypeIsNeverCalled() {
        assertThatThrownBy(() -> TorchPickle.load(latin1("\u0080\u0002ctorch\nFloatStorage\n)R.")))
                .hasMessageContaining("refused call of torch.FloatStorage");
    }

    @Test
    void buildSetsOnlyAnOrderedDictsAttributes() throws IOException {
        assertThat(TorchPickle.load(latin1("\u0080\u0002ccollections\nOrderedDict\n)R}b.")))
                .isInstanceOf(Map.class);
        assertThatThrownBy(() -> TorchPickle.load(latin1("\u0080\u0002}}b.")))
                .hasMessageContaining("refused BUILD");
    }

    @Test
    void aTensorReachingPastItsStorageIsMalformed() {
        // _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 4), 0, (5,), (1,), False,
        // OrderedDict())
        byte[] pickle =
                latin1(
                        "\u0080\u0002ctorch._utils\n"
                            + "_rebuild_tensor_v2\n"
                            + "((X\u0007\u0000\u0000\u0000storagectorch\n"
                            + "FloatStorage\n"
                            + "X\u0001\u0000\u0000\u00000X\u0003\u0000\u0000\u0000cpuK\u0004tQK\u0000K\u0005\u0085K\u0001\u0085\u0089ccollections\n"
                            + "OrderedDict\n"
                            + ")RtR.");

        assertThatThrownBy(() -> TorchPickle.load(pickle))
                .hasMessageContaining("reaches past its storage of 4 elements");
    }

    @Test
    void aTruncatedPickleSaysSo() {
        byte[] cut = java.util.Arrays.copyOf(PROTOCOL_4_TRANSPOSED, 100);

        assertThatThrownBy(() -> TorchPickle.load(cut)).hasMessageContaining("truncated pickle");
    }
}
