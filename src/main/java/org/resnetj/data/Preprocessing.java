package org.resnetj.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a network's weights expect of an image, as its checkpoint records it: the view of the image
 * and the normalisation of its values. Commands that feed images to a checkpoint ({@code classify})
 * apply the checkpoint's own, never a default.
 */
public sealed interface Preprocessing
        permits Preprocessing.PerPixelMean, Preprocessing.Torchvision {

    /** The type a checkpoint records under {@code preprocessing.type}. */
    String type();

    /** The side of the square network input, in pixels. */
    int side();

    /** The network input for {@code image}: its evaluation view, 3×side×side floats, CHW. */
    float[] input(RgbImage image);

    /**
     * Normalises, in place, a view of pixel / 255 values, CHW, of any size: the evaluation
     * protocols build their own views (crops, flips, whole images at several scales) and apply this
     * to each.
     *
     * @return {@code view}
     */
    float[] normalize(float[] view, int height, int width);

    /**
     * Our training (Sections 3.4 and 4.2): pixel / 255 minus the training set's per-pixel mean.
     *
     * <ul>
     *   <li>CIFAR-10: the mean is 3×32×32; an image of another size is first resized to 32×32
     *       ({@link ImagePresets#cifarView}).
     *   <li>ImageNet: the mean is 3×224×224, taken over center crops; the evaluation view is the
     *       center crop ({@link ImagePresets#centerCrop}).
     * </ul>
     *
     * A view whose size differs from the mean's (the whole images of multi-scale testing) has the
     * mean's per-channel average subtracted instead: a per-pixel mean has no value at a position it
     * was not taken at.
     *
     * @param mean the mean image, 3×side×side values, CHW
     */
    record PerPixelMean(float[] mean) implements Preprocessing {

        /** The type name in checkpoints. */
        public static final String TYPE = "per_pixel_mean";

        /** Checks that the mean is a square 3-channel image and keeps a copy. */
        public PerPixelMean {
            int side = (int) Math.round(Math.sqrt(mean.length / 3.0));
            if (mean.length == 0 || mean.length != 3 * side * side) {
                throw new IllegalArgumentException(
                        "a per-pixel mean must be a square 3-channel image (3×side×side values),"
                                + " got "
                                + mean.length
                                + " values");
            }
            mean = mean.clone();
        }

        /** A copy of the mean image. */
        @Override
        public float[] mean() {
            return mean.clone();
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public int side() {
            return (int) Math.round(Math.sqrt(mean.length / 3.0));
        }

        @Override
        public float[] input(RgbImage image) {
            int side = side();
            float[] x =
                    side == CifarImages.SIDE
                            ? ImagePresets.cifarView(image)
                            : ImagePresets.centerCrop(image, side);
            return normalize(x, side, side);
        }

        @Override
        public float[] normalize(float[] view, int height, int width) {
            checkView(view, height, width);
            if (height == side() && width == side()) {
                for (int k = 0; k < view.length; k++) {
                    view[k] -= mean[k];
                }
                return view;
            }
            float[] channels = channelMeans();
            int plane = height * width;
            for (int k = 0; k < view.length; k++) {
                view[k] -= channels[k / plane];
            }
            return view;
        }

        /** The average of the mean image over each channel's positions, red, green, blue. */
        public float[] channelMeans() {
            int plane = mean.length / 3;
            float[] out = new float[3];
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int k = c * plane; k < (c + 1) * plane; k++) {
                    sum += mean[k];
                }
                out[c] = (float) (sum / plane);
            }
            return out;
        }
    }

    /**
     * torchvision's ImageNet evaluation: the center crop ({@link ImagePresets#centerCrop}) of pixel
     * / 255, then per channel {@code (x − mean) / std}.
     *
     * @param mean the channel means, red, green, blue
     * @param std the channel standard deviations
     */
    record Torchvision(float[] mean, float[] std) implements Preprocessing {

        /** The type name in checkpoints. */
        public static final String TYPE = "torchvision";

        /**
         * The statistics torchvision's ImageNet weights were trained with (its {@code
         * transforms.Normalize} in every ImageNet preset).
         */
        public static final Torchvision IMAGENET =
                new Torchvision(
                        new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

        /** Checks three positive deviations and keeps copies. */
        public Torchvision {
            if (mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException(
                        "torchvision preprocessing needs 3 means and 3 stds, got "
                                + mean.length
                                + " and "
                                + std.length);
            }
            for (float s : std) {
                if (!(s > 0)) {
                    throw new IllegalArgumentException("a channel std must be positive, got " + s);
                }
            }
            mean = mean.clone();
            std = std.clone();
        }

        /** A copy of the channel means. */
        @Override
        public float[] mean() {
            return mean.clone();
        }

        /** A copy of the channel standard deviations. */
        @Override
        public float[] std() {
            return std.clone();
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public int side() {
            return ImagePresets.CROP;
        }

        @Override
        public float[] input(RgbImage image) {
            return normalize(ImagePresets.centerCrop(image), ImagePresets.CROP, ImagePresets.CROP);
        }

        @Override
        public float[] normalize(float[] view, int height, int width) {
            checkView(view, height, width);
            int plane = height * width;
            for (int k = 0; k < view.length; k++) {
                int c = k / plane;
                view[k] = (view[k] - mean[c]) / std[c];
            }
            return view;
        }

        /** What a checkpoint records: the type, the view and the statistics. */
        public Map<String, Object> describe() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("type", TYPE);
            map.put("resize_shorter_side", ImagePresets.RESIZE);
            map.put("center_crop", ImagePresets.CROP);
            map.put("scale", "pixel / 255");
            map.put("mean", decimals(mean));
            map.put("std", decimals(std));
            return map;
        }

        /** The shortest decimals that read back as the same floats (0.485, not 0.48500001...). */
        private static List<Double> decimals(float[] values) {
            Double[] out = new Double[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = Double.valueOf(Float.toString(values[i]));
            }
            return List.of(out);
        }
    }

    private static void checkView(float[] view, int height, int width) {
        if (view.length != 3L * height * width) {
            throw new IllegalArgumentException(
                    "a "
                            + height
                            + "×"
                            + width
                            + " view has "
                            + 3L * height * width
                            + " values, got "
                            + view.length);
        }
    }
}
