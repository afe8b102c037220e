package org.resnetj.interop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a state_dict the way {@code torch.save(model.state_dict(), path)} of PyTorch 1.13 does,
 * byte for byte in the pickle: pickle protocol 2 with Python's memo (every string, tuple and dict
 * put once, then fetched), {@code SETITEMS} in batches of 1000, each tensor as {@code
 * _rebuild_tensor_v2(('storage', torch.FloatStorage, key, 'cpu', numel), 0, size, stride, False,
 * OrderedDict())}, and the {@code _metadata} OrderedDict attached by {@code BUILD}. The zip holds
 * {@code <stem>/data.pkl}, then {@code <stem>/data/<key>} in sorted key order, then {@code
 * <stem>/version}, all stored and with data aligned to 64 bytes, as PyTorch's writer does.
 */
public final class TorchSave {

    /**
     * A contiguous tensor: its storage type ({@code FloatStorage}, {@code LongStorage}...), shape
     * and values.
     */
    public record Tensor(String storageType, long[] shape, float[] values) {}

    private static final int ALIGNMENT = 64;
    private static final int BATCH = 1000;

    private TorchSave() {}

    /** Writes {@code tensors} with {@code metadata} (module name to its version) as a .pth file. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, Integer> metadata)
            throws IOException {
        Pickler p = new Pickler();
        Map<String, byte[]> storages = new TreeMap<>();
        p.proto();
        p.global("collections", "OrderedDict");
        p.op(')');
        p.op('R');
        p.put(new Object());
        List<Runnable> items = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String key = Integer.toString(storages.size());
            Tensor t = e.getValue();
            storages.put(key, bytes(t));
            items.add(
                    () -> {
                        p.string(e.getKey());
                        p.global("torch._utils", "_rebuild_tensor_v2");
                        p.op('(');
                        p.op('(');
                        p.string("storage");
                        p.global("torch", t.storageType());
                        p.string(key);
                        p.string("cpu");
                        p.integer(t.values().length);
                        p.op('t');
                        p.put(new Object());
                        p.op('Q');
                        p.integer(0);
                        p.tuple(t.shape());
                        p.tuple(strides(t.shape()));
                        p.op(0x89);
                        p.emptyOrderedDict();
                        p.op('t');
                        p.put(new Object());
                        p.op('R');
                        p.put(new Object());
                    });
        }
        p.batchSetItems(items);
        p.op('}');
        p.put(new Object());
        p.string("_metadata");
        p.emptyOrderedDict();
        List<Runnable> modules = new ArrayList<>();
        metadata.forEach(
                (module, version) ->
                        modules.add(
                                () -> {
                                    p.string(module);
                                    p.op('}');
                                    p.put(new Object());
                                    p.string("version");
                                    p.integer(version);
                                    p.op('s');
                                }));
        p.batchSetItems(modules);
        p.op('s');
        p.op('b');
        p.op('.');
        Map<String, byte[]> records = new java.util.LinkedHashMap<>();
        records.put("data.pkl", p.bytes());
        storages.forEach((key, data) -> records.put("data/" + key, data));
        records.put("version", "3\n".getBytes(StandardCharsets.US_ASCII));
        writeZip(file, records);
    }

    /**
     * Writes a .pth zip with the given pickle and storages: for files that {@link #write} would
     * never make.
     */
    public static void writeRaw(Path file, byte[] pickle, Map<String, byte[]> storages)
            throws IOException {
        Map<String, byte[]> records = new java.util.LinkedHashMap<>();
        records.put("data.pkl", pickle);
        new TreeMap<>(storages).forEach((key, data) -> records.put("data/" + key, data));
        records.put("version", "3\n".getBytes(StandardCharsets.US_ASCII));
        writeZip(file, records);
    }

