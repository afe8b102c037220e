/**
 * Interoperability with other tools: reading torchvision's ResNet weights (a PyTorch {@code .pth}
 * state_dict, read by a restricted pickle machine, or a {@code .safetensors} file) into a
 * checkpoint of the matching registered network.
 */
package org.resnetj.interop;
