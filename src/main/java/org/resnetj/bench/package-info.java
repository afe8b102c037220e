/**
 * Performance: training and inference throughput, peak memory and the data pipeline, measured side
 * by side with PyTorch in alternating child processes.
 */
package org.resnetj.bench;
