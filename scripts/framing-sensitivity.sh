#!/usr/bin/env bash
# How much a trait classifier's answers depend on how its crop frames the fly: evaluates MODEL
# on the flies of an annotated photo set cut around their true boxes scaled by each factor
# (centre kept; 0.8 = a box 20 % short, as a detector's box on an unfamiliar photo may be).
# Photos are linked, never copied; the scaled annotations live in a temporary directory.
# Usage: scripts/framing-sensitivity.sh MODEL PHOTO_SET [SCALE...]   (default 0.8 0.9 1.0 1.1 1.2)
# FLYTALLY_BIN names a prebuilt binary.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?trait model file}; set=${2:?annotated photo set (annotations.json + images/)}; shift 2
scales=("$@"); [ ${#scales[@]} -gt 0 ] || scales=(0.8 0.9 1.0 1.1 1.2)
[ -f "$set/annotations.json" ] || { echo "$set: no annotations.json" >&2; exit 1; }
. scripts/lib/flytally-binary.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf "%-6s %8s %8s %8s %8s\n" scale eye wing sex flies
for s in "${scales[@]}"; do
  python3 - "$set" "$tmp/$s" "$s" <<'PY'
import json, os, sys
src, dst, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
ann = json.load(open(os.path.join(src, 'annotations.json')))
size = {i['id']: (i['width'], i['height']) for i in ann['images']}
for a in ann['annotations']:
    x, y, w, h = a['bbox']
    cx, cy = x + w / 2, y + h / 2
    # Clipped to the photo (a box past its edge is refused as malformed), as a detector's is.
    W, H = size[a['image_id']]
    x0, y0 = max(0.0, cx - w * scale / 2), max(0.0, cy - h * scale / 2)
    x1, y1 = min(float(W), cx + w * scale / 2), min(float(H), cy + h * scale / 2)
    a['bbox'] = [x0, y0, x1 - x0, y1 - y0]
os.makedirs(dst)
json.dump(ann, open(os.path.join(dst, 'annotations.json'), 'w'))
os.symlink(os.path.abspath(os.path.join(src, 'images')), os.path.join(dst, 'images'))
PY
  $B eval --model "$model" --data "$tmp/$s" --json 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
acc = {t['name']: t['accuracy'] for t in d['traits']}
print('%-6s %7.2f%% %7.2f%% %7.2f%% %8d' % ('$s', 100 * acc['eye'], 100 * acc['wing'], 100 * acc['sex'], d['samples']))"
done
