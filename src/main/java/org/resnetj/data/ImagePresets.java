package org.resnetj.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The evaluation views of an image file for a network, as CHW floats of pixel / 255 (no mean
 * subtracted yet; {@link Preprocessing} does that).
 *
 * <p>Center crop, the ImageNet single-view preset, exactly torchvision's {@code Resize(256)},
 * {@code CenterCrop(224)}, {@code ToTensor()} on a PIL image:
 *
 * <ul>
 *   <li>the shorter side becomes 256 and the longer {@code floor(256 · long / short)};
 *   <li>resampling is PIL's antialiased bilinear filter (a triangle whose support widens with the
 *       downscaling factor, so every source pixel counts), done as PIL does it: a horizontal then a
 *       vertical pass in 8-bit fixed point, rounding to 8 bits after each pass, so that the pixels
 *       equal PIL's;
 *   <li>the 224×224 window starts at {@code round((side − 224) / 2)} with Python's
 *       round-half-to-even.
 * </ul>
 *
 * <p>10-crop, the "standard 10-crop testing" of AlexNet that Section 3.4 adopts for Tables 2 and 3:
 * the image resized as above, its four corner 224×224 windows and its center one ({@link
 * #tenCropBoxes}), each taken as is and mirrored left to right. These are Caffe's {@code
 * oversample} views. torchvision's {@code TenCrop} (and fb.resnet.torch's) mirrors the whole image
 * before cropping instead: its mirrored corners are the same four views in another order, but its
 * mirrored center window sits one pixel further left when the margin {@code side − 224} is odd.
 *
 * <p>Multi-scale, the fully convolutional testing of Table 4: the whole image resized so that its
 * shorter side is each of {@link #SCALES} ({@link #multiScaleSizes}), and its mirror.
 *
 * <p>CIFAR view: an image of any size resized to 32×32 with the same filter (the aspect ratio is
 * not kept), for networks trained on CIFAR-10, whose test protocol is the single 32×32 original
 * (Section 4.2).
 */
public final class ImagePresets {

    /** The shorter side after resizing, in the center-crop preset. */
    public static final int RESIZE = 256;

    /** The side of the center crop, and of the 10-crop windows. */
    public static final int CROP = 224;

    /**
     * The shorter sides of multi-scale testing (Section 3.4: "images are resized such that the
     * shorter side is in {224, 256, 384, 480, 640}").
     */
    public static final List<Integer> SCALES = List.of(224, 256, 384, 480, 640);

    /** A square window of an image: its top row, its left column and its side, in pixels. */
    public record Box(int top, int left, int size) {}

    /** The size of an image, in pixels. */
    public record Size(int width, int height) {}

    /**
     * One view of an image for a network: 3×height×width values of pixel / 255, CHW. The array is
     * the view's own; equality is identity, as for any array.
     */
    public record View(float[] pixels, int height, int width) {

        /** Checks that the pixels are three planes of height×width. */
        public View {
            if (height < 1 || width < 1 || pixels.length != 3L * height * width) {
                throw new IllegalArgumentException(
                        "a "
                                + height
                                + "×"
                                + width
                                + " view needs "
                                + 3L * height * width
                                + " values, got "
                                + pixels.length);
            }
        }
    }

    private ImagePresets() {}

    /** The center-crop view: 3×224×224 values of pixel / 255. */
    public static float[] centerCrop(RgbImage image) {
        return centerCrop(image, CROP);
    }

    /** The center {@code crop}×{@code crop} window of the image resized to shorter side 256. */
    public static float[] centerCrop(RgbImage image, int crop) {
        int[] size = shorterSideTo(image.width(), image.height(), RESIZE);
        RgbImage resized = resize(image, size[0], size[1]);
        return floats(
                resized, centerOffset(size[1], crop), centerOffset(size[0], crop), crop, crop);
    }

    /**
     * The five windows of 10-crop testing in an image of {@code width}×{@code height} (already
     * resized to shorter side 256): top-left, top-right, bottom-left, bottom-right, then the center
     * window, which starts at {@link #centerOffset} on each axis as in {@link #centerCrop}. Each
     * window gives two of the ten views, as is and mirrored.
     *
     * @throws IllegalArgumentException if a side is below 224
     */
    public static List<Box> tenCropBoxes(int width, int height) {
        if (width < CROP || height < CROP) {
            throw new IllegalArgumentException(
                    "10-crop needs an image of at least "
                            + CROP
                            + "×"
                            + CROP
                            + " pixels, got "
                            + width
                            + "×"
                            + height);
        }
        int right = width - CROP;
        int bottom = height - CROP;
        return List.of(
                new Box(0, 0, CROP),
                new Box(0, right, CROP),
                new Box(bottom, 0, CROP),
                new Box(bottom, right, CROP),
                new Box(centerOffset(height, CROP), centerOffset(width, CROP), CROP));
    }

    /**
     * The ten 224×224 views of 10-crop testing: the image resized to shorter side 256, the five
     * windows of {@link #tenCropBoxes} in their order, then the mirror of each in the same order.
     */
    public static List<View> tenCrop(RgbImage image) {
        int[] size = shorterSideTo(image.width(), image.height(), RESIZE);
        RgbImage resized = resize(image, size[0], size[1]);
        List<View> crops = new ArrayList<>(10);
        for (Box box : tenCropBoxes(size[0], size[1])) {
            crops.add(
                    new View(
                            floats(resized, box.top(), box.left(), box.size(), box.size()),
                            box.size(),
                            box.size()));
        }
        List<View> views = new ArrayList<>(crops);
        for (View crop : crops) {
            views.add(mirror(crop));
        }
        return views;
    }

    /**
     * The sizes of an image of {@code width}×{@code height} resized to each shorter side of {@link
     * #SCALES}, in that order; the longer side is truncated as in {@link #centerCrop}.
     */
    public static List<Size> multiScaleSizes(int width, int height) {
        List<Size> sizes = new ArrayList<>(SCALES.size());
        for (int scale : SCALES) {
            int[] size = shorterSideTo(width, height, scale);
            sizes.add(new Size(size[0], size[1]));
        }
        return sizes;
    }

    /**
     * The views of multi-scale testing: for each size of {@link #multiScaleSizes} in order, the
     * whole resized image, then its mirror. Each scale is resized from the original image.
     */
    public static List<View> multiScale(RgbImage image) {
        List<View> views = new ArrayList<>(2 * SCALES.size());
        for (Size size : multiScaleSizes(image.width(), image.height())) {
            RgbImage resized = resize(image, size.width(), size.height());
            View whole =
                    new View(
                            floats(resized, 0, 0, size.height(), size.width()),
                            size.height(),
                            size.width());
            views.add(whole);
            views.add(mirror(whole));
        }
        return views;
    }

    /** The view flipped left to right. */
    public static View mirror(View view) {
        int h = view.height();
        int w = view.width();
        float[] in = view.pixels();
        float[] out = new float[in.length];
        for (int row = 0; row < 3 * h; row++) {
            int start = row * w;
            for (int x = 0; x < w; x++) {
                out[start + x] = in[start + w - 1 - x];
            }
        }
        return new View(out, h, w);
    }

    /** The CIFAR-10 view: 3×32×32 values of pixel / 255. */
    public static float[] cifarView(RgbImage image) {
        RgbImage resized = resize(image, CifarImages.SIDE, CifarImages.SIDE);
        return floats(resized, 0, 0, CifarImages.SIDE, CifarImages.SIDE);
    }

    /**
     * {width, height} with the shorter side {@code shorter} and the longer scaled by the same
     * factor, truncated (torchvision's {@code int(size * long / short)}).
     */
    static int[] shorterSideTo(int width, int height, int shorter) {
        if (width <= height) {
            return new int[] {shorter, (int) ((long) shorter * height / width)};
        }
        return new int[] {(int) ((long) shorter * width / height), shorter};
    }

    /** The start of a centered window: torchvision's {@code int(round((size - crop) / 2.0))}. */
    static int centerOffset(int size, int crop) {
        return (int) Math.rint((size - crop) / 2.0);
    }

    /** Pixel / 255 of the window at (top, left) of the given size, CHW. */
    static float[] floats(RgbImage image, int top, int left, int height, int width) {
        float[] out = new float[3 * height * width];
        int k = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    out[k++] = image.sample(c, top + y, left + x) / 255f;
                }
            }
        }
        return out;
    }

    /**
     * Resizes with Pillow's {@code Image.resize(size, BILINEAR)} (Pillow 9, {@code Resample.c}): a
     * horizontal pass, then a vertical one, each skipped if that side keeps its size. It is {@link
     * WindowResample}'s window that covers the whole output: one implementation of Pillow's filter.
     */
    public static RgbImage resize(RgbImage image, int width, int height) {
        return RgbImage.of(
                width, height, WindowResample.window(image, width, height, 0, 0, height, width));
    }
}
