package org.resnetj.distributed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.resnetj.model.Layer;
import org.resnetj.model.Network;

/**
 * Synchronised batch normalization for one training step: every BN layer normalizes with the mean
 * and variance of the global batch, the shards of all ranks together, as one process holding the
 * whole batch would (PyTorch's {@code SyncBatchNorm}), instead of each replica's own shard.
 *
 * <p>Forward: per channel, each rank's element count m, sum and centred sum of squares are summed
 * over the ranks (one allreduce of 2C+1 doubles per BN layer), giving the global mean μ and the
 * biased variance σ² that normalize; the running statistics move towards μ and the unbiased σ²·M/(M
 * − 1), M being the global count, as the engine's BN does.
 *
 * <p>Backward: for y = γ·x̂ + β with x̂ = (x − μ)/σ, the gradient of the global objective is dx =
 * (γ/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)), the means over the global batch, so each rank needs the
 * sums of dy and dy·x̂ of all ranks (one allreduce of 2C doubles per BN layer). DJL's autograd has
 * no custom functions, so the graph is cut at every BN output and every block output: each cut's
 * output is a leaf array of its own, and {@link #backward} runs the engine's backward pass piece by
 * piece, from the loss and then from the last cut to the first, each cut's input receiving its
 * gradient once the gradient of its output is complete (a BN's corrected, a block's as it is). The
 * pieces share nodes (the view of a block's output that feeds both the next block's branch and its
 * shortcut), so every pass keeps the graph; gradients accumulate in the parameters across passes,
 * as the engine's leaves do.
 *
 * <p>Scale: each rank's loss is the mean over its own shard, and {@link Replicas#averageGradients}
 * weighs each rank's gradients by its share w = m/M of the images. The sums that travel are
 * weighted by w, and the corrected input gradient is divided by it again, so every gradient on a
 * rank, γ's and β's too, stays in the units of its own loss.
 */
public final class SyncBatchNorm implements Network.BatchNormalizer {

    private final Replicas replicas;
    private final List<Cut> cuts = new ArrayList<>();

    /**
     * One cut of the graph: a BN layer's, or a block output's, which passes its gradient on as it
     * is.
     *
     * @param input the layer's input, in the graph before the cut
     * @param normalized x̂, a constant, or null at a block's output
     * @param scale γ/σ per channel, broadcastable to the input, a constant
     * @param gamma the layer's γ, a parameter
     * @param beta the layer's β, a parameter
     * @param output the leaf the graph after the cut starts from
     * @param count this rank's elements per channel
     * @param total the elements per channel of all ranks
     */
    private record Cut(
            NDArray input,
            NDArray normalized,
            NDArray scale,
            NDArray gamma,
            NDArray beta,
            NDArray output,
            long count,
            double total) {}

    /** Synchronised BN over the ranks of {@code replicas}, for one forward and backward pass. */
    public SyncBatchNorm(Replicas replicas) {
        this.replicas = replicas;
    }

    /**
     * Cuts the graph at a block's output too. The residual stream runs from block to block: a
     * piece's backward pass would otherwise go down the shortcuts to the first layer, for every BN,
     * and cost time quadratic in the depth.
     */
    @Override
    public NDArray blockOutput(NDArray y) {
        NDArray output = y.stopGradient();
        output.setRequiresGradient(true);
        cuts.add(new Cut(y.reshape(y.getShape()), null, null, null, null, output, 0, 0));
        // A view: the network frees its handle once the next block has read it, and reads it only.
        return output.reshape(output.getShape());
    }

    @Override
    public NDArray normalize(
            Layer.BatchNorm bn,
            NDArray x,
            NDArray gamma,
            NDArray beta,
            NDArray runningMean,
            NDArray runningVar) {
        int channels = bn.channels();
        int[] axes = channelReduction(x);
        Shape perChannel = perChannelShape(x);
        NDArray values = x.stopGradient();
        long count = x.size() / channels;
        float[] localMean;
        try (NDArray sums = values.sum(axes)) {
            localMean = sums.toFloatArray();
        }
        for (int c = 0; c < channels; c++) {
            localMean[c] /= count;
        }
        float[] centredSquares;
        try (NDArray mean = x.getManager().create(localMean, perChannel);
                NDArray centred = values.sub(mean);
                NDArray squares = centred.square();
                NDArray squareSums = squares.sum(axes)) {
            centredSquares = squareSums.toFloatArray();
        }
        // Chan et al.'s combination of per-rank moments: Σx and Σ(x − μ)² + m·μ_r², in doubles.
        double[] sums = new double[2 * channels + 1];
        sums[0] = count;
        for (int c = 0; c < channels; c++) {
            sums[1 + c] = (double) count * localMean[c];
            sums[1 + channels + c] =
                    centredSquares[c] + (double) count * localMean[c] * localMean[c];
        }
        double[] global = replicas.sum(sums);
        double total = global[0];
        float[] mean = new float[channels];
        float[] variance = new float[channels];
        float[] unbiased = new float[channels];
        float[] invStd = new float[channels];
        for (int c = 0; c < channels; c++) {
            double mu = global[1 + c] / total;
            double var = Math.max(0, global[1 + channels + c] / total - mu * mu);
            mean[c] = (float) mu;
            variance[c] = (float) var;
            unbiased[c] = (float) (total > 1 ? var * total / (total - 1) : var);
            invStd[c] = (float) (1 / Math.sqrt(var + Network.BN_EPSILON));
        }
        updateRunning(runningMean, mean);
        updateRunning(runningVar, unbiased);

        NDArray normalized;
        NDArray scale;
        NDArray output;
        try (NDArray mu = x.getManager().create(mean, perChannel);
                NDArray inv = x.getManager().create(invStd, perChannel);
                NDArray fixedGamma = gamma.stopGradient();
                NDArray fixedBeta = beta.stopGradient();
                NDArray g = fixedGamma.reshape(perChannel);
                NDArray b = fixedBeta.reshape(perChannel)) {
            normalized = values.sub(mu).muli(inv);
            scale = g.mul(inv);
            output = normalized.mul(g).addi(b);
        }
        values.close();
        output.setRequiresGradient(true);
        // The network frees its handle of x once this layer has consumed it: the cut keeps its own,
        // a view in the graph (DJL's duplicate() copies outside the graph).
        cuts.add(
                new Cut(
                        x.reshape(x.getShape()),
                        normalized,
                        scale,
                        gamma,
                        beta,
                        output,
                        count,
                        total));
        // A copy in the graph: the layers after may add into it in place, which neither a leaf
        // nor a view of one allows.
        return output.add(0f);
    }

