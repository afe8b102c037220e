package org.resnetj.train;

import java.util.List;
import java.util.Locale;
import org.resnetj.data.BatchStream;
import org.resnetj.data.Cifar10;
import org.resnetj.data.Cifar10Data;
import org.resnetj.data.CifarImages;
import org.resnetj.data.PixelMean;
import org.resnetj.data.Shard;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.data.TrainBatches;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.Network;

/**
 * CIFAR-10 binary files as training data (Section 4.2): the 50k training images, or 45k of them
 * with {@code validation=true}, evaluated on the test set or the 5k held out.
 */
final class CifarTraining implements TrainingData {

    /** Images per evaluation batch. */
    private static final int EVAL_BATCH = 250;

    private final Cifar10Data data;
    private final CifarImages train;
    private final CifarImages eval;
    private final String split;
    private final float[] mean;
    private final int threads;

    private CifarTraining(
            Cifar10Data data, CifarImages train, CifarImages eval, String split, int threads) {
        this.data = data;
        this.threads = threads;
        this.train = train;
        this.eval = eval;
        this.split = split;
        this.mean = PixelMean.of(train);
    }

    /**
     * The training data of {@code recipe} on CIFAR-10 data already read, prepared on {@code
     * threads} threads.
     */
    static CifarTraining open(Cifar10Data data, Recipe recipe, int threads) {
        CifarImages train = data.train();
        if (!recipe.validation()) {
            return new CifarTraining(data, train, data.test(), "test", threads);
        }
        if (train.size() <= Recipe.VALIDATION_IMAGES) {
            throw new IllegalArgumentException(
                    "validation=true holds out "
                            + Recipe.VALIDATION_IMAGES
                            + " training images, but the data has only "
                            + train.size());
        }
        return new CifarTraining(
                data,
                train.head(train.size() - Recipe.VALIDATION_IMAGES),
                train.tail(Recipe.VALIDATION_IMAGES),
                "val",
                threads);
    }

    @Override
    public String describe() {
        return String.format(
                Locale.ROOT,
                "CIFAR-10 binary files (%s): %d training images, %d %s images",
                data.description(),
                train.size(),
                eval.size(),
                split);
    }

    @Override
    public boolean synthetic() {
        return data.synthetic();
    }

    @Override
    public int trainSize() {
        return train.size();
    }

    @Override
    public int classes() {
        return CifarImages.CLASSES;
    }

    @Override
    public List<String> classNames() {
        return data.synthetic() ? SyntheticCifar.CLASS_NAMES : Cifar10.CLASS_NAMES;
    }

    @Override
    public int side() {
        return CifarImages.SIDE;
    }

    @Override
    public float[] pixelMean() {
        return mean.clone();
    }

    @Override
    public String evalSplit() {
        return split;
    }

    @Override
    public BatchStream batches(Recipe recipe, long start, Shard shard) {
        return new BatchStream(
                TrainBatches.cifar(train, mean, recipe.batch(), recipe.seed()).shard(shard),
                start,
                threads);
    }

    @Override
    public Evaluator.Result evaluate(Network network, Shard shard) {
        int n = eval.size();
        CifarImages part = eval.tail(n - shard.first(n)).head(shard.size(n));
        return Evaluator.evaluate(network, part, mean, EVAL_BATCH);
    }

    @Override
    public long skippedImages() {
        return 0;
    }
}
