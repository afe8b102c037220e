#!/usr/bin/python3
"""The torchvision side of the import verification (run by TorchvisionReferenceTest).

Needs PyTorch and torchvision, for example Debian's python3-torchvision (0.14, PyTorch 1.13):
run it with /usr/bin/python3, since the python3 first on PATH may lack them.

  reference OUT    writes OUT/resnet50.pth, the state_dict of a randomly initialised torchvision
                   resnet50 in eval mode, and what it computes:
                     input.bin, logits.bin             a 2x3x224x224 Gaussian batch and its logits
                     image.png, image.jpg              a 500x375 test picture
                     image_png_input.bin, image_png_logits.bin
                     image_jpg_input.bin, image_jpg_logits.bin
                                                       the picture after torchvision's eval
                                                       preset (Resize(256), CenterCrop(224),
                                                       ToTensor, Normalize) and its logits
                   All .bin files are raw little-endian float32 in C order.
  check-pth FILE   loads FILE with torch.load(weights_only=True), checks that torchvision's
                   resnet of its depth takes it (load_state_dict, strict), re-saves it with
                   torch.save and prints whether the two data.pkl are byte-identical.

BN starts out trivial in a fresh network (scale 1, shift 0, running mean 0, variance 1), which
would hide a mix-up of BN tensors, and in eval mode those statistics do not match the
activations, which then grow from block to block (logits in the thousands, where float32
rounding alone exceeds 1e-3). So the reference draws random BN scales and shifts, then sets
the running statistics from a few random batches, as training would: the network stays random
but its logits have the scale of a trained one's.
"""
import io
import sys
import zipfile

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms


def randomise_bn(model, generator, batches=2):
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            m.weight.copy_(0.5 + torch.rand(c, generator=generator))
            m.bias.copy_(0.1 * torch.randn(c, generator=generator))
            m.reset_running_stats()
            m.momentum = None  # a plain average over the calibration batches
        model.train()
        for _ in range(batches):
            model(torch.randn(8, 3, 224, 224, generator=generator))
        for m in bns:
            m.momentum = 0.1


def picture():
    """Smooth colour gradients with a few shapes and noise: detail at every scale."""
    h, w = 375, 500
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(0)
    r = 127 + 100 * np.sin(x / 37.0) * np.cos(y / 23.0)
    g = 255 * x / w
    b = 255 * (1 - y / h)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 12, (h, w, 3))
    img[100:180, 140:300] = [230, 40, 30]
    img[(x - 380) ** 2 + (y - 250) ** 2 < 60 ** 2] = [20, 30, 200]
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def save(path, tensor):
    tensor.detach().numpy().astype("<f4").tofile(path)


def reference(out):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = torchvision.models.resnet50()
    randomise_bn(model, generator)
    model.eval()
    torch.save(model.state_dict(), f"{out}/resnet50.pth")

    x = torch.randn(2, 3, 224, 224, generator=generator)
    with torch.no_grad():
        save(f"{out}/input.bin", x)
        save(f"{out}/logits.bin", model(x))

    preset = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    img = picture()
    img.save(f"{out}/image.png")
    img.save(f"{out}/image.jpg", quality=90)
    for kind in ("png", "jpg"):
        t = preset(Image.open(f"{out}/image.{kind}").convert("RGB")).unsqueeze(0)
        with torch.no_grad():
            save(f"{out}/image_{kind}_input.bin", t)
            save(f"{out}/image_{kind}_logits.bin", model(t))
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}: wrote {out}")


def pickle_of(path):
    with zipfile.ZipFile(path) as z:
        return next(z.read(n) for n in z.namelist() if n.endswith("/data.pkl"))


def check_pth(path):
    state = torch.load(path, weights_only=True)
    blocks = sum(1 for k in state if k.endswith(".conv1.weight") and k.startswith("layer"))
    bottleneck = any(k.endswith(".conv3.weight") for k in state)
    depth = {(8, False): 18, (16, False): 34, (16, True): 50, (33, True): 101, (50, True): 152}[(blocks, bottleneck)]
    model = getattr(torchvision.models, f"resnet{depth}")(num_classes=state["fc.weight"].shape[0])
    model.load_state_dict(state, strict=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
        resaved = next(z.read(n) for n in z.namelist() if n.endswith("/data.pkl"))
    same = resaved == pickle_of(path)
    print(f"resnet{depth}: torch.load(weights_only=True) and load_state_dict(strict=True) accept it;"
          f" data.pkl {'identical to' if same else 'DIFFERS from'} torch.save's")
    return 0 if same else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "reference":
        reference(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "check-pth":
        sys.exit(check_pth(sys.argv[2]))
    else:
        sys.exit(__doc__)
