package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SgdTest {

    /** Two steps of v ← μv − lr(g + λw); w ← w + v, computed by hand for loss = Σ w²/2 · c. */
    @Test
    void updateFollowsCaffesMomentumFormWithWeightDecay() {
        float mu = 0.9f;
        float wd = 0.1f;
        float[] w0 = {1f, -2f, 0.5f};
        float[] c = {3f, 1f, -4f};
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w = manager.create(w0.clone());
            w.setRequiresGradient(true);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w", w);
            try (Sgd sgd = new Sgd(params, mu, wd, manager)) {
                float[] expectW = w0.clone();
                float[] v = new float[3];
                float[] lrs = {0.1f, 0.01f};
                for (float lr : lrs) {
                    try (NDManager scope = manager.newSubManager();
                            GradientCollector collector =
                                    Engine.getInstance().newGradientCollector()) {
                        NDArray loss = w.mul(w).mul(scope.create(c)).sum().div(2);
                        collector.backward(loss);
                    }
                    sgd.step(lr);
                    for (int i = 0; i < 3; i++) {
                        float g = c[i] * expectW[i];
                        v[i] = mu * v[i] - lr * (g + wd * expectW[i]);
                        expectW[i] += v[i];
                    }
                    float[] got = w.toFloatArray();
                    for (int i = 0; i < 3; i++) {
                        assertThat(got[i]).isCloseTo(expectW[i], within(1e-6f));
                    }
                    float[] velocity = sgd.velocities().get("w").toFloatArray();
                    for (int i = 0; i < 3; i++) {
                        assertThat(velocity[i]).isCloseTo(v[i], within(1e-6f));
                    }
                }
            }
        }
    }
}
