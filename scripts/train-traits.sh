#!/usr/bin/env bash
# Trains and evaluates the trait classifier end to end (the run behind docs/RESULTS.md):
#  1. FlySim training data in five domains (grey-card-dim is held out), with crops;
#  2. a held-out FlySim set in the unused domain;
#  3. the real photos in ../shared/data/real-aarongs split by photo number (photos 1-5 train,
#     6-7 test; annotation files written to the work directory, images linked, never copied);
#  4. flytally train (checkpoint every epoch: rerun this script to resume), then flytally eval.
# Usage: [TRAITS_CONFIG=FILE] [VARIED_POSES=l,d,v] scripts/train-traits.sh [WORKDIR] [--domains presets|mixed] [--data-only] [extra flytally train options, e.g. --model large]
#   --domains mixed: the first 25 photos of each preset plus 125 photos of FlySim's 'varied'
#   domain (domain randomisation) instead of 50 of each preset — the same number of photos.
#   VARIED_POSES=l,d,v renders those 125 photos with that pose mix (simulate --poses; default
#   FlySim's 0.8,0.13,0.07), e.g. more dorsal and ventral flies, whose sex is hardest to read.
#   --data-only: steps 1-3 only (render and split the data sets, e.g. to evaluate or quantise a
#   given model on exactly the crops of a training run), no training.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts=$PWD/scripts
work=${1:-work/traits-small}; shift || true
domains=presets
if [ "${1:-}" = --domains ]; then domains=${2:?presets or mixed}; shift 2; fi
data_only=false
if [ "${1:-}" = --data-only ]; then data_only=true; shift; fi
case $domains in presets) per_preset=50 ;; mixed) per_preset=25 ;; *) echo "--domains must be presets or mixed" >&2; exit 2 ;; esac
real=$(cd .. && pwd)/shared/data/real-aarongs
# The recipe; extra options below override it. TRAITS_CONFIG names another (e.g.
# configs/traits-small-l1.json); a relative path is taken from the repository root.
config=$(realpath "${TRAITS_CONFIG:-configs/traits-small.json}")
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
mkdir -p "$work" && cd "$work"
for d in lab-blue-card co2-pad-white petri-dish phone-microscope graph-paper; do
  [ -f "sim-$d/crops/crops.csv" ] && continue
  rm -rf "sim-$d"
  $B simulate --photos $per_preset --domain "$d" --megapixels 1...2 --seed "$(echo "$d" | cksum | cut -c1-6)" --crops --out "sim-$d" -q
done
if [ "$domains" = mixed ] && [ ! -f sim-varied/crops/crops.csv ]; then
  rm -rf sim-varied
  poses=(); [ -n "${VARIED_POSES:-}" ] && poses=(--poses "$VARIED_POSES")
  $B simulate --photos 125 --domain varied --megapixels 1...2 --seed 77001 "${poses[@]}" --crops --out sim-varied -q
fi
[ -f heldout-grey/crops/crops.csv ] || $B simulate --photos 25 --domain grey-card-dim --megapixels 1...2 --seed 90001 --crops --out heldout-grey -q
real_args=()
if [ -f "$real/annotations.json" ]; then
  python3 "$scripts/split-real-photos.py" "$real"
  real_args=(real-train)
else
  echo "note: $real not found; training on FlySim only" >&2
fi
if $data_only; then echo "data sets ready in $PWD"; exit 0; fi
resume=()
[ -f run/checkpoint.safetensors ] && resume=(--resume)
# A recipe with framingJitter trains on the simulated photos themselves (flies cut in memory
# with room around them for the jittered frames), not on their exported crops.
training_sets=(sim-*/crops)
grep -q '"framingJitter"' "$config" && training_sets=(sim-*)
$B train --config "$config" --data "${training_sets[@]}" "${real_args[@]}" --validation heldout-grey/crops \
  --out run "${resume[@]}" "$@"
$B eval --model run/model.safetensors --data heldout-grey/crops | tee eval-heldout-grey.txt
[ -d real-test ] && $B eval --model run/model.safetensors --data real-test | tee eval-real-test.txt
