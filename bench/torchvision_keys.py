#!/usr/bin/python3
"""torchvision's ResNet state_dict keys, with dtypes and shapes: the names the import tests use.

Writes src/test/resources/org/resnetj/interop/torchvision-resnetN.keys for N = 18, 34, 50, 101,
152: one line per tensor of torchvision.models.resnetN().state_dict(), in its order,

  NAME DTYPE D0 D1 ...     for example   layer1.0.conv1.weight float32 64 64 3 3
                                         bn1.num_batches_tracked int64

(no dimensions for a scalar), after a comment line naming the versions. The tests build their
torchvision state_dicts from these lists (TorchvisionStateDicts), so that the names come from
torchvision itself and not from the rule under test (TorchvisionNames).

Needs PyTorch and torchvision, for example Debian's python3-torchvision (0.14, PyTorch 1.13):
run it with /usr/bin/python3, since the python3 first on PATH may lack them. To regenerate, from
the project directory:

  /usr/bin/python3 bench/torchvision_keys.py [OUT_DIR]
"""
import os
import sys

import torch
import torchvision

OUT = "src/test/resources/org/resnetj/interop"
DEPTHS = (18, 34, 50, 101, 152)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    os.makedirs(out, exist_ok=True)
    for depth in DEPTHS:
        state = getattr(torchvision.models, f"resnet{depth}")().state_dict()
        path = os.path.join(out, f"torchvision-resnet{depth}.keys")
        with open(path, "w", encoding="ascii", newline="\n") as f:
            f.write(f"# torchvision {torchvision.__version__} (torch {torch.__version__})"
                    f" resnet{depth}().state_dict(): name dtype shape\n")
            for name, tensor in state.items():
                dtype = str(tensor.dtype).removeprefix("torch.")
                f.write(" ".join([name, dtype, *map(str, tensor.shape)]) + "\n")
        print(f"wrote {path}: {len(state)} tensors")


if __name__ == "__main__":
    main()
