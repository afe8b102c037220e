package org.resnetj.data;

import java.util.Arrays;

/**
 * An immutable set of labelled 32×32 RGB images, stored exactly as the CIFAR-10 binary files store
 * them: per image 3,072 unsigned bytes in CHW order (the red plane, then green, then blue, each 32
 * rows of 32 pixels) and one label byte in 0..9.
 *
 * <p>{@link #head} and {@link #tail} are views that share the storage; nothing ever writes to it
 * once a set is built, and no accessor hands it out.
 */
public final class CifarImages {

    /** Image side in pixels. */
    public static final int SIDE = 32;

    /** Colour channels per image. */
    public static final int CHANNELS = 3;

    /** Bytes (and floats, once converted) per image: 3 × 32 × 32. */
    public static final int IMAGE_SIZE = CHANNELS * SIDE * SIDE;

    /** Number of classes; labels are 0..9. */
    public static final int CLASSES = 10;

    /** Pixel bytes of every image of the backing storage, CHW per image. */
    final byte[] pixels;

    /** Labels of every image of the backing storage. */
    final byte[] labels;

    /** Index in the backing storage of this set's first image. */
    final int first;

    private final int size;

    CifarImages(byte[] pixels, byte[] labels, int first, int size) {
        this.pixels = pixels;
        this.labels = labels;
        this.first = first;
        this.size = size;
    }

    /**
     * Builds a set from copies of {@code pixels} (CHW per image, images back to back) and {@code
     * labels}.
     *
     * @throws IllegalArgumentException if the lengths disagree or a label is outside 0..9
     */
    public static CifarImages of(byte[] pixels, byte[] labels) {
        if ((long) labels.length * IMAGE_SIZE != pixels.length) {
            throw new IllegalArgumentException(
                    "pixels must hold "
                            + IMAGE_SIZE
                            + " bytes per label: got "
                            + pixels.length
                            + " pixel bytes for "
                            + labels.length
                            + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (Byte.toUnsignedInt(labels[i]) >= CLASSES) {
                throw new IllegalArgumentException(
                        "image "
                                + i
                                + " has label "
                                + Byte.toUnsignedInt(labels[i])
                                + ", expected 0..9");
            }
        }
        return new CifarImages(pixels.clone(), labels.clone(), 0, labels.length);
    }

    /** The number of images. */
    public int size() {
        return size;
    }

    /** The label of image {@code i}, in 0..9. */
    public int label(int i) {
        return labels[first + checkIndex(i)];
    }

    /** A copy of image {@code i}'s 3,072 pixel bytes, CHW. */
    public byte[] image(int i) {
        int from = (first + checkIndex(i)) * IMAGE_SIZE;
        return Arrays.copyOfRange(pixels, from, from + IMAGE_SIZE);
    }

    /** How many images carry each label, indexed by label. */
    public int[] labelCounts() {
        int[] counts = new int[CLASSES];
        for (int i = 0; i < size; i++) {
            counts[labels[first + i]]++;
        }
        return counts;
    }

    /** The first {@code n} images, as a view. */
    public CifarImages head(int n) {
        checkCount(n);
        return new CifarImages(pixels, labels, first, n);
    }

    /**
     * The last {@code n} images, as a view. The CIFAR-10 validation split of Section 4.2 ("45k/5k
     * train/val split") is {@code tail(5000)}, with {@code head(size() - 5000)} to train on; the
     * last images are taken because the files are already in random order.
     */
    public CifarImages tail(int n) {
        checkCount(n);
        return new CifarImages(pixels, labels, first + size - n, n);
    }

    /**
     * Unsigned pixel byte {@code offset} (0..3071) of image {@code i}, with no bounds check on i.
     */
    int pixel(int i, int offset) {
        return pixels[(first + i) * IMAGE_SIZE + offset] & 0xFF;
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("image " + i + " of a set of " + size);
        }
        return i;
    }

    private void checkCount(int n) {
        if (n < 0 || n > size) {
            throw new IllegalArgumentException("cannot take " + n + " images of a set of " + size);
        }
    }

    @Override
    public String toString() {
        return "CifarImages[" + size + " images]";
    }
}