    /** The data.pkl that {@link #write} puts into a file. */
    static byte[] pickleOf(Path file) throws IOException {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            ZipEntry entry =
                    zip.stream()
                            .filter(e -> e.getName().endsWith("/data.pkl"))
                            .findFirst()
                            .orElseThrow();
            return zip.getInputStream(entry).readAllBytes();
        }
    }

    private static long[] strides(long[] shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = s;
            s *= shape[d];
        }
        return stride;
    }

    private static byte[] bytes(Tensor t) {
        StorageType type = StorageType.ofTorchName(t.storageType()).orElseThrow();
        ByteBuffer b =
                ByteBuffer.allocate(t.values().length * type.bytes())
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (float v : t.values()) {
            switch (type) {
                case FLOAT -> b.putFloat(v);
                case DOUBLE -> b.putDouble(v);
                case LONG -> b.putLong((long) v);
                case HALF -> b.putShort(exactHalf(v));
                default -> throw new IllegalArgumentException("no writer for " + type);
            }
        }
        return b.array();
    }

    /** The binary16 bits of a float that binary16 holds exactly (normal or zero). */
    static short exactHalf(float v) {
        if (v == 0) {
            return (short) (Float.floatToIntBits(v) >>> 16 & 0x8000);
        }
        int bits = Float.floatToIntBits(v);
        int sign = bits >>> 16 & 0x8000;
        int exponent = (bits >>> 23 & 0xFF) - 127 + 15;
        int mantissa = bits & 0x7FFFFF;
        if (exponent < 1 || exponent > 30 || (mantissa & 0x1FFF) != 0) {
            throw new IllegalArgumentException(v + " is not a normal binary16 value");
        }
        return (short) (sign | exponent << 10 | mantissa >>> 13);
    }

    private static void writeZip(Path file, Map<String, byte[]> records) throws IOException {
        String stem = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        try (OutputStream out = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            long offset = 0;
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                String name = stem + "/" + r.getKey();
                byte[] data = r.getValue();
                ZipEntry entry = new ZipEntry(name);
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(data.length);
                CRC32 crc = new CRC32();
                crc.update(data);
                entry.setCrc(crc.getValue());
                // PyTorch pads the local header with an extra field ("FB", then 'Z's) so that
                // every record's data starts at a multiple of 64 bytes.
                int nameLength = name.getBytes(StandardCharsets.UTF_8).length;
                long headerEnd = offset + 30 + nameLength + 4;
                int pad = (int) ((ALIGNMENT - headerEnd % ALIGNMENT) % ALIGNMENT);
                byte[] extra = new byte[4 + pad];
                extra[0] = 'F';
                extra[1] = 'B';
                extra[2] = (byte) pad;
                extra[3] = (byte) (pad >> 8);
                java.util.Arrays.fill(extra, 4, extra.length, (byte) 'Z');
                entry.setExtra(extra);
                zip.putNextEntry(entry);
                zip.write(data);
                zip.closeEntry();
                offset = headerEnd + pad + data.length;
            }
        }
    }

    /** Python's pickle protocol 2 for the few types a state_dict holds. */
    private static final class Pickler {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Map<Object, Integer> memo = new HashMap<>();

        void op(int code) {
            out.write(code);
        }

        void proto() {
            op(0x80);
            op(2);
        }

        /** BINPUT or LONG_BINPUT of the next memo slot, remembering {@code key}. */
        void put(Object key) {
            int index = memo.size();
            memo.put(key, index);
            if (index < 256) {
                op('q');
                op(index);
            } else {
                op('r');
                le32(index);
            }
        }

        private boolean get(Object key) {
            Integer index = memo.get(key);
            if (index == null) {
                return false;
            }
            if (index < 256) {
                op('h');
                op(index);
            } else {
                op('j');
                le32(index);
            }
            return true;
        }

        void global(String module, String name) {
            List<String> key = List.of("global", module, name);
            if (get(key)) {
                return;
            }
            op('c');
            byte[] text = (module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8);
            out.write(text, 0, text.length);
            put(key);
        }

        void string(String s) {
            // Python memoizes by identity; the strings a state_dict repeats ('storage', 'cpu',
            // 'version') are interned, so equality gives the same memo.
            if (get(s)) {
                return;
            }
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le32(utf8.length);
            out.write(utf8, 0, utf8.length);
            put(s);
        }

        void integer(long v) {
            if (v >= 0 && v <= 0xFF) {
                op('K');
                op((int) v);
            } else if (v >= 0 && v <= 0xFFFF) {
                op('M');
                op((int) v & 0xFF);
                op((int) (v >> 8));
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op('J');
                le32((int) v);
            } else {
                byte[] b = java.math.BigInteger.valueOf(v).toByteArray();
                op(0x8a);
                op(b.length);
                for (int i = b.length - 1; i >= 0; i--) {
                    op(b[i] & 0xFF);
                }
            }
        }

        void tuple(long[] items) {
            if (items.length == 0) {
                op(')');
                return;
            }
            if (items.length > 3) {
                op('(');
            }
            for (long v : items) {
                integer(v);
            }
            op(items.length > 3 ? 't' : 0x85 + items.length - 1);
            put(new Object());
        }

        void emptyOrderedDict() {
            global("collections", "OrderedDict");
            op(')');
            op('R');
            put(new Object());
        }

        /** Python's {@code _batch_setitems}: MARK ... SETITEMS per 1000, a lone item as SETITEM. */
        void batchSetItems(List<Runnable> items) {
            for (int from = 0; from < items.size(); from += BATCH) {
                List<Runnable> batch = items.subList(from, Math.min(from + BATCH, items.size()));
                if (batch.size() == 1) {
                    batch.get(0).run();
                    op('s');
                } else {
                    op('(');
                    batch.forEach(Runnable::run);
                    op('u');
                }
            }
        }

        private void le32(int v) {
            op(v & 0xFF);
            op(v >> 8 & 0xFF);
            op(v >> 16 & 0xFF);
            op(v >>> 24);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
