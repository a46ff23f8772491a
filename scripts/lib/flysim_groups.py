"""How readable a FlySim fly is, from its annotation and its crop's hidden keypoints: shared by
the scripts that split a trait classifier's errors by the kind of crop they sit on.

Groups, first match wins: cut by the photo border (truncated), partly hidden by another fly
(visible fraction < 0.9), touching another fly (box IoU > 0.05), or clear.
"""
import collections
import csv
import json
import re
import sys

GROUPS = ("truncated", "partly hidden", "touching", "clear")


def iou(a, b):
    """IoU of two COCO boxes (x, y, width, height)."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


class FlySimAnnotations:
    """A FlySim COCO file, looked up by crop name (`flytally simulate --crops` names crops
    PHOTO_flyID.png after the annotation id)."""

    def __init__(self, path):
        coco = json.load(open(path))
        self.by_id = {a["id"]: a for a in coco["annotations"]}
        self.by_image = collections.defaultdict(list)
        for a in coco["annotations"]:
            self.by_image[a["image_id"]].append(a)

    def annotation(self, crop_name):
        """The annotation a crop was cut from, or None."""
        m = re.search(r"_fly(\d+)\.png$", crop_name)
        return self.by_id.get(int(m.group(1))) if m else None

    def group(self, a):
        """Which of GROUPS the fly falls in."""
        attributes = a.get("attributes", {})
        if attributes.get("truncated"):
            return "truncated"
        if attributes.get("visible_fraction", 1) < 0.9:
            return "partly hidden"
        if any(iou(a["bbox"], o["bbox"]) > 0.05 for o in self.by_image[a["image_id"]] if o is not a):
            return "touching"
        return "clear"


def predictions_and_crops(per_crop_path, crops_path, hidden_note=""):
    """The per-crop rows of `flytally eval --per-crop` by crop file name, and the rows of the
    crops' crops.csv; exits with a one-line message when crops.csv has no `hidden` column or a
    crop has no prediction."""
    predictions = {r["source"]: r for r in csv.DictReader(open(per_crop_path))}
    crops = list(csv.DictReader(open(crops_path)))
    if crops and "hidden" not in crops[0]:
        sys.exit(f"{crops_path}: no 'hidden' column (crops written before FlySim marked hidden keypoints{hidden_note}); "
                 "re-run `flytally simulate --crops` with the same seed")
    missing = [c["file"] for c in crops if c["file"] not in predictions]
    if missing:
        sys.exit(f"{per_crop_path}: no prediction for {len(missing)} crops of {crops_path} (first: {missing[0]})")
    return predictions, crops
