#!/usr/bin/env bash
# Where do the wing-tip spreads get lost? A diagnostic for the keypoint gap of [traits]
# (docs/RESULTS.md, "The wing-tip spreads are learned, then lost in the joint phase"). The
# trained classifiers regress one spread for every fly whatever its pose (scripts/
# wing-tip-spreads.py), while a model trained in the keypoint phase alone
# (scripts/keypoint-augmentation-cap.sh) spreads dorsal wings as they are. Here the heat-map head
# (smooth-L1, β 0.01, the recipe's middle augmentation N = 4, M = 50, one input size 96 px)
# trains on the whole training set of a train-traits.sh run:
#   kp:       8 epochs, keypoint phase only (as keypoint-augmentation-cap.sh's 'middle');
#   joint:    the same 8 epochs, then 1 epoch of the trait-head phase and 3 of the joint phase
#             (the recipe's phases 2 and 3, at the configs' 0.5 × rate);
#   joint-nodrop: as 'joint' with "keypointRegressionDropout": false.
# Each model's spreads are then printed on the held-out domain and on one training domain.
# Usage: scripts/keypoint-phases.sh TRAITS_WORK OUT
#   TRAITS_WORK: a work directory of `scripts/train-traits.sh WORK --domains mixed --data-only`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts=$PWD/scripts
data=$(realpath "${1:?train-traits.sh work directory}"); out=${2:?output directory}
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
[ -f "$data/heldout-grey/crops/crops.csv" ] || { echo "$data: no data sets (scripts/train-traits.sh $data --domains mixed --data-only)" >&2; exit 1; }
mkdir -p "$out" && cd "$out"
common="\"startSize\": 96, \"endSize\": 96, \"keypointLoss\": \"smoothL1\", \"keypointSmoothL1Beta\": 0.01,
  \"startOps\": 4, \"endOps\": 4, \"startMagnitude\": 50, \"endMagnitude\": 50"
echo "{ $common, \"stages\": 1, \"epochsPerStage\": 8, \"keypointPhaseShare\": 1.0, \"headPhaseShare\": 0 }" > kp.json
# 12 epochs: phase 1 = epochs 1–8 (epoch e, from 0, is in it while e/12 < 0.666), phase 2 = epoch 9,
# phase 3 = epochs 10–12.
joint="\"stages\": 1, \"epochsPerStage\": 12, \"keypointPhaseShare\": 0.666, \"headPhaseShare\": 0.0834,
  \"finalPhaseLearningRateScale\": 0.5"
echo "{ $common, $joint }" > joint.json
echo "{ $common, $joint, \"keypointRegressionDropout\": false }" > joint-nodrop.json
training=("$data"/sim-*/crops)
[ -d "$data/real-train" ] && training+=("$data/real-train")
run() {   # config name
  local run=run-$1 resume=()
  [ -f "$run/model.safetensors" ] && return 0
  [ -f "$run/checkpoint.safetensors" ] && resume=(--resume)
  $B train --config "$1.json" --data "${training[@]}" --validation "$data/heldout-grey/crops" --out "$run" \
    --keypoint-head heatmap --threads 1 -q "${resume[@]}" > "$run.log" 2>&1 || echo "$run: training stopped ($(tail -n 1 "$run.log"))" >&2
}
mkdir -p run-kp run-joint run-joint-nodrop
run kp & run joint & wait
run joint-nodrop
for r in kp joint joint-nodrop; do
  [ -f "run-$r/model.safetensors" ] || continue
  echo "== $r: phases $(python3 -c "import json,sys; print(' '.join(json.loads(l)['phase'] for l in open(sys.argv[1])))" run-$r/log.jsonl)"
  echo "   held-out keypoint error after each epoch: $(python3 -c "import json,sys; print(' '.join('%.2f' % json.loads(l)['keypointErrorPercent'] for l in open(sys.argv[1])))" run-$r/log.jsonl)"
  for set in heldout-grey sim-lab-blue-card; do
    echo "-- $set"
    $B eval --model run-$r/model.safetensors --data "$data/$set/crops" --size 96 --per-crop "per-crop-$r-$set.csv" | grep -A1 "keypoints:"
    python3 "$scripts/wing-tip-spreads.py" "per-crop-$r-$set.csv" "$data/$set/crops"
  done
done
