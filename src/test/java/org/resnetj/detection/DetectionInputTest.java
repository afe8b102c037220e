package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.resnetj.data.ImagePresets;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;

/**
 * The detector's input: py-faster-rcnn's single scale factor (shorter side 600, longer at most
 * 1000), mirroring of image and boxes, the backbone's normalization, and boxes mapped back.
 */
class DetectionInputTest {

    private static final DetectorConfig.ImageScale PAPER =
            new DetectorConfig.ImageScale(600, 1000, true);

    @Test
    void shorterSideGoesTo600UnlessTheLongerWouldExceed1000() {
        // A typical VOC image, 500×375: 600/375 = 1.6, longer side 800.
        assertThat(DetectionInput.scaleFor(500, 375, PAPER)).isEqualTo(1.6);
        // 2000×500: 600/500 would make the longer side 2400, so 1000/2000.
        assertThat(DetectionInput.scaleFor(2000, 500, PAPER)).isEqualTo(0.5);
        // Exactly at the cap stays at the shorter side's factor: 1000×600.
        assertThat(DetectionInput.scaleFor(500, 300, PAPER)).isEqualTo(2.0);
    }

    @Test
    void theInputIsTheResizedImageNormalizedAsTheBackboneExpects() {
        RgbImage image = randomImage(50, 30, 1);
        DetectionInput input = prepare(image, 60, 200, false);
        assertThat(input.width()).isEqualTo(100);
        assertThat(input.height()).isEqualTo(60);
        assertThat(input.scale()).isEqualTo(2.0);
        RgbImage resized = ImagePresets.resize(image, 100, 60);
        float[] mean = Preprocessing.Torchvision.IMAGENET.mean();
        float[] std = Preprocessing.Torchvision.IMAGENET.std();
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 60; y += 7) {
                for (int x = 0; x < 100; x += 9) {
                    float expected = (resized.sample(c, y, x) / 255f - mean[c]) / std[c];
                    assertThat(input.pixels()[(c * 60 + y) * 100 + x]).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void mirroringFlipsTheImageAndItsBoxesAndMapsBack() {
        RgbImage image = randomImage(40, 20, 2);
        DetectionInput plain = prepare(image, 20, 100, false);
        DetectionInput flipped = prepare(image, 20, 100, true);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 20; y++) {
                for (int x = 0; x < 40; x++) {
                    assertThat(flipped.pixels()[(c * 20 + y) * 40 + x])
                            .isEqualTo(plain.pixels()[(c * 20 + y) * 40 + 39 - x]);
                }
            }
        }
        // A box over columns 0..9 covers columns 30..39 of the mirror (0-based, inclusive).
        float[] box = {0, 5, 9, 14};
        assertThat(flipped.toInput(box)).containsExactly(30, 5, 39, 14);

        DetectionInput scaled = prepare(image, 50, 200, true);
        assertThat(scaled.scale()).isEqualTo(2.5);
        float[] inInput = scaled.toInput(box);
        assertThat(inInput).containsExactly(75, 12.5f, 97.5f, 35);
        float[] back = scaled.toOriginal(inInput);
        for (int i = 0; i < 4; i++) {
            assertThat(back[i]).isCloseTo(box[i], within(1e-5f));
        }
    }

    /**
     * The input for shorter side {@code shorter}, longer at most {@code cap}, torchvision's stats.
     */
    private static DetectionInput prepare(RgbImage image, int shorter, int cap, boolean flip) {
        return DetectionInput.of(
                image,
                new DetectorConfig.ImageScale(shorter, cap, true),
                flip,
                Preprocessing.Torchvision.IMAGENET);
    }

    private static RgbImage randomImage(int width, int height, long seed) {
        byte[] chw = new byte[3 * width * height];
        new Random(seed).nextBytes(chw);
        return RgbImage.of(width, height, chw);
    }
}
