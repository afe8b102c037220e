package org.resnetj.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.resnetj.data.Batch;
import org.resnetj.data.BatchStream;
import org.resnetj.data.ImageSet;
import org.resnetj.model.Network;

/**
 * Top-1 and top-5 error of a network on a CIFAR-10 image set, testing on a single view of each
 * original 32×32 image with the training set's per-pixel mean subtracted (Section 4.2).
 */
public final class Evaluator {

    /** Errors as fractions of the images. */
    public record Result(double top1Error, double top5Error, int images) {}

    private Evaluator() {}

    /** Evaluates {@code network} in inference mode; nothing in it changes. */
    public static Result evaluate(Network network, ImageSet images, float[] mean, int batchSize) {
        int classes = -1;
        long top1 = 0;
        long top5 = 0;
        for (Batch batch : BatchStream.eval(images, mean, batchSize)) {
            int n = batch.size();
            try (NDManager scope = network.manager().newSubManager()) {
                NDArray x = scope.create(batch.images(), new Shape(batch.shape()));
                NDArray scores = network.forward(x, false);
                classes = (int) scores.getShape().get(1);
                int[] errors = TopK.errors(scores.toFloatArray(), batch.labels(), classes, 1, Math.min(5, classes));
                top1 += errors[0];
                top5 += errors[1];
            }
        }
        return new Result((double) top1 / images.size(), (double) top5 / images.size(), images.size());
    }
}
