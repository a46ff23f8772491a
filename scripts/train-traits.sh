#!/usr/bin/env bash
# Trains and evaluates the trait classifier end to end (the run behind docs/RESULTS.md):
#  1. FlySim training data in five domains (grey-card-dim is held out), with crops;
#  2. a held-out FlySim set in the unused domain;
#  3. the real photos in ../shared/data/real-aarongs split by photo number (photos 1-5 train,
#     6-7 test; annotation files written to the work directory, images linked, never copied);
#  4. flytally train (checkpoint every epoch: rerun this script to resume), then flytally eval.
# Usage: scripts/train-traits.sh [WORKDIR] [extra flytally train options, e.g. --model large]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts=$PWD/scripts
work=${1:-work/traits-small}; shift || true
real=$(cd .. && pwd)/shared/data/real-aarongs
config=$PWD/configs/traits-small.json   # the recipe; extra options below override it
if [ -n "${FLYTALLY_BIN:-}" ]; then   # a prebuilt binary, for machines without Swift
  B=$FLYTALLY_BIN
else
  swift build -c release --product flytally >/dev/null
  B=$PWD/.build/release/flytally
fi
mkdir -p "$work" && cd "$work"
for d in lab-blue-card co2-pad-white petri-dish phone-microscope graph-paper; do
  [ -f "sim-$d/crops/crops.csv" ] && continue
  rm -rf "sim-$d"
  $B simulate --photos 50 --domain "$d" --megapixels 1...2 --seed "$(echo "$d" | cksum | cut -c1-6)" --crops --out "sim-$d" -q
done
[ -f heldout-grey/crops/crops.csv ] || $B simulate --photos 25 --domain grey-card-dim --megapixels 1...2 --seed 90001 --crops --out heldout-grey -q
real_args=()
if [ -f "$real/annotations.json" ]; then
  python3 "$scripts/split-real-photos.py" "$real"
  real_args=(real-train)
else
  echo "note: $real not found; training on FlySim only" >&2
fi
resume=()
[ -f run/checkpoint.safetensors ] && resume=(--resume)
$B train --config "$config" --data sim-*/crops "${real_args[@]}" --validation heldout-grey/crops \
  --out run "${resume[@]}" "$@"
$B eval --model run/model.safetensors --data heldout-grey/crops | tee eval-heldout-grey.txt
[ -d real-test ] && $B eval --model run/model.safetensors --data real-test | tee eval-real-test.txt
