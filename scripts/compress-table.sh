#!/usr/bin/env bash
# The [compress] evidence table on the default classifier (docs/RESULTS.md "Compression-aware
# training"): every method of `flytally compress` starting from the float trait classifier of
# the training run (scripts/train-traits.sh → work/traits-small/run/model.safetensors), fine-tuned
# on the petri-dish FlySim crops, validated on the held-out grey-card domain. Each row's files go
# to work/traits-small/compress/<row>/ (compressed.safetensors, model.safetensors, result.json,
# log.jsonl); rerunning resumes an interrupted row and skips finished ones. The table is printed
# by scripts/compress-table.py. Usage: scripts/compress-table.sh [ROW...] (default: all rows).
# scripts/compress-table.sh --speed re-times every finished row's file beside the fp32 model on a
# quiet machine (median of 5 passes each, alternating; written to compress/<row>/speed.json).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
cd work/traits-small
[ -f run/model.safetensors ] || { echo "run scripts/train-traits.sh first (no work/traits-small/run/model.safetensors)" >&2; exit 1; }
DATA="--data sim-petri-dish/crops --validation heldout-grey/crops"
declare -A ROWS=(
  [ptq-w8a8]="--method qat --weight-bits 8 --activation-bits 8 --epochs 0"
  [ptq-w4a8]="--method qat --weight-bits 4 --activation-bits 8 --epochs 0"
  [qat-w8a8]="--method qat --weight-bits 8 --activation-bits 8 --epochs 3"
  [qat-w4a8]="--method qat --weight-bits 4 --activation-bits 8 --epochs 3"
  [lsq-w8a8]="--method lsq --weight-bits 8 --activation-bits 8 --epochs 3"
  [lsq-w4a8]="--method lsq --weight-bits 4 --activation-bits 8 --epochs 3"
  [lsq-w4a4]="--method lsq --weight-bits 4 --activation-bits 4 --epochs 3"
  [lsq-w2a8]="--method lsq --weight-bits 2 --activation-bits 8 --epochs 3"
  [lsqbn-w8a8]="--method lsq-bn --weight-bits 8 --activation-bits 8 --epochs 3"
  [lsqbn-w4a8]="--method lsq-bn --weight-bits 4 --activation-bits 8 --epochs 3"
  [inq-w4]="--method inq --weight-bits 4 --epochs 2"
  [inq-w5]="--method inq --weight-bits 5 --epochs 2"
  [inq-w8]="--method inq --weight-bits 8 --epochs 2"
  [sqs]="--method sqs --epochs 4 --finetune-epochs 2"
  [sqs-strong]="--method sqs --epochs 4 --finetune-epochs 2 --initial-sparsity 0.3 --storage-weight 2"
  [sqs-smallest]="--method sqs --epochs 4 --finetune-epochs 2 --initial-sparsity 0.5 --storage-weight 5"
)
ORDER="ptq-w8a8 ptq-w4a8 lsq-w4a8 inq-w5 sqs lsq-w8a8 qat-w8a8 qat-w4a8 lsqbn-w8a8 lsqbn-w4a8 inq-w4 inq-w8 lsq-w4a4 lsq-w2a8 sqs-strong sqs-smallest"
if [ "${1:-}" = --speed ]; then
  for row in $ORDER; do
    [ -f compress/$row/result.json ] || continue
    echo "== $row: timing"
    $B compress --report compress/$row/compressed.safetensors --data heldout-grey/crops --original run/model.safetensors \
        --repeats 5 --json > compress/$row/speed.json
  done
  python3 ../../scripts/compress-table.py compress
  exit 0
fi
for row in ${*:-$ORDER}; do
  [ -n "${ROWS[$row]:-}" ] || { echo "unknown row $row (rows: $ORDER)" >&2; exit 2; }
  out=compress/$row
  if [ -f $out/result.json ]; then echo "== $row: done"; continue; fi
  echo "== $row: flytally compress run/model.safetensors ${ROWS[$row]} $DATA --out $out"
  resume=""; [ -d $out ] && resume="--resume"
  $B compress run/model.safetensors ${ROWS[$row]} $DATA --out $out $resume
done
python3 ../../scripts/compress-table.py compress
