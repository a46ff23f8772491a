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


def main(annotations_path, flies_path):
    truth = json.load(open(annotations_path))
    names = {image['id']: image['file_name'] for image in truth['images']}
    flies = collections.defaultdict(list)
    for a in truth['annotations']:
        flies[names[a['image_id']]].append(a)
    detections = collections.defaultdict(list)
    for f in json.load(open(flies_path)):
        detections[f['photo'].split('/')[-1]].append(f['box'])
    missed, total = collections.Counter(), collections.Counter()
    extra = collections.Counter()
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


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
