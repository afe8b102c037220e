#!/usr/bin/python3
"""The PyTorch side of `./resnet bench`: one measurement of one workload per process.

`./resnet bench` starts this script once per workload and repeat, alternating with its own
measurement of the same workload, and reads the one JSON line it prints. The arguments and the
JSON are the same as those of our side (org.resnetj.bench.Worker), so both sides run the same
workload the same way:

  peer.py [all] [--threads T] [--seconds SEC] [--only NAME,...] [--images DIR] [--list] [-h]
      PyTorch's side alone, for a user who wants its figures without ours: every workload of
      ./resnet bench once, each in a fresh process, with the bench's timing (2 warm-up
      iterations, then at least SEC seconds, default 3, and 3 iterations) on T threads (default:
      all cores), printed as a table. The detection workloads, which take minutes, run only when
      --only names them. data-imagenet runs only with --images, an image folder of
      DIR/train/CLASS/*.jpg (./resnet bench writes its own). `./resnet bench` runs the same
      workloads alternating with ours and reports medians and ratios. --list prints the
      workloads' arguments as JSON instead (a test checks that they are ours).
  peer.py check
      prints the versions of torch and torchvision (exit status 3 if they are missing);
      bench/peer ensure also installs them first if they are missing
  peer.py KIND --batch B --side S --threads T --warmup W --seconds SEC --min-iterations K
          [--model M --stride-on 1x1|3x3] [--images DIR]
      KIND is one of
        train   a full SGD step of M in training mode on a BxCxSxS batch: forward,
                cross-entropy, backward, SGD with momentum 0.9 and weight decay 1e-4, then the
                loss and the error count read back, as our trainer does
        infer   forward passes of M in eval mode under torch.inference_mode()
        data    the CIFAR-10 training augmentation (pad 4, random 32x32 crop, random flip,
                normalise) through a DataLoader with T worker processes, in batches of B
        imagenet-data
                JPEG decoding plus the ImageNet training augmentation of Sec. 3.4 (shorter side
                resized to a random length in [256, 480], random 224x224 crop, random flip,
                per-pixel mean subtracted, AlexNet's PCA lighting) of the files of
                torchvision's ImageFolder(DIR/train), through a DataLoader with T worker
                processes, in batches of B
        matmul  SxS float32 matrix products (2*S^3 flops each); M and B are ignored, and
                gflops is that of the fastest single product
        train-detect
                one iteration of Faster R-CNN's end-to-end training (torchvision's FasterRCNN
                with a C4 cut of M, as ours: see detector()) on one Sx(5S/3) image with the
                objects of DETECTION_OBJECTS: forward, the four losses, backward, SGD with
                momentum 0.9, weight decay 1e-4 and LR 0 (the weights stay put); B must be 1
        infer-detect
                Faster R-CNN testing of that image under torch.inference_mode()
      The detection kinds also print "phases": seconds per timed iteration of the model's parts
      (input, trunk, rpn, targets, roi_head, postprocess, backward, step, other), the names of
      our org.resnetj.detection.PhaseClock.
      After W warm-up iterations it runs iterations until SEC seconds have passed and at least
      K iterations are done, and prints
        {"images_per_sec": ..., "iterations": ..., "seconds": ..., "cpu_seconds": ...,
         "gflops": ..., "baseline_rss_mb": ..., "peak_rss_mb": ..., "workload_peak_mb": ...,
         "threads": ..., "engine": ...}

Memory: with the libraries loaded and just before the model is built, the process resets its
peak resident set size (writing 5 to /proc/self/clear_refs) and records its resident size as
the baseline; at the end it reads the peak (VmHWM). workload_peak_mb = peak - baseline is what
the model and the workload added to the interpreter and the loaded libraries; our side measures
the same way.

The networks: for a CIFAR-10 depth 6n+2 the paper's ResNet (Sec. 4.2) with option-A
shortcuts exactly as ours builds it (conv1, 3 stages of n basic blocks with 16/32/64 filters,
subsampling x[:, :, ::2, ::2] and zero channels appended after the existing ones, ReLU after the
addition, global average pooling, fc); for 18/34/50/101/152 torchvision's resnet, which puts
the bottleneck stride on the 3x3 convolution (our --stride-on 3x3).

Run it with /usr/bin/python3: Debian's python3-torch and python3-torchvision install there, and
the python3 first on PATH may be another interpreter without them.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

IMAGENET_DEPTHS = (18, 34, 50, 101, 152)

# The workloads of ./resnet bench (org.resnetj.bench.Workloads), for `peer.py all`: keep in step
# (BenchTest checks it).
WORKLOADS = (
    ("train-resnet20", "train --model resnet20 --stride-on 1x1 --batch 128 --side 32"),
    ("train-resnet56", "train --model resnet56 --stride-on 1x1 --batch 128 --side 32"),
    ("infer-resnet50-b1", "infer --model resnet50 --stride-on 3x3 --batch 1 --side 224"),
    ("infer-resnet50-b16", "infer --model resnet50 --stride-on 3x3 --batch 16 --side 224"),
    ("data-cifar", "data --batch 128 --side 32"),
    ("data-imagenet", "imagenet-data --batch 32 --side 224"),
    ("train-detect-resnet101", "train-detect --model resnet101 --stride-on 3x3 --batch 1 --side 600"),
    ("infer-detect-resnet101", "infer-detect --model resnet101 --stride-on 3x3 --batch 1 --side 600"),
)

# The workloads of `peer.py all` that run only when --only names them, as in ./resnet bench.
DETECTION_WORKLOADS = ("train-detect-resnet101", "infer-detect-resnet101")

# The ground-truth objects of the detection workloads' image (org.resnetj.bench.Worker.OBJECTS):
# x1, y1, x2, y2 as fractions of its width and height, and a VOC class (0-based; torchvision's
# labels keep 0 for the background, so the label is the class + 1).
DETECTION_OBJECTS = (
    (0.10, 0.15, 0.45, 0.60, 6),
    (0.50, 0.20, 0.90, 0.85, 14),
    (0.30, 0.55, 0.65, 0.95, 11),
)


def status_kb(key):
    with open("/proc/self/status") as f:
        match = re.search(key + r":\s+(\d+) kB", f.read())
    return int(match.group(1)) if match else 0


def reset_peak():
    """Resets VmHWM to the current resident size, where the kernel allows it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return status_kb("VmRSS")


