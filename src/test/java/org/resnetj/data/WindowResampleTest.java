package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Resampling only a window equals resizing the whole image with ImagePresets and cropping, byte for
 * byte.
 */
class WindowResampleTest {

    private static RgbImage randomImage(int width, int height, SplittableRandom random) {
        byte[] chw = new byte[3 * width * height];
        for (int k = 0; k < chw.length; k++) {
            chw[k] = (byte) random.nextInt(256);
        }
        return RgbImage.of(width, height, chw);
    }

    private static byte[] resizeThenCrop(
            RgbImage image, int width, int height, int top, int left, int h, int w) {
        RgbImage resized = ImagePresets.resize(image, width, height);
        byte[] out = new byte[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[(c * h + y) * w + x] = (byte) resized.sample(c, top + y, left + x);
                }
            }
        }
        return out;
    }

    @Test
    void anyWindowOfAnyResizeEqualsResizeThenCrop() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 300; trial++) {
            int inW = 1 + random.nextInt(40);
            int inH = 1 + random.nextInt(40);
            // Down, up, or the same size, independently per side: a pass is skipped at the same
            // size.
            int width = random.nextInt(4) == 0 ? inW : 1 + random.nextInt(80);
            int height = random.nextInt(4) == 0 ? inH : 1 + random.nextInt(80);
            int h = 1 + random.nextInt(height);
            int w = 1 + random.nextInt(width);
            int top = random.nextInt(height - h + 1);
            int left = random.nextInt(width - w + 1);
            RgbImage image = randomImage(inW, inH, random);

            assertThat(WindowResample.window(image, width, height, top, left, h, w))
                    .as(
                            "%d×%d → %d×%d, window %d×%d at (%d, %d)",
                            inW, inH, width, height, w, h, top, left)
                    .isEqualTo(resizeThenCrop(image, width, height, top, left, h, w));
        }
    }

    @Test
    void theAugmentationsWindowsEqualResizeThenCrop() {
        SplittableRandom random = new SplittableRandom(11);
        RgbImage image = randomImage(300, 200, random);
        for (int shorter : new int[] {224, 256, 333, 480}) {
            int[] size = ImagePresets.shorterSideTo(300, 200, shorter);
            int top = random.nextInt(size[1] - 224 + 1);
            int left = random.nextInt(size[0] - 224 + 1);

            assertThat(WindowResample.window(image, size[0], size[1], top, left, 224, 224))
                    .as("shorter side %d", shorter)
                    .isEqualTo(resizeThenCrop(image, size[0], size[1], top, left, 224, 224));
        }
    }

    @Test
    void theCenterCropEqualsImagePresetsCenterCrop() {
        RgbImage image = randomImage(97, 61, new SplittableRandom(3));

        byte[] crop = SamplePass.centerCrop(image);
        float[] expected = ImagePresets.centerCrop(image);

        for (int k = 0; k < expected.length; k++) {
            assertThat((crop[k] & 0xFF) / 255f).isEqualTo(expected[k]);
        }
    }

    @Test
    void aWindowOutsideTheImageIsRejected() {
        RgbImage image = randomImage(10, 10, new SplittableRandom(1));

        assertThatThrownBy(() -> WindowResample.window(image, 20, 20, 15, 0, 8, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not lie inside a 20×20 image");
    }
}
