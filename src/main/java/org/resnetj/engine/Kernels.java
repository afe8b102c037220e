package org.resnetj.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/**
 * The kernels a network's convolutions and BN run on, and the memory layout they run fastest in:
 * the calls that go through DJL's internal operator interface ({@code NDArrayEx}), and the 1×1
 * convolution's way around oneDNN where the host hides its caches ({@link HiddenCaches}).
 */
public final class Kernels {

    /**
     * The smallest batch that runs channels-last. oneDNN convolves channels-last maps without
     * reordering them, but for a single image its kernels for its own blocked layout, which NCHW
     * maps are reordered to and from, are faster. Measured on ResNet-50 at 224×224 (2 threads):
     * NCHW about 15% faster for 1 image, the same for 2, channels-last 12% faster for 4 and about
     * 30% for 16; channels-last 25% faster for training ResNet-20 at batch 128.
     */
    public static final long CHANNELS_LAST_MIN_BATCH = 2;

    static {
        // NNPACK cannot start where the host hides its caches, and libtorch then warns at every
        // convolution that would have used it ("Could not initialize NNPACK! Reason: Unsupported
        // hardware"); forbidding it changes no result, only the warnings go.
        if (HiddenCaches.hostHidesCaches()) {
            try {
                AtenContext.setNnpackEnabled(false);
            } catch (UnsatisfiedLinkError e) {
                // Another libtorch that renamed the switch: the warnings stay, nothing else
                // changes.
            }
        }
    }

    private Kernels() {}

    /**
     * The same values as {@code x}, an NCHW array, laid out channels-last in memory: NHWC strides
     * on the NCHW shape (PyTorch's {@code torch.channels_last}). oneDNN convolves such maps without
     * reordering them to and from its blocked layout, and every later map keeps the layout, since
     * convolution, BN, ReLU, pooling and addition preserve it.
     */
    public static NDArray channelsLast(NDArray x) {
        Shape s = x.getShape();
        // Flattening the NHWC view cannot be a view, so it copies into NHWC order.
        try (NDArray nhwc = x.transpose(0, 2, 3, 1);
                NDArray flat = nhwc.reshape(s.get(0), -1);
                NDArray dense = flat.reshape(s.get(0), s.get(2), s.get(3), s.get(1))) {
            return dense.transpose(0, 3, 1, 2);
        }
    }

    /**
     * A square convolution with a square stride and zero padding, no dilation, one group.
     *
     * @param x an NCHW map
     * @param weight out×in×k×k
     * @param bias out values, or null for none
     */
    public static NDArray convolution(
            NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        Shape w = weight.getShape();
        if (w.get(2) == 1 && w.get(3) == 1 && padding == 0 && HiddenCaches.active()) {
            return pointwise(x, weight, bias, stride);
        }
        NDArrayEx ex = x.getNDArrayInternal();
        return ex.convolution(
                        x,
                        weight,
                        bias,
                        new Shape(stride, stride),
                        new Shape(padding, padding),
                        new Shape(1, 1),
                        1)
                .singletonOrThrow();
    }

    /**
     * Batch normalization over the channel axis of an NCHW map: {@code γ(x − mean)/√(var + ε) + β},
     * with the batch's statistics in training, which then also update the running ones in place
     * (running = momentum·running + (1 − momentum)·batch), and the running statistics otherwise.
     * DJL's PyTorch engine hands the four arrays to a native function whose parameters it names in
     * another order (gamma, beta, running mean, running variance); only the names are wrong, which
     * the model's BN tests pin.
     */
    public static NDArray batchNorm(
            NDArray x,
            NDArray runningMean,
            NDArray runningVar,
            NDArray gamma,
            NDArray beta,
            float momentum,
            float epsilon,
            boolean training) {
        // Axis -1 selects the engine's native channel axis (1 for NCHW) without the transpose that
        // DJL's PyTorch engine performs for an explicit axis.
        return x.getNDArrayInternal()
                .batchNorm(x, runningMean, runningVar, gamma, beta, -1, momentum, epsilon, training)
                .singletonOrThrow();
    }

    /**
     * A 1×1 convolution as the matrix product it is, through the engine's GEMM instead of oneDNN
     * ({@link HiddenCaches}): every s-th pixel's channel vector times the weight, W[out, in]. On a
     * channels-last batch the NHWC view is dense, so the product reads the map as it lies and
     * writes a channels-last map; on an NCHW map (one image) it multiplies W by the C×HW matrix.
     */
    private static NDArray pointwise(NDArray x, NDArray weight, NDArray bias, int stride) {
        Shape s = x.getShape();
        long out = weight.getShape().get(0);
        long in = weight.getShape().get(1);
        NDArray sub = subsample(x, stride);
        long n = s.get(0);
        long h = sub.getShape().get(2);
        long w = sub.getShape().get(3);
        NDArray product;
        NDArray result;
        try (NDArray matrix = weight.reshape(out, in)) {
            if (n >= CHANNELS_LAST_MIN_BATCH) {
                try (NDArray pixels = sub.transpose(0, 2, 3, 1);
                        NDArray transposed = matrix.transpose(1, 0)) {
                    product = pixels.matMul(transposed);
                }
                result = product.transpose(0, 3, 1, 2);
            } else { // one image: W times the C×HW matrix, in one GEMM
                try (NDArray columns = sub.reshape(in, n * h * w)) {
                    product = matrix.matMul(columns);
                }
                // The product lands in the weight's manager, which outlives the batch.
                product.attach(x.getManager());
                result = product.reshape(n, out, h, w);
            }
        }
        product.close();
        if (bias != null) {
            try (NDArray perChannel = bias.reshape(1, out, 1, 1)) {
                if (result.hasGradient()) {
                    // Out of place, the result is an array of its own, not a view of the product:
                    // a later in-place addition into a view (a block's shortcut) would cost
                    // autograd a copy of the whole map in the backward pass.
                    try (NDArray view = result) {
                        result = view.add(perChannel);
                    }
                } else {
                    result.addi(perChannel);
                }
            }
        }
        if (sub != x) {
            sub.close();
        }
        return result;
    }

    /**
     * Every s-th pixel of {@code x}, x[:, :, ::s, ::s], as a 1×1 average pool with stride s: the
     * same values, and its backward pass is one scatter, where slicing's is a zero map and a copy
     * for each of the four axes. {@code x} itself for s = 1.
     */
    public static NDArray subsample(NDArray x, int stride) {
        return stride == 1
                ? x
                : Pool.avgPool2d(
                        x,
                        new Shape(1, 1),
                        new Shape(stride, stride),
                        new Shape(0, 0),
                        false,
                        true);
    }
}
