package org.resnetj.eval;

import java.io.IOException;
import java.util.List;
import org.resnetj.data.ImageSource;
import org.resnetj.data.RgbImage;

/** Labelled images held in memory; a null image is one that fails to decode. */
final class MemoryImages implements ImageSource {

    private final List<RgbImage> images;
    private final int[] labels;
    private final int classes;

    MemoryImages(List<RgbImage> images, int[] labels, int classes) {
        this.images = images;
        this.labels = labels.clone();
        this.classes = classes;
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public String describe(int index) {
        return "/val/n0000" + labels[index] + "/image" + index + ".JPEG";
    }

    @Override
    public RgbImage image(int index) throws IOException {
        RgbImage image = images.get(index);
        if (image == null) {
            // Without the path, as a decoder's own message: the evaluator must add it.
            throw new IOException("Premature end of JPEG file");
        }
        return image;
    }
}
