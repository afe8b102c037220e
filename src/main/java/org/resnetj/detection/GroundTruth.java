package org.resnetj.detection;

/**
 * One annotated object.
 *
 * @param box where it is
 * @param label its class, an index into {@link DetectionSet#classes()}
 * @param difficult VOC's flag: the metric neither rewards nor penalises detecting it
 * @param crowd COCO's {@code iscrowd}: a region of many objects, which any number of detections may
 *     match without penalty
 * @param area the object's area in pixels; COCO's {@code area} field (the segment's area, which
 *     sets the small / medium / large range), the box area for VOC
 */
public record GroundTruth(Box box, int label, boolean difficult, boolean crowd, double area) {

    /** A plain object (not difficult, not a crowd) whose area is its box's. */
    public static GroundTruth of(Box box, int label) {
        return new GroundTruth(box, label, false, false, box.area());
    }

    public GroundTruth {
        if (label < 0) {
            throw new IllegalArgumentException("negative class index " + label);
        }
        if (!(area >= 0)) {
            throw new IllegalArgumentException("object area must be >= 0, got " + area);
        }
    }
}
