package org.resnetj.data;

/**
 * What to do with an image file that cannot be decoded (truncated download, not an image, a format
 * the decoders do not know). Large image folders hold a few: the ILSVRC-2012 training set has
 * images that need care (CMYK JPEGs, one PNG named .JPEG), and copies made by hand add broken files
 * of their own.
 */
public enum BadImages {

    /** Stop at the first unreadable file, with an error that names it. */
    STOP,

    /**
     * Leave the file out: it is logged once at WARN with its path, counted ({@link
     * ImageDecoder#skipped}) and replaced by a deterministic stand-in, so that results stay a pure
     * function of the seed.
     */
    SKIP
}
