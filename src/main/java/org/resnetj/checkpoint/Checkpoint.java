package org.resnetj.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.Shortcut;
import org.resnetj.model.StridePlacement;

/**
 * A checkpoint file: a zip holding {@code checkpoint.json} (the model and its options, the
 * iteration, the loop state, the resolved configuration, the code version and the preprocessing),
 * {@code model.safetensors} (every parameter and BN running statistic by name) and {@code
 * optimizer.safetensors} (the momentum buffers by parameter name). Safetensors files can be read by
 * other tools.
 *
 * <p>Files are written atomically: to a temporary file in the same directory, forced to disk, then
 * renamed, so a half-written checkpoint never carries a checkpoint's name.
 *
 * <p>A training run's checkpoints (written and restored by the training loop) are {@code
 * RUN_DIR/checkpoints/ckpt-NNNNNNNN.zip}, of which the newest {@code keep_checkpoints} are kept.
 * Their {@code checkpoint.json} holds the model and its options, the iteration, the loop's state
 * ({@code loop}: the logging interval so far, and the learning-rate schedule's state under {@code
 * lr_schedule}), the random state, the preprocessing, the class names, the run's configuration and
 * the code version; {@code model.safetensors} holds the per-pixel mean as {@code
 * preprocess.pixel_mean} beside the network's arrays.
 */
public final class Checkpoint {

    /** The format tag in {@code checkpoint.json}. */
    public static final String FORMAT = "resnetj-checkpoint/1";

    private static final String META = "checkpoint.json";
    private static final String MODEL = "model.safetensors";
    private static final String OPTIMIZER = "optimizer.safetensors";
    private static final String FOLDER = "checkpoints";

    /** The name of the per-pixel mean image among a training checkpoint's model arrays. */
    public static final String PIXEL_MEAN = "preprocess.pixel_mean";

    private static final Pattern NAME = Pattern.compile("ckpt-(\\d{8})\\.zip");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {}

    /** The contents of a checkpoint: its metadata and its arrays, owned by the caller's manager. */
    public record Contents(
            Map<String, Object> meta, Map<String, NDArray> model, Map<String, NDArray> optimizer) {

        /** The iteration at which it was written. */
        public int iteration() {
            return ((Number) meta.get("iteration")).intValue();
        }

        /** A nested object of the metadata, for example {@code "options"}. */
        @SuppressWarnings("unchecked")
        public Map<String, Object> section(String key) {
            Object value = meta.get(key);
            return value instanceof Map ? (Map<String, Object>) value : Map.of();
        }
    }

    /** The folder of a run directory that holds its checkpoints. */
    public static Path folder(Path runDir) {
        return runDir.resolve(FOLDER);
    }

    /** The options as stored in configurations and checkpoints. */
    public static Map<String, Object> optionsMap(ModelOptions options) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("shortcut", options.shortcut().name());
        map.put("stride_placement", options.stridePlacement().name());
        map.put("classes", options.classes());
        return map;
    }

    /** Reads options stored by {@link #optionsMap}. */
    public static ModelOptions options(Map<String, ?> map) {
        return new ModelOptions(
                Shortcut.valueOf(String.valueOf(map.get("shortcut")).toUpperCase(Locale.ROOT)),
                StridePlacement.valueOf(String.valueOf(map.get("stride_placement"))),
                ((Number) map.get("classes")).intValue());
    }

    /** The file name of the checkpoint at {@code iteration}. */
    public static String fileName(int iteration) {
        return String.format("ckpt-%08d.zip", iteration);
    }

    /**
     * Writes a checkpoint atomically.
     *
     * @param meta metadata; {@code format} is added
     * @param model parameters and state by name
     * @param optimizer optimizer buffers by name
     */
    public static void write(
            Path file,
            Map<String, Object> meta,
            Map<String, NDArray> model,
            Map<String, NDArray> optimizer)
            throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("format", FORMAT);
        header.putAll(meta);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            stored(zip, META, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(header));
            stored(zip, MODEL, safetensors(model));
            stored(zip, OPTIMIZER, safetensors(optimizer));
        }
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // Not every file system lets a directory be forced; the rename itself is atomic.
        }
    }

    /**
     * Reads a checkpoint file, or the newest checkpoint of a run directory.
     *
     * @throws IOException naming the path if it is missing, not a checkpoint or corrupt
     */
    public static Contents read(Path path, NDManager manager) throws IOException {
        Path file = resolve(path);
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = Files.newInputStream(file);
                ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (ZipException | java.io.EOFException e) {
            throw corrupt(file, e.getMessage());
        }
        if (!entries.containsKey(META)
                || !entries.containsKey(MODEL)
                || !entries.containsKey(OPTIMIZER)) {
            throw corrupt(file, "expected " + META + ", " + MODEL + " and " + OPTIMIZER);
        }
        Map<String, Object> meta;
        try {
            meta =
                    JSON.readValue(
                            entries.get(META),
                            new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw corrupt(file, "unreadable " + META);
        }
        if (!FORMAT.equals(meta.get("format"))) {
            throw corrupt(file, "format is " + meta.get("format") + ", expected " + FORMAT);
        }
        try {
            return new Contents(
                    meta,
                    decode(entries.get(MODEL), manager),
                    decode(entries.get(OPTIMIZER), manager));
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "unreadable arrays");
        }
    }

    /**
     * A checkpoint file itself, or the newest {@code ckpt-*.zip} of a run directory (or of its
     * {@code checkpoints/} folder).
     */
    public static Path resolve(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return path;
        }
        if (!Files.isDirectory(path)) {
            throw new NoSuchFileException(
                    path.toString(), null, "no such checkpoint file or run directory");
        }
        Path dir = Files.isDirectory(folder(path)) ? folder(path) : path;
        return newest(dir)
                .orElseThrow(
                        () ->
                                new NoSuchFileException(
                                        dir.toString(),
                                        null,
                                        "no checkpoint (ckpt-*.zip) in this directory"));
    }

    /** The newest checkpoint in {@code dir}, by iteration. */
    public static Optional<Path> newest(Path dir) throws IOException {
        return list(dir).stream().max(Comparator.comparingInt(Checkpoint::iterationOf));
    }

    /** Every checkpoint in {@code dir}, oldest first. */
    public static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(Checkpoint::iterationOf))
                    .toList();
        }
    }

    private static int iterationOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static IOException corrupt(Path file, String why) {
        return new IOException("not a readable resnetj checkpoint: " + file + " (" + why + ")");
    }

    private static byte[] safetensors(Map<String, NDArray> arrays) throws IOException {
        NDList list = new NDList();
        arrays.forEach(
                (name, array) -> {
                    array.setName(name);
                    list.add(array);
                });
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        list.encode(bytes, NDList.Encoding.SAFETENSORS);
        return bytes.toByteArray();
    }

    private static Map<String, NDArray> decode(byte[] bytes, NDManager manager) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (NDArray array : NDList.decode(manager, bytes)) {
            arrays.put(array.getName(), array);
        }
        return arrays;
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }
}
