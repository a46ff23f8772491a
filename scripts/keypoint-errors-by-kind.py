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
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from flysim_groups import FlySimAnnotations  # noqa: E402


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["wing_tips_error_pct"]]
    crops = {r["file"]: r for r in csv.DictReader(open(sys.argv[2]))}
    flysim = FlySimAnnotations(sys.argv[3])
    groups = collections.defaultdict(list)
    for row in rows:
        name = os.path.basename(row["source"])
        errors = [float(row[k]) for k in ("head_error_pct", "tail_error_pct", "wing_tips_error_pct")]
        groups[("all", "")].append(errors)
        if name in crops:
            groups[("wing", crops[name]["wing"])].append(errors)
            groups[("pose", crops[name]["pose"])].append(errors)
        annotation = flysim.annotation(name)
        if annotation is not None:
            groups[("crop", flysim.group(annotation))].append(errors)
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