def cifar_resnet(depth, classes=10):
    import torch
    import torch.nn.functional as F
    from torch import nn

    if depth < 8 or (depth - 2) % 6 != 0:
        raise SystemExit(f"peer.py: a CIFAR-10 depth is 6n+2, got {depth}")
    n = (depth - 2) // 6

    def conv_bn(cin, cout, stride):
        conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        nn.init.kaiming_normal_(conv.weight, mode="fan_in", nonlinearity="relu")
        return conv, nn.BatchNorm2d(cout)

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv_a, self.bn_a = conv_bn(cin, cout, stride)
            self.conv_b, self.bn_b = conv_bn(cout, cout, 1)
            self.stride = stride
            self.extra = cout - cin

        def forward(self, x):
            y = F.relu(self.bn_a(self.conv_a(x)), inplace=True)
            y = self.bn_b(self.conv_b(y))
            shortcut = x
            if self.stride != 1 or self.extra:
                # Option A: subsample, then append zero channels after the existing ones.
                shortcut = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, 0, self.extra))
            return F.relu(y + shortcut, inplace=True)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.bn1 = conv_bn(3, 16, 1)
            blocks, cin = [], 16
            for width, stride in ((16, 1), (32, 2), (64, 2)):
                for i in range(n):
                    blocks.append(Block(cin, width, stride if i == 0 else 1))
                    cin = width
            self.blocks = nn.Sequential(*blocks)
            self.fc = nn.Linear(64, classes)

        def forward(self, x):
            x = F.relu(self.bn1(self.conv1(x)), inplace=True)
            x = self.blocks(x)
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    return Net()


def network(name):
    import torchvision

    match = re.fullmatch(r"resnet(\d+)", name)
    if not match:
        raise SystemExit(f"peer.py: unknown model {name!r}, expected resnetN")
    depth = int(match.group(1))
    if depth in IMAGENET_DEPTHS:
        return getattr(torchvision.models, name)()
    return cifar_resnet(depth)


def timed(run_once, warmup, seconds, min_iterations):
    """Runs warm-up iterations, then iterations until both limits are reached.

    Returns the iterations, the seconds they took, the fastest single iteration's seconds and
    the CPU seconds the process spent meanwhile.
    """
    for _ in range(warmup):
        run_once()
    done = 0
    best = float("inf")
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    while True:
        before = time.perf_counter()
        run_once()
        after = time.perf_counter()
        best = min(best, after - before)
        done += 1
        if done >= min_iterations and after - start >= seconds:
            return done, after - start, best, cpu_seconds() - cpu_start


