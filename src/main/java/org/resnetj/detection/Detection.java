package org.resnetj.detection;

/**
 * One scored box found by a detector.
 *
 * @param imageId the image's {@link AnnotatedImage#id()}
 * @param label the class, an index into {@link DetectionSet#classes()}
 * @param score the detector's confidence; higher ranks first
 * @param box where
 */
public record Detection(String imageId, int label, double score, Box box) {

    public Detection {
        if (label < 0) {
            throw new IllegalArgumentException("negative class index " + label);
        }
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException(
                    "detection score must be finite, got " + score + " on image " + imageId);
        }
    }
}
