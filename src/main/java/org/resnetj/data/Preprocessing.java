package org.resnetj.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a network's weights expect of an image, as its checkpoint records it: the view of the
 * image and the normalisation of its values. Commands that feed images to a checkpoint ({@code
 * classify}) apply the checkpoint's own, never a default.
 */
public sealed interface Preprocessing permits Preprocessing.PerPixelMean, Preprocessing.Torchvision {

    /** The type a checkpoint records under {@code preprocessing.type}. */
    String type();

    /** The side of the square network input, in pixels. */
    int side();

    /** The network input for {@code image}: 3×side×side floats, CHW. */
    float[] input(RgbImage image);

    /**
     * Our CIFAR-10 training (Section 4.2): pixel / 255 minus the training set's per-pixel mean
     * (see {@link CifarPresets}). An image of another size is first resized to 32×32 ({@link
     * ImagePresets#cifarView}).
     *
     * @param mean the mean image, 3×32×32 values, CHW
     */
    record PerPixelMean(float[] mean) implements Preprocessing {

        /** The type name in checkpoints. */
        public static final String TYPE = "per_pixel_mean";

        /** Checks the mean's size and keeps a copy. */
        public PerPixelMean {
            CifarPresets.checkMean(mean);
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
            return ImageSet.SIDE;
        }

        @Override
        public float[] input(RgbImage image) {
            float[] x = ImagePresets.cifarView(image);
            for (int k = 0; k < x.length; k++) {
                x[k] -= mean[k];
            }
            return x;
        }
    }

    /**
     * torchvision's ImageNet evaluation: the center crop ({@link ImagePresets#centerCrop}) of
     * pixel / 255, then per channel {@code (x − mean) / std}.
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
                new Torchvision(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

        /** Checks three positive deviations and keeps copies. */
        public Torchvision {
            if (mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException("torchvision preprocessing needs 3 means and 3 stds, got "
                        + mean.length + " and " + std.length);
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
            float[] x = ImagePresets.centerCrop(image);
            int plane = x.length / 3;
            for (int k = 0; k < x.length; k++) {
                int c = k / plane;
                x[k] = (x[k] - mean[c]) / std[c];
            }
            return x;
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
}
