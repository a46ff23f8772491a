#!/usr/bin/env python3
"""Real photos changed the ways a student's camera, light or hand might change them, to test how
`flytally count` holds up on photos unlike the ones it has seen.

For an annotated set (COCO, as scripts/split-real-photos.py writes them) writes one copy per
change to OUT/CHANGE/ (images and annotations, boxes moved where the change moves the flies):
  rotated     turned 90 degrees clockwise (a portrait photo)
  dim, bright exposure x 0.55 and x 1.5
  warm, cool  white balance shifted (red up and blue down, and the reverse, by 25 %)
  cool-mild   the cool shift by 12 %
  blurred     out of focus (Gaussian blur, radius 3 px)
  noisy       sensor noise (Gaussian, sigma 12 grey levels)
  jpeg-q15    saved as a JPEG of quality 15
  small       shrunk to 0.3 megapixels
The images are written under OUT only: keep OUT out of the repository (the real photos' licence
lets us use them from ../shared, not copy them).

Usage: perturb-real-photos.py SET_DIR OUT_DIR
e.g.   scripts/perturb-real-photos.py work/detector-s4/real-test work/perturbed-real
"""
import json
import os
import sys

import numpy
from PIL import Image, ImageFilter


def scaled_channels(image, factors):
    """Each channel multiplied by its factor (exposure, white balance), clipped to 0-255."""
    pixels = numpy.asarray(image, dtype=numpy.float32) * numpy.asarray(factors, dtype=numpy.float32)
    return Image.fromarray(numpy.clip(pixels.round(), 0, 255).astype(numpy.uint8))


def noisy(image, sigma, seed):
    """Zero-mean Gaussian noise of `sigma` grey levels, independent per pixel and channel."""
    rng = numpy.random.default_rng(seed)
    pixels = numpy.asarray(image, dtype=numpy.float32) + rng.normal(0, sigma, (image.size[1], image.size[0], 3))
    return Image.fromarray(numpy.clip(pixels.round(), 0, 255).astype(numpy.uint8))


def rotated(image, annotations):
    """Turned 90 degrees clockwise: (x, y) goes to (H - y, x)."""
    height = image.size[1]
    moved = []
    for a in annotations:
        x, y, w, h = a["bbox"]
        moved.append(dict(a, bbox=[height - y - h, x, h, w]))
    return image.transpose(Image.Transpose.ROTATE_270), moved


def small(image, annotations):
    scale = (0.3e6 / (image.size[0] * image.size[1])) ** 0.5
    size = (round(image.size[0] * scale), round(image.size[1] * scale))
    moved = [dict(a, bbox=[v * scale for v in a["bbox"]], area=a["area"] * scale * scale) for a in annotations]
    return image.resize(size, Image.LANCZOS), moved


CHANGES = {
    "rotated": rotated,
    "dim": lambda im, a: (scaled_channels(im, (0.55, 0.55, 0.55)), a),
    "bright": lambda im, a: (scaled_channels(im, (1.5, 1.5, 1.5)), a),
    "warm": lambda im, a: (scaled_channels(im, (1.25, 1.0, 0.75)), a),
    "cool": lambda im, a: (scaled_channels(im, (0.75, 1.0, 1.25)), a),
    "cool-mild": lambda im, a: (scaled_channels(im, (0.88, 1.0, 1.12)), a),
    "blurred": lambda im, a: (im.filter(ImageFilter.GaussianBlur(3)), a),
    "noisy": lambda im, a: (noisy(im, 12, 1), a),
    "jpeg-q15": lambda im, a: (im, a),   # the change is in how it is saved (quality 15)
    "small": small,
}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-2])
    source, out = sys.argv[1:]
    data = json.load(open(os.path.join(source, "annotations.json")))
    for name, change in CHANGES.items():
        target = os.path.join(out, name)
        os.makedirs(os.path.join(target, "images"), exist_ok=True)
        images, annotations = [], []
        for info in data["images"]:
            flies = [a for a in data["annotations"] if a["image_id"] == info["id"]]
            image = Image.open(os.path.join(source, "images", info["file_name"])).convert("RGB")
            changed, moved = change(image, flies)
            stem = os.path.splitext(info["file_name"])[0]
            file_name = stem + (".jpg" if name == "jpeg-q15" else ".png")
            if name == "jpeg-q15":
                changed.save(os.path.join(target, "images", file_name), quality=15)
            else:
                changed.save(os.path.join(target, "images", file_name))   # PNG: nothing lost beyond the change
            images.append(dict(info, file_name=file_name, width=changed.size[0], height=changed.size[1]))
            annotations += moved
        json.dump(dict(data, images=images, annotations=annotations), open(os.path.join(target, "annotations.json"), "w"))
        print(f"{target}: {len(images)} photos, {len(annotations)} flies")


if __name__ == "__main__":
    main()
