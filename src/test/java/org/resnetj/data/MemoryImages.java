package org.resnetj.data;

import java.io.IOException;
import java.util.List;

/** An image source held in memory; a null image stands for a file that cannot be decoded. */
record MemoryImages(List<RgbImage> images, int[] labels, int classes) implements ImageSource {

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public String describe(int index) {
        return "memory/" + index + ".jpg";
    }

    @Override
    public RgbImage image(int index) throws IOException {
        RgbImage image = images.get(index);
        if (image == null) {
            throw new IOException("cannot decode image " + describe(index) + ": broken on purpose");
        }
        return image;
    }
}
