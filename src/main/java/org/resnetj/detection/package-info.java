/**
 * Object detection with the paper's networks (its Appendix A, after Faster R-CNN): anchors, box
 * coding, non-maximum suppression and RoI pooling, on boxes kept as flat float arrays in image
 * pixels.
 */
package org.resnetj.detection;
