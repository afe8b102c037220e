package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CifarImagesTest {

    /** Image i has every pixel equal to i and label i % 10. */
    static CifarImages numbered(int count) {
        byte[] pixels = new byte[count * CifarImages.IMAGE_SIZE];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            java.util.Arrays.fill(
                    pixels, i * CifarImages.IMAGE_SIZE, (i + 1) * CifarImages.IMAGE_SIZE, (byte) i);
            labels[i] = (byte) (i % 10);
        }
        return CifarImages.of(pixels, labels);
    }

    @Test
    void headAndTailSplitOffTheLastImagesForValidation() {
        CifarImages all = numbered(12);

        CifarImages train = all.head(9);
        CifarImages val = all.tail(3);

        assertThat(train.size()).isEqualTo(9);
        assertThat(val.size()).isEqualTo(3);
        assertThat(train.image(8)[0]).isEqualTo((byte) 8);
        assertThat(val.image(0)[0]).isEqualTo((byte) 9);
        assertThat(val.label(2)).isEqualTo(1);
        assertThat(val.tail(1).image(0)[100]).isEqualTo((byte) 11);
        assertThat(all.labelCounts()).containsExactly(2, 2, 1, 1, 1, 1, 1, 1, 1, 1);
    }

    @Test
    void ofCopiesItsInput() {
        byte[] pixels = new byte[CifarImages.IMAGE_SIZE];
        CifarImages set = CifarImages.of(pixels, new byte[] {3});
        pixels[0] = 42;
        set.image(0)[1] = 7;

        assertThat(set.image(0)[0]).isZero();
        assertThat(set.image(0)[1]).isZero();
    }

    @Test
    void badInputIsRejected() {
        assertThatThrownBy(() -> CifarImages.of(new byte[10], new byte[1]))
                .hasMessageContaining("3072 bytes per label");
        assertThatThrownBy(() -> CifarImages.of(new byte[CifarImages.IMAGE_SIZE], new byte[] {10}))
                .hasMessageContaining("label 10, expected 0..9");
        assertThatThrownBy(() -> numbered(3).head(4))
                .hasMessageContaining("cannot take 4 images of a set of 3");
        assertThatThrownBy(() -> numbered(3).tail(2).label(2))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
