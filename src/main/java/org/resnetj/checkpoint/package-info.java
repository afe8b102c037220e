/**
 * Checkpoints on disk: their format, writing, and loading a trained model for eval, export, interop
 * and classify.
 */
package org.resnetj.checkpoint;
