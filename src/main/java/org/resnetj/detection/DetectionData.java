package org.resnetj.detection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where a detector's images and annotations come from: a PASCAL VOC tree and one of its image sets,
 * or a COCO annotation file and its image folder. Either may have been written by any tool that
 * writes the standard format.
 *
 * @param format {@link #VOC} or {@link #COCO}
 * @param path the VOC root (with {@code Annotations/}, {@code JPEGImages/}, {@code
 *     ImageSets/Main/}), or the COCO {@code instances_*.json}
 * @param images COCO's image folder; unused for VOC
 * @param imageSet the VOC image set ({@code trainval}, {@code test}); unused for COCO
 * @param classes VOC's class names, in label order; COCO's come from its file
 */
public record DetectionData(
        String format, String path, String images, String imageSet, List<String> classes) {

    /** A VOC tree. */
    public static final String VOC = "voc";

    /** A COCO annotation file. */
    public static final String COCO = "coco";

    /** Checks the format and the fields it needs. */
    public DetectionData {
        if (!VOC.equals(format) && !COCO.equals(format)) {
            throw new IllegalArgumentException(
                    "detection data format '" + format + "': expected voc or coco");
        }
        if (COCO.equals(format) && images == null) {
            throw new IllegalArgumentException(
                    "COCO annotations " + path + " need their image folder (--images DIR)");
        }
        classes = classes == null ? null : List.copyOf(classes);
    }

    /**
     * Recognises {@code path}: a {@code .json} file is COCO, a directory with {@code Annotations/}
     * is VOC. A VOC tree written by {@link SyntheticShapes} has its five classes; any other has
     * {@code classes}, or VOC's twenty when that is null.
     *
     * @param images COCO's image folder (default: the json's folder)
     * @param imageSet the VOC image set to read
     * @throws IOException naming {@code path} if it is neither
     */
    public static DetectionData recognise(
            Path path, Path images, String imageSet, List<String> classes) throws IOException {
        if (Files.isRegularFile(path)
                && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            Path folder = images != null ? images : path.toAbsolutePath().getParent();
            return new DetectionData(COCO, path.toString(), folder.toString(), null, null);
        }
        if (Files.isDirectory(path.resolve(VocDataset.ANNOTATIONS))) {
            List<String> names =
                    classes != null
                            ? classes
                            : synthetic(path) ? SyntheticShapes.CLASSES : VocDataset.VOC_CLASSES;
            return new DetectionData(VOC, path.toString(), null, imageSet, names);
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such detection data");
        }
        throw new IOException(
                path
                        + " is not detection data: expected a VOC directory (Annotations/,"
                        + " JPEGImages/, ImageSets/Main/) or a COCO annotation file (*.json)");
    }

    /** The same data with another VOC image set. */
    public DetectionData withImageSet(String set) {
        return new DetectionData(format, path, images, set, classes);
    }

    /**
     * Reads the annotations.
     *
     * @throws IOException naming the file, if one is missing or malformed
     */
    public DetectionSet read() throws IOException {
        return COCO.equals(format)
                ? readCoco().set()
                : VocDataset.read(Path.of(path), imageSet, classes);
    }

    /** Reads a COCO annotation file, keeping its ids for COCO's metric. */
    public CocoDataset readCoco() throws IOException {
        if (!COCO.equals(format)) {
            throw new IllegalStateException("not COCO data: " + path);
        }
        return CocoDataset.read(Path.of(path), Path.of(images));
    }

    /** Whether the annotations say they are {@link SyntheticShapes}'s. */
    public static boolean synthetic(DetectionSet set) {
        return set.name().startsWith(SyntheticShapes.DATABASE);
    }

    private static boolean synthetic(Path voc) throws IOException {
        Path readme = voc.resolve("README.txt");
        return Files.isRegularFile(readme)
                && Files.readString(readme, StandardCharsets.UTF_8)
                        .contains(SyntheticShapes.DATABASE);
    }
}
