package org.resnetj.model;

/** Which convolution of a downsampling bottleneck block carries the stride of 2. */
public enum StridePlacement {
    /**
     * The first 1×1 convolution (branch2a), as in the authors' released Caffe models; this
     * placement gives the multiply-adds of Table 1 (3.8×10^9 for ResNet-50).
     */
    FIRST_1X1,
    /** The 3×3 convolution (branch2b), as in torchvision, so its weights can be loaded. */
    MIDDLE_3X3
}
