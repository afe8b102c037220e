package org.resnetj.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.resnetj.data.Batch;
import org.resnetj.data.CifarImages;
import org.resnetj.data.CifarPresets;
import org.resnetj.model.Classifier;

/**
 * Top-1 and top-5 error of a network, or an ensemble, on a CIFAR-10 image set, testing on a single
 * view of each original 32×32 image with the training set's per-pixel mean subtracted (Section
 * 4.2). An ensemble averages its members' softmax scores, as Table 5 does, the same way {@link
 * ProtocolEvaluator} averages them.
 */
public final class Evaluator {

    /** Errors as fractions of the images. */
    public record Result(double top1Error, double top5Error, int images) {}

    private Evaluator() {}

    /** Evaluates {@code network} in inference mode; nothing in it changes. */
    public static Result evaluate(
            Classifier network, CifarImages images, float[] mean, int batchSize) {
        return evaluate(List.of(network), List.of(mean), images, batchSize);
    }

    /**
     * Evaluates an ensemble in inference mode: member k sees the images centred with {@code
     * means.get(k)}, and the members' softmax scores are averaged. A single network is ranked by
     * its scores directly, which the softmax does not reorder.
     *
     * @throws IllegalArgumentException if the lists differ in length or are empty, or the members
     *     score different numbers of classes
     */
    public static Result evaluate(
            List<? extends Classifier> networks,
            List<float[]> means,
            CifarImages images,
            int batchSize) {
        if (networks.isEmpty() || networks.size() != means.size()) {
            throw new IllegalArgumentException(
                    "an ensemble needs one mean per network, got "
                            + networks.size()
                            + " networks and "
                            + means.size()
                            + " means");
        }
        List<Iterator<Batch>> members = new ArrayList<>();
        for (float[] mean : means) {
            members.add(CifarPresets.evalBatches(images, mean, batchSize).iterator());
        }
        int classes = -1;
        long top1 = 0;
        long top5 = 0;
        while (members.get(0).hasNext()) {
            double[] sums = null;
            float[] scores = null;
            int[] labels = null;
            for (int k = 0; k < networks.size(); k++) {
                Batch batch = members.get(k).next();
                labels = batch.labels();
                float[] logits = logits(networks.get(k), batch);
                int memberClasses = logits.length / batch.size();
                if (classes != -1 && memberClasses != classes) {
                    throw new IllegalArgumentException(
                            "the ensemble's networks score different numbers of classes: "
                                    + classes
                                    + " and "
                                    + memberClasses);
                }
                classes = memberClasses;
                if (networks.size() == 1) {
                    scores = logits;
                    break;
                }
                if (sums == null) {
                    sums = new double[logits.length];
                }
                ProtocolEvaluator.addSoftmax(
                        logits, classes, rows(batch.size()), 1.0 / networks.size(), sums);
            }
            if (sums != null) {
                scores = new float[sums.length];
                for (int i = 0; i < sums.length; i++) {
                    scores[i] = (float) sums[i];
                }
            }
            int[] errors = TopK.errors(scores, labels, classes, 1, Math.min(5, classes));
            top1 += errors[0];
            top5 += errors[1];
        }
        return new Result(
                (double) top1 / images.size(), (double) top5 / images.size(), images.size());
    }

    /** The network's scores of a batch, in a sub-manager closed as soon as they are read. */
    private static float[] logits(Classifier network, Batch batch) {
        try (NDManager scope = network.manager().newSubManager()) {
            NDArray x = scope.create(batch.images(), new Shape(batch.shape()));
            return network.logits(x).toFloatArray();
        }
    }

    /** Each row its own owner: 0, 1, ..., n−1. */
    private static int[] rows(int n) {
        int[] owners = new int[n];
        for (int i = 0; i < n; i++) {
            owners[i] = i;
        }
        return owners;
    }
}