def cpu_seconds():
    """The CPU time of this process; not of DataLoader worker processes."""
    times = os.times()
    return times.user + times.system


def train(args):
    import torch
    import torch.nn.functional as F

    model = network(args.model)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(args.batch, 3, args.side, args.side, generator=generator).numpy()
    labels = torch.randint(0, 10, (args.batch,), generator=generator).numpy()

    def step():
        x = torch.from_numpy(images)
        y = torch.from_numpy(labels)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()
        (logits.argmax(1) != y).sum().item()

    return timed(step, args.warmup, args.seconds, args.min_iterations)


def infer(args):
    import torch

    model = network(args.model)
    model.eval()
    images = torch.randn(args.batch, 3, args.side, args.side, generator=torch.Generator().manual_seed(0)).numpy()

    def forward():
        with torch.inference_mode():
            model(torch.from_numpy(images)).numpy()

    return timed(forward, args.warmup, args.seconds, args.min_iterations)


def data(args):
    import numpy as np
    import torch
    from PIL import Image
    from torchvision import transforms

    images = np.random.default_rng(0).integers(0, 256, (50_000, 32, 32, 3), dtype=np.uint8)
    labels = np.random.default_rng(1).integers(0, 10, 50_000)
    preset = transforms.Compose([
        transforms.RandomCrop(32, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize((0.491, 0.482, 0.447), (0.247, 0.243, 0.262)),
    ])

    class Cifar(torch.utils.data.Dataset):
        """The shape of torchvision's CIFAR10: HWC uint8 arrays, a PIL image per item."""

        def __len__(self):
            return len(images)

        def __getitem__(self, i):
            return preset(Image.fromarray(images[i])), int(labels[i])

    return timed_loader(Cifar(), args)


def timed_loader(dataset, args):
    """Times batches of a DataLoader over dataset with args.threads worker processes, epoch after epoch."""
    import torch

    loader = torch.utils.data.DataLoader(
        dataset, batch_size=args.batch, shuffle=True, num_workers=args.threads,
        drop_last=True, persistent_workers=True)
    batches = iter(())

    def next_batch():
        nonlocal batches
        try:
            next(batches)
        except StopIteration:
            batches = iter(loader)
            next(batches)

    try:
        return timed(next_batch, args.warmup, args.seconds, args.min_iterations)
    finally:
        del batches
        del loader


def imagenet_data(args):
    import random

    import torch
    from torchvision import datasets, transforms
    from torchvision.transforms import functional

    if not args.images:
        raise SystemExit("peer.py: imagenet-data needs --images DIR, a folder of DIR/train/CLASS/*.jpg")

    class RandomShorterSide:
        """Sec. 3.4's scale augmentation: the shorter side resized to a random length in [256, 480]."""

        def __call__(self, image):
            return functional.resize(image, random.randint(256, 480))

    class SubtractMean:
        """The per-pixel mean: a constant image, as ours uses; the bench times the work, not the statistics."""

        mean = torch.full((3, 224, 224), 0.45)

        def __call__(self, image):
            return image - self.mean

    class Lighting:
        """fb.resnet.torch's Lighting: rgb += eigvec @ (alpha * eigval), alpha ~ N(0, 0.1)."""

        eigval = torch.tensor([0.2175, 0.0188, 0.0045])
        eigvec = torch.tensor([
            [-0.5675, 0.7192, 0.4009],
            [-0.5808, -0.0045, -0.8140],
            [-0.5836, -0.6948, 0.4203],
        ])

        def __call__(self, image):
            alpha = torch.randn(3) * 0.1
            return image + (self.eigvec @ (alpha * self.eigval)).view(3, 1, 1)

    preset = transforms.Compose([
        RandomShorterSide(),
        transforms.RandomCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        SubtractMean(),
        Lighting(),
    ])
    # ImageFolder's loader decodes with PIL and converts to RGB.
    folder = datasets.ImageFolder(os.path.join(args.images, "train"), transform=preset)
    return timed_loader(folder, args)


def detector(name, height, width):
    """torchvision's FasterRCNN in our detector's configuration (DetectorConfig.voc at this image size).

    The backbone is the C4 cut of torchvision's resnet: conv1 to layer3 (conv4_x) the shared
    trunk at stride 16, layer4 (conv5_x) and global average pooling the per-RoI head, with
    FrozenBatchNorm2d throughout and conv1 and layer1 (conv2_x) frozen, as ours fine-tunes
    (Appendix A), and the last BN of every residual branch at gamma 0. Anchors 128, 256, 512 at ratios 0.5, 1, 2 on the one feature map; RoI max
    pooling to 14x14 at stride 16 (torchvision's RoIPool: our default is Fast R-CNN's max pooling,
    not RoIAlign); 21 classes with the background. RPN: 256 anchors per image, 12000 -> NMS 0.7 ->
    2000 proposals in training, 6000 -> 300 at test; 128 RoIs per image; per-class NMS 0.3, score
    above 0.05, at most 100 detections. The image is min_size x max_size already, so the transform
    keeps its size (it still interpolates at factor 1), and size_divisible=1 pads nothing, so the
    feature map is ours.
    """
    import torch
    import torch.nn.functional as F
    import torchvision
    from torch import nn
    from torchvision.models.detection import FasterRCNN
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor
    from torchvision.models.detection.rpn import AnchorGenerator
    from torchvision.ops import MultiScaleRoIAlign, RoIPool
    from torchvision.ops.misc import FrozenBatchNorm2d

    match = re.fullmatch(r"resnet(\d+)", name)
    if not match or int(match.group(1)) not in IMAGENET_DEPTHS:
        raise SystemExit(f"peer.py: a detector's backbone is one of resnet{IMAGENET_DEPTHS}, got {name!r}")
    # zero_init_residual: as ours, every block starts as its shortcut; with fresh weights and a frozen
    # BN's identity statistics the signal would otherwise grow through ResNet-101's 33 blocks until
    # the RPN's boxes overflow, leaving nothing for the proposal layer and the RoI head to do.
    resnet = getattr(torchvision.models, name)(norm_layer=FrozenBatchNorm2d, zero_init_residual=True)
    trunk = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool, resnet.layer1, resnet.layer2,
                          resnet.layer3)
    trunk.out_channels = resnet.fc.in_features // 2  # conv4_x's: 1024 for ResNet-50/101, 256 for ResNet-18
    for frozen in (resnet.conv1, resnet.layer1):
        frozen.requires_grad_(False)

    class C4Head(nn.Module):
        """conv5_x and global average pooling, in place of TwoMLPHead."""

        def __init__(self):
            super().__init__()
            self.layer4 = resnet.layer4

        def forward(self, x):
            return torch.flatten(F.adaptive_avg_pool2d(self.layer4(x), 1), 1)

    class RoiMaxPool(MultiScaleRoIAlign):
        """Fast R-CNN's RoI max pooling of the one feature map; FasterRCNN takes a MultiScaleRoIAlign only."""

        def __init__(self):
            super().__init__(["0"], 14, 0)
            self.pool = RoIPool((14, 14), 1 / 16)

        def forward(self, features, proposals, image_shapes):
            return self.pool(features["0"], proposals)

    return FasterRCNN(
        trunk, min_size=height, max_size=width, size_divisible=1,
        rpn_anchor_generator=AnchorGenerator(sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)),
        rpn_pre_nms_top_n_train=12000, rpn_post_nms_top_n_train=2000,
        rpn_pre_nms_top_n_test=6000, rpn_post_nms_top_n_test=300,
        rpn_nms_thresh=0.7, rpn_batch_size_per_image=256,
        box_roi_pool=RoiMaxPool(), box_head=C4Head(), box_predictor=FastRCNNPredictor(resnet.fc.in_features, 21),
        box_batch_size_per_image=128, box_score_thresh=0.05, box_nms_thresh=0.3, box_detections_per_img=100)


