package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PixelMeanTest {

    @Test
    void isTheExactMeanOfEachPixelInUnitScale() {
        byte[] pixels = new byte[5 * CifarImages.IMAGE_SIZE];
        new SplittableRandom(1).nextBytes(pixels);
        CifarImages set = CifarImages.of(pixels, new byte[5]).tail(3);

        float[] mean = PixelMean.of(set);

        assertThat(mean).hasSize(CifarImages.IMAGE_SIZE);
        for (int k = 0; k < CifarImages.IMAGE_SIZE; k++) {
            long sum = 0;
            for (int i = 2; i < 5; i++) {
                sum += pixels[i * CifarImages.IMAGE_SIZE + k] & 0xFF;
            }
            assertThat(mean[k]).isEqualTo((float) (sum / (255.0 * 3)));
        }
    }

    @Test
    void aConstantSetIsItsOwnMean() {
        byte[] pixels = new byte[4 * CifarImages.IMAGE_SIZE];
        java.util.Arrays.fill(pixels, (byte) 255);

        assertThat(PixelMean.of(CifarImages.of(pixels, new byte[4]))).containsOnly(1f);
    }

    @Test
    void anEmptySetHasNoMean() {
        assertThatThrownBy(() -> PixelMean.of(CifarImages.of(new byte[0], new byte[0])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
    }
}
