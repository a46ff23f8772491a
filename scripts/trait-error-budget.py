#!/usr/bin/env python3
"""Where a trait classifier's errors sit on FlySim crops, against the [traits] target's budget.

The target is >= 99 % per trait, so a set of n crops allows n/100 errors. This script splits each
trait's errors by the kind of crop they fall on, first match wins:
  1. the part that decides the trait is hidden (head for eye colour, tail — the abdomen tip — for
     sex, both wing tips for wing length; FlySim's `hidden` column of crops.csv): nobody could
     read the trait there;
  2. cut by the photo border, partly hidden by another fly, touching another fly (the groups of
     scripts/audit-attributes.py, from the annotation file);
  3. clear flies, by pose (lateral, dorsal, ventral).
and prints, per trait, the errors in each group beside the budget; the accuracy the model would
have if it were right on every crop of group 1; and that of a reader right wherever the part
shows and guessing (right half the time) where it is hidden — what the data allows a reader who
only looks at the deciding part.

Inputs: the per-crop predictions of `flytally eval --model M --data CROPS --per-crop PER_CROP.csv
[--crop-views 4]`, the crops' CROPS/crops.csv and the set's annotations.json.

Usage: scripts/trait-error-budget.py PER_CROP.csv CROPS.csv ANNOTATIONS.json
"""
import collections
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from flysim_groups import FlySimAnnotations, predictions_and_crops  # noqa: E402

DECIDING_PART_HIDDEN = {
    "eye": lambda hidden: "head" in hidden,
    "wing": lambda hidden: {"wing1", "wing2"} <= hidden,
    "sex": lambda hidden: "tail" in hidden,
}
PROBABILITY = {"eye": ("p_white", "white"), "wing": ("p_miniature", "miniature"), "sex": ("p_male", "male")}
ROWS = ("deciding part hidden", "truncated", "partly hidden", "touching",
        "clear, lateral", "clear, dorsal", "clear, ventral")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    per_crop_path, crops_path, annotations_path = sys.argv[1:]
    predictions, crops = predictions_and_crops(per_crop_path, crops_path)
    flysim = FlySimAnnotations(annotations_path)
    unmatched = [c["file"] for c in crops if flysim.annotation(c["file"]) is None]
    if unmatched:
        sys.exit(f"{annotations_path}: no annotation for {len(unmatched)} crops (first: {unmatched[0]})")

    for trait, part_hidden in DECIDING_PART_HIDDEN.items():
        column, positive = PROBABILITY[trait]
        tally = collections.OrderedDict((r, [0, 0]) for r in ROWS)   # row → [crops, wrong]
        for c in crops:
            if c[trait] in ("", "unknown"):
                continue
            wrong = (float(predictions[c["file"]][column]) >= 0.5) != (c[trait] == positive)
            if part_hidden(set(c["hidden"].split())):
                row = "deciding part hidden"
            else:
                group = flysim.group(flysim.annotation(c["file"]))
                row = f"clear, {c['pose']}" if group == "clear" else group
            cell = tally.setdefault(row, [0, 0])
            cell[0] += 1
            cell[1] += wrong
        n = sum(k for k, _ in tally.values())
        errors = sum(w for _, w in tally.values())
        allowed = n // 100
        print(f"{trait}: {n} crops, {errors} wrong ({100 * (n - errors) / n:.2f} %); "
              f"the >= 99 % target allows {allowed}")
        for row, (k, w) in tally.items():
            if k:
                print(f"  {row:22s} {k:5d} crops  {w:3d} wrong  ({100 * (k - w) / k:6.2f} % right)")
        hidden_crops, hidden_wrong = tally["deciding part hidden"]
        print(f"  right on every crop with the deciding part hidden: {100 * (n - errors + hidden_wrong) / n:.2f} %; "
              f"errors where the part shows: {errors - hidden_wrong} against {allowed} allowed")
        print(f"  right wherever the part shows, guessing where it is hidden: {100 * (n - hidden_crops / 2) / n:.2f} %")


if __name__ == "__main__":
    main()
