"""Faster R-CNN's four losses computed with PyTorch's own functions, as the reference for
DetectionLossesTest. Reads a JSON array of cases on stdin (the predictions, labels and targets)
and prints the four losses of each as a JSON array, normalized as py-faster-rcnn normalizes them."""
import json
import sys

import torch
import torch.nn.functional as F



def losses(d):
    logits = torch.tensor(d["rpn_logits"], dtype=torch.float64)
    labels = torch.tensor(d["rpn_labels"], dtype=torch.int64)
    sampled = labels >= 0
    rpn_objectness = F.binary_cross_entropy_with_logits(
        logits[sampled], (labels[sampled] == 1).double(), reduction="mean")

    deltas = torch.tensor(d["rpn_deltas"], dtype=torch.float64)
    targets = torch.tensor(d["rpn_targets"], dtype=torch.float64)
    positive = labels == 1
    rpn_box = F.smooth_l1_loss(deltas[positive], targets[positive], beta=1.0 / 9,
                               reduction="sum") / sampled.sum()

    cls_logits = torch.tensor(d["cls_logits"], dtype=torch.float64)
    roi_labels = torch.tensor(d["roi_labels"], dtype=torch.int64)
    fast_class = F.cross_entropy(cls_logits, roi_labels, reduction="mean")

    box_deltas = torch.tensor(d["box_deltas"], dtype=torch.float64)
    box_targets = torch.tensor(d["box_targets"], dtype=torch.float64)
    fg = roi_labels > 0
    rows = torch.nonzero(fg).flatten()
    own = torch.stack([box_deltas[r, 4 * roi_labels[r]:4 * roi_labels[r] + 4] for r in rows]) \
        if len(rows) else torch.zeros(0, 4, dtype=torch.float64)
    fast_box = F.smooth_l1_loss(own, box_targets[fg], beta=1.0, reduction="sum") / len(roi_labels)

    return {"rpn_objectness": rpn_objectness.item(), "rpn_box": rpn_box.item(),
            "fast_rcnn_class": fast_class.item(), "fast_rcnn_box": fast_box.item()}


print(json.dumps([losses(d) for d in json.load(sys.stdin)]))
