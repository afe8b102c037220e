package org.resnetj.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Image folders for tests, written as real copies of ImageNet hold them: JPEGs of several modes and
 * sizes.
 */
public final class ImageFolderFiles {

    private ImageFolderFiles() {}

    /**
     * An RGB JPEG like a photo at small scale: smooth colour gradients plus noise, so it compresses
     * as photos do.
     */
    static Path rgbJpeg(Path file, int width, int height, long seed) throws IOException {
        write(PhotoLike.image(width, height, seed), "jpeg", file);
        return file;
    }

    /** A 24-bit BMP of the same kind. */
    static Path rgbBmp(Path file, int width, int height, long seed) throws IOException {
        write(PhotoLike.image(width, height, seed), "bmp", file);
        return file;
    }

    /** A JPEG cut off after its headers, before any image data: the decoder fails on it. */
    static Path truncatedJpeg(Path file) throws IOException {
        Path whole = rgbJpeg(file, 64, 48, 99);
        byte[] bytes = Files.readAllBytes(whole);
        Files.write(file, Arrays.copyOf(bytes, 600));
        return file;
    }

    /** Bytes that are no image at all, under an image name. */
    public static Path garbage(Path file) throws IOException {
        Files.writeString(file, "this is not an image, whatever its name says");
        return file;
    }

    /**
     * A folder of three classes, sorted ant, bee, cat, with images of every mode:
     *
     * <pre>
     * train/ant/a.jpeg (300×200 RGB), train/ant/nested/b.jpg (64×48 RGB)
     * train/bee/c.JPG (40×30 CMYK), train/bee/d.png (50×50 RGB PNG), train/bee/e.bmp (45×35)
     * train/cat/f.jpg (60×80 grayscale), train/cat/g.jpg (120×90 RGB)
     * val/ant/v1.jpg (80×60), val/cat/v2.jpg (90×70)
     * </pre>
     *
     * plus files that must be ignored: hidden files and folders, and non-image files.
     */
    public static Path threeClasses(Path root) throws IOException {
        Path train = root.resolve("train");
        rgbJpeg(dir(train.resolve("ant")).resolve("a.jpeg"), 300, 200, 1);
        rgbJpeg(dir(train.resolve("ant/nested")).resolve("b.jpg"), 64, 48, 2);
        TestImages.cmykJpeg(dir(train.resolve("bee")).resolve("c.JPG"));
        TestImages.rgbPng(train.resolve("bee/d.png"), 50, 50, 3);
        rgbBmp(train.resolve("bee/e.bmp"), 45, 35, 4);
        TestImages.grayJpeg(dir(train.resolve("cat")).resolve("f.jpg"), 60, 80, 5);
        rgbJpeg(train.resolve("cat/g.jpg"), 120, 90, 6);
        rgbJpeg(train.resolve("cat/.hidden.jpg"), 40, 30, 7);
        rgbJpeg(dir(train.resolve("cat/.cache")).resolve("h.jpg"), 40, 30, 8);
        rgbJpeg(dir(train.resolve(".trash")).resolve("i.jpg"), 40, 30, 9);
        Files.writeString(train.resolve("ant/notes.txt"), "not an image");
        Files.writeString(train.resolve("README"), "a file beside the class folders");
        Path val = root.resolve("val");
        rgbJpeg(dir(val.resolve("ant")).resolve("v1.jpg"), 80, 60, 10);
        rgbJpeg(dir(val.resolve("cat")).resolve("v2.jpg"), 90, 70, 11);
        return root;
    }

    /**
     * A training folder of {@code count} JPEGs of varied sizes spread over {@code classes} classes
     * named c0, c1, ...; returns their paths in class order.
     */
    static List<Path> trainFolder(Path root, int count, int classes) throws IOException {
        List<Path> files = new ArrayList<>();
        Random random = new Random(count * 31L + classes);
        for (int i = 0; i < count; i++) {
            Path dir = dir(root.resolve("train/c" + i % classes));
            int width = 40 + random.nextInt(120);
            int height = 30 + random.nextInt(90);
            files.add(rgbJpeg(dir.resolve(String.format("img%03d.jpg", i)), width, height, i));
        }
        files.sort(null);
        return files;
    }

    private static Path dir(Path dir) throws IOException {
        return Files.createDirectories(dir);
    }

    private static void write(BufferedImage image, String format, Path file) throws IOException {
        if (!ImageIO.write(image, format, file.toFile())) {
            throw new IOException("no ImageIO writer for " + format);
        }
    }
}