class Phases:
    """Where an iteration's time goes: the time between two events is charged to the innermost part running.

    Parts nest (the RPN's target assignment runs inside the RPN), and each is charged only its own
    time, so the phases add up to the iteration; time outside every part is "other".
    """

    def __init__(self):
        self.iterations = []
        self.stack = []
        self.last = 0.0

    def start(self):
        self.iterations.append({})
        self.stack = ["other"]
        self.last = time.perf_counter()

    def _charge(self):
        now = time.perf_counter()
        current = self.iterations[-1]
        current[self.stack[-1]] = current.get(self.stack[-1], 0.0) + now - self.last
        self.last = now

    def enter(self, phase):
        self._charge()
        self.stack.append(phase)

    def leave(self):
        self._charge()
        self.stack.pop()

    def stop(self):
        self._charge()

    def wrap(self, phase, function):
        """function, its time charged to phase."""

        def timed_call(*args, **kwargs):
            self.enter(phase)
            try:
                return function(*args, **kwargs)
            finally:
                self.leave()

        return timed_call

    def module(self, phase, module):
        """Charges module's forward passes to phase."""
        module.register_forward_pre_hook(lambda *_: self.enter(phase))
        module.register_forward_hook(lambda *_: self.leave())

    def mean(self, last):
        """The mean seconds of each phase over the last `last` iterations."""
        timed = self.iterations[-last:]
        names = [n for n in ("input", "trunk", "rpn", "targets", "roi_head", "postprocess", "backward", "step", "other")
                 if any(n in i for i in timed)]
        return {n: sum(i.get(n, 0.0) for i in timed) / len(timed) for n in names}


