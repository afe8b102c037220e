package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The box parameterisation on values worked out by hand (inclusive pixel widths). */
class BoxCoderTest {

    // Reference 0..15 is 16 wide, centre 8; target x 4..35 is 32 wide, centre 20, and y 2..17 is
    // 16 high, centre 10: dx = 12/16, dy = 2/16, dw = ln 2, dh = 0.
    private static final float[] REFERENCE = {0, 0, 15, 15};
    private static final float[] TARGET = {4, 2, 35, 17};

    @Test
    void encodesCentreShiftsAndLogSizeRatiosWithPlusOneWidths() {
        assertThat(BoxCoder.RPN.encode(REFERENCE, TARGET))
                .containsExactly(
                        new float[] {0.75f, 0.125f, (float) Math.log(2), 0}, within(1e-6f));
    }

    @Test
    void fastRcnnTargetsAreDividedByTheirStandardDeviations() {
        assertThat(BoxCoder.FAST_RCNN.encode(REFERENCE, TARGET))
                .containsExactly(
                        new float[] {7.5f, 1.25f, (float) (Math.log(2) / 0.2), 0}, within(1e-5f));
    }

    @Test
    void decodingAnEncodingGivesTheBoxBack() {
        for (BoxCoder coder : new BoxCoder[] {BoxCoder.RPN, BoxCoder.FAST_RCNN}) {
            assertThat(coder.decode(REFERENCE, coder.encode(REFERENCE, TARGET)))
                    .containsExactly(TARGET, within(1e-4f));
        }
    }

    @Test
    void decodesEachClassGroupAgainstItsOwnReference() {
        float[] references = {0, 0, 15, 15, 10, 10, 19, 29}; // the second 10 wide, 20 high
        float[] deltas = {
            0,
            0,
            0,
            0,
            0.75f,
            0.125f,
            (float) Math.log(2),
            0, // box 0, classes 0 and 1
            0.5f,
            -0.5f,
            0,
            (float) Math.log(0.5),
            0,
            0,
            0,
            0 // box 1
        };
        float[] boxes = BoxCoder.RPN.decode(references, deltas);
        // Box 1, class 0: centre (15 + 5, 20 - 10) = (20, 10), size 10×10.
        assertThat(boxes)
                .containsExactly(
                        new float[] {0, 0, 15, 15, 4, 2, 35, 17, 15, 5, 24, 14, 10, 10, 19, 29},
                        within(1e-4f));
    }

    @Test
    void capsSizeDeltasAtDetectronsClip() {
        float[] box = BoxCoder.RPN.decode(REFERENCE, new float[] {0, 0, 50, 50});
        assertThat(box[2] - box[0] + 1).isCloseTo(1000f, within(1e-2f)); // 16 · 1000/16
    }

    @Test
    void clipsToTheImagesLastPixel() {
        assertThat(BoxCoder.clip(new float[] {-5, 3, 700, 900}, 600, 800))
                .containsExactly(0, 3, 700, 599);
        assertThat(BoxCoder.clip(new float[] {-5, -3, 900, 650}, 600, 800))
                .containsExactly(0, 0, 799, 599);
    }
}
