package org.resnetj.detection;

import java.nio.file.Path;
import java.util.List;

/**
 * An image and its objects.
 *
 * @param id the image's name in its set: VOC's file stem ("000005"), or COCO's numeric id as text
 * @param file the image file
 * @param width in pixels
 * @param height in pixels
 * @param objects its annotated objects, in file order
 */
public record AnnotatedImage(
        String id, Path file, int width, int height, List<GroundTruth> objects) {

    public AnnotatedImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException(
                    "image " + id + " has size " + width + "x" + height + ", expected positive");
        }
        objects = List.copyOf(objects);
    }
}
