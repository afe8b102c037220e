package org.resnetj.model;

/** The two building blocks of Fig. 5. */
public enum BlockKind {
    /** Two 3×3 convolutions (Fig. 5, left); output width equals the stage width. */
    BASIC(1),
    /** 1×1 reduce, 3×3, 1×1 restore (Fig. 5, right); output width is 4× the stage width. */
    BOTTLENECK(4);

    private final int expansion;

    BlockKind(int expansion) {
        this.expansion = expansion;
    }

    /** The ratio of a block's output channels to its stage width. */
    public int expansion() {
        return expansion;
    }
}
