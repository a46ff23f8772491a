#!/usr/bin/env bash
# Scores several detector models side by side on the test sets of a scripts/train-detector.sh
# work directory (heldout-grey, heldout-dense, real-test), in one pass and one tiling at a time:
# AP@0.5, AP@[.5:.95], precision, recall and the mean |count error| per 60 flies.
# Usage: scripts/compare-detectors.sh WORKDIR [--tiles 1|auto|auto-zoom] [--views 1|2|4|8]
#        [--tile-merge overlaps|across-tiles] [--ceiling] NAME=MODEL...
# (--views: test-time views averaged per input, `flytally eval --detector --views`;
# --tile-merge: which tiles' boxes are one fly, `--tile-merge`; --ceiling: score the design at
# each model's input size and stride instead of its network, `flytally eval --detector --ceiling`.)
# FLYTALLY_BIN names a prebuilt binary.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:?work directory of scripts/train-detector.sh}; shift
tiles=1 views=1 merge=overlaps ceiling=()
while true; do
  case ${1:-} in
    --tiles) tiles=${2:?1, auto or auto-zoom}; shift 2 ;;
    --views) views=${2:?1, 2, 4 or 8}; shift 2 ;;
    --tile-merge) merge=${2:?overlaps or across-tiles}; shift 2 ;;
    --ceiling) ceiling=(--ceiling); shift ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "name at least one NAME=MODEL" >&2; exit 2; }
. scripts/lib/flytally-binary.sh
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
for pair in "$@"; do
  name=${pair%%=*} model=${pair#*=}
  [ -f "$model" ] || { echo "$model: no such model file" >&2; exit 1; }
  for set in heldout-grey heldout-dense real-test; do
    [ -d "$work/$set" ] || continue
    $B eval --detector --model "$model" --data "$work/$set" --tiles "$tiles" --views "$views" --tile-merge "$merge" "${ceiling[@]}" --json 2>/dev/null > "$out/$name@$set.json"
  done
done
python3 - "$out" "tiles $tiles, views $views, tile merge $merge${ceiling:+; the ceiling of the design (training targets as the output)}" "$@" <<'PY'
import json, os, sys
out, settings, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
print(f"{settings}; |count error| is per 60 flies")
print(f"{'model':24} {'set':14} {'AP@0.5':>7} {'AP@.5:.95':>9} {'P':>6} {'R':>6} {'|count err|':>11}")
for pair in pairs:
    name = pair.split('=', 1)[0]
    for s in ('heldout-grey', 'heldout-dense', 'real-test'):
        path = os.path.join(out, f"{name}@{s}.json")
        if not os.path.exists(path):
            continue
        d = json.load(open(path))
        per60 = sum(abs(e) for e in d['count_errors']) / d['flies'] * 60
        print(f"{name:24} {s:14} {d['ap_50']:7.3f} {d['ap_50_95']:9.3f} {d['precision'] * 100:5.1f}% {d['recall'] * 100:5.1f}% {per60:11.2f}")
PY
