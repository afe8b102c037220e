#!/usr/bin/python3
"""PIL's decoding of RgbImageTest's CMYK JPEG: the expected pixels that the test pins.

The fixture, src/test/resources/org/resnetj/data/cmyk-adobe-red-yellow.jpg, is the 40x30 CMYK
JPEG with Adobe's APP14 marker that TestImages.cmykJpeg writes (TwelveMonkeys' writer): left half
red (C=0, M=Y=255, K=0), right half yellow. Its columns are alike from row to row, so the script
checks that and prints one row of Image.convert("RGB"), channel by channel, as Java literals to
paste into RgbImageTest.

Needs Pillow, for example Debian's python3-pil: run it with /usr/bin/python3.

  /usr/bin/python3 bench/pil_cmyk_reference.py [FILE]
"""
import sys

import PIL
from PIL import Image

FIXTURE = "src/test/resources/org/resnetj/data/cmyk-adobe-red-yellow.jpg"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else FIXTURE
    image = Image.open(path)
    if image.mode != "CMYK" or "adobe" not in image.info:
        sys.exit(f"{path}: expected an Adobe CMYK JPEG, got mode {image.mode}")
    rgb = image.convert("RGB")
    width, height = rgb.size
    rows = [[rgb.getpixel((x, y)) for x in range(width)] for y in range(height)]
    if any(row != rows[0] for row in rows):
        sys.exit(f"{path}: rows differ; the test pins one row for all")
    print(f"// Pillow {PIL.__version__}, {path}, {width}x{height}")
    for c, name in enumerate(("PIL_RED", "PIL_GREEN", "PIL_BLUE")):
        values = ", ".join(str(pixel[c]) for pixel in rows[0])
        print(f"private static final int[] {name} = {{{values}}};")


if __name__ == "__main__":
    main()
