package org.resnetj.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An 8-bit RGB image in CHW planes, decoded from a file as PIL's {@code
 * Image.open(f).convert("RGB")} sees it, so that the presets feed a network what torchvision would.
 *
 * <p>Decoding goes through ImageIO with TwelveMonkeys' JPEG reader on the class path: plain ImageIO
 * turns a CMYK or YCCK JPEG (ImageNet holds a few) into wrong colours or an error, while
 * TwelveMonkeys converts it to RGB. Grayscale images are replicated to three equal channels
 * straight from their samples: drawing them into an RGB image instead would pass them through
 * Java's linear gray colour space and change their values. An alpha channel is dropped, not
 * composited, as {@code convert("RGB")} does.
 *
 * <p>A truncated JPEG is an error, as in PIL ("image file is truncated"), even when only its end
 * marker is missing: the JPEG decoder fills what is missing with grey and only warns, so the
 * warning is what {@link #read} checks.
 */
public final class RgbImage {

    private final int width;
    private final int height;
    private final byte[] pixels;

    private RgbImage(int width, int height, byte[] pixels) {
        this.width = width;
        this.height = height;
        this.pixels = pixels;
    }

    /**
     * Decodes an image file (JPEG including CMYK and grayscale, PNG, BMP, GIF).
     *
     * @throws IOException naming the file if it is missing, not an image of a known format, or
     *     corrupt
     */
    public static RgbImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such image file");
        }
        BufferedImage image;
        try {
            image = decode(file);
        } catch (IOException e) {
            throw new IOException("cannot decode image " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Decoders signal some corrupt inputs with unchecked exceptions (bad ICC profiles,
            // truncated tables); for the caller it is one more unreadable file.
            throw new IOException("cannot decode image " + file + ": " + e, e);
        }
        if (image == null) {
            throw new IOException(
                    "cannot decode image " + file + ": not a JPEG, PNG, BMP or GIF file");
        }
        return of(image);
    }

    /**
     * What {@code ImageIO.read} does, plus a check of the decoder's warnings.
     *
     * @return null if no decoder knows the format
     * @throws IOException if the decoder fails, or warns that the file ends too early
     */
    private static BufferedImage decode(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                List<String> truncation = new ArrayList<>();
                reader.addIIOReadWarningListener(
                        (source, warning) -> {
                            // The JDK's JPEG decoder (behind TwelveMonkeys') says "Truncated File -
                            // Missing
                            // EOI marker" whenever the file ends before its end marker, cut image
                            // data or not.
                            if (warning.toLowerCase(Locale.ROOT).contains("truncated")) {
                                truncation.add(warning);
                            }
                        });
                BufferedImage image = reader.read(0, reader.getDefaultReadParam());
                if (!truncation.isEmpty()) {
                    throw new IOException("the file is truncated (" + truncation.get(0) + ")");
                }
                return image;
            } finally {
                reader.dispose();
            }
        }
    }

    /** The RGB pixels of a decoded image. */
    public static RgbImage of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int plane = w * h;
        byte[] pixels = new byte[3 * plane];
        ColorModel model = image.getColorModel();
        if (model.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && model.getNumColorComponents() == 1
                && !(model instanceof IndexColorModel)) {
            Raster raster = image.getRaster();
            int max = (1 << model.getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int sample = raster.getSample(x, y, 0);
                    byte v = (byte) (max == 255 ? sample : Math.round(sample * 255.0 / max));
                    int at = y * w + x;
                    pixels[at] = v;
                    pixels[plane + at] = v;
                    pixels[2 * plane + at] = v;
                }
            }
        } else if (isPlainBgr(image)) {
            // What JPEG decoding gives for most photos: read the bytes, as getRGB would return
            // them (an sRGB model converts nothing), at a third of its cost.
            byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            for (int at = 0, k = 0; at < plane; at++, k += 3) {
                pixels[at] = bgr[k + 2];
                pixels[plane + at] = bgr[k + 1];
                pixels[2 * plane + at] = bgr[k];
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int at = 0; at < plane; at++) {
                pixels[at] = (byte) (argb[at] >> 16);
                pixels[plane + at] = (byte) (argb[at] >> 8);
                pixels[2 * plane + at] = (byte) argb[at];
            }
        }
        return new RgbImage(w, h, pixels);
    }

    /**
     * Whether the image is 8-bit sRGB stored as B, G, R bytes row by row from the buffer's start.
     */
    private static boolean isPlainBgr(BufferedImage image) {
        if (image.getType() != BufferedImage.TYPE_3BYTE_BGR
                || !image.getColorModel().getColorSpace().isCS_sRGB()) {
            return false;
        }
        WritableRaster raster = image.getRaster();
        if (!(raster.getSampleModel() instanceof PixelInterleavedSampleModel model)
                || !(raster.getDataBuffer() instanceof DataBufferByte buffer)) {
            return false;
        }
        return raster.getParent() == null
                && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0
                && buffer.getNumBanks() == 1
                && buffer.getOffset() == 0
                && model.getPixelStride() == 3
                && model.getScanlineStride() == 3 * image.getWidth()
                && Arrays.equals(model.getBandOffsets(), new int[] {2, 1, 0});
    }

    /** An image from CHW bytes: the red plane, then green, then blue, each row by row. */
    public static RgbImage of(int width, int height, byte[] chw) {
        requireThreePlanes(width, height, chw.length, "an RGB image", "bytes");
        return new RgbImage(width, height, chw.clone());
    }

    /**
     * Checks that {@code length} values make three planes (red, green, blue) of a non-empty {@code
     * width}×{@code height} image.
     *
     * @param what what holds the values, for the message ("an RGB image")
     * @param unit what the values are, for the message ("bytes")
     * @throws IllegalArgumentException naming the size and both counts if they do not
     */
    static void requireThreePlanes(int width, int height, int length, String what, String unit) {
        if (width < 1 || height < 1 || length != 3L * width * height) {
            throw new IllegalArgumentException(
                    what
                            + " of "
                            + width
                            + "×"
                            + height
                            + " needs "
                            + 3L * width * height
                            + " "
                            + unit
                            + ", got "
                            + length);
        }
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /** The value 0..255 of channel {@code c} (0 red, 1 green, 2 blue) at column x, row y. */
    public int sample(int c, int y, int x) {
        return pixels[(c * height + y) * width + x] & 0xFF;
    }
}
