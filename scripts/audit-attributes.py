#!/usr/bin/env python3
"""Which FlySim flies a trait classifier gets wrong, by how readable their crops are.

Reads OUT/audit.csv of `flytally audit CROPS --models MODEL --out OUT` (one row per crop, with
the traits the model disagrees on) and the annotation file of the FlySim set the crops came
from (`flytally simulate --crops` names crops PHOTO_flyID.png after the annotation id). Groups
the flies as: cut by the photo border (truncated), partly hidden by another fly (visible
fraction < 0.9), touching another fly (box IoU > 0.05), or clear; and prints, per group, how
many flies there are, how many the model gets wrong on at least one trait, and its accuracy on
each trait (the [traits] target is per trait); then the sex accuracy by pose and sex (flies
seen from above or below are the hardest to sex).

Usage: scripts/audit-attributes.py AUDIT.csv ANNOTATIONS.json
"""
import collections
import csv
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from flysim_groups import GROUPS, FlySimAnnotations  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    rows = list(csv.DictReader(open(sys.argv[1])))
    flysim = FlySimAnnotations(sys.argv[2])
    groups = collections.OrderedDict((g, [0, 0]) for g in GROUPS)
    traits = ("eye", "wing", "sex")
    trait_wrong = {g: collections.Counter() for g in groups}
    by_pose = collections.defaultdict(lambda: [0, 0])   # (pose, sex) → [flies, sexed wrong]
    unmatched = 0
    for row in rows:
        a = flysim.annotation(row["source"])
        if a is None:
            unmatched += 1
            continue
        attributes = a.get("attributes", {})
        group = flysim.group(a)
        groups[group][0] += 1
        groups[group][1] += 1 if row["disagrees_on"].strip() else 0
        trait_wrong[group].update(t for t in row["disagrees_on"].split() if t in traits)
        if row.get("sex_label") in ("female", "male"):
            cell = by_pose[(attributes.get("pose", "?"), row["sex_label"])]
            cell[0] += 1
            cell[1] += 1 if "sex" in row["disagrees_on"].split() else 0
    total = sum(n for n, _ in groups.values())
    wrong = sum(w for _, w in groups.values())
    print(f"{total} crops, {wrong} wrong on at least one trait ({100 * wrong / max(total, 1):.1f} %)")
    for group, (n, w) in groups.items():
        print(f"  {group:14s} {n:5d} crops ({100 * n / max(total, 1):4.1f} %)  wrong {w:4d} ({100 * w / max(n, 1):5.1f} % of them; {100 * w / max(wrong, 1):4.1f} % of all wrong)")
    print("  per-trait accuracy:  " + "  ".join(f"{t:>6s}" for t in traits))
    for group, (n, _) in groups.items():
        print(f"  {group:14s}       " + "  ".join(f"{100 * (1 - trait_wrong[group][t] / max(n, 1)):6.2f}" for t in traits))
    print("  sex accuracy by pose:")
    for (pose, sex), (n, w) in sorted(by_pose.items()):
        print(f"  {pose:9s} {sex:7s} {n:5d} flies  {100 * (1 - w / n):6.2f} %  ({w} wrong)")
    if unmatched:
        print(f"  ({unmatched} crops not found in the annotation file)")


if __name__ == "__main__":
    main()
