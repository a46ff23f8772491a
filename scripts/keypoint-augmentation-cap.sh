#!/usr/bin/env bash
# Does augmentation cap the keypoints? A diagnostic for the keypoint gap of [traits]
# (docs/RESULTS.md, "Why the keypoints learned slowly"): under the full recipe the heat-map head's
# keypoint error stops near 9.5 % of the crop by the end of the keypoint phase (epoch 7 of 24)
# and never falls again, also on the crops it trains on — while without augmentation it fits
# 256 crops to 4.3 % (scripts/keypoint-overfit.sh). Here the whole training set of a
# train-traits.sh run trains the heat-map head (smooth-L1, β 0.01) in the keypoint phase only,
# at one input size (96 px), twice side by side (one thread each): without augmentation and
# with the recipe's middle augmentation (RandAugment N = 4, M = 50). Each model is then
# evaluated on the held-out domain and on the crops of one training domain (lab-blue-card).
# Usage: scripts/keypoint-augmentation-cap.sh TRAITS_WORK OUT [EPOCHS=8]
#   TRAITS_WORK: a work directory of `scripts/train-traits.sh WORK --domains mixed --data-only`.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(realpath "${1:?train-traits.sh work directory}"); out=${2:?output directory}; epochs=${3:-8}
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
[ -f "$data/heldout-grey/crops/crops.csv" ] || { echo "$data: no data sets (scripts/train-traits.sh $data --domains mixed --data-only)" >&2; exit 1; }
mkdir -p "$out" && cd "$out"
common="\"stages\": 1, \"epochsPerStage\": $epochs, \"startSize\": 96, \"endSize\": 96, \"keypointPhaseShare\": 1.0, \"headPhaseShare\": 0,
  \"keypointLoss\": \"smoothL1\", \"keypointSmoothL1Beta\": 0.01"
echo "{ $common, \"startOps\": 0, \"endOps\": 0, \"startMagnitude\": 0, \"endMagnitude\": 0 }" > none.json
echo "{ $common, \"startOps\": 4, \"endOps\": 4, \"startMagnitude\": 50, \"endMagnitude\": 50 }" > middle.json
training=("$data"/sim-*/crops)
[ -d "$data/real-train" ] && training+=("$data/real-train")
run() {   # augmentation
  local run=run-$1 resume=()
  [ -f "$run/model.safetensors" ] && return 0
  [ -f "$run/checkpoint.safetensors" ] && resume=(--resume)
  $B train --config "$1.json" --data "${training[@]}" --validation "$data/heldout-grey/crops" --out "$run" \
    --keypoint-head heatmap --threads 1 -q "${resume[@]}" > "$run.log" 2>&1 || echo "$run: training stopped ($(tail -n 1 "$run.log"))" >&2
}
mkdir -p run-none run-middle
run none & run middle & wait
for a in none middle; do
  echo "== augmentation: $a (keypoint error, % of the crop side, after each epoch on the held-out domain)"
  python3 -c "import json,sys; print(' '.join('%.2f' % json.loads(l)['keypointErrorPercent'] for l in open(sys.argv[1])))" run-$a/log.jsonl
  for set in heldout-grey sim-lab-blue-card; do
    echo "-- $set"
    $B eval --model run-$a/model.safetensors --data "$data/$set/crops" | grep -A1 "keypoints:"
  done
done
