package org.resnetj.interop;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * PyTorch's storage types, as a {@code .pth} pickle names them ({@code torch.FloatStorage} ...),
 * with their element sizes and a conversion of one element to float. Every value of a state_dict
 * becomes float32 here: the networks hold float32 weights, and the integer storages carry only BN's
 * {@code num_batches_tracked}, which the import skips.
 */
enum StorageType {
    FLOAT("FloatStorage", "F32", 4),
    DOUBLE("DoubleStorage", "F64", 8),
    HALF("HalfStorage", "F16", 2),
    BFLOAT16("BFloat16Storage", "BF16", 2),
    LONG("LongStorage", "I64", 8),
    INT("IntStorage", "I32", 4),
    SHORT("ShortStorage", "I16", 2),
    CHAR("CharStorage", "I8", 1),
    BYTE("ByteStorage", "U8", 1),
    BOOL("BoolStorage", "BOOL", 1);

    private final String torchName;
    private final String safetensorsName;
    private final int bytes;

    StorageType(String torchName, String safetensorsName, int bytes) {
        this.torchName = torchName;
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
    }

    /** The class name in module {@code torch}, for example {@code FloatStorage}. */
    String torchName() {
        return torchName;
    }

    /** The dtype name a safetensors header uses, for example {@code F32}. */
    String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    int bytes() {
        return bytes;
    }

    /** The storage type named {@code torch.<name>}, if it is one. */
    static Optional<StorageType> ofTorchName(String name) {
        return Arrays.stream(values()).filter(t -> t.torchName.equals(name)).findFirst();
    }

    /** The storage type of a safetensors dtype name, if it is one. */
    static Optional<StorageType> ofSafetensorsName(String name) {
        return Arrays.stream(values()).filter(t -> t.safetensorsName.equals(name)).findFirst();
    }

    /** Element {@code index} of {@code data} (whose byte order is set) as a float. */
    float read(ByteBuffer data, long index) {
        int at = Math.toIntExact(index * bytes);
        switch (this) {
            case FLOAT:
                return data.getFloat(at);
            case DOUBLE:
                return (float) data.getDouble(at);
            case HALF:
                return halfToFloat(data.getShort(at));
            case BFLOAT16:
                return Float.intBitsToFloat((data.getShort(at) & 0xFFFF) << 16);
            case LONG:
                return data.getLong(at);
            case INT:
                return data.getInt(at);
            case SHORT:
                return data.getShort(at);
            case CHAR:
                return data.get(at);
            case BYTE:
                return data.get(at) & 0xFF;
            case BOOL:
                return data.get(at) != 0 ? 1f : 0f;
            default:
                throw new AssertionError(this);
        }
    }

    /** IEEE 754 binary16 to float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1F;
        int mantissa = half & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa · 2^-24, exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
