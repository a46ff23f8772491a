#!/usr/bin/env python3
"""Which flies a detector misses, by kind: compares `flytally count`'s flies.json with the
annotations (COCO, as `flytally simulate` writes them, with FlySim's per-fly attributes).

Usage: scripts/detector-misses.py ANNOTATIONS.json FLIES.json

A fly counts as found when a detection not yet claimed overlaps it with IoU >= 0.1 (greedy, best
overlap first per fly, in annotation order) -- loose on purpose: this asks "was the fly found at
all", not "was its box good". Each fly is also classed by its nearest neighbour: "in a pile"
when another fly's box centre is closer than 0.6 x its own longer box side (the flies overlap),
else "apart"; by pose; by truncation at the photo edge; by visible fraction.

Then the detections no fly claimed (what over-counts): "a second box on a fly" when it overlaps
a fly (IoU >= 0.1) that another detection already claimed -- split further by whether that fly
lies in a pile -- else "on background".

Last, whether a rule on the boxes alone could drop the extra ones: how many detections on flies
and how many extra ones have their centre inside a higher-scoring detection's box, or half their
area or more inside one (what a stricter merge would remove, and what it would cost).
"""
import collections
import json
import math
import sys


def iou(a, b):
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def inside(a, b):
    """The fraction of box a's area that lies inside box b."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return max(0, x2 - x1) * max(0, y2 - y1) / max(a[2] * a[3], 1e-9)


def centre_inside(a, b):
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return b[0] <= cx <= b[0] + b[2] and b[1] <= cy <= b[1] + b[3]


def main(annotations_path, flies_path):
    truth = json.load(open(annotations_path))
    names = {image['id']: image['file_name'] for image in truth['images']}
    flies = collections.defaultdict(list)
    for a in truth['annotations']:
        flies[names[a['image_id']]].append(a)
    detections = collections.defaultdict(list)
    scores = collections.defaultdict(list)
    for f in json.load(open(flies_path)):
        detections[f['photo'].split('/')[-1]].append(f['box'])
        scores[f['photo'].split('/')[-1]].append(f['score'])
    missed, total = collections.Counter(), collections.Counter()
    extra = collections.Counter()
    nested = collections.Counter()  # (on a fly | extra, centre inside | half inside a higher-scoring box)
    for name, annotations in flies.items():
        boxes, claimed = detections[name], set()
        centres = [(a['bbox'][0] + a['bbox'][2] / 2, a['bbox'][1] + a['bbox'][3] / 2) for a in annotations]

        def in_pile(k):
            side = max(annotations[k]['bbox'][2], annotations[k]['bbox'][3])
            nearest = min((math.dist(centres[k], c) for m, c in enumerate(centres) if m != k), default=math.inf)
            return nearest < 0.6 * side

        for k, a in enumerate(annotations):
            overlap, best = max(((iou(a['bbox'], d), j) for j, d in enumerate(boxes) if j not in claimed), default=(0, -1))
            found = overlap >= 0.1
            if found:
                claimed.add(best)
            attributes = a.get('attributes', {})
            kinds = ['all flies', 'in a pile' if in_pile(k) else 'apart',
                     'pose ' + attributes.get('pose', '?'),
                     'cut by the edge' if attributes.get('truncated') else 'whole',
                     'visible < 80 %' if attributes.get('visible_fraction', 1) < 0.8 else 'visible >= 80 %']
            for kind in kinds:
                total[kind] += 1
                missed[kind] += 0 if found else 1
        for j, d in enumerate(boxes):
            # Higher-scoring detections (equal scores: the earlier one counts as higher).
            higher = [boxes[m] for m in range(len(boxes))
                      if scores[name][m] > scores[name][j] or (scores[name][m] == scores[name][j] and m < j)]
            kind = 'on a fly' if j in claimed else 'extra'
            nested[kind, 'centre'] += any(centre_inside(d, h) for h in higher)
            nested[kind, 'half'] += any(inside(d, h) >= 0.5 for h in higher)
            if j in claimed:
                continue
            overlap, k = max(((iou(a['bbox'], d), k) for k, a in enumerate(annotations)), default=(0, -1))
            if overlap < 0.1:
                extra['on background'] += 1
                continue
            extra['a second box on a fly in a pile' if in_pile(k) else 'a second box on a fly apart'] += 1
    print(f"{'flies':18} {'missed':>7} {'of':>6}")
    for kind in sorted(total, key=lambda k: (k != 'all flies', k)):
        print(f"{kind:18} {missed[kind]:7} {total[kind]:6}  ({100 * missed[kind] / total[kind]:.1f} %)")
    found = total['all flies'] - missed['all flies']
    print(f"detections {found + sum(extra.values())}: {found} on flies, {sum(extra.values())} extra")
    for kind in ('a second box on a fly apart', 'a second box on a fly in a pile', 'on background'):
        print(f"  {kind:32} {extra[kind]:5}")
    print("detections inside a higher-scoring one (on a fly / extra):")
    print(f"  centre inside its box           {nested['on a fly', 'centre']:5} / {nested['extra', 'centre']}")
    print(f"  half the area or more inside    {nested['on a fly', 'half']:5} / {nested['extra', 'half']}")


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
