#!/usr/bin/env python3
"""Where a trait classifier's keypoint errors sit, by what the FlySim crops show.

Reads the per-crop rows of `flytally eval --model MODEL --data SET/crops --per-crop PER_CROP.csv`,
the crops' own CSV (SET/crops/crops.csv: wing type and pose) and the set's annotation file
(SET/annotations.json: cut by the photo border, partly hidden, touching another fly — grouped as
scripts/audit-attributes.py does). Prints the mean head, tail and wing-tip errors (in % of the
crop side) per group, and the wing-tip error by how far apart the two true wing tips are (close
together: one wing lies over the other).

Usage: scripts/keypoint-errors-by-kind.py PER_CROP.csv CROPS.csv ANNOTATIONS.json
"""
import collections
import csv
import importlib.util
import json
import os
import re
import sys

spec = importlib.util.spec_from_file_location("audit_attributes", os.path.join(os.path.dirname(__file__), "audit-attributes.py"))
audit_attributes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_attributes)


def readability(annotation, neighbours):
    attributes = annotation.get("attributes", {})
    if attributes.get("truncated"):
        return "truncated"
    if attributes.get("visible_fraction", 1) < 0.9:
        return "partly hidden"
    if any(audit_attributes.iou(annotation["bbox"], o["bbox"]) > 0.05 for o in neighbours if o is not annotation):
        return "touching"
    return "clear"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["wing_tips_error_pct"]]
    crops = {r["file"]: r for r in csv.DictReader(open(sys.argv[2]))}
    coco = json.load(open(sys.argv[3]))
    by_id = {a["id"]: a for a in coco["annotations"]}
    by_image = collections.defaultdict(list)
    for a in coco["annotations"]:
        by_image[a["image_id"]].append(a)
    groups = collections.defaultdict(list)
    for row in rows:
        name = os.path.basename(row["source"])
        errors = [float(row[k]) for k in ("head_error_pct", "tail_error_pct", "wing_tips_error_pct")]
        groups[("all", "")].append(errors)
        if name in crops:
            groups[("wing", crops[name]["wing"])].append(errors)
            groups[("pose", crops[name]["pose"])].append(errors)
        m = re.search(r"_fly(\d+)\.png$", name)
        if m and int(m.group(1)) in by_id:
            a = by_id[int(m.group(1))]
            groups[("crop", readability(a, by_image[a["image_id"]]))].append(errors)
        gap = float(row["true_wing_tip_gap_pct"])
        band = "< 5 %" if gap < 5 else "5-15 %" if gap < 15 else "15-30 %" if gap < 30 else ">= 30 %"
        groups[("true wing-tip gap", band)].append(errors)
    print("| group | crops | head % | tail % | wing tips % |")
    print("|---|---|---|---|---|")
    order = {"all": 0, "crop": 1, "wing": 2, "pose": 3, "true wing-tip gap": 4}
    bands = {"< 5 %": 0, "5-15 %": 1, "15-30 %": 2, ">= 30 %": 3}
    for key in sorted(groups, key=lambda k: (order[k[0]], bands.get(k[1], 0), k[1])):
        e = groups[key]
        means = [sum(x[i] for x in e) / len(e) for i in range(3)]
        label = key[0] if key[0] == "all" else f"{key[0]}: {key[1]}"
        print(f"| {label} | {len(e)} | {means[0]:.2f} | {means[1]:.2f} | {means[2]:.2f} |")


if __name__ == "__main__":
    main()
