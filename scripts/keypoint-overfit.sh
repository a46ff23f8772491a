#!/usr/bin/env bash
# Can the trait classifier fit the keypoints of a few crops it trains on? A diagnostic for the
# keypoint gap of [traits] (docs/RESULTS.md, "Why the keypoints learn slowly"): the first N crops
# of CROPS, no augmentation, one input size, the whole run in the keypoint phase (traits × 0.1),
# SGD at the recipe's rate 0.1 without decay, evaluated on the same crops after every epoch.
# Four variants side by side (one thread each, two at a time): regression or heat-map head,
# each with the recipe's MSE and with smooth-L1 (β 0.01); then the heat-map head with MSE × 10
# (on the edge of stability at the recipe's rate: if it diverges, the run stops with a message
# naming the step and the table says so).
# Usage: scripts/keypoint-overfit.sh CROPS WORKDIR [EPOCHS=150] [N=256]
#   CROPS: a crop directory (crops.csv + images), e.g. WORK/sim-lab-blue-card/crops of
#   `scripts/train-traits.sh WORK --domains mixed --data-only`.
# Prints the keypoint error (mean distance, % of the crop side) every 10 epochs per variant and
# the per-point breakdown of each final model.
set -euo pipefail
cd "$(dirname "$0")/.."
crops=$(realpath "${1:?crop directory}"); work=${2:?work directory}; epochs=${3:-150}; count=${4:-256}
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
[ -f "$crops/crops.csv" ] || { echo "$crops: no crops.csv (a crop directory of 'flytally simulate --crops')" >&2; exit 1; }
mkdir -p "$work/subset" && cd "$work"
# The subset: the CSV's first N rows, images linked (not copied).
head -n $((count + 1)) "$crops/crops.csv" > subset/crops.csv
tail -n +2 subset/crops.csv | cut -d, -f1 | while read -r f; do ln -sfn "$crops/$f" "subset/$f"; done
common="\"stages\": 1, \"epochsPerStage\": $epochs, \"startOps\": 0, \"endOps\": 0, \"startMagnitude\": 0, \"endMagnitude\": 0,
  \"startSize\": 96, \"endSize\": 96, \"keypointPhaseShare\": 1.0, \"headPhaseShare\": 0, \"decayEveryEpochs\": 100000"
echo "{ $common, \"keypointLoss\": \"mse\" }" > mse.json
echo "{ $common, \"keypointLoss\": \"smoothL1\", \"keypointSmoothL1Beta\": 0.01 }" > l1.json
echo "{ $common, \"keypointLoss\": \"mse\", \"keypointLossWeight\": 10 }" > mse10.json
run() {   # head loss
  local out=run-$1-$2 resume=()
  [ -f "$out/checkpoint.safetensors" ] && resume=(--resume)
  [ -f "$out/model.safetensors" ] && return 0
  $B train --config "$2.json" --data subset --validation subset --out "$out" --keypoint-head "$1" --threads 1 -q "${resume[@]}" \
    > "$out.log" 2>&1 || echo "$out: training stopped ($(tail -n 1 "$out.log"))" >&2
}
mkdir -p run-heatmap-mse run-heatmap-l1 run-regression-mse run-regression-l1 run-heatmap-mse10
run heatmap mse & run heatmap l1 & wait
run regression mse & run regression l1 & wait
run heatmap mse10
for r in run-heatmap-mse run-heatmap-l1 run-regression-mse run-regression-l1 run-heatmap-mse10; do
  echo "== $r: epoch, keypoint error %"
  [ -s "$r/log.jsonl" ] || { echo "(no epoch completed)"; continue; }
  python3 -c "import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
print(' '.join(f\"{r['epoch']}:{r['keypointErrorPercent']:.2f}\" for r in rows if r['epoch'] % 10 == 0 or r is rows[-1]))" "$r/log.jsonl"
  [ -f "$r/model.safetensors" ] && $B eval --model "$r/model.safetensors" --data subset | grep -A1 '^keypoints'
done
