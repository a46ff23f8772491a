#!/usr/bin/env python3
"""Trait accuracy and keypoint error on the FlySim crops where the part that shows the trait can be seen.

Some held-out crops cannot be read by anyone: the head is cut off by the photo edge or lies under
another fly, so the eye colour is not in the picture. FlySim marks each keypoint hidden or
visible (`hidden` column of the crops' `crops.csv`, from `flytally simulate --crops`). This
script joins that with `flytally eval --model M --data CROPS --per-crop PER_CROP.csv` and prints,
per trait, the accuracy on all crops, on crops where the deciding part is visible and on the
rest; then the keypoint error of visible and hidden points.

The deciding parts: eye colour — the head; sex — the tail (the abdomen's tip); wing length —
at least one wing tip (judged against the body).

Usage: scripts/readable-accuracy.py PER_CROP.csv CROPS.csv
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from flysim_groups import predictions_and_crops  # noqa: E402

DECIDING = {
    "eye": lambda hidden: "head" not in hidden,
    "wing": lambda hidden: not {"wing1", "wing2"} <= hidden,
    "sex": lambda hidden: "tail" not in hidden,
}
PROBABILITY = {"eye": ("p_white", "white"), "wing": ("p_miniature", "miniature"), "sex": ("p_male", "male")}


def percent(right, n):
    return f"{100 * right / n:6.2f} %" if n else "      —"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    predictions, crops = predictions_and_crops(sys.argv[1], sys.argv[2], ", or with every keypoint visible")
    print(f"{len(crops)} crops")
    print(f"{'trait':6} {'all':>9} {'part visible':>22} {'part hidden':>20}")
    for trait, readable in DECIDING.items():
        column, positive = PROBABILITY[trait]
        tally = {True: [0, 0], False: [0, 0]}   # readable → [crops, right]
        for c in crops:
            if c[trait] in ("", "unknown"):
                continue
            p = float(predictions[c["file"]][column])
            right = (p >= 0.5) == (c[trait] == positive)
            t = tally[readable(set(c["hidden"].split()))]
            t[0] += 1
            t[1] += right
        n = tally[True][0] + tally[False][0]
        print(f"{trait:6} {percent(tally[True][1] + tally[False][1], n):>9} "
              f"{percent(*tally[True][::-1]):>10} of {tally[True][0]:5} "
              f"{percent(*tally[False][::-1]):>10} of {tally[False][0]:4}")
    print("keypoint error, % of the crop side (mean over points):")
    for name, column, points in (("head", "head_error_pct", ("head",)), ("tail", "tail_error_pct", ("tail",)),
                                 ("wing tips", "wing_tips_error_pct", ("wing1", "wing2"))):
        groups = {True: [], False: []}
        for c in crops:
            value = predictions[c["file"]].get(column, "")
            if value:
                groups[not set(points) & set(c["hidden"].split())].append(float(value))
        shown = ", ".join(f"{label} {sum(v) / len(v):5.2f} ({len(v)})" for label, v in
                          (("visible", groups[True]), ("hidden", groups[False])) if v)
        print(f"  {name:10} {shown}")
    visible_mean = []
    for c in crops:
        p, hidden = predictions[c["file"]], set(c["hidden"].split())
        if not p.get("head_error_pct"):
            continue
        if not hidden:
            visible_mean.append((float(p["head_error_pct"]) + float(p["tail_error_pct"]) + 2 * float(p["wing_tips_error_pct"])) / 4)
    if visible_mean:
        print(f"  mean over crops with all four points visible: {sum(visible_mean) / len(visible_mean):.2f} % ({len(visible_mean)} crops)")


if __name__ == "__main__":
    main()
