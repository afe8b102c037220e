package org.resnetj.data;

/**
 * A mini-batch ready for the network. The arrays belong to whoever received the batch; nothing else
 * holds them.
 *
 * @param images {@code size()} images back to back, each 3×side×side CHW floats, already through a
 *     train or eval preset (32×32 for CIFAR-10, 224×224 crops for ImageNet)
 * @param labels the class of each image
 * @param side the side of every image, in pixels
 * @param iteration the training iteration this batch feeds, or the batch's number in an eval pass
 */
public record Batch(float[] images, int[] labels, int side, long iteration) {

    /** Checks that there is one image of the given side per label. */
    public Batch {
        if (side < 1) {
            throw new IllegalArgumentException("image side must be positive, got " + side);
        }
        long expected = (long) labels.length * CifarImages.CHANNELS * side * side;
        if (images.length != expected) {
            throw new IllegalArgumentException(
                    "a batch of "
                            + labels.length
                            + " labels of "
                            + side
                            + "×"
                            + side
                            + " images needs "
                            + expected
                            + " values, got "
                            + images.length);
        }
    }

    /** The number of images. */
    public int size() {
        return labels.length;
    }

    /** The NCHW shape of {@link #images}. */
    public long[] shape() {
        return new long[] {labels.length, CifarImages.CHANNELS, side, side};
    }
}
