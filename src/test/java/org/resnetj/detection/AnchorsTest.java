package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Anchors against py-faster-rcnn's {@code generate_anchors} and hand-worked shifts. */
class AnchorsTest {

    @Test
    void vocAnchorsAreTheMatlabTableInPyFasterRcnnsGenerateAnchorsLessOnePixel() {
        // The 9 anchors of Faster R-CNN's MATLAB release (anchors.mat), as py-faster-rcnn's
        // generate_anchors quotes them to check itself against: MATLAB's pixels count from 1,
        // py-faster-rcnn's (and ours) from 0, so its anchors are these less 1.
        float[] matlab = {
            -83, -39, 100, 56,
            -175, -87, 192, 104,
            -359, -183, 376, 200,
            -55, -55, 72, 72,
            -119, -119, 136, 136,
            -247, -247, 264, 264,
            -35, -79, 52, 96,
            -79, -167, 96, 184,
            -167, -343, 184, 360
        };
        float[] expected = new float[matlab.length];
        for (int i = 0; i < matlab.length; i++) {
            expected[i] = matlab[i] - 1;
        }
        Anchors voc = Anchors.voc();
        assertThat(voc.count()).isEqualTo(9);
        assertThat(voc.base()).containsExactly(expected);
    }

    @Test
    void cocoAddsTheSixtyFourPixelAreaToEachRatio() {
        Anchors coco = Anchors.coco();
        assertThat(coco.count()).isEqualTo(12);
        float[] base = coco.base();
        // Ratio 1:2 gives a 23×12 box centred at 7.5; 64/16 = 4 times that is 92×48.
        assertThat(Arrays.copyOfRange(base, 0, 4)).containsExactly(-38, -16, 53, 31);
        // Ratio 1:1 at 64²: 64×64 centred at 7.5.
        assertThat(Arrays.copyOfRange(base, 16, 20)).containsExactly(-24, -24, 39, 39);
        // The VOC areas follow at each ratio, as in the VOC table.
        assertThat(Arrays.copyOfRange(base, 4, 8)).containsExactly(-84, -40, 99, 55);
    }

    @Test
    void gridShiftsEachAnchorByTheStridePositionMajor() {
        Anchors voc = Anchors.voc();
        float[] grid = voc.grid(3, 5);
        assertThat(grid).hasSize(3 * 5 * 9 * 4);
        // Anchor 4 (ratio 1:1, 256²) at row 2, column 3: shifted by (48, 32).
        int box = (2 * 5 + 3) * 9 + 4;
        assertThat(Arrays.copyOfRange(grid, 4 * box, 4 * box + 4))
                .containsExactly(-120 + 48, -120 + 32, 135 + 48, 135 + 32);
    }
}
