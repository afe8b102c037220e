/**
 * Evaluation: top-k error of a network, or an ensemble, over a data set under the paper's testing
 * protocols (CIFAR-10's single view; ImageNet's center crop, 10-crop and multi-scale).
 */
package org.resnetj.eval;