    /**
     * The backward pass of {@code loss}, a scalar computed from the last forward pass: the
     * gradients of every parameter accumulate as one backward pass through ordinary BN of the
     * global batch would give them, in the units of this rank's loss.
     */
    public void backward(NDArray loss) {
        try (NDArray ones = loss.onesLike()) {
            backward(loss, ones);
        }
        for (int i = cuts.size() - 1; i >= 0; i--) {
            Cut cut = cuts.get(i);
            try (NDArray dy = cut.output().getGradient()) {
                if (cut.normalized() == null) {
                    backward(cut.input(), dy);
                } else {
                    backwardThroughBatchNorm(cut, dy);
                }
            }
        }
    }

    /**
     * Carries dx = (γ/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)), the means over the global batch, into
     * the graph before the cut, and adds γ's and β's gradients, Σ dy·x̂ and Σ dy over this rank's
     * share, through a graph of their own C values.
     */
    private void backwardThroughBatchNorm(Cut cut, NDArray dy) {
        int[] axes = channelReduction(dy);
        int channels = (int) (dy.size() / cut.count());
        double share = cut.count() / cut.total();
        try (NDArray dySum = dy.sum(axes);
                NDArray product = dy.mul(cut.normalized());
                NDArray dyNormalizedSum = product.sum(axes)) {
            float[] s1 = dySum.toFloatArray();
            float[] s2 = dyNormalizedSum.toFloatArray();
            double[] sums = new double[2 * channels];
            for (int c = 0; c < channels; c++) {
                sums[c] = share * s1[c];
                sums[channels + c] = share * s2[c];
            }
            double[] global = replicas.sum(sums);
            // The global means divided by this rank's share w: (1/M)·Σ_r w_r·s_r / w = Σ_r
            // w_r·s_r/m.
            float[] meanDy = new float[channels];
            float[] meanDyNormalized = new float[channels];
            for (int c = 0; c < channels; c++) {
                meanDy[c] = (float) (global[c] / cut.count());
                meanDyNormalized[c] = (float) (global[channels + c] / cut.count());
            }
            Shape perChannel = perChannelShape(dy);
            try (NDArray m1 = dy.getManager().create(meanDy, perChannel);
                    NDArray m2 = dy.getManager().create(meanDyNormalized, perChannel);
                    NDArray projection = cut.normalized().mul(m2);
                    NDArray dx = dy.sub(m1)) {
                dx.subi(projection).muli(cut.scale());
                backward(cut.input(), dx);
            }
            try (NDArray gammaTerm = cut.gamma().mul(dyNormalizedSum);
                    NDArray betaTerm = cut.beta().mul(dySum);
                    NDArray terms = gammaTerm.add(betaTerm);
                    NDArray target = terms.sum();
                    NDArray one = target.onesLike()) {
                backward(target, one);
            }
        }
    }

    /** running = momentum·running + (1 − momentum)·batch, in place, outside the graph. */
    private static void updateRunning(NDArray running, float[] batch) {
        try (NDArray value = running.getManager().create(batch, running.getShape());
                NDArray step = value.mul(1 - Network.BN_MOMENTUM)) {
            running.muli(Network.BN_MOMENTUM).addi(step);
        }
    }

    /**
     * The backward pass of {@code target} given its gradient, keeping the graph, whose nodes the
     * later pieces share.
     */
    private static void backward(NDArray target, NDArray gradient) {
        JniUtils.backward((PtNDArray) target, (PtNDArray) gradient, true, false);
    }

    /** Every axis but the channel axis 1. */
    private static int[] channelReduction(NDArray x) {
        int[] axes = new int[x.getShape().dimension() - 1];
        axes[0] = 0;
        for (int i = 1; i < axes.length; i++) {
            axes[i] = i + 1;
        }
        return axes;
    }

    /** (1, C, 1, ...) for an input of shape (N, C, ...). */
    private static Shape perChannelShape(NDArray x) {
        long[] dims = new long[x.getShape().dimension()];
        Arrays.fill(dims, 1);
        dims[1] = x.getShape().get(1);
        return new Shape(dims);
    }
}
