package org.resnetj.data;

import com.twelvemonkeys.imageio.color.ColorSpaces;
import java.awt.Transparency;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Image files for tests, written in the formats and colour models that real data sets hold. */
public final class TestImages {

    private TestImages() {}

    /**
     * A 40×30 CMYK JPEG with Adobe's APP14 marker, as Photoshop writes them (ImageNet holds some),
     * written by TwelveMonkeys' writer: the left half red (C=0, M=Y=255), the right yellow.
     */
    public static Path cmykJpeg(Path file) throws IOException {
        ComponentColorModel cmyk =
                new ComponentColorModel(
                        ColorSpaces.getColorSpace(ColorSpaces.CS_GENERIC_CMYK),
                        false,
                        false,
                        Transparency.OPAQUE,
                        DataBuffer.TYPE_BYTE);
        WritableRaster raster = cmyk.createCompatibleWritableRaster(40, 30);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                raster.setPixel(x, y, new int[] {0, x < 20 ? 255 : 0, 255, 0});
            }
        }
        write(new BufferedImage(cmyk, raster, false, null), "jpeg", file);
        return file;
    }

    /** A grayscale JPEG of random texture. */
    public static Path grayJpeg(Path file, int width, int height, long seed) throws IOException {
        BufferedImage gray = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        Random random = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                gray.getRaster().setSample(x, y, 0, random.nextInt(256));
            }
        }
        write(gray, "jpeg", file);
        return file;
    }

    /** An RGB PNG of random pixels. */
    public static Path rgbPng(Path file, int width, int height, long seed) throws IOException {
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                rgb.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        write(rgb, "png", file);
        return file;
    }

    private static void write(BufferedImage image, String format, Path file) throws IOException {
        if (!ImageIO.write(image, format, file.toFile())) {
            throw new IOException("no ImageIO writer for " + format + " of " + image);
        }
    }
}
