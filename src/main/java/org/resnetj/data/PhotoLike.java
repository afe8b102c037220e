package org.resnetj.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Random;

/**
 * Synthetic images that compress and decode as photos do, for the bench's JPEG folder and for
 * tests: smooth per-channel gradients, a sine texture and Gaussian noise.
 */
public final class PhotoLike {

    private PhotoLike() {}

    /** An RGB image of {@code width}×{@code height}, the same for the same seed. */
    public static BufferedImage image(int width, int height, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] pixels = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        double[] base = {random.nextInt(200), random.nextInt(200), random.nextInt(200)};
        double[] dx = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
        double[] dy = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    double v =
                            base[c]
                                    + 40 * dx[c] * x / width
                                    + 40 * dy[c] * y / height
                                    + 30 * Math.sin((x + 2 * y) * (c + 1) * 0.05)
                                    + 8 * random.nextGaussian();
                    rgb = rgb << 8 | (int) Math.max(0, Math.min(255, Math.round(v)));
                }
                pixels[y * width + x] = rgb;
            }
        }
        return image;
    }
}
