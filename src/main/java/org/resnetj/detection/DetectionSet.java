package org.resnetj.detection;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of annotated images and its class names, whatever file format it came from.
 *
 * @param name where it came from, shown with every result (a synthetic set says so here)
 * @param classes the object classes; a label is an index into this list (no background class)
 * @param images the images, in the set's order
 */
public record DetectionSet(String name, List<String> classes, List<AnnotatedImage> images) {

    /**
     * @throws IllegalArgumentException if two images share an id or an object's label is not a
     *     class
     */
    public DetectionSet {
        classes = List.copyOf(classes);
        images = List.copyOf(images);
        Set<String> ids = new HashSet<>();
        for (AnnotatedImage image : images) {
            if (!ids.add(image.id())) {
                throw new IllegalArgumentException(name + ": image id " + image.id() + " twice");
            }
            for (GroundTruth object : image.objects()) {
                if (object.label() >= classes.size()) {
                    throw new IllegalArgumentException(
                            name
                                    + ": image "
                                    + image.id()
                                    + " has class index "
                                    + object.label()
                                    + ", expected < "
                                    + classes.size());
                }
            }
        }
    }

    /**
     * The images of both sets, as "07+12" joins VOC 2007 and VOC 2012 trainval.
     *
     * @throws IllegalArgumentException if the class lists differ or an image id is in both
     */
    public DetectionSet union(DetectionSet other) {
        if (!classes.equals(other.classes)) {
            throw new IllegalArgumentException(
                    "cannot join "
                            + name
                            + " and "
                            + other.name
                            + ": their classes differ ("
                            + classes
                            + " vs "
                            + other.classes
                            + ")");
        }
        List<AnnotatedImage> all = new ArrayList<>(images);
        all.addAll(other.images);
        return new DetectionSet(name + " + " + other.name, classes, all);
    }

    /** The number of objects of all images. */
    public int objectCount() {
        return images.stream().mapToInt(i -> i.objects().size()).sum();
    }
}
