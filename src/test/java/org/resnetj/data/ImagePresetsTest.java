package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The center-crop, 10-crop, multi-scale and CIFAR views. That they equal torchvision's and PIL's to the bit is checked
 * against PIL itself in {@code TorchvisionReferenceTest}; these pin the rules without Python.
 */
class ImagePresetsTest {

    private static RgbImage random(int width, int height, long seed) {
        byte[] chw = new byte[3 * width * height];
        new Random(seed).nextBytes(chw);
        return RgbImage.of(width, height, chw);
    }

    private static RgbImage constant(int width, int height, int r, int g, int b) {
        byte[] chw = new byte[3 * width * height];
        int plane = width * height;
        java.util.Arrays.fill(chw, 0, plane, (byte) r);
        java.util.Arrays.fill(chw, plane, 2 * plane, (byte) g);
        java.util.Arrays.fill(chw, 2 * plane, 3 * plane, (byte) b);
        return RgbImage.of(width, height, chw);
    }

    @ParameterizedTest
    @CsvSource({
        "500, 375, 341, 256",
        "375, 500, 256, 341",
        "256, 256, 256, 256",
        "100, 300, 256, 768",
        "333, 500, 256, 384"
    })
    void theShorterSideBecomes256AndTheLongerIsTruncated(int w, int h, int newW, int newH) {
        assertThat(ImagePresets.shorterSideTo(w, h, 256)).containsExactly(newW, newH);
    }

    @ParameterizedTest
    @CsvSource({"256, 16", "341, 58", "257, 16", "259, 18", "224, 0"})
    void theCropIsCenteredWithRoundHalfToEven(int size, int offset) {
        // (257 - 224) / 2 = 16.5 rounds to 16 and (259 - 224) / 2 = 17.5 to 18, as Python's round().
        assertThat(ImagePresets.centerOffset(size, 224)).isEqualTo(offset);
    }

    @Test
    void aConstantImageStaysConstantThroughResizeAndCrop() {
        float[] view = ImagePresets.centerCrop(constant(500, 375, 10, 128, 255));

        assertThat(view).hasSize(3 * 224 * 224);
        int plane = 224 * 224;
        for (int k = 0; k < plane; k++) {
            assertThat(view[k]).isEqualTo(10 / 255f);
            assertThat(view[plane + k]).isEqualTo(128 / 255f);
            assertThat(view[2 * plane + k]).isEqualTo(1f);
        }
    }

    @Test
    void anImageAlreadyAtTheTargetSizeIsNotResampled() {
        RgbImage image = random(256, 300, 1);

        float[] view = ImagePresets.centerCrop(image);

        // 256×300 keeps its size; the crop takes rows 38..261 and columns 16..239.
        assertThat(view[0]).isEqualTo(image.sample(0, 38, 16) / 255f);
        assertThat(view[3 * 224 * 224 - 1]).isEqualTo(image.sample(2, 261, 239) / 255f);
    }