def timed_detector(model):
    """Phases charged for model's parts, named as our PhaseClock names them."""
    phases = Phases()
    phases.module("input", model.transform)
    model.transform.postprocess = phases.wrap("postprocess", model.transform.postprocess)
    phases.module("trunk", model.backbone)
    phases.module("rpn", model.rpn)
    model.rpn.assign_targets_to_anchors = phases.wrap("targets", model.rpn.assign_targets_to_anchors)
    model.rpn.fg_bg_sampler = phases.wrap("targets", model.rpn.fg_bg_sampler)
    phases.module("roi_head", model.roi_heads)
    model.roi_heads.select_training_samples = phases.wrap("targets", model.roi_heads.select_training_samples)
    model.roi_heads.postprocess_detections = phases.wrap("postprocess", model.roi_heads.postprocess_detections)
    return phases


def detection_inputs(args):
    """The workload's random uint8 image, 3 x S x 5S/3, and its targets in torchvision's form."""
    import torch

    height, width = args.side, args.side * 5 // 3
    pixels = torch.randint(0, 256, (3, height, width), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    boxes = torch.tensor([[x1 * width, y1 * height, x2 * width, y2 * height] for x1, y1, x2, y2, _ in DETECTION_OBJECTS])
    labels = torch.tensor([c + 1 for *_, c in DETECTION_OBJECTS])
    return pixels, [{"boxes": boxes, "labels": labels}]


def detect(args):
    """train-detect or infer-detect: the detector's training iteration or its test on the workload's image."""
    import torch

    if args.batch != 1:
        raise SystemExit("peer.py: a detector takes one image per iteration: --batch 1")
    pixels, targets = detection_inputs(args)
    model = detector(args.model, pixels.shape[1], pixels.shape[2])
    training = args.kind == "train-detect"
    model.train(training)
    # LR 0, as on our side: the step's arithmetic runs, but random weights never move, so every
    # timed iteration does the same work (at 0.001 the losses grow and the proposals degenerate).
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.0, momentum=0.9,
                                weight_decay=1e-4)
    phases = timed_detector(model)

    def train_step():
        losses = model([pixels.float().div_(255)], targets)
        phases.enter("backward")
        loss = sum(losses.values())
        loss.backward()
        phases.leave()
        phases.enter("step")
        optimizer.step()
        optimizer.zero_grad()
        phases.leave()
        loss.item()

    def test():
        with torch.inference_mode():
            model([pixels.float().div_(255)])[0]["boxes"].numpy()

    def iteration():
        phases.start()
        (train_step if training else test)()
        phases.stop()

    result = timed(iteration, args.warmup, args.seconds, args.min_iterations)
    return (*result, phases.mean(result[0]))


