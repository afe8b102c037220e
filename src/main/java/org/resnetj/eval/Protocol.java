package org.resnetj.eval;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.resnetj.data.ImagePresets;
import org.resnetj.data.RgbImage;

/**
 * The ImageNet testing protocols of the paper: which views of an image a network scores. The
 * softmax scores of an image's views are averaged ({@link ProtocolEvaluator}).
 */
public enum Protocol {

    /** One view: shorter side 256, the center 224×224 crop; the validation curves of Fig. 4. */
    CENTER(
            "center",
            1,
            "shorter side 256, the center 224x224 crop: 1 view (Fig. 4's validation error)") {
        @Override
        public List<ImagePresets.View> views(RgbImage image) {
            return List.of(
                    new ImagePresets.View(
                            ImagePresets.centerCrop(image), ImagePresets.CROP, ImagePresets.CROP));
        }
    },

    /**
     * The standard 10-crop testing of Section 3.4 (Tables 2 and 3): shorter side 256, the four
     * corner and the center 224×224 crops and their mirrors ({@link ImagePresets#tenCrop}).
     */
    TEN_CROP(
            "10-crop",
            10,
            "shorter side 256, 4 corner and center 224x224 crops and their flips: 10 views (Tables"
                    + " 2, 3)") {
        @Override
        public List<ImagePresets.View> views(RgbImage image) {
            return ImagePresets.tenCrop(image);
        }
    },

    /**
     * The fully convolutional multi-scale testing of Section 3.4 (Table 4): the whole image at
     * shorter sides 224, 256, 384, 480 and 640, and its mirror ({@link ImagePresets#multiScale}).
     */
    MULTI_SCALE(
            "multi-scale",
            2 * ImagePresets.SCALES.size(),
            "whole image at shorter sides 224, 256, 384, 480, 640 and its flip, fully"
                    + " convolutional: 10 views (Table 4)") {
        @Override
        public List<ImagePresets.View> views(RgbImage image) {
            return ImagePresets.multiScale(image);
        }
    };

    private final String cliName;
    private final int viewsPerImage;
    private final String description;

    Protocol(String cliName, int viewsPerImage, String description) {
        this.cliName = cliName;
        this.viewsPerImage = viewsPerImage;
        this.description = description;
    }

    /** The name on the command line: {@code center}, {@code 10-crop} or {@code multi-scale}. */
    public String cliName() {
        return cliName;
    }

    /** What the protocol does, in one line. */
    public String description() {
        return description;
    }

    /**
     * The views of {@code image}, pixel / 255, not normalised. {@link #CENTER} and {@link
     * #TEN_CROP} give 224×224 views; {@link #MULTI_SCALE} gives, per scale, the image then its
     * mirror, two views of one size.
     */
    public abstract List<ImagePresets.View> views(RgbImage image);

    /**
     * Whether every view has the protocol's fixed size, 224×224, so views of several images share a
     * batch.
     */
    boolean fixedSize() {
        return this != MULTI_SCALE;
    }

    /** The number of views of each image: 1, 10 and 10. */
    public int viewsPerImage() {
        return viewsPerImage;
    }

    /**
     * The protocol of a command-line name, ignoring case.
     *
     * @throws IllegalArgumentException naming the valid names if there is no such protocol
     */
    public static Protocol parse(String name) {
        for (Protocol protocol : values()) {
            if (protocol.cliName.equalsIgnoreCase(name.trim())) {
                return protocol;
            }
        }
        throw new IllegalArgumentException(
                "unknown testing protocol '" + name + "': expected one of " + names());
    }

    /** The command-line names, comma-separated. */
    public static String names() {
        return Stream.of(values()).map(Protocol::cliName).collect(Collectors.joining(", "));
    }

    /** The command-line name, so that option help and messages show it. */
    @Override
    public String toString() {
        return cliName;
    }
}
