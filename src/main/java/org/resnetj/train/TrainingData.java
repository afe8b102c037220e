package org.resnetj.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.resnetj.data.BatchStream;
import org.resnetj.data.Shard;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.Network;

/**
 * What the training loop reads, whatever the kind of data: the training batches, the per-pixel mean
 * they were centred with, and the evaluation the loop runs on the held-out split. The loop,
 * checkpoints, metrics and curves are the same for every kind.
 */
public interface TrainingData {

    /** A one-line description of what was found, for the log (kind, classes, image counts). */
    String describe();

    /** Whether the data is the generated synthetic set. */
    boolean synthetic();

    /** Training images. */
    int trainSize();

    /** The number of classes. */
    int classes();

    /** The readable class names, in class order. */
    List<String> classNames();

    /** The side of the training crops, which the network is built for. */
    int side();

    /** The training set's per-pixel mean, 3×side×side values of pixel / 255, CHW. */
    float[] pixelMean();

    /** The name of the split {@link #evaluate} uses ({@code test}, {@code val}). */
    String evalSplit();

    /**
     * The stream of training batches from iteration {@code start}: the batch of iteration k is a
     * function of (seed, k) alone.
     */
    default BatchStream batches(Recipe recipe, long start) {
        return batches(recipe, start, Shard.WHOLE);
    }

    /**
     * {@code shard}'s share of every batch of {@link #batches(Recipe, long)}: a data-parallel
     * process reads and decodes only its own images of each global batch.
     */
    BatchStream batches(Recipe recipe, long start, Shard shard);

    /** Top-1 and top-5 error of {@code network} on the evaluation split, in inference mode. */
    default Evaluator.Result evaluate(Network network) throws IOException {
        return evaluate(network, Shard.WHOLE);
    }

    /** The errors on {@code shard}'s contiguous share of the evaluation split. */
    Evaluator.Result evaluate(Network network, Shard shard) throws IOException;

    /** Training images that could not be read and were skipped so far; 0 where none can fail. */
    long skippedImages();

    /**
     * Opens {@code data} for training with {@code recipe}, as its {@link DataKind} does.
     *
     * @throws IOException with a one-line message if it is of no known kind, or cannot be read
     */
    static TrainingData open(Path data, Recipe recipe, int threads) throws IOException {
        return DataKind.of(data).open(data).training(recipe, threads);
    }
}
