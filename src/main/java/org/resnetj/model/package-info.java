/**
 * The paper's networks as data: architecture tables (Table 1, the CIFAR 6n+2 table, VGG), the layer
 * plans built from them, their size and cost, and the network that runs a plan on the engine's
 * kernels ({@link org.resnetj.engine.Kernels}).
 */
package org.resnetj.model;
