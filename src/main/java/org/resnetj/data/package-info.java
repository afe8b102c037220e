/**
 * Training and evaluation data: the CIFAR-10 binary reader, a synthetic stand-in written in the
 * same format, the per-pixel mean, the train and eval presets (augmentations), and batching with
 * background prefetch.
 */
package org.resnetj.data;
