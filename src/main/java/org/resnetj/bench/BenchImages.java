package org.resnetj.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.resnetj.data.PhotoLike;

/**
 * The JPEG files both sides of {@code data-imagenet} decode: an image folder ({@code
 * ROOT/train/CLASS/*.jpg}) written once per bench run into a temporary directory, so that ours and
 * PyTorch read the very same bytes. The images are photo-like at ImageNet's typical size (500×375
 * and 375×500, alternating): smooth colour gradients, a sine texture and Gaussian noise, at JPEG
 * quality 90, so that they compress and decode as photos do. The same count always gives the same
 * files.
 */
final class BenchImages implements AutoCloseable {

    /** Images of a full run: 8 batches of 32. */
    static final int COUNT = 256;

    /** Images of a {@code --quick} run. */
    static final int QUICK_COUNT = 16;

    /** Class folders the images are spread over. */
    private static final int CLASSES = 4;

    private static final int LONG_SIDE = 500;
    private static final int SHORT_SIDE = 375;
    private static final float QUALITY = 0.9f;

    private final Path root;

    private BenchImages(Path root) {
        this.root = root;
    }

    /**
     * Writes {@code count} JPEGs under a new temporary directory; {@link #close} deletes it.
     *
     * @throws IOException if the directory or a file cannot be written
     */
    static BenchImages write(int count) throws IOException {
        BenchImages images = new BenchImages(Files.createTempDirectory("resnet-bench-images-"));
        try {
            for (int i = 0; i < count; i++) {
                Path dir =
                        Files.createDirectories(
                                images.root.resolve("train").resolve("c" + i % CLASSES));
                boolean landscape = i % 2 == 0;
                BufferedImage image =
                        PhotoLike.image(
                                landscape ? LONG_SIDE : SHORT_SIDE,
                                landscape ? SHORT_SIDE : LONG_SIDE,
                                i);
                writeJpeg(image, dir.resolve(String.format("img%03d.jpg", i)));
            }
            return images;
        } catch (IOException | RuntimeException e) {
            images.close();
            throw e;
        }
    }

    /** The image folder's root, holding {@code train/}. */
    Path root() {
        return root;
    }

    /** Deletes the directory and everything in it. */
    @Override
    public void close() throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }

    private static void writeJpeg(BufferedImage image, Path file) throws IOException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IOException("no ImageIO writer for JPEG");
        }
        ImageWriter writer = writers.next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(QUALITY);
        Files.deleteIfExists(file);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}