    @Test
    void downscalingAveragesOverTheWholeFootprint() {
        // Antialiased: halving a 1-pixel checkerboard gives its mean, where a plain bilinear
        // sample of two pixels would keep the pattern.
        byte[] chw = new byte[3 * 64 * 64];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    chw[(c * 64 + y) * 64 + x] = (byte) ((x + y) % 2 == 0 ? 0 : 200);
                }
            }
        }

        RgbImage half = ImagePresets.resize(RgbImage.of(64, 64, chw), 32, 32);

        assertThat(half.sample(0, 10, 10)).isCloseTo(100, within(2));
        assertThat(half.sample(2, 20, 5)).isCloseTo(100, within(2));
    }

    @Test
    void theCifarViewIsTheImageResizedTo32x32() {
        float[] same = ImagePresets.cifarView(random(32, 32, 2));
        float[] resized = ImagePresets.cifarView(constant(64, 48, 51, 102, 204));

        assertThat(same).hasSize(3 * 32 * 32);
        assertThat(resized).hasSize(3 * 32 * 32);
        assertThat(resized[0]).isEqualTo(0.2f);
        assertThat(resized[3 * 32 * 32 - 1]).isEqualTo(0.8f);
    }

    @Test
    void torchvisionPreprocessingNormalisesEachChannel() {
        float[] x = Preprocessing.Torchvision.IMAGENET.input(constant(300, 300, 255, 0, 124));

        int plane = 224 * 224;
        assertThat(x[0]).isEqualTo((1f - 0.485f) / 0.229f);
        assertThat(x[plane]).isEqualTo((0f - 0.456f) / 0.224f);
        assertThat(x[2 * plane + 7]).isEqualTo((124 / 255f - 0.406f) / 0.225f);
    }

    @Test
    void perPixelMeanPreprocessingSubtractsTheMeanImage() {
        float[] mean = new float[ImageSet.IMAGE_SIZE];
        mean[5] = 0.5f;
        float[] x = new Preprocessing.PerPixelMean(mean).input(constant(32, 32, 255, 255, 255));

        assertThat(x[5]).isEqualTo(0.5f);
        assertThat(x[6]).isEqualTo(1f);
    }

    @Test
    void tenCropTakesTheCornersAndTheCenterOfALandscapeImage() {
        // 256 rows × 341 columns, the 500×375 image resized: margins 32 rows and 117 columns.
        assertThat(ImagePresets.tenCropBoxes(341, 256))
                .containsExactly(
                        new ImagePresets.Box(0, 0, 224),
                        new ImagePresets.Box(0, 117, 224),
                        new ImagePresets.Box(32, 0, 224),
                        new ImagePresets.Box(32, 117, 224),
                        // (341 - 224) / 2 = 58.5 rounds half to even, as the center-crop preset.
                        new ImagePresets.Box(16, 58, 224));
    }

    @Test
    void tenCropTakesTheCornersAndTheCenterOfAPortraitImage() {
        assertThat(ImagePresets.tenCropBoxes(256, 384))
                .containsExactly(
                        new ImagePresets.Box(0, 0, 224),
                        new ImagePresets.Box(0, 32, 224),
                        new ImagePresets.Box(160, 0, 224),
                        new ImagePresets.Box(160, 32, 224),
                        new ImagePresets.Box(80, 16, 224));
    }

    @Test
    void tenCropTakesTheCornersAndTheCenterOfASquareImage() {
        assertThat(ImagePresets.tenCropBoxes(256, 256))
                .containsExactly(
                        new ImagePresets.Box(0, 0, 224),
                        new ImagePresets.Box(0, 32, 224),
                        new ImagePresets.Box(32, 0, 224),
                        new ImagePresets.Box(32, 32, 224),
                        new ImagePresets.Box(16, 16, 224));
    }

    @Test
    void tenCropRejectsAnImageSmallerThanTheCrop() {
        assertThatThrownBy(() -> ImagePresets.tenCropBoxes(300, 200))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 224×224")
                .hasMessageContaining("300×200");
    }

    // Whole views are compared with isEqualTo: AssertJ's containsExactly diffs arrays in quadratic time.
    @Test
    void tenCropViewsAreTheFiveWindowsThenTheirMirrors() {
        RgbImage image = random(120, 90, 3); // resized to 341×256
        RgbImage resized = ImagePresets.resize(image, 341, 256);
        List<ImagePresets.Box> boxes = ImagePresets.tenCropBoxes(341, 256);

        List<ImagePresets.View> views = ImagePresets.tenCrop(image);

        assertThat(views).hasSize(10);
        for (int k = 0; k < 5; k++) {
            ImagePresets.Box box = boxes.get(k);
            ImagePresets.View crop = views.get(k);
            ImagePresets.View flip = views.get(5 + k);
            assertThat(crop.height()).isEqualTo(224);
            assertThat(crop.width()).isEqualTo(224);
            assertThat(crop.pixels()).isEqualTo(ImagePresets.floats(resized, box.top(), box.left(), 224, 224));
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 224; y += 37) {
                    for (int x = 0; x < 224; x++) {
                        int at = (c * 224 + y) * 224;
                        assertThat(flip.pixels()[at + x]).isEqualTo(crop.pixels()[at + 223 - x]);
                    }
                }
            }
        }
        assertThat(views.get(4).pixels()).isEqualTo(ImagePresets.centerCrop(image));
    }

    @Test
    void mirroringTwiceGivesTheViewBack() {
        float[] pixels = new float[3 * 5 * 7];
        for (int k = 0; k < pixels.length; k++) {
            pixels[k] = k;
        }
        ImagePresets.View view = new ImagePresets.View(pixels, 5, 7);

        ImagePresets.View once = ImagePresets.mirror(view);

        assertThat(once.pixels()[0]).isEqualTo(6f);
        assertThat(once.pixels()[7 * 5 * 3 - 1]).isEqualTo(7 * 5 * 3 - 7);
        assertThat(ImagePresets.mirror(once).pixels()).containsExactly(pixels);
    }

    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({
        // landscape 4:3: 224·500/375 = 298.7 and 640·500/375 = 853.3 are truncated
        "500, 375, 298x224 341x256 512x384 640x480 853x640",
        // portrait 2:3
        "333, 500, 224x336 256x384 384x576 480x720 640x960",
        "300, 300, 224x224 256x256 384x384 480x480 640x640",
        // wide 2:1
        "1000, 499, 448x224 513x256 769x384 961x480 1282x640"
    })
    void multiScaleResizesTheShorterSideToEachScaleAndTruncatesTheLonger(int width, int height, String sizes) {
        List<String> got = ImagePresets.multiScaleSizes(width, height).stream()
                .map(s -> s.width() + "x" + s.height())
                .toList();

        assertThat(String.join(" ", got)).isEqualTo(sizes);
        assertThat(ImagePresets.SCALES).containsExactly(224, 256, 384, 480, 640);
    }

    @Test
    void multiScaleViewsAreTheWholeResizedImageAndItsMirrorAtEachScale() {
        RgbImage image = random(40, 30, 4);

        List<ImagePresets.View> views = ImagePresets.multiScale(image);

        List<ImagePresets.Size> sizes = ImagePresets.multiScaleSizes(40, 30);
        assertThat(views).hasSize(10);
        for (int s = 0; s < 5; s++) {
            ImagePresets.Size size = sizes.get(s);
            ImagePresets.View whole = views.get(2 * s);
            ImagePresets.View flip = views.get(2 * s + 1);
            RgbImage resized = ImagePresets.resize(image, size.width(), size.height());
            assertThat(whole.width()).isEqualTo(size.width());
            assertThat(whole.height()).isEqualTo(size.height());
            assertThat(whole.pixels()).isEqualTo(ImagePresets.floats(resized, 0, 0, size.height(), size.width()));
            assertThat(flip.pixels()).isEqualTo(ImagePresets.mirror(whole).pixels());
        }
    }
}
