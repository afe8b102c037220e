package org.resnetj.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Batches through one reused direct buffer arrive with their values, shapes and type. */
class InputBufferTest {

    @Test
    void eachLoadHoldsItsOwnBatchWhateverItsSize() {
        InputBuffer input = new InputBuffer();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int n : new int[] {2, 5, 1, 5}) {
                float[] values = new float[n * 3 * 4 * 4];
                for (int i = 0; i < values.length; i++) {
                    values[i] = n * 1000 + i - 0.5f;
                }
                try (NDManager scope = manager.newSubManager()) {
                    NDArray array = input.load(values, new Shape(n, 3, 4, 4), scope);

                    assertThat(array.getShape()).isEqualTo(new Shape(n, 3, 4, 4));
                    assertThat(array.getDataType()).isEqualTo(DataType.FLOAT32);
                    assertThat(array.toFloatArray()).containsExactly(values);
                    assertThat(array.sum().getFloat())
                            .isEqualTo(scope.create(values).sum().getFloat());
                }
            }
        }
    }

    @Test
    void aShapeThatDoesNotHoldTheValuesIsRejected() {
        InputBuffer input = new InputBuffer();
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> input.load(new float[10], new Shape(2, 3), manager))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("holds 6 values, got 10");
        }
    }
}
