package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The center-crop, 10-crop, multi-scale and CIFAR views, against pixels written out by hand. That
 * the resampled views equal torchvision's and PIL's to the bit is checked against golden views
 * written by torchvision in {@code eval.TorchvisionViewsTest} (10-crop, multi-scale) and against
 * torchvision itself in {@code TorchvisionReferenceTest} (center crop); these pin the rules without
 * Python.
 */
class ImagePresetsTest {

    private static RgbImage random(int width, int height, long seed) {
        byte[] chw = new byte[3 * width * height];
        new Random(seed).nextBytes(chw);
        return RgbImage.of(width, height, chw);
    }

    /**
     * An image whose pixel at column x, row y is (x mod 256, y, x div 256): every pixel says where
     * it comes from. At most 256 rows.
     */
    private static RgbImage coordinates(int width, int height) {
        byte[] chw = new byte[3 * width * height];
        int plane = width * height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                chw[y * width + x] = (byte) (x % 256);
                chw[plane + y * width + x] = (byte) y;
                chw[2 * plane + y * width + x] = (byte) (x / 256);
            }
        }
        return RgbImage.of(width, height, chw);
    }

    /**
     * The view {@link #coordinates} gives for source column {@code column(y, x)} and row {@code top
     * + y}.
     */
    private static float[] coordinateView(
            int height, int width, int top, IntBinaryOperator column) {
        float[] out = new float[3 * height * width];
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int source = column.applyAsInt(y, x);
                out[y * width + x] = (source % 256) / 255f;
                out[plane + y * width + x] = (top + y) / 255f;
                out[2 * plane + y * width + x] = (source / 256) / 255f;
            }
        }
        return out;
    }

    /**
     * The pixel at row y, column x of a view, as bytes: its values times 255, which must be whole.
     */
    private static int[] rgb(ImagePresets.View view, int y, int x) {
        return rgb(view.pixels(), view.height(), view.width(), y, x);
    }

    private static int[] rgb(float[] chw, int height, int width, int y, int x) {
        int[] out = new int[3];
        for (int c = 0; c < 3; c++) {
            float v = chw[(c * height + y) * width + x];
            out[c] = Math.round(v * 255);
            assertThat(v).as("channel %d at (%d, %d)", c, y, x).isEqualTo(out[c] / 255f);
        }
        return out;
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
        // (257 - 224) / 2 = 16.5 rounds to 16 and (259 - 224) / 2 = 17.5 to 18, as Python's
        // round().
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
        // sample of two pixels would keep the pattern. Away from the border PIL's taps weigh
        // 1/8, 3/8, 3/8, 1/8, so the mean is exact: 200 · (1/8 + 3/8) = 100 (PIL gives 100 too).
        byte[] chw = new byte[3 * 64 * 64];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    chw[(c * 64 + y) * 64 + x] = (byte) ((x + y) % 2 == 0 ? 0 : 200);
                }
            }
        }

        RgbImage half = ImagePresets.resize(RgbImage.of(64, 64, chw), 32, 32);

        assertThat(half.sample(0, 10, 10)).isEqualTo(100);
        assertThat(half.sample(2, 20, 5)).isEqualTo(100);
        assertThat(half.sample(1, 1, 30)).isEqualTo(100);
    }

    @Test
    void theCifarViewIsTheImageResizedTo32x32() {
        float[] same = ImagePresets.cifarView(coordinates(32, 32));
        float[] resized = ImagePresets.cifarView(constant(64, 48, 51, 102, 204));

        assertThat(same).hasSize(3 * 32 * 32);
        // A 32×32 image is not resampled: column 7, row 5 is (7, 5, 0) and the last pixel (31, 31,
        // 0).
        assertThat(rgb(same, 32, 32, 5, 7)).containsExactly(7, 5, 0);
        assertThat(rgb(same, 32, 32, 31, 31)).containsExactly(31, 31, 0);
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
        float[] mean = new float[CifarImages.IMAGE_SIZE];
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

    /**
     * A 341×256 image already has shorter side 256, so the views are windows of it, unresampled:
     * left 0 or 117 (341 − 224), top 0 or 32, and the center at (16, 58). Column x of a mirrored
     * window is column 223 − x of the window.
     */
    @Test
    void tenCropViewsAreTheFiveWindowsThenTheirMirrors() {
        List<ImagePresets.View> views = ImagePresets.tenCrop(coordinates(341, 256));

        assertThat(views).hasSize(10);
        assertThat(rgb(views.get(0), 0, 0)).containsExactly(0, 0, 0);
        assertThat(rgb(views.get(1), 0, 0)).containsExactly(117, 0, 0);
        assertThat(rgb(views.get(1), 5, 223)).containsExactly(84, 5, 1); // column 340
        assertThat(rgb(views.get(2), 0, 0)).containsExactly(0, 32, 0);
        assertThat(rgb(views.get(3), 223, 223)).containsExactly(84, 255, 1);
        assertThat(rgb(views.get(4), 0, 0)).containsExactly(58, 16, 0);
        assertThat(rgb(views.get(4), 223, 223)).containsExactly(25, 239, 1); // column 281
        assertThat(rgb(views.get(5), 0, 0)).containsExactly(223, 0, 0);
        assertThat(rgb(views.get(5), 7, 223)).containsExactly(0, 7, 0);
        assertThat(rgb(views.get(6), 0, 0)).containsExactly(84, 0, 1);
        assertThat(rgb(views.get(6), 0, 223)).containsExactly(117, 0, 0);
        assertThat(rgb(views.get(7), 0, 0)).containsExactly(223, 32, 0);
        assertThat(rgb(views.get(8), 223, 0)).containsExactly(84, 255, 1);
        assertThat(rgb(views.get(8), 223, 223)).containsExactly(117, 255, 0);
        assertThat(rgb(views.get(9), 0, 0)).containsExactly(25, 16, 1);
        assertThat(rgb(views.get(9), 0, 223)).containsExactly(58, 16, 0);
        // Every pixel; whole views are compared with isEqualTo: AssertJ's containsExactly diffs
        // arrays in quadratic time.
        int[][] windows = {{0, 0}, {0, 117}, {32, 0}, {32, 117}, {16, 58}};
        for (int k = 0; k < 5; k++) {
            int top = windows[k][0];
            int left = windows[k][1];
            assertThat(views.get(k).pixels())
                    .as("view %d", k)
                    .isEqualTo(coordinateView(224, 224, top, (y, x) -> left + x));
            assertThat(views.get(5 + k).pixels())
                    .as("view %d", 5 + k)
                    .isEqualTo(coordinateView(224, 224, top, (y, x) -> left + 223 - x));
        }
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
    void multiScaleResizesTheShorterSideToEachScaleAndTruncatesTheLonger(
            int width, int height, String sizes) {
        List<String> got =
                ImagePresets.multiScaleSizes(width, height).stream()
                        .map(s -> s.width() + "x" + s.height())
                        .toList();

        assertThat(String.join(" ", got)).isEqualTo(sizes);
        assertThat(ImagePresets.SCALES).containsExactly(224, 256, 384, 480, 640);
    }

    /**
     * A 298×224 image is its own view at shorter side 224, unresampled, and the mirror's column x
     * is its column 297 − x; the other scales' pixels are torchvision's ({@code
     * eval.TorchvisionViewsTest}), and here each is followed by its mirror.
     */
    @Test
    void multiScaleViewsAreTheWholeResizedImageAndItsMirrorAtEachScale() {
        List<ImagePresets.View> views = ImagePresets.multiScale(coordinates(298, 224));

        assertThat(views).hasSize(10);
        assertThat(rgb(views.get(0), 0, 0)).containsExactly(0, 0, 0);
        assertThat(rgb(views.get(0), 223, 297)).containsExactly(41, 223, 1);
        assertThat(rgb(views.get(1), 0, 0)).containsExactly(41, 0, 1);
        assertThat(rgb(views.get(1), 10, 297)).containsExactly(0, 10, 0);
        assertThat(views.get(0).pixels()).isEqualTo(coordinateView(224, 298, 0, (y, x) -> x));
        assertThat(views.get(1).pixels()).isEqualTo(coordinateView(224, 298, 0, (y, x) -> 297 - x));
        // 256 · 298 / 224 = 340.6, 384 · 298 / 224 = 510.9, 480 · 298 / 224 = 638.6, 640 · 298 /
        // 224 = 851.4
        int[][] sizes = {{298, 224}, {340, 256}, {510, 384}, {638, 480}, {851, 640}};
        for (int s = 0; s < 5; s++) {
            ImagePresets.View whole = views.get(2 * s);
            ImagePresets.View flip = views.get(2 * s + 1);
            int w = sizes[s][0];
            int h = sizes[s][1];
            assertThat(new int[] {whole.width(), whole.height(), flip.width(), flip.height()})
                    .as("scale %d", s)
                    .containsExactly(w, h, w, h);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int row = (c * h + y) * w;
                        if (flip.pixels()[row + x] != whole.pixels()[row + w - 1 - x]) {
                            fail(
                                    "scale %d: the mirror's (%d, %d, %d) is not the image's (%d,"
                                            + " %d, %d)",
                                    s, c, y, x, c, y, w - 1 - x);
                        }
                    }
                }
            }
        }
    }
}
