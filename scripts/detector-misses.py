#!/usr/bin/env python3
"""Which flies a detector misses, by kind: compares `flytally count`'s flies.json with the
annotations (COCO, as `flytally simulate` writes them, with FlySim's per-fly attributes).

Usage: scripts/detector-misses.py ANNOTATIONS.json FLIES.json

A fly counts as found when a detection overlaps it with IoU >= 0.1, each detection matching
one fly at most, pairs taken best overlap first over the photo (until the twenty-third session
the flies were taken in annotation order, each claiming its best unclaimed detection: a fly
could then take its neighbour's box and leave the neighbour "missed") -- loose on purpose:
this asks "was the fly found at all", not "was its box good" (a second column counts the found flies whose detection
overlaps them with IoU < 0.5: at AP@0.5 and at the operating point's precision and recall those
count as misses too). Each fly is also classed by its nearest neighbour: "in a pile"
when another fly's box centre is closer than 0.6 x its own longer box side (the flies overlap),
else "apart"; by pose; by truncation at the photo edge; by visible fraction.

Then the detections no fly claimed (what over-counts): "a second box on a fly" when it overlaps
a fly (IoU >= 0.1) that another detection already claimed -- split further by whether that fly
lies in a pile -- else "on background".

Last, whether a rule on the boxes alone could drop the extra ones: how many detections on flies
and how many extra ones have their centre inside a higher-scoring detection's box, or half their
area or more inside one (what a stricter merge would remove, and what it would cost); and the
same with the score as well: centre and half the area inside a detection scoring at least
1/0.6 times as much (a second box on a split fly is usually much weaker than the first, a fly
lying on another one often nearly as strong). And one the trait classifier decides: the head
and tail it predicts in the detection's crop (flies.json's keypoints) both within 0.2 body
lengths of those of an overlapping higher-scoring detection (either way round) -- the same fly
read twice.
"""
import collections
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from flysim_groups import iou  # noqa: E402

WEAKER = 0.6  # the score ratio of the score rule
SAME_FLY = 0.2  # the keypoint rule's distance, in body lengths of the higher-scoring detection's fly


