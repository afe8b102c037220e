package org.resnetj.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.resnetj.data.Batch;
import org.resnetj.data.BatchStream;
import org.resnetj.data.ImageSet;
import org.resnetj.model.Classifier;

/**
 * Top-1 and top-5 error of a network, or an ensemble, on a CIFAR-10 image set, testing on a single
 * view of each original 32×32 image with the training set's per-pixel mean subtracted (Section
 * 4.2). An ensemble averages its members' softmax scores, as Table 5 does.
 */
public final class Evaluator {

    /** Errors as fractions of the images. */
    public record Result(double top1Error, double top5Error, int images) {}

    private Evaluator() {}

    /** Evaluates {@code network} in inference mode; nothing in it changes. */
    public static Result evaluate(
            Classifier network, ImageSet images, float[] mean, int batchSize) {
        int classes = -1;
        long top1 = 0;
        long top5 = 0;
        for (Batch batch : BatchStream.eval(images, mean, batchSize)) {
            try (NDManager scope = network.manager().newSubManager()) {
                NDArray x = scope.create(batch.images(), new Shape(batch.shape()));
                NDArray scores = network.logits(x);
                classes = (int) scores.getShape().get(1);
                int[] errors =
                        TopK.errors(
                                scores.toFloatArray(),
                                batch.labels(),
                                classes,
                                1,
                                Math.min(5, classes));
                top1 += errors[0];
                top5 += errors[1];
            }
        }
        return new Result(
                (double) top1 / images.size(), (double) top5 / images.size(), images.size());
    }

    /**
     * Evaluates an ensemble in inference mode: member k sees the images centred with {@code
     * means.get(k)}, and the members' softmax scores are averaged.
     *
     * @throws IllegalArgumentException if the lists differ in length or are empty, or the members
     *     score different numbers of classes
     */
    public static Result evaluate(
            List<? extends Classifier> networks,
            List<float[]> means,
            ImageSet images,
            int batchSize) {
        if (networks.isEmpty() || networks.size() != means.size()) {
            throw new IllegalArgumentException(
                    "an ensemble needs one mean per network, got "
                            + networks.size()
                            + " networks and "
                            + means.size()
                            + " means");
        }
        if (networks.size() == 1) {
            return evaluate(networks.get(0), images, means.get(0), batchSize);
        }
        List<Iterator<Batch>> members = new ArrayList<>();
        for (float[] mean : means) {
            members.add(BatchStream.eval(images, mean, batchSize).iterator());
        }
        int classes = -1;
        long top1 = 0;
        long top5 = 0;
        while (members.get(0).hasNext()) {
            float[] average = null;
            int[] labels = null;
            for (int k = 0; k < networks.size(); k++) {
                Batch batch = members.get(k).next();
                labels = batch.labels();
                Classifier network = networks.get(k);
                try (NDManager scope = network.manager().newSubManager()) {
                    NDArray x = scope.create(batch.images(), new Shape(batch.shape()));
                    float[] probabilities = network.logits(x).softmax(1).toFloatArray();
                    int memberClasses = probabilities.length / batch.size();
                    if (classes != -1 && memberClasses != classes) {
                        throw new IllegalArgumentException(
                                "the ensemble's networks score different numbers of classes: "
                                        + classes
                                        + " and "
                                        + memberClasses);
                    }
                    classes = memberClasses;
                    if (average == null) {
                        average = new float[probabilities.length];
                    }
                    for (int i = 0; i < average.length; i++) {
                        average[i] += probabilities[i] / networks.size();
                    }
                }
            }
            int[] errors = TopK.errors(average, labels, classes, 1, Math.min(5, classes));
            top1 += errors[0];
            top5 += errors[1];
        }
        return new Result(
                (double) top1 / images.size(), (double) top5 / images.size(), images.size());
    }
}