def blas():
    """The BLAS library this process loaded for PyTorch (Debian's torch links whichever is installed)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "/" in line}
    names = sorted({"/".join(os.path.realpath(p).split("/")[-2:]) for p in paths if re.search(r"blas|mkl_rt|blis|atlas", p)})
    return ", ".join(names) or "none found"


def matmul(args):
    import torch

    generator = torch.Generator().manual_seed(0)
    a = torch.randn(args.side, args.side, generator=generator)
    b = torch.randn(args.side, args.side, generator=generator)
    return timed(lambda: torch.mm(a, b), args.warmup, args.seconds, args.min_iterations)


def run_all(argv):
    """Every workload once, each in a fresh process of this script; prints a table."""
    parser = argparse.ArgumentParser(
        prog="bench/peer", description="PyTorch's side of ./resnet bench alone: every workload once, in fresh processes")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="compute threads (default: all cores)")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds of each workload (default: 3)")
    parser.add_argument("--only", default="", help="comma-separated workload names")
    parser.add_argument("--images", default="", help="an image folder DIR/train/CLASS/*.jpg for data-imagenet")
    parser.add_argument("--list", action="store_true", help="print the workloads and their arguments as JSON, and stop")
    args = parser.parse_args(argv)
    if args.list:
        print(json.dumps({name: workload.split() for name, workload in WORKLOADS}))
        return 0
    names = [name for name, _ in WORKLOADS]
    only = [n for n in args.only.split(",") if n]
    unknown = [n for n in only if n not in names]
    if unknown:
        parser.error(f"unknown workload {', '.join(unknown)}; expected some of {', '.join(names)}")
    if args.threads < 1 or args.seconds < 0:
        parser.error("--threads must be at least 1 and --seconds at least 0")
    import torch
    import torchvision

    print(f"PyTorch {torch.__version__} (torchvision {torchvision.__version__}, BLAS {blas()}), {args.threads} threads, "
          "one run of each workload; ./resnet bench alternates repeats with ours")
    print(f"{'workload':<22} {'images/s':>10} {'peak MB':>9}")
    status = 0
    for name, workload in WORKLOADS:
        if (only and name not in only) or (not only and name in DETECTION_WORKLOADS):
            continue
        command = [sys.executable, os.path.abspath(__file__), *workload.split(), "--threads", str(args.threads),
                   "--warmup", "2", "--seconds", str(args.seconds), "--min-iterations", "3"]
        if name == "data-imagenet":
            if not args.images:
                print(f"{name:<22} skipped: needs --images DIR, an image folder of JPEGs")
                continue
            command += ["--images", args.images]
        environment = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        environment.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as ./resnet bench runs both sides
        done = subprocess.run(command, capture_output=True, text=True, env=environment)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"{name:<22} failed: {last}")
            status = 1
            continue
        result = json.loads(lines[-1])
        print(f"{name:<22} {result['images_per_sec']:>10.1f} {result['workload_peak_mb']:>9.0f}")
    return status


def main():
    if len(sys.argv) == 1 or sys.argv[1].startswith("-"):
        return run_all(sys.argv[1:])
    if sys.argv[1] == "all":
        return run_all(sys.argv[2:])
    if len(sys.argv) == 2 and sys.argv[1] == "check":
        try:
            import torch
            import torchvision
        except ImportError as e:
            print(f"peer.py: {e}", file=sys.stderr)
            return 3
        print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__, "blas": blas()}))
        return 0
    parser = argparse.ArgumentParser(description="one PyTorch measurement for ./resnet bench")
    parser.add_argument("kind", choices=("train", "infer", "data", "imagenet-data", "train-detect", "infer-detect",
                                         "matmul"))
    parser.add_argument("--model", default="")
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--side", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--min-iterations", type=int, required=True)
    parser.add_argument("--stride-on", choices=("1x1", "3x3"), default="3x3")
    parser.add_argument("--images", default="")
    args = parser.parse_args()
    depth = re.fullmatch(r"resnet(\d+)", args.model)
    if depth and int(depth.group(1)) in IMAGENET_DEPTHS and args.stride_on != "3x3":
        raise SystemExit("peer.py: torchvision's bottlenecks downsample on the 3x3 convolution: use --stride-on 3x3")

    import numpy  # noqa: F401  (the libraries load before the baseline, as ours do)
    import torch
    import torchvision  # noqa: F401

    torch.set_num_threads(args.threads)
    baseline = reset_peak()
    run = {"train": train, "infer": infer, "data": data, "imagenet-data": imagenet_data, "train-detect": detect,
           "infer-detect": detect, "matmul": matmul}[args.kind]
    iterations, seconds, best, cpu, *phases = run(args)
    peak = status_kb("VmHWM")
    matrix = args.kind == "matmul"
    result = {
        "images_per_sec": 0.0 if matrix else args.batch * iterations / seconds,
        "iterations": iterations,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "gflops": 2.0 * args.side ** 3 / best / 1e9 if matrix else 0.0,
        "baseline_rss_mb": baseline / 1024,
        "peak_rss_mb": peak / 1024,
        "workload_peak_mb": (peak - baseline) / 1024,
        "threads": torch.get_num_threads(),
        "engine": f"PyTorch {torch.__version__}",
    }
    if phases:
        result["phases"] = phases[0]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
