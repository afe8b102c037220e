package org.resnetj.export;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One protocol-buffers message being written: just enough of the wire format for ONNX, so that no
 * generated code or protobuf runtime is needed.
 *
 * <p>The wire format (protobuf.dev, "Encoding"): a message is a sequence of fields, each a key
 * followed by a value. The key is the varint {@code field_number << 3 | wire_type}. A varint holds
 * 7 bits per byte, least significant group first, with the top bit set on every byte but the last;
 * a negative int64 takes ten bytes. Three wire types are used here: 0 (VARINT) for int32, int64 and
 * enums, 5 (I32) for floats, and 2 (LEN) for strings, bytes and nested messages, whose value is a
 * varint length followed by that many bytes. Repeated fields are written unpacked, one key per
 * element: the proto2 default of onnx.proto, which every parser accepts.
 */
final class Protobuf {

    /** Wire type 0: a varint. */
    static final int VARINT = 0;

    /** Wire type 2: a length-delimited value. */
    static final int LEN = 2;

    /** Wire type 5: four bytes, little-endian, for a float. */
    static final int I32 = 5;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    /** Appends an int32, int64 or enum field. */
    Protobuf int64(int field, long value) {
        key(field, VARINT);
        bytes.writeBytes(varint(value));
        return this;
    }

    /** Appends a repeated int64 field, one element per key. */
    Protobuf int64s(int field, long... values) {
        for (long value : values) {
            int64(field, value);
        }
        return this;
    }

    /** Appends a float field. */
    Protobuf float32(int field, float value) {
        key(field, I32);
        int bits = Float.floatToIntBits(value);
        for (int i = 0; i < 4; i++) {
            bytes.write(bits >>> (8 * i));
        }
        return this;
    }

    /** Appends a string field, UTF-8 encoded. */
    Protobuf string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends a bytes field. */
    Protobuf bytes(int field, byte[] value) {
        key(field, LEN);
        bytes.writeBytes(varint(value.length));
        bytes.writeBytes(value);
        return this;
    }

    /** Appends a nested message. */
    Protobuf message(int field, Protobuf value) {
        return bytes(field, value.toByteArray());
    }

    /** The number of bytes written so far. */
    int size() {
        return bytes.size();
    }

    /** The encoded message. */
    byte[] toByteArray() {
        return bytes.toByteArray();
    }

    /** Writes the encoded message to {@code out}. */
    void writeTo(OutputStream out) throws IOException {
        bytes.writeTo(out);
    }

    /**
     * Writes the key and length of a length-delimited field whose {@code length} bytes the caller
     * writes next: how a value too large to hold in memory is streamed.
     */
    static void lengthPrefix(OutputStream out, int field, long length) throws IOException {
        out.write(varint((long) field << 3 | LEN));
        out.write(varint(length));
    }

    /** The number of bytes {@link #lengthPrefix} writes. */
    static int lengthPrefixSize(int field, long length) {
        return varint((long) field << 3 | LEN).length + varint(length).length;
    }

    private void key(int field, int wireType) {
        bytes.writeBytes(varint((long) field << 3 | wireType));
    }

    private static byte[] varint(long value) {
        byte[] out = new byte[10];
        int n = 0;
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[n++] = (byte) v;
        return Arrays.copyOf(out, n);
    }
}
