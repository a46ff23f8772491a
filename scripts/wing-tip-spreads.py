#!/usr/bin/env python3
"""How far apart a trait classifier puts the two wing tips, against the truth, by pose and wing length.

The keypoint code regresses the wing tips' spreads (c = |x1 − x2|, d = |y1 − y2|) and reads
their midpoint (a, b) off a map or regresses it too (docs/DESIGN.md). This script splits the
wing-tip error into those parts, per pose and wing length, on crops with all four keypoints
visible (the `hidden` column of crops.csv; crop sets without it count every crop):

- spread: the predicted distance between the two tips and the true one, in % of the crop side
  (dorsal and ventral flies spread their wings; lateral flies fold one over the other);
- midpoint radial: how far the predicted midpoint lies beyond (+) or short of (−) the true one,
  along the line from the body's centre (halfway between head and tail) through the true
  midpoint; |tangential|: its distance across that line;
- for lateral flies, the radial error by how near the true midpoint lies to the crop's edge.

Input: `flytally eval --model M --data CROPS --per-crop PER_CROP.csv` (its predicted_* columns)
and the crop directory (crops.csv and the crop PNGs, for their sides).

Usage: scripts/wing-tip-spreads.py PER_CROP.csv CROPS_DIR
"""
import csv
import math
import statistics
import struct
import sys

POINTS = ("head", "tail", "wing1", "wing2")


def png_side(path):
    with open(path, "rb") as f:
        header = f.read(24)
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    width, height = struct.unpack(">II", header[16:24])
    return max(width, height)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    predictions = {r["source"]: r for r in csv.DictReader(open(sys.argv[1]))}
    directory = sys.argv[2]
    crops = [c for c in csv.DictReader(open(directory + "/crops.csv")) if not c.get("hidden")]
    if crops and "predicted_head_x" not in predictions.get(crops[0]["file"], {}):
        sys.exit(f"{sys.argv[1]}: no predicted_* columns (written by a flytally older than the one that added them)")
    groups = {}
    for c in crops:
        p = predictions.get(c["file"])
        if p is None or not p.get("predicted_head_x") or not c.get("head_x"):
            continue
        side = png_side(f"{directory}/{c['file']}")
        truth = {k: (float(c[k + "_x"]), float(c[k + "_y"])) for k in POINTS}
        guess = {k: (float(p[f"predicted_{k}_x"]), float(p[f"predicted_{k}_y"])) for k in POINTS}
        centre = tuple((truth["head"][i] + truth["tail"][i]) / 2 for i in range(2))
        mid_true = tuple((truth["wing1"][i] + truth["wing2"][i]) / 2 for i in range(2))
        mid_guess = tuple((guess["wing1"][i] + guess["wing2"][i]) / 2 for i in range(2))
        axis = (mid_true[0] - centre[0], mid_true[1] - centre[1])
        length = math.hypot(*axis) or 1.0
        off = (mid_guess[0] - mid_true[0], mid_guess[1] - mid_true[1])
        radial = (off[0] * axis[0] + off[1] * axis[1]) / length / side * 100
        tangential = abs(-off[0] * axis[1] + off[1] * axis[0]) / length / side * 100
        spread_true = math.dist(truth["wing1"], truth["wing2"]) / side * 100
        spread_guess = math.dist(guess["wing1"], guess["wing2"]) / side * 100
        edge = min(mid_true[0], mid_true[1], side - mid_true[0], side - mid_true[1]) / side * 100
        groups.setdefault((c["pose"], c["wing"]), []).append((spread_true, spread_guess, radial, tangential, edge))
    print(f"{'pose':8} {'wing':10} {'crops':>5}  {'spread true → predicted':>24}  {'midpoint radial':>15}  {'|tangential|':>12}   (% of the crop side, means)")
    for (pose, wing), rows in sorted(groups.items()):
        mean = lambda i: statistics.mean(r[i] for r in rows)
        print(f"{pose:8} {wing:10} {len(rows):5}  {mean(0):11.1f} → {mean(1):10.1f}  {mean(2):+15.2f}  {mean(3):12.2f}")
    # A soft-argmax is pulled toward the map's centre when its mass spreads: if that is what
    # shortens the lateral flies' tips, the shortfall grows as the tips near the crop's edge.
    lateral = [r for (pose, _), rows in groups.items() if pose == "lateral" for r in rows]
    print("lateral flies: midpoint radial error by the true midpoint's distance from the crop edge")
    for low, high in ((0, 15), (15, 20), (20, 100)):
        rows = [r for r in lateral if low <= r[4] < high]
        if rows:
            print(f"  {low:3}–{high:3} % of the side: {len(rows):5} crops, radial {statistics.mean(r[2] for r in rows):+6.2f}")


if __name__ == "__main__":
    main()
