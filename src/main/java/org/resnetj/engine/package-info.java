/**
 * Everything that depends on DJL's PyTorch engine or on libtorch beyond DJL's public NDArray API,
 * so that moving to another DJL or libtorch version touches this package alone: the kernels a
 * network runs through DJL's internal operator interface ({@link org.resnetj.engine.Kernels}), the
 * compiled inference path in TorchScript ({@link org.resnetj.engine.InferenceNetwork}), libtorch's
 * thread pools and global switches, glibc's heap, the workaround for hosts that hide their CPU
 * caches, and the versions and host that a result was computed with ({@link
 * org.resnetj.engine.EngineInfo}).
 *
 * <p>The cut: {@code model} calls this package's kernels and knows nothing of TorchScript or JNI;
 * this package reads {@code model}'s layer plans and networks only to compile them for inference.
 */
package org.resnetj.engine;
