#!/usr/bin/env bash
# The keypoint-assisted vs plain comparison (docs/RESULTS.md): trains the plain multi-label
# model (--no-keypoints) with the same recipe and data as scripts/train-traits.sh (run that
# first; this reuses its work directory), evaluates both on the held-out FlySim domain and the
# real photos 6-7, and writes Grad-CAM explanations of both models for the same 6 held-out crops (the first six flies of held-out photo 1).
# Usage: scripts/compare-keypoints.sh [WORKDIR]   (default work/traits-small; resumable)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-work/traits-small}
config=$PWD/configs/traits-small.json
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
cd "$work"
[ -f run/model.safetensors ] || { echo "run scripts/train-traits.sh $work first" >&2; exit 1; }
real=(); [ -d real-train ] && real=(real-train)
resume=(); [ -f run-plain/checkpoint.safetensors ] && resume=(--resume)
[ -f run-plain/model.safetensors ] || $B train --config "$config" --data sim-*/crops "${real[@]}" --validation heldout-grey/crops \
  --out run-plain --no-keypoints "${resume[@]}"
for m in run run-plain; do
  $B eval --model $m/model.safetensors --data heldout-grey/crops | tee "eval-heldout-grey-$m.txt"
  [ -d real-test ] && $B eval --model $m/model.safetensors --data real-test | tee "eval-real-test-$m.txt"
  $B explain $m/model.safetensors heldout-grey/crops/flysim-090001_fly{1,2,3,4,5,6}.png --out "explain-$m" -q
done
