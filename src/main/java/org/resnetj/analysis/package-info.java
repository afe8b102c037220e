/**
 * Reading what a training run recorded and drawing it: training and test error curves in the
 * style of the paper's Fig. 1 and Fig. 6.
 */
package org.resnetj.analysis;
