package org.resnetj.data;

/**
 * A mini-batch ready for the network. The arrays belong to whoever received the batch; nothing
 * else holds them.
 *
 * @param images {@code size()} images back to back, each 3×32×32 CHW floats, already through the
 *     train or eval preset of {@link CifarPresets}
 * @param labels the class of each image, 0..9
 * @param iteration the training iteration this batch feeds, or the batch's number in an eval pass
 */
public record Batch(float[] images, int[] labels, long iteration) {

    /** Checks that there is one image per label. */
    public Batch {
        if (images.length != labels.length * ImageSet.IMAGE_SIZE) {
            throw new IllegalArgumentException(
                    "a batch of " + labels.length + " labels needs " + labels.length * ImageSet.IMAGE_SIZE
                            + " image values, got " + images.length);
        }
    }

    /** The number of images. */
    public int size() {
        return labels.length;
    }
}
