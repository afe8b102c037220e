package org.resnetj.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SGD with momentum and weight decay in the form of Caffe, which the paper used:
 *
 * <pre>
 *   v ← μ·v − lr·(g + λ·w)
 *   w ← w + v
 * </pre>
 *
 * The learning rate sits inside the velocity, so when the LR is divided by 10 the momentum already
 * accumulated keeps its old scale for a few steps. PyTorch's form (v ← μ·v + g; w ← w − lr·v)
 * differs exactly there; both are the same at a constant LR. Weight decay applies to every
 * parameter. The optimizer owns its velocities, by parameter name, so they can be checkpointed. It
 * never looks inside a layer: it sees names and arrays.
 */
public final class Sgd implements AutoCloseable {

    private final Map<String, NDArray> parameters;
    private final Map<String, NDArray> velocities = new LinkedHashMap<>();
    private final NDManager manager;
    private final float momentum;
    private final float weightDecay;

    /**
     * Creates zero velocities for {@code parameters} in a sub-manager of {@code parent}.
     *
     * @param parameters the parameters to update, by name; they must record gradients
     */
    public Sgd(
            Map<String, NDArray> parameters, float momentum, float weightDecay, NDManager parent) {
        this.parameters = parameters;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.manager = parent.newSubManager();
        parameters.forEach(
                (name, w) -> {
                    NDArray v = manager.zeros(w.getShape(), w.getDataType());
                    v.setName(name);
                    velocities.put(name, v);
                });
    }

    /** The momentum buffers, by parameter name. */
    public Map<String, NDArray> velocities() {
        return Collections.unmodifiableMap(velocities);
    }

    /**
     * Applies one update with the gradients of the last backward pass, then clears them. Must run
     * outside a gradient collector.
     */
    public void step(float lr) {
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray w = e.getValue();
            NDArray v = velocities.get(e.getKey());
            try (NDArray g = w.getGradient();
                    NDArray update = w.mul(weightDecay)) {
                update.addi(g).muli(lr);
                v.muli(momentum).subi(update);
                w.addi(v);
                g.subi(g); // gradients accumulate across backward passes: clear them
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
