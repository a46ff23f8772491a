#!/usr/bin/env python3
"""Close-ups made from real photos, to test the detector on flies larger than the real photos'
own (about 94 px at the fast detector's 512-px input).

For each photo of an annotated set (COCO, as scripts/split-real-photos.py writes them) and each
zoom Z, cuts the window of 1/Z of the photo's width and height centred on its flies (moved
inside the photo where needed), enlarges it back to the photo's size (bicubic) and writes it
with its boxes to OUT/zoom-Z/. A fly whose box is cut by the window keeps the part inside,
marked `truncated` in its attributes (as FlySim marks flies cut by the photo edge), when at
least half of it is inside; a smaller remnant is left out, as the detector's training leaves
it out of a crop. The images are written under OUT only: keep OUT out of the repository (the
real photos' licence lets us use them from ../shared, not copy them).

Usage: zoom-real-photos.py SET_DIR OUT_DIR ZOOM [ZOOM ...]
e.g.   scripts/zoom-real-photos.py work/detector-s4/real-test work/closeup-real 1.5 2 2.5
"""
import json
import os
import sys

from PIL import Image


def zoomed(image, annotations, zoom):
    """The enlarged window of one photo and its flies' annotations in the window's pixels."""
    width, height = image.size
    window_w, window_h = width / zoom, height / zoom
    centres = [(a["bbox"][0] + a["bbox"][2] / 2, a["bbox"][1] + a["bbox"][3] / 2) for a in annotations]
    cx = sum(c[0] for c in centres) / len(centres) if centres else width / 2
    cy = sum(c[1] for c in centres) / len(centres) if centres else height / 2
    x0 = min(max(cx - window_w / 2, 0), width - window_w)
    y0 = min(max(cy - window_h / 2, 0), height - window_h)
    window = image.crop((round(x0), round(y0), round(x0 + window_w), round(y0 + window_h)))
    kept = []
    for a in annotations:
        x, y, w, h = a["bbox"]
        ix0, iy0 = max(x, x0), max(y, y0)
        ix1, iy1 = min(x + w, x0 + window_w), min(y + h, y0 + window_h)
        if ix1 <= ix0 or iy1 <= iy0 or (ix1 - ix0) * (iy1 - iy0) < 0.5 * w * h:
            continue
        cut = (ix0, iy0, ix1, iy1) != (x, y, x + w, y + h)
        attributes = dict(a.get("attributes", {}), truncated=cut)
        box = [(ix0 - x0) * zoom, (iy0 - y0) * zoom, (ix1 - ix0) * zoom, (iy1 - iy0) * zoom]
        kept.append(dict(a, bbox=box, area=box[2] * box[3], attributes=attributes))
    return window.resize((width, height), Image.BICUBIC), kept


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[-2])
    source, out = sys.argv[1], sys.argv[2]
    try:
        zooms = [float(z) for z in sys.argv[3:]]
    except ValueError:
        sys.exit(f"zoom-real-photos.py: zooms must be numbers (got {' '.join(sys.argv[3:])})")
    if any(z < 1 for z in zooms):
        sys.exit("zoom-real-photos.py: zooms must be at least 1")
    data = json.load(open(os.path.join(source, "annotations.json")))
    for zoom in zooms:
        target = os.path.join(out, f"zoom-{zoom:g}")
        os.makedirs(os.path.join(target, "images"), exist_ok=True)
        annotations = []
        for info in data["images"]:
            flies = [a for a in data["annotations"] if a["image_id"] == info["id"]]
            image = Image.open(os.path.join(source, "images", info["file_name"])).convert("RGB")
            window, kept = zoomed(image, flies, zoom)
            window.save(os.path.join(target, "images", info["file_name"]), quality=92)
            annotations += kept
        json.dump(dict(data, annotations=annotations), open(os.path.join(target, "annotations.json"), "w"))
        cut = sum(a["attributes"]["truncated"] for a in annotations)
        print(f"{target}: {len(data['images'])} photos, {len(annotations)} flies ({cut} cut by the window)")


if __name__ == "__main__":
    main()
