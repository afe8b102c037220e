package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The training preset of Section 3.4: scale augmentation, random crop, flip, mean, lighting. */
class ImageNetPresetsTest {

    private static final int CROP = ImageNetPresets.CROP;

    private static RgbImage randomImage(int width, int height, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chw = new byte[3 * width * height];
        for (int k = 0; k < chw.length; k++) {
            chw[k] = (byte) random.nextInt(256);
        }
        return RgbImage.of(width, height, chw);
    }

    @Test
    void theConstantsAreThePapers() {
        assertThat(ImageNetPresets.MIN_SHORTER_SIDE).isEqualTo(256);
        assertThat(ImageNetPresets.MAX_SHORTER_SIDE).isEqualTo(480);
        assertThat(ImageNetPresets.CROP).isEqualTo(224);
        assertThat(ImageNetPresets.IMAGE_SIZE).isEqualTo(3 * 224 * 224);
    }

    @Test
    void theShorterSideIsUniformOver256To480AndTheLongerKeepsTheAspectRatio() {
        SplittableRandom random = new SplittableRandom(1);
        int[] counts = new int[481];
        int draws = 45_000;
        for (int i = 0; i < draws; i++) {
            boolean portrait = i % 2 == 0;
            ImageNetPresets.Crop crop =
                    portrait
                            ? ImageNetPresets.Crop.random(375, 500, random)
                            : ImageNetPresets.Crop.random(500, 375, random);
            int shorter = crop.shorterSide();
            assertThat(shorter).isBetween(256, 480);
            int longer = portrait ? crop.height() : crop.width();
            assertThat(portrait ? crop.width() : crop.height()).isEqualTo(shorter);
            assertThat(longer).isEqualTo(shorter * 500 / 375);
            counts[shorter]++;
        }
        // 225 values, 200 expected draws each: every value occurs, none far from 200 (±6 sd of a
        // binomial).
        for (int s = 256; s <= 480; s++) {
            assertThat(counts[s]).as("draws of shorter side %d", s).isBetween(200 - 85, 200 + 85);
        }
    }

    @Test
    void cropWindowsLieInsideTheResizedImageAndReachEveryEdge() {
        SplittableRandom random = new SplittableRandom(2);
        boolean top0 = false;
        boolean bottom = false;
        boolean left0 = false;
        boolean right = false;
        int flips = 0;
        int draws = 40_000;
        for (int i = 0; i < draws; i++) {
            // A wide image: at shorter side 256 the window can start anywhere in 0..32 vertically.
            ImageNetPresets.Crop crop = ImageNetPresets.Crop.random(320, 300, random);
            assertThat(crop.top()).isBetween(0, crop.height() - CROP);
            assertThat(crop.left()).isBetween(0, crop.width() - CROP);
            top0 |= crop.top() == 0;
            left0 |= crop.left() == 0;
            bottom |= crop.top() == crop.height() - CROP;
            right |= crop.left() == crop.width() - CROP;
            flips += crop.flip() ? 1 : 0;
        }
        assertThat(new boolean[] {top0, bottom, left0, right}).containsOnly(true);
        assertThat(flips).isBetween(draws / 2 - 600, draws / 2 + 600);
    }

    @Test
    void theViewIsResizeThenCropThenFlipMinusTheMeanPlusTheLighting() {
        RgbImage image = randomImage(90, 70, 5);
        float[] mean = new float[ImageNetPresets.IMAGE_SIZE];
        SplittableRandom meanRandom = new SplittableRandom(6);
        for (int k = 0; k < mean.length; k++) {
            mean[k] = (float) meanRandom.nextDouble();
        }
        for (long seed = 0; seed < 6; seed++) {
            float[] out = new float[ImageNetPresets.IMAGE_SIZE + 5];

            ImageNetPresets.Crop crop =
                    ImageNetPresets.train(
                            image, mean, Lighting.IMAGENET, new SplittableRandom(seed), out, 5);

            // The same draws, replayed in the documented order: geometry, then the three alphas.
            SplittableRandom replay = new SplittableRandom(seed);
            assertThat(ImageNetPresets.Crop.random(90, 70, replay)).isEqualTo(crop);
            float[] light = Lighting.IMAGENET.draw(replay);
            RgbImage resized = ImagePresets.resize(image, crop.width(), crop.height());
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < CROP; y++) {
                    for (int x = 0; x < CROP; x++) {
                        int sx = crop.left() + (crop.flip() ? CROP - 1 - x : x);
                        int k = (c * CROP + y) * CROP + x;
                        float expected =
                                resized.sample(c, crop.top() + y, sx) / 255f - mean[k] + light[c];
                        assertThat(out[5 + k]).isEqualTo(expected);
                    }
                }
            }
        }
    }

    @Test
    void withoutLightingTheViewIsThePixelsOfTheWindow() {
        RgbImage image = randomImage(300, 200, 8);
        float[] out = new float[ImageNetPresets.IMAGE_SIZE];

        ImageNetPresets.Crop crop =
                ImageNetPresets.train(
                        image,
                        new float[ImageNetPresets.IMAGE_SIZE],
                        Lighting.NONE,
                        new SplittableRandom(3),
                        out,
                        0);

        RgbImage resized = ImagePresets.resize(image, crop.width(), crop.height());
        int x = crop.flip() ? CROP - 1 : 0;
        assertThat(out[0]).isEqualTo(resized.sample(0, crop.top(), crop.left() + x) / 255f);
    }

    @Test
    void theMeanMustBeAFullCrop() {
        assertThatThrownBy(
                        () ->
                                ImageNetPresets.train(
                                        randomImage(30, 30, 1),
                                        new float[3 * 32 * 32],
                                        Lighting.NONE,
                                        new SplittableRandom(1),
                                        new float[ImageNetPresets.IMAGE_SIZE],
                                        0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("150528 values (3×224×224), got 3072");
    }

    @Test
    void aCropOutsideTheResizedImageIsRejected() {
        assertThatThrownBy(() -> new ImageNetPresets.Crop(300, 256, 40, 0, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not lie inside a 300×256 image");
    }
}
