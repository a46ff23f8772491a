#!/usr/bin/env python3
"""Where a detector's boxes go wrong, from a FlySim/COCO annotation file and the flies.csv of
`flytally count` on some of its photos (docs/RESULTS.md, "Where the detector loses flies").

Prints: the size of the true flies at the detector's input (photo long side → INPUT px); each
true fly's best detection classed as hit (IoU ≥ 0.5), loose (0.1–0.5) or missed, with how many of
each overlap another true fly, and how many loose ones have as their best box one that overlaps
another true fly more (a neighbour's box: the fly itself has none); the detections' scores; and,
for flies matched at IoU ≥ 0.1, the ratio of detected to true box width and height, the centre
offset in box sizes and the IoU (median and 10th–90th percentile).

Usage: scripts/detector-diagnostics.py ANNOTATIONS.json FLIES.csv [INPUT=512]
"""
import collections
import csv
import json
import os
import statistics
import sys


def iou(a, b):
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def spread(values):
    v = sorted(values)
    return "%.2f [%.2f … %.2f]" % (statistics.median(v), v[len(v) // 10], v[9 * len(v) // 10])


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[-1])
    annotations, flies_csv = sys.argv[1], sys.argv[2]
    input_side = float(sys.argv[3]) if len(sys.argv) == 4 else 512.0
    coco = json.load(open(annotations))
    names = {i["id"]: i["file_name"] for i in coco["images"]}
    long_side = {i["id"]: max(i["width"], i["height"]) for i in coco["images"]}
    detections = collections.defaultdict(list)
    scores = []
    for row in csv.DictReader(open(flies_csv)):
        detections[os.path.basename(row["photo"])].append([float(row[k]) for k in ("x", "y", "width", "height")])
        scores.append(float(row["score"]))
    truth = collections.defaultdict(list)
    for a in coco["annotations"]:
        if names[a["image_id"]] in detections:
            truth[a["image_id"]].append(a)
    if not truth:
        sys.exit(f"{flies_csv}: none of its photos is in {annotations}")
    sides, classes = [], collections.defaultdict(lambda: [0, 0])
    neighbours_box = 0
    widths, heights, dx, dy, ious = [], [], [], [], []
    for image_id, flies in truth.items():
        found = detections[names[image_id]]
        for a in flies:
            b = a["bbox"]
            sides.append(max(b[2], b[3]) * input_side / long_side[image_id])
            overlaps = any(iou(b, o["bbox"]) > 0.05 for o in flies if o is not a)
            best, box = max([(iou(b, d), d) for d in found] or [(0.0, None)])
            kind = "hit" if best >= 0.5 else "loose" if best >= 0.1 else "missed"
            classes[kind][0] += 1
            classes[kind][1] += overlaps
            if kind == "loose" and any(iou(o["bbox"], box) > best for o in flies if o is not a):
                neighbours_box += 1
            if box is not None and best >= 0.1:
                widths.append(box[2] / b[2])
                heights.append(box[3] / b[3])
                dx.append((box[0] + box[2] / 2 - b[0] - b[2] / 2) / b[2])
                dy.append((box[1] + box[3] / 2 - b[1] - b[3] / 2) / b[3])
                ious.append(best)
    print(f"photos {len(truth)}, true flies {len(sides)}, detections {sum(len(detections[names[i]]) for i in truth)}")
    print(f"true fly side at a {input_side:.0f}-px input: median [p10 … p90] {spread(sides)} px")
    for kind in ("hit", "loose", "missed"):
        n, overlapping = classes[kind]
        print(f"{kind:6s} {n:5d}  (overlapping another fly: {overlapping})")
    print(f"loose flies whose best box is a neighbour's (overlaps another true fly more): {neighbours_box}")
    print(f"detection scores ({len(scores)}): {spread(scores)}")
    if widths:
        print(f"matched at IoU ≥ 0.1 ({len(widths)}): width ratio {spread(widths)}, height ratio {spread(heights)}")
        print(f"  centre offset x/width {spread(dx)}, y/height {spread(dy)}, IoU {spread(ious)}")


if __name__ == "__main__":
    main()
