package org.resnetj.data;

import java.io.IOException;

/**
 * Labelled images decoded on demand, in a fixed order: the split of an image folder that an
 * evaluation protocol walks. Implementations are safe to read from several threads.
 */
public interface ImageSource {

    /** The number of images. */
    int size();

    /** The class of image {@code index}. */
    int label(int index);

    /** The number of classes. */
    int classes();

    /** Where image {@code index} comes from, for messages (a file path). */
    String describe(int index);

    /**
     * Decodes image {@code index}.
     *
     * @throws IOException naming the file if it cannot be read or decoded
     */
    RgbImage image(int index) throws IOException;
}
