/**
 * Object detection as the paper's Appendix A does it (Faster R-CNN on a ResNet or VGG-16 backbone):
 * anchors, box coding, non-maximum suppression and RoI pooling; the detector network and its
 * losses; PASCAL VOC and COCO annotations, their metrics, and a synthetic VOC-format default set.
 *
 * <p>Boxes are kept in one convention, py-faster-rcnn's: 0-based pixel indices {@code x1, y1, x2,
 * y2}, inclusive, so a box's width is {@code x2 - x1 + 1}. VOC's 1-based indices become {@code x -
 * 1} on read; a COCO {@code [x, y, w, h]} becomes {@code x2 = x + w - 1}.
 */
package org.resnetj.detection;
