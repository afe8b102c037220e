package org.resnetj.train;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.resnetj.data.BatchStream;
import org.resnetj.data.ImageDecoder;
import org.resnetj.data.ImageFolder;
import org.resnetj.data.ImageFolderMean;
import org.resnetj.data.ImageNetPresets;
import org.resnetj.data.ImageSource;
import org.resnetj.data.Lighting;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.data.Shard;
import org.resnetj.data.TrainBatches;
import org.resnetj.eval.Evaluator;
import org.resnetj.eval.Protocol;
import org.resnetj.eval.ProtocolEvaluator;
import org.resnetj.model.Network;

/**
 * An image folder ({@code train/CLASS/*.jpg}, {@code val/CLASS/*.jpg}) as training data, with the
 * ImageNet pipeline of Section 3.4: scale augmentation, random 224×224 crops and flips, the
 * per-pixel mean, PCA lighting. The loop evaluates on {@code val/} with the center crop, the
 * protocol of the paper's validation curves (Fig. 4).
 *
 * <p>The per-pixel mean and, with {@code lighting_pca=data}, the lighting's eigenvectors are
 * computed from a fixed sample of the training images ({@link ImageFolderMean#DEFAULT_SAMPLE}, seed
 * 0): they describe the data, not the run, so every seed of a run sees the same, and a resumed run
 * recomputes exactly the values it started with.
 */
final class FolderTraining implements TrainingData {

    /** Images per evaluation batch. */
    private static final int EVAL_BATCH = 32;

    /** The seed of the statistics sample: a property of the data, the same for every run. */
    private static final long STATISTICS_SEED = 0;

    private final ImageFolder folder;
    private final ImageFolder.Split val;
    private final ImageDecoder train;
    private final float[] mean;
    private final Lighting lighting;
    private final int threads;

    private FolderTraining(
            ImageFolder folder,
            ImageFolder.Split val,
            ImageDecoder train,
            float[] mean,
            Lighting lighting,
            int threads) {
        this.folder = folder;
        this.val = val;
        this.train = train;
        this.mean = mean;
        this.lighting = lighting;
        this.threads = threads;
    }

    /**
     * The training data of {@code recipe} on an image folder already listed, prepared on {@code
     * threads} threads.
     */
    static FolderTraining open(ImageFolder folder, Recipe recipe, int threads) throws IOException {
        ImageFolder.Split val = folder.requireVal("training evaluates on val/CLASS/*.jpg");
        ImageDecoder train = new ImageDecoder(folder.train(), recipe.badImages());
        float[] mean =
                ImageFolderMean.of(train, ImageFolderMean.DEFAULT_SAMPLE, STATISTICS_SEED, threads);
        Lighting lighting = Lighting.NONE;
        if (recipe.lighting() > 0) {
            Lighting eigen =
                    recipe.lightingPca() == Recipe.LightingPca.DATA
                            ? Lighting.fromData(
                                    train, ImageFolderMean.DEFAULT_SAMPLE, STATISTICS_SEED, threads)
                            : Lighting.IMAGENET;
            lighting = eigen.withStd(recipe.lighting());
        }
        return new FolderTraining(folder, val, train, mean, lighting, threads);
    }

    @Override
    public String describe() {
        return String.format(
                Locale.ROOT,
                "image folder %s: %d classes, %d training images, %d val images",
                folder.root(),
                folder.classNames().size(),
                folder.train().size(),
                val.size());
    }

    @Override
    public boolean synthetic() {
        return false;
    }

    @Override
    public int trainSize() {
        return folder.train().size();
    }

    @Override
    public int classes() {
        return folder.classNames().size();
    }

    @Override
    public List<String> classNames() {
        return folder.labels();
    }

    @Override
    public int side() {
        return ImageNetPresets.CROP;
    }

    @Override
    public float[] pixelMean() {
        return mean.clone();
    }

    @Override
    public String evalSplit() {
        return "val";
    }

    @Override
    public BatchStream batches(Recipe recipe, long start, Shard shard) {
        return new BatchStream(
                TrainBatches.imageFolder(train, mean, lighting, recipe.batch(), recipe.seed())
                        .shard(shard),
                start,
                threads);
    }

    @Override
    public Evaluator.Result evaluate(Network network, Shard shard) throws IOException {
        ProtocolEvaluator.Model model =
                new ProtocolEvaluator.Model(
                        "training", network, new Preprocessing.PerPixelMean(mean));
        return ProtocolEvaluator.evaluate(
                        List.of(model),
                        new Part(val, shard.first(val.size()), shard.size(val.size())),
                        Protocol.CENTER,
                        EVAL_BATCH,
                        threads,
                        train.policy(),
                        done -> {})
                .errors();
    }

    @Override
    public long skippedImages() {
        return train.skipped();
    }

    /** Images [first, first + size) of {@code whole}: one rank's share of an evaluation. */
    private record Part(ImageSource whole, int first, int size) implements ImageSource {
        @Override
        public int label(int index) {
            return whole.label(first + Objects.checkIndex(index, size));
        }

        @Override
        public int classes() {
            return whole.classes();
        }

        @Override
        public String describe(int index) {
            return whole.describe(first + Objects.checkIndex(index, size));
        }

        @Override
        public RgbImage image(int index) throws IOException {
            return whole.image(first + Objects.checkIndex(index, size));
        }
    }
}
