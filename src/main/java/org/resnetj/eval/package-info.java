/** Evaluation: top-k error of a network over a data set, under the paper's testing protocols. */
package org.resnetj.eval;
