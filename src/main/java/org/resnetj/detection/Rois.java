package org.resnetj.detection;

/**
 * Regions of interest over a batch of feature maps: RoI k lies on image {@code image[k]} of the
 * batch and spans {@code boxes[4k .. 4k + 4)} as (x1, y1, x2, y2) in input-image pixels, the layout
 * of torchvision's K×5 RoI tensor with its batch column apart.
 *
 * @param image the batch index of each RoI
 * @param boxes 4 coordinates per RoI
 */
public record Rois(int[] image, float[] boxes) {

    /**
     * @throws IllegalArgumentException if there are not 4 coordinates per RoI
     */
    public Rois {
        if (boxes.length != 4 * image.length) {
            throw new IllegalArgumentException(
                    boxes.length
                            + " box coordinates for "
                            + image.length
                            + " RoIs: expected 4 per RoI");
        }
    }

    /** RoIs all on the first image of the batch. */
    public static Rois ofImage(float[] boxes) {
        return new Rois(new int[boxes.length / 4], boxes);
    }

    /** The number of RoIs. */
    public int size() {
        return image.length;
    }
}
