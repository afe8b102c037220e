package org.resnetj.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a state_dict, a mapping of names to tensors, from a PyTorch {@code .pth} file or a {@code
 * .safetensors} file, with every tensor converted to float32 in row-major order.
 *
 * <p>A {@code .pth} is what {@code torch.save} writes since PyTorch 1.6: a zip (entries stored, not
 * compressed) with one top-level folder, whose name varies (the file's stem, or {@code archive}),
 * holding {@code data.pkl} (the pickle, read by {@link TorchPickle}), {@code data/<key>} (one raw
 * storage per key), {@code version} and, since 2.1, {@code byteorder}. The older non-zip format is
 * refused with a hint.
 *
 * <p>A {@code .safetensors} file is an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, and the data. It is parsed here rather than by DJL's
 * {@code NDList.decode} so that every error can name its tensor and every range is checked before
 * it is read.
 */
final class StateDict {

    /** A tensor of the file: its stored type, its shape and its values as float32. */
    record Tensor(StorageType type, long[] shape, float[] values) {}

    /** The formats this reads. */
    enum Format {
        PTH,
        SAFETENSORS
    }

    /** A state_dict and the format it came in. */
    record Read(Format format, Map<String, Tensor> tensors) {}

    /** Pickles of real state_dicts are a few hundred kilobytes; this bounds a hostile one. */
    private static final long MAX_PICKLE_BYTES = 256L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private StateDict() {}

    /**
     * Reads the state_dict of {@code file}, telling the format by its first bytes.
     *
     * @throws IOException naming the file if it is neither format, is corrupt, or its pickle is
     *     refused (see {@link TorchPickle})
     */
    static Read read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such state_dict file");
        }
        byte[] head = new byte[9];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 2 && head[0] == 'P' && head[1] == 'K') {
            return new Read(Format.PTH, readPth(file));
        }
        if (n >= 2 && (head[0] & 0xFF) == 0x80 && head[1] <= 5) {
            throw new IOException(
                    file
                            + " is in PyTorch's legacy (pre-1.6, non-zip) format, which is not read"
                            + " here; re-save it with torch.save(torch.load(f), g) from PyTorch 1.6"
                            + " or later");
        }
        if (n == 9 && head[8] == '{') {
            return new Read(Format.SAFETENSORS, readSafetensors(file));
        }
        throw new IOException(file + " is neither a PyTorch .pth (zip) nor a .safetensors file");
    }

    private static Map<String, Tensor> readPth(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = archivePrefix(zip, file);
            ByteOrder order = byteOrder(zip, prefix, file);
            ZipEntry pickleEntry = zip.getEntry(prefix + "data.pkl");
            if (pickleEntry.getSize() > MAX_PICKLE_BYTES) {
                throw new IOException(
                        file
                                + ": data.pkl of "
                                + pickleEntry.getSize()
                                + " bytes is too large for a state_dict");
            }
            Object root;
            try (InputStream in = zip.getInputStream(pickleEntry)) {
                root = TorchPickle.load(in.readNBytes((int) MAX_PICKLE_BYTES));
            } catch (IOException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
            if (!(root instanceof Map<?, ?> entries)) {
                throw new IOException(
                        file
                                + " holds a "
                                + TorchPickle.describe(root)
                                + ", not a state_dict (a mapping of names to tensors)");
            }
            Map<String, ByteBuffer> storages = new HashMap<>();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : entries.entrySet()) {
                if (!(e.getKey() instanceof String name)) {
                    throw new IOException(
                            file
                                    + ": a state_dict key is a "
                                    + TorchPickle.describe(e.getKey())
                                    + ", not a name");
                }
                if (!(e.getValue() instanceof TorchPickle.TensorRef ref)) {
                    throw new IOException(
                            file
                                    + ": '"
                                    + name
                                    + "' is a "
                                    + TorchPickle.describe(e.getValue())
                                    + ", not a tensor; expected a state_dict (a mapping of names to"
                                    + " tensors)");
                }
                ByteBuffer storage = storages.get(ref.storage().key());
                if (storage == null) {
                    storage = storage(zip, prefix, ref.storage(), order, file, name);
                    storages.put(ref.storage().key(), storage);
                }
                tensors.put(
                        name,
                        new Tensor(
                                ref.storage().type(),
                                ref.size(),
                                gather(
                                        storage,
                                        ref.storage().type(),
                                        ref.offset(),
                                        ref.size(),
                                        ref.stride())));
            }
            return tensors;
        } catch (ZipException e) {
            throw new IOException(file + " is not a readable .pth zip: " + e.getMessage(), e);
        }
    }

    /** The one top-level folder that holds {@code data.pkl}, with its slash. */
    private static String archivePrefix(ZipFile zip, Path file) throws IOException {
        String prefix = null;
        for (Iterator<? extends ZipEntry> it = zip.entries().asIterator(); it.hasNext(); ) {
            String name = it.next().getName();
            int slash = name.indexOf('/');
            if (name.endsWith("/data.pkl") && slash == name.length() - "/data.pkl".length()) {
                if (prefix != null) {
                    throw new IOException(
                            file + " holds two pickles (" + prefix + "data.pkl and " + name + ")");
                }
                prefix = name.substring(0, slash + 1);
            }
        }
        if (prefix == null) {
            throw new IOException(
                    file + " is a zip but not a PyTorch .pth: no <folder>/data.pkl in it");
        }
        return prefix;
    }

    private static ByteOrder byteOrder(ZipFile zip, String prefix, Path file) throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry == null) {
            // Written only since PyTorch 2.1; older files come from little-endian machines.
            return ByteOrder.LITTLE_ENDIAN;
        }
        String order;
        try (InputStream in = zip.getInputStream(entry)) {
            order = new String(in.readNBytes(16), StandardCharsets.US_ASCII).strip();
        }
        if (order.equals("little")) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        if (order.equals("big")) {
            return ByteOrder.BIG_ENDIAN;
        }
        throw new IOException(file + ": unknown byteorder '" + order + "'");
    }

    private static ByteBuffer storage(
            ZipFile zip,
            String prefix,
            TorchPickle.StorageRef ref,
            ByteOrder order,
            Path file,
            String tensor)
            throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "data/" + ref.key());
        if (entry == null) {
            throw new IOException(
                    file + ": storage " + ref.key() + " of '" + tensor + "' is missing");
        }
        long bytes = Math.multiplyExact(ref.numel(), ref.type().bytes());
        if (entry.getSize() != bytes || bytes > Integer.MAX_VALUE) {
            throw new IOException(
                    file
                            + ": storage "
                            + ref.key()
                            + " of '"
                            + tensor
                            + "' holds "
                            + entry.getSize()
                            + " bytes, expected "
                            + bytes
                            + " ("
                            + ref.numel()
                            + " × "
                            + ref.type().torchName()
                            + ")");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] data = in.readNBytes((int) bytes);
            if (data.length != bytes) {
                throw new IOException(
                        file + ": storage " + ref.key() + " of '" + tensor + "' is truncated");
            }
            return ByteBuffer.wrap(data).order(order);
        }
    }

    /** The values of the strided view (offset, size, stride) of {@code storage}, row-major. */
    static float[] gather(
            ByteBuffer storage, StorageType type, long offset, long[] size, long[] stride) {
        long count = Arrays.stream(size).reduce(1, Math::multiplyExact);
        float[] out = new float[Math.toIntExact(count)];
        int rank = size.length;
        long[] index = new long[rank];
        long at = offset;
        for (int i = 0; i < out.length; i++) {
            out[i] = type.read(storage, at);
            for (int d = rank - 1; d >= 0; d--) {
                index[d]++;
                at += stride[d];
                if (index[d] < size[d]) {
                    break;
                }
                at -= stride[d] * size[d];
                index[d] = 0;
            }
        }
        return out;
    }

    private static Map<String, Tensor> readSafetensors(Path file) throws IOException {
        if (Files.size(file) > Integer.MAX_VALUE) {
            throw new IOException(file + " is larger than 2 GiB, which is not read here");
        }
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer all = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = all.getLong(0);
        if (headerLength < 2 || headerLength > bytes.length - 8L) {
            throw new IOException(
                    file
                            + ": safetensors header length "
                            + headerLength
                            + " does not fit a file of "
                            + bytes.length
                            + " bytes");
        }
        JsonNode header;
        try {
            header =
                    JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException(file + ": unreadable safetensors header: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new IOException(file + ": the safetensors header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode info = e.getValue();
            StorageType type =
                    StorageType.ofSafetensorsName(info.path("dtype").asText())
                            .orElseThrow(
                                    () ->
                                            new IOException(
                                                    file
                                                            + ": '"
                                                            + name
                                                            + "' has unsupported dtype "
                                                            + info.path("dtype")));
            JsonNode shapeNode = info.path("shape");
            JsonNode offsets = info.path("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new IOException(file + ": '" + name + "' lacks a shape or data_offsets");
            }
            long[] shape = new long[shapeNode.size()];
            long[] stride = new long[shape.length];
            long count = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                shape[d] = shapeNode.get(d).asLong(-1);
                if (shape[d] < 0) {
                    throw new IOException(file + ": '" + name + "' has shape " + shapeNode);
                }
                stride[d] = count;
                count = Math.multiplyExact(count, shape[d]);
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0
                    || end - begin != count * type.bytes()
                    || dataStart + end > bytes.length) {
                throw new IOException(
                        file
                                + ": '"
                                + name
                                + "' has data_offsets "
                                + offsets
                                + ", which do not hold "
                                + count
                                + " "
                                + type.safetensorsName()
                                + " values inside the file");
            }
            ByteBuffer data =
                    ByteBuffer.wrap(bytes, (int) (dataStart + begin), (int) (end - begin))
                            .slice()
                            .order(ByteOrder.LITTLE_ENDIAN);
            tensors.put(name, new Tensor(type, shape, gather(data, type, 0, shape, stride)));
        }
        return tensors;
    }
}
