package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The CIFAR-10 presets of Section 4.2: the per-pixel mean subtracted, then zero padding, a random
 * crop and flip.
 */
class CifarPresetsTest {

    private static final int N = CifarImages.IMAGE_SIZE;

    private static float[] randomImage(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] image = new float[N];
        for (int k = 0; k < N; k++) {
            image[k] = (float) r.nextDouble(-1, 1);
        }
        return image;
    }

    /** The image zero-padded to 3×40×40, built independently of the code under test. */
    private static float[] padded(float[] image) {
        float[] out = new float[3 * 40 * 40];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    out[c * 1600 + (y + 4) * 40 + (x + 4)] = image[c * 1024 + y * 32 + x];
                }
            }
        }
        return out;
    }

    private static boolean isWindow(float[] out, float[] padded, int dy, int dx, boolean flip) {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int px = (flip ? 31 - x : x) + dx;
                    if (out[c * 1024 + y * 32 + x] != padded[c * 1600 + (y + dy) * 40 + px]) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Test
    void evalSubtractsTheMeanExactly() {
        byte[] pixels = new byte[2 * N];
        new SplittableRandom(2).nextBytes(pixels);
        CifarImages set = CifarImages.of(pixels, new byte[2]);
        float[] mean = PixelMean.of(set);
        float[] out = new float[N + 5];

        CifarPresets.eval(set, 1, mean, out, 5);

        for (int k = 0; k < N; k++) {
            assertThat(out[5 + k]).isEqualTo((pixels[N + k] & 0xFF) * (1f / 255) - mean[k]);
        }
    }

    @Test
    void everyCropIsAWindowOfTheZeroPaddedImageAtItsOwnOffsets() {
        float[] image = randomImage(4);
        float[] pad = padded(image);
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 40; trial++) {
            CifarPresets.Crop crop = CifarPresets.Crop.random(random);
            float[] out = new float[N];
            crop.apply(image, 0, out, 0);

            Set<CifarPresets.Crop> matches = new HashSet<>();
            for (int dy = 0; dy <= 8; dy++) {
                for (int dx = 0; dx <= 8; dx++) {
                    for (boolean flip : new boolean[] {false, true}) {
                        if (isWindow(out, pad, dy, dx, flip)) {
                            matches.add(new CifarPresets.Crop(dy, dx, flip));
                        }
                    }
                }
            }
            assertThat(matches).containsExactly(crop);
        }
    }

    @Test
    void theFlipIsAnExactMirrorAndTheCentreCropTheIdentity() {
        float[] image = randomImage(6);
        float[] flipped = new float[N];
        float[] same = new float[N];

        new CifarPresets.Crop(4, 4, true).apply(image, 0, flipped, 0);
        CifarPresets.Crop.CENTRE.apply(image, 0, same, 0);

        assertThat(same).isEqualTo(image);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    assertThat(flipped[c * 1024 + y * 32 + x])
                            .isEqualTo(image[c * 1024 + y * 32 + 31 - x]);
                }
            }
        }
    }

    @Test
    void paddingIsZeroInTheMeanSubtractedSpace() {
        float[] image = new float[N];
        Arrays.fill(image, 0.5f);
        float[] out = new float[N];

        new CifarPresets.Crop(0, 8, false).apply(image, 0, out, 0);

        assertThat(out[0]).isZero(); // top-left: above the image
        assertThat(out[4 * 32 + 27]).isEqualTo(0.5f); // last column inside the image
        assertThat(out[4 * 32 + 28]).isZero(); // right of the image
    }

    @Test
    void everyOffsetAndBothFlipsOccur() {
        SplittableRandom random = new SplittableRandom(7);
        Set<CifarPresets.Crop> seen = new HashSet<>();
        int flips = 0;
        int draws = 4000;
        for (int i = 0; i < draws; i++) {
            CifarPresets.Crop crop = CifarPresets.Crop.random(random);
            seen.add(crop);
            flips += crop.flip() ? 1 : 0;
        }
        assertThat(seen).hasSize(9 * 9 * 2);
        assertThat(flips / (double) draws).isBetween(0.45, 0.55);
    }

    /**
     * The image of {@link #trainIsTheMeanSubtractedThenTheCropOfTheGivenGenerator}: (8x, 8y, 200)
     * at column x, row y.
     */
    private static int pixelAt(int c, int y, int x) {
        return switch (c) {
            case 0 -> 8 * x;
            case 1 -> 8 * y;
            default -> 200;
        };
    }

    /** Its mean, the same at every channel: exact in float. */
    private static float meanAt(int y, int x) {
        return x / 64f + y / 2048f;
    }

    /**
     * Pixels known by hand: the image's pixel at column x, row y is (8x, 8y, 200), the mean x/64 +
     * y/2048 at every channel, and SplittableRandom(10) draws dy = 1, dx = 7 and a flip. So out(y,
     * x) is the mean-subtracted pixel at row y − 3 (y + dy − 4) and column 34 − x (31 − x + dx −
     * 4), and 0 where that falls in the padding: rows 0..2 above the image and columns 0..2 beyond
     * its right edge, mirrored to the left.
     */
    @Test
    void trainIsTheMeanSubtractedThenTheCropOfTheGivenGenerator() {
        byte[] pixels = new byte[N];
        float[] mean = new float[N];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    pixels[c * 1024 + y * 32 + x] = (byte) pixelAt(c, y, x);
                    mean[c * 1024 + y * 32 + x] = meanAt(y, x);
                }
            }
        }
        CifarImages set = CifarImages.of(pixels, new byte[1]);
        float[] actual = new float[N + 3];

        CifarPresets.train(set, 0, mean, new SplittableRandom(10), actual, 3);

        assertThat(CifarPresets.Crop.random(new SplittableRandom(10)))
                .isEqualTo(new CifarPresets.Crop(1, 7, true));
        assertThat(actual[3 + 3 * 32 + 3])
                .as("red at (3, 3): pixel (row 0, column 31)")
                .isEqualTo(248 * (1f / 255) - 31 / 64f);
        assertThat(actual[3 + 1024 + 31 * 32 + 31])
                .as("green at (31, 31): pixel (28, 3)")
                .isEqualTo(224 * (1f / 255) - (3 / 64f + 28 / 2048f));
        assertThat(actual[3 + 2048 + 20 * 32 + 10])
                .as("blue at (20, 10): pixel (17, 24)")
                .isEqualTo(200 * (1f / 255) - (24 / 64f + 17 / 2048f));
        assertThat(actual[3 + 2 * 32 + 10]).as("red at (2, 10): padding above").isZero();
        assertThat(actual[3 + 1024 + 10 * 32 + 2])
                .as("green at (10, 2): padding on the right, mirrored")
                .isZero();
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int sy = y - 3;
                    int sx = 34 - x;
                    float expected =
                            sy < 0 || sx > 31
                                    ? 0f
                                    : pixelAt(c, sy, sx) * (1f / 255) - meanAt(sy, sx);
                    assertThat(actual[3 + c * 1024 + y * 32 + x])
                            .as("channel %d at (%d, %d)", c, y, x)
                            .isEqualTo(expected);
                }
            }
        }

        // The wiring, as the preset is documented: eval, then a crop drawn from the generator.
        float[] centred = new float[N];
        float[] expected = new float[N];
        CifarPresets.eval(set, 0, mean, centred, 0);
        CifarPresets.Crop.random(new SplittableRandom(10)).apply(centred, 0, expected, 0);
        assertThat(Arrays.copyOfRange(actual, 3, 3 + N)).isEqualTo(expected);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThatThrownBy(() -> new CifarPresets.Crop(9, 0, false)).hasMessageContaining("0..8");
        CifarImages set = CifarImages.of(new byte[N], new byte[1]);
        assertThatThrownBy(() -> CifarPresets.eval(set, 0, new float[3], new float[N], 0))
                .hasMessageContaining("3072 values");
    }
}
