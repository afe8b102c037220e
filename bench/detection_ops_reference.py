#!/usr/bin/python3
"""torchvision's RoI pooling and NMS on inputs written by the detection tests (RoiPoolingTest,
NmsTest), the reference they are checked against.

Needs PyTorch and torchvision, for example Debian's python3-torchvision (0.14, PyTorch 1.13):
run it with /usr/bin/python3, since the python3 first on PATH may lack them. All .bin files are
raw little-endian C-order arrays: float32, or int32 where named below.

  roi DIR N C H W K PH PW SCALE
      reads DIR/features.bin (N×C×H×W), DIR/rois.bin (K×5: batch index, x1, y1, x2, y2) and
      DIR/upstream.bin (K×C×PH×PW), and writes for roi_pool and for roi_align with aligned
      False and True and sampling ratios -1, 1, 2, 3 the output and the gradient of
      sum(output * upstream) with respect to the features:
        pool.out.bin, pool.grad.bin, align_<0|1>_<ratio>.out.bin, align_<0|1>_<ratio>.grad.bin
  nms DIR K THRESHOLD
      reads DIR/boxes.bin (K×4), DIR/scores.bin (K) and DIR/classes.bin (int32, K), and writes
      nms.bin and batched.bin (int32): the indices that nms and batched_nms keep.
"""
import sys

import numpy as np
import torch
from torchvision.ops import batched_nms, nms, roi_align, roi_pool


def load(path, shape, dtype=np.float32):
    return torch.from_numpy(np.fromfile(path, dtype=dtype).reshape(shape))


def save(path, tensor, dtype=np.float32):
    tensor.detach().numpy().astype(dtype).tofile(path)


def roi(out, n, c, h, w, k, ph, pw, scale):
    features = load(f"{out}/features.bin", (n, c, h, w))
    rois = load(f"{out}/rois.bin", (k, 5))
    upstream = load(f"{out}/upstream.bin", (k, c, ph, pw))
    ops = {"pool": lambda x: roi_pool(x, rois, (ph, pw), scale)}
    for aligned in (0, 1):
        for ratio in (-1, 1, 2, 3):
            ops[f"align_{aligned}_{ratio}"] = (
                lambda x, a=aligned, r=ratio: roi_align(x, rois, (ph, pw), scale, r, bool(a)))
    for name, op in ops.items():
        x = features.clone().requires_grad_(True)
        y = op(x)
        (y * upstream).sum().backward()
        save(f"{out}/{name}.out.bin", y)
        save(f"{out}/{name}.grad.bin", x.grad)


def nms_cases(out, k, threshold):
    boxes = load(f"{out}/boxes.bin", (k, 4))
    scores = load(f"{out}/scores.bin", (k,))
    classes = load(f"{out}/classes.bin", (k,), np.int32).long()
    save(f"{out}/nms.bin", nms(boxes, scores, threshold), np.int32)
    save(f"{out}/batched.bin", batched_nms(boxes, scores, classes, threshold), np.int32)


if __name__ == "__main__":
    torch.set_num_threads(1)
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "roi":
        roi(args[0], *map(int, args[1:8]), float(args[8]))
    elif mode == "nms":
        nms_cases(args[0], int(args[1]), float(args[2]))
    else:
        sys.exit(f"unknown mode {mode}: expected roi or nms")
