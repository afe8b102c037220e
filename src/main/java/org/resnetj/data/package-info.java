/**
 * Training and evaluation data: the CIFAR-10 binary reader, a synthetic stand-in written in the
 * same format, image folders (ImageNet's layout) decoded on demand, per-pixel means and lighting
 * statistics, the train and eval presets (augmentations), and batching with background prefetch.
 */
package org.resnetj.data;
