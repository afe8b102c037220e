/**
 * Writing networks for other tools: a layer plan and its weights as an ONNX model, with batch
 * normalization folded into the convolutions and a dynamic batch dimension.
 */
package org.resnetj.export;
