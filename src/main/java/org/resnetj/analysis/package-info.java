/**
 * The paper's analyses, drawn: training and test error curves in the style of Fig. 1 and Fig. 6,
 * the layer responses of Fig. 7, and per-layer gradient norms.
 */
package org.resnetj.analysis;
