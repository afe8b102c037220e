package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding image files to RGB as PIL's convert("RGB") would, whatever their colour model. */
class RgbImageTest {

    @TempDir Path dir;

    /**
     * The 40×30 Adobe CMYK JPEG that {@link TestImages#cmykJpeg} writes (left half red, C=0,
     * M=Y=255, K=0; right half yellow), its 494 bytes committed so that PIL's pixels below stay
     * those of these bytes whatever the JPEG writer's version.
     */
    private static final String CMYK_FIXTURE = "cmyk-adobe-red-yellow.jpg";

    // Every row of the fixture, column by column, as PIL decodes it (see the test's javadoc).
    private static final int[] PIL_RED = {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255
    };
    private static final int[] PIL_GREEN = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 191, 254, 252, 252, 254, 254,
        252, 252, 254, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255
    };
    private static final int[] PIL_BLUE = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0
    };

    /**
     * The expected pixels are PIL's: Pillow 9.4.0's {@code Image.open(fixture).convert("RGB")},
     * printed as the PIL_* lines above by {@code /usr/bin/python3 bench/pil_cmyk_reference.py},
     * which regenerates them. PIL inverts Adobe CMYK and converts without a colour profile, so the
     * red stays (255, 0, 0), which an ICC conversion would dull; columns 19 to 28 are the JPEG's
     * blur and ringing at the edge between red and yellow.
     */
    @Test
    void aCmykJpegBecomesThePixelsPilGivesWithoutAColourProfile() throws Exception {
        RgbImage image =
                RgbImage.read(Path.of(RgbImageTest.class.getResource(CMYK_FIXTURE).toURI()));

        assertThat(image.width()).isEqualTo(40);
        assertThat(image.height()).isEqualTo(30);
        int[][] pil = {PIL_RED, PIL_GREEN, PIL_BLUE};
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                for (int c = 0; c < 3; c++) {
                    assertThat(image.sample(c, y, x))
                            .as("channel %d of pixel (%d, %d)", c, x, y)
                            .isCloseTo(pil[c][x], within(1));
                }
            }
        }
    }

    @Test
    void grayscaleIsReplicatedFromItsSamplesWithoutAColourSpaceConversion() throws IOException {
        BufferedImage gray = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 10);
        gray.getRaster().setSample(2, 1, 0, 128);
        Path png = dir.resolve("gray.png");
        ImageIO.write(gray, "png", png.toFile());
        BufferedImage gray16 = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray16.getRaster().setSample(0, 0, 0, 0x8080);

        RgbImage image = RgbImage.read(png);

        for (int c = 0; c < 3; c++) {
            assertThat(image.sample(c, 0, 0)).isEqualTo(10);
            assertThat(image.sample(c, 1, 2)).isEqualTo(128);
        }
        assertThat(RgbImage.of(gray16).sample(1, 0, 0)).isEqualTo(128);
    }

    @Test
    void aGrayscaleJpegDecodesToThreeEqualChannels() throws IOException {
        BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 16; x++) {
            for (int y = 0; y < 16; y++) {
                gray.getRaster().setSample(x, y, 0, 200);
            }
        }
        Path jpg = dir.resolve("gray.jpg");
        ImageIO.write(gray, "jpeg", jpg.toFile());

        RgbImage image = RgbImage.read(jpg);

        assertThat(image.sample(0, 8, 8)).isBetween(198, 202);
        assertThat(image.sample(1, 8, 8)).isEqualTo(image.sample(0, 8, 8));
        assertThat(image.sample(2, 8, 8)).isEqualTo(image.sample(0, 8, 8));
    }

    @Test
    void paletteImagesTakeTheirColoursAndAlphaIsDropped() throws IOException {
        IndexColorModel palette =
                new IndexColorModel(
                        8, 2, new byte[] {0, (byte) 250}, new byte[] {0, 20}, new byte[] {0, 30});
        BufferedImage indexed = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
        indexed.getRaster().setSample(1, 0, 0, 1);
        BufferedImage argb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x10_40_50_60);

        RgbImage fromPalette = RgbImage.of(indexed);
        RgbImage fromArgb = RgbImage.of(argb);

        assertThat(
                        new int[] {
                            fromPalette.sample(0, 0, 1),
                            fromPalette.sample(1, 0, 1),
                            fromPalette.sample(2, 0, 1)
                        })
                .containsExactly(250, 20, 30);
        assertThat(
                        new int[] {
                            fromArgb.sample(0, 0, 0),
                            fromArgb.sample(1, 0, 0),
                            fromArgb.sample(2, 0, 0)
                        })
                .containsExactly(0x40, 0x50, 0x60);
    }

    @Test
    void unreadableFilesAreIoErrorsNamingThePath() throws IOException {
        Path text = dir.resolve("notes.jpg");
        Files.writeString(text, "not an image");
        Path truncated = dir.resolve("cut.jpg");
        TestImages.cmykJpeg(dir.resolve("whole.jpg"));
        byte[] whole = Files.readAllBytes(dir.resolve("whole.jpg"));
        Files.write(truncated, java.util.Arrays.copyOf(whole, 200));

        assertThatThrownBy(() -> RgbImage.read(dir.resolve("missing.png")))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("missing.png");
        assertThatThrownBy(() -> RgbImage.read(text))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("notes.jpg");
        assertThatThrownBy(() -> RgbImage.read(truncated))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cut.jpg");
    }

    @Test
    void aJpegCutInItsImageDataOrMissingOnlyItsEndMarkerIsTruncatedAsInPil() throws IOException {
        Path whole = ImageFolderFiles.rgbJpeg(dir.resolve("whole.jpg"), 200, 150, 3);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length * 7 / 10));
        Path noEnd = dir.resolve("no-eoi.jpg");
        Files.write(noEnd, java.util.Arrays.copyOf(bytes, bytes.length - 2));

        // PIL: "image file is truncated" for both; the decoder alone would fill them with grey.
        assertThat(RgbImage.read(whole).width()).isEqualTo(200);
        assertThatThrownBy(() -> RgbImage.read(cut))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cut.jpg")
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> RgbImage.read(noEnd))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no-eoi.jpg")
                .hasMessageContaining("truncated");
    }

    @Test
    void bgrBytesReadDirectlyEqualWhatGetRgbReturns(@TempDir Path dir) throws IOException {
        java.util.Random random = new java.util.Random(5);
        BufferedImage bgr = new BufferedImage(37, 23, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < bgr.getHeight(); y++) {
            for (int x = 0; x < bgr.getWidth(); x++) {
                bgr.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        assertDecodedAsGetRgb(bgr, RgbImage.of(bgr));
        // A JPEG photo decodes to TYPE_3BYTE_BGR: the direct path is the one it takes.
        Path jpeg = dir.resolve("photo.jpg");
        ImageIO.write(bgr, "jpeg", jpeg.toFile());
        BufferedImage decoded = ImageIO.read(jpeg.toFile());
        assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
        assertDecodedAsGetRgb(decoded, RgbImage.read(jpeg));
        // A sub-image shares a translated raster: it must take the general path, and agree.
        BufferedImage part = bgr.getSubimage(3, 4, 20, 10);
        assertDecodedAsGetRgb(part, RgbImage.of(part));
    }

    private static void assertDecodedAsGetRgb(BufferedImage image, RgbImage rgb) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int argb = image.getRGB(x, y);
                assertThat(
                                new int[] {
                                    rgb.sample(0, y, x), rgb.sample(1, y, x), rgb.sample(2, y, x)
                                })
                        .as("pixel (%d, %d)", x, y)
                        .containsExactly((argb >> 16) & 0xFF, (argb >> 8) & 0xFF, argb & 0xFF);
            }
        }
    }
}