def inside(a, b):
    """The fraction of box a's area that lies inside box b."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return max(0, x2 - x1) * max(0, y2 - y1) / max(a[2] * a[3], 1e-9)


def centre_inside(a, b):
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return b[0] <= cx <= b[0] + b[2] and b[1] <= cy <= b[1] + b[3]


def same_fly(f, g):
    """Whether detections f and g (flies.json records) put head and tail at the same places."""
    if 'keypoints' not in f or 'keypoints' not in g:
        return False
    fh, ft = f['keypoints']['head'], f['keypoints']['tail']
    gh, gt = g['keypoints']['head'], g['keypoints']['tail']
    length = max(math.dist(gh, gt), 1e-9)
    distance = min(max(math.dist(fh, gh), math.dist(ft, gt)), max(math.dist(fh, gt), math.dist(ft, gh)))
    return distance < SAME_FLY * length


def match(annotations, boxes, threshold):
    """Flies matched to detections with IoU >= threshold, best overlap first over the photo:
    {fly index: (detection index, IoU)}."""
    pairs = sorted(((iou(a['bbox'], d), k, j) for k, a in enumerate(annotations) for j, d in enumerate(boxes)),
                   reverse=True)
    matched, taken = {}, set()
    for overlap, k, j in pairs:
        if overlap < threshold:
            break
        if k not in matched and j not in taken:
            matched[k] = (j, overlap)
            taken.add(j)
    return matched


def main(annotations_path, flies_path):
    truth = json.load(open(annotations_path))
    names = {image['id']: image['file_name'] for image in truth['images']}
    flies = collections.defaultdict(list)
    for a in truth['annotations']:
        flies[names[a['image_id']]].append(a)
    records = collections.defaultdict(list)  # flies.json's detections, by photo file name
    for f in json.load(open(flies_path)):
        records[f['photo'].split('/')[-1]].append(f)
    missed, loose, total = collections.Counter(), collections.Counter(), collections.Counter()
    extra = collections.Counter()
    nested = collections.Counter()  # (on a fly | extra, which rule would drop the detection)
    true_flies = 0
    count_errors = collections.Counter()  # by which detections are left out: none, 'score', 'keypoints', 'either'
    for name, annotations in flies.items():
        boxes, scores = [f['box'] for f in records[name]], [f['score'] for f in records[name]]
        centres = [(a['bbox'][0] + a['bbox'][2] / 2, a['bbox'][1] + a['bbox'][3] / 2) for a in annotations]

        def in_pile(k):
            side = max(annotations[k]['bbox'][2], annotations[k]['bbox'][3])
            nearest = min((math.dist(centres[k], c) for m, c in enumerate(centres) if m != k), default=math.inf)
            return nearest < 0.6 * side

        matched = match(annotations, boxes, 0.1)
        claimed = {j for j, _ in matched.values()}
        for k, a in enumerate(annotations):
            found = k in matched
            attributes = a.get('attributes', {})
            kinds = ['all flies', 'in a pile' if in_pile(k) else 'apart',
                     'pose ' + attributes.get('pose', '?'),
                     'cut by the edge' if attributes.get('truncated') else 'whole',
                     'visible < 80 %' if attributes.get('visible_fraction', 1) < 0.8 else 'visible >= 80 %']
            for kind in kinds:
                total[kind] += 1
                missed[kind] += 0 if found else 1
                loose[kind] += 1 if found and matched[k][1] < 0.5 else 0
        dropped = collections.Counter()
        for j, d in enumerate(boxes):
            # Higher-scoring detections (equal scores: the earlier one counts as higher).
            higher = [m for m in range(len(boxes)) if scores[m] > scores[j] or (scores[m] == scores[j] and m < j)]
            kind = 'on a fly' if j in claimed else 'extra'
            nested[kind, 'centre'] += any(centre_inside(d, boxes[m]) for m in higher)
            nested[kind, 'half'] += any(inside(d, boxes[m]) >= 0.5 for m in higher)
            is_weaker = any(centre_inside(d, boxes[m]) and inside(d, boxes[m]) >= 0.5
                            for m in higher if scores[j] < WEAKER * scores[m])
            nested[kind, 'weaker'] += is_weaker
            is_same = any(iou(d, boxes[m]) > 0 and same_fly(records[name][j], records[name][m]) for m in higher)
            nested[kind, 'same fly'] += is_same
            nested[kind, 'either'] += is_weaker or is_same
            dropped['score'] += is_weaker
            dropped['keypoints'] += is_same
            dropped['either'] += is_weaker or is_same
            if j in claimed:
                continue
            overlap, k = max(((iou(a['bbox'], d), k) for k, a in enumerate(annotations)), default=(0, -1))
            if overlap < 0.1:
                extra['on background'] += 1
                continue
            extra['a second box on a fly in a pile' if in_pile(k) else 'a second box on a fly apart'] += 1
        true_flies += len(annotations)
        for rule in ('none', 'score', 'keypoints', 'either'):
            count_errors[rule] += abs(len(boxes) - dropped[rule] - len(annotations))
    print(f"{'flies':18} {'missed':>7} {'of':>6}          {'found, no box at IoU 0.5':>25}")
    for kind in sorted(total, key=lambda k: (k != 'all flies', k)):
        print(f"{kind:18} {missed[kind]:7} {total[kind]:6}  ({100 * missed[kind] / total[kind]:4.1f} %)"
              f"  {loose[kind]:16}  ({100 * loose[kind] / total[kind]:4.1f} %)")
    found = total['all flies'] - missed['all flies']
    print(f"detections {found + sum(extra.values())}: {found} on flies, {sum(extra.values())} extra")
    for kind in ('a second box on a fly apart', 'a second box on a fly in a pile', 'on background'):
        print(f"  {kind:32} {extra[kind]:5}")
    print("detections inside a higher-scoring one (on a fly / extra):")
    print(f"  centre inside its box           {nested['on a fly', 'centre']:5} / {nested['extra', 'centre']}")
    print(f"  half the area or more inside    {nested['on a fly', 'half']:5} / {nested['extra', 'half']}")
    print(f"  both, and score < {WEAKER} x its    {nested['on a fly', 'weaker']:5} / {nested['extra', 'weaker']}")
    print(f"  overlaps one, same head and tail {nested['on a fly', 'same fly']:5} / {nested['extra', 'same fly']}"
          f"   (the classifier's keypoints within {SAME_FLY} body lengths)")
    print(f"  either of the last two           {nested['on a fly', 'either']:5} / {nested['extra', 'either']}")
    print("|count error| per 60 flies (as eval --detector): " + ", ".join(
        f"{label} {60 * count_errors[rule] / true_flies:.2f}" for rule, label in
        (('none', 'as counted'), ('score', 'without the score rule\'s'), ('keypoints', 'the keypoint rule\'s'),
         ('either', 'either rule\'s'))))


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
