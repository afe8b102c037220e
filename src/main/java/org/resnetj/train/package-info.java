/**
 * Training: the paper's recipe with its defaults, the learning-rate schedule, SGD with momentum and
 * its state, checkpoints, and the loop that ties them together.
 */
package org.resnetj.train;
