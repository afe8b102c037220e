package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** py-faster-rcnn's IoU, worked by hand with inclusive (+1) pixel areas. */
class OverlapsTest {

    @Test
    void countsInclusivePixelsInAreasAndIntersections() {
        float[] boxes = {0, 0, 9, 9}; // 10×10 = 100 pixels
        float[] queries = {
            5, 5, 14, 14, // a 5×5 corner shared: 25 / (100 + 100 − 25)
            9, 0, 18, 9, // one shared column of 10 pixels: 10 / 190
            10, 0, 19, 9, // adjacent, no shared pixel
            0, 0, 9, 9, // the same box
            2, 3, 2, 3 // one pixel inside: 1 / 100
        };
        assertThat(Overlaps.iou(boxes, queries))
                .containsExactly(
                        new double[] {25.0 / 175, 10.0 / 190, 0, 1, 1.0 / 100}, within(1e-15));
    }

    @Test
    void isRowMajorBoxesByQueries() {
        float[] boxes = {0, 0, 9, 9, 100, 100, 109, 109};
        float[] queries = {0, 0, 9, 4, 100, 100, 109, 109, 50, 50, 60, 60};
        assertThat(Overlaps.iou(boxes, queries))
                .containsExactly(new double[] {0.5, 0, 0, 0, 1, 0}, within(1e-15));
    }

    @Test
    void emptySetsGiveAnEmptyMatrix() {
        assertThat(Overlaps.iou(new float[0], new float[] {0, 0, 1, 1})).isEmpty();
        assertThat(Overlaps.iou(new float[] {0, 0, 1, 1}, new float[0])).isEmpty();
    }

    @Test
    void rejectsCoordinatesNotInFours() {
        assertThatThrownBy(() -> Overlaps.iou(new float[] {0, 0, 1}, new float[4]))
                .hasMessageContaining("expected 4 per box");
    }
}
