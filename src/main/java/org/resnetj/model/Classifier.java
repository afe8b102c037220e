package org.resnetj.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.resnetj.engine.InferenceNetwork;

/**
 * What evaluation and classification need of a network: class scores for a batch. A {@link Network}
 * is one (its inference mode, as training evaluates it), and so is an {@link InferenceNetwork}
 * compiled from one.
 */
public interface Classifier extends AutoCloseable {

    /**
     * The class scores (logits) of a batch, N×classes, in the input's manager; changes nothing.
     *
     * @param input an NCHW float batch
     */
    NDArray logits(NDArray input);

    /** The layer plan the scores come from. */
    Layer.Sequence plan();

    /** The manager that owns the weights; batches go in sub-managers of it. */
    NDManager manager();

    /** Frees the weights. */
    @Override
    void close();
}
