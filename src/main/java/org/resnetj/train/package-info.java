/**
 * Training: the paper's recipe with its defaults, the learning-rate schedule, SGD with momentum and
 * its state, the run's checkpoints (in the format of {@link org.resnetj.checkpoint}), and the loop
 * that ties them together.
 */
package org.resnetj.train;
