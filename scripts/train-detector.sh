#!/usr/bin/env bash
# Trains and evaluates the fly detector end to end (the run behind docs/RESULTS.md):
#  1. FlySim training photos in five domains (grey-card-dim is held out);
#  2. held-out FlySim sets in the unused domain: ordinary (20–100 flies) and dense (100–150 flies);
#  3. the real photos in ../shared/data/real-aarongs split by photo number (photos 1-5 train,
#     6-7 test; annotation files written to the work directory, images linked, never copied);
#  4. flytally train --detector in three stages (checkpoint every epoch: rerun this script to
#     resume): stage 1 (configs/detector-fast.json, 256-px crops) starts its backbone from the
#     trait classifier of scripts/train-traits.sh when that exists (work/traits-small, or
#     work/traits-large for --model accurate); stage 2
#     (configs/detector-fast-finetune.json, 320-px crops, lower rate) continues from stage 1;
#     stage 3 (configs/detector-fast-long.json, 200 more epochs with cosine decay) continues
#     from stage 2 (bundled until the fourteenth session);
#  5. with --domains mixed, stage 4 (configs/detector-varied-long.json, 40 epochs) continues
#     from stage 3 on the same photos plus 200 photos of FlySim's 'varied' domain (domain
#     randomisation: every photo its own surface, light and camera) — bundled from the
#     fourteenth to the sixteenth session;
#  6. with --stride 4, one more stage (configs/detector-stride4-finetune.json, 50 epochs) turns
#     the last stage's stride-8 detector into a stride-4 one (--output-stride 4: heads on the
#     stride-4 features; every stride-8 weight kept), on the same photos — with --domains mixed,
#     bundled as run4-stride4 for part of the seventeenth session;
#  7. with --piles, one more stage (configs/detector-piles-finetune.json, 20 epochs) on the same
#     photos plus 12 photos of each training preset where half the flies are dropped against
#     another (simulate --touching 0.5): piles of flies, where the detector loses most flies;
#     --piles-long runs that stage for 80 epochs instead (configs/detector-piles-long.json) —
#     with --domains mixed --stride 4, the bundled model since the seventeenth session
#     (run4-stride4-piles-long);
#  8. with --light-augment, one more stage (configs/detector-light-augment.json, 40 epochs at half
#     the rate) on the same photos with lighter photometric augmentation (2 ops at magnitude 35
#     instead of 3 at 70): the network underfits its own training photos (docs/RESULTS.md, "The
#     design's ceiling"); --lighter-augment runs it with 1 op at magnitude 20 instead
#     (configs/detector-lighter-augment.json) — with --domains mixed --stride 4 --piles-long,
#     the bundled model since the eighteenth session (run4-stride4-piles-long-lighteraug);
#  9. flytally eval --detector on each test set (the last stage's model).
# Usage: scripts/train-detector.sh [WORKDIR] [--domains presets|mixed] [--stride 8|4] [--piles|--piles-long] [--light-augment|--lighter-augment] [extra flytally train options, e.g. --model accurate]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts=$PWD/scripts
work=${1:-work/detector-fast}; shift || true
domains=presets
if [ "${1:-}" = --domains ]; then domains=${2:?presets or mixed}; shift 2; fi
case $domains in presets|mixed) ;; *) echo "--domains must be presets or mixed" >&2; exit 2 ;; esac
stride=8
if [ "${1:-}" = --stride ]; then stride=${2:?8 or 4}; shift 2; fi
case $stride in 8|4) ;; *) echo "--stride must be 8 or 4" >&2; exit 2 ;; esac
piles=0
if [ "${1:-}" = --piles ]; then piles=1; shift; elif [ "${1:-}" = --piles-long ]; then piles=2; shift; fi
light=0
if [ "${1:-}" = --light-augment ]; then light=1; shift; elif [ "${1:-}" = --lighter-augment ]; then light=2; shift; fi
real=$(cd .. && pwd)/shared/data/real-aarongs
config=$PWD/configs/detector-fast.json   # the recipes; extra options below override them
finetune=$PWD/configs/detector-fast-finetune.json
long=$PWD/configs/detector-fast-long.json
varied=$PWD/configs/detector-varied-long.json
stride4=$PWD/configs/detector-stride4-finetune.json
lightconfig=$PWD/configs/detector-light-augment.json lightname=lightaug
if [ "$light" = 2 ]; then lightconfig=$PWD/configs/detector-lighter-augment.json lightname=lighteraug; fi
pilesconfig=$PWD/configs/detector-piles-finetune.json pilesname=piles
if [ "$piles" = 2 ]; then pilesconfig=$PWD/configs/detector-piles-long.json pilesname=piles-long; fi
# The backbone starts from the trait classifier of the same variant (scripts/train-traits.sh).
traits=$PWD/work/traits-small/run/model.safetensors
case " $* " in *" --model accurate "*) traits=$PWD/work/traits-large/run/model.safetensors ;; esac
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
mkdir -p "$work" && cd "$work"
for d in lab-blue-card co2-pad-white petri-dish phone-microscope graph-paper; do
  [ -f "sim-$d/annotations.json" ] && continue
  rm -rf "sim-$d"
  $B simulate --photos 40 --domain "$d" --flies 20...100 --megapixels 1...3 --seed "$(echo "det-$d" | cksum | cut -c1-6)" --out "sim-$d" -q
done
[ -f heldout-grey/annotations.json ] || $B simulate --photos 20 --domain grey-card-dim --flies 20...100 --megapixels 1...3 --seed 91001 --out heldout-grey -q
[ -f heldout-dense/annotations.json ] || $B simulate --photos 10 --domain grey-card-dim --flies 100...150 --megapixels 2...4 --seed 92001 --out heldout-dense -q
real_train=() real_test=()
if [ -f "$real/annotations.json" ]; then
  python3 "$scripts/split-real-photos.py" "$real"
  real_train=(real-train) real_test=(real-test)
else
  echo "note: $real not found; training on FlySim only" >&2
fi
# One training stage: skipped when OUT has its model, resumed when OUT has a checkpoint, else
# started --init-from FROM (none: from scratch). The rest are flytally train options.
stage() {
  local out=$1 config=$2 from=$3; shift 3
  [ -f "$out/model.safetensors" ] && return 0
  local start=()
  if [ -f "$out/checkpoint.safetensors" ]; then start=(--resume); elif [ -n "$from" ]; then start=(--init-from "$from"); fi
  $B train --detector --config "$config" --validation heldout-grey --out "$out" "${start[@]}" "$@"
}
# Training photos: the presets, any extra FlySim sets of the later stages, then the real photos
# (this order is the one the recorded runs used; it fixes the sample order).
extra_sets=()
training_sets() { data=(sim-* "${extra_sets[@]}" "${real_train[@]}"); }
training_sets
from_traits=""; [ -f "$traits" ] && from_traits=$traits
# Stages 1-2 are only needed to reach stage 3 (a work directory may keep stage 3 alone).
if [ ! -f run3/model.safetensors ]; then
  stage run "$config" "$from_traits" --data "${data[@]}" "$@"
  stage run2 "$finetune" run/model.safetensors --data "${data[@]}" "$@"
fi
stage run3 "$long" run2/model.safetensors --data "${data[@]}" "$@"
final=run3
if [ "$domains" = mixed ]; then
  # Not named sim-*: the glob of stages 1-3 must not pick it up on a rerun.
  [ -f varied-photos/annotations.json ] || $B simulate --photos 200 --domain varied --flies 20...100 --megapixels 1...3 --seed 93001 --out varied-photos -q
  extra_sets+=(varied-photos); training_sets
  stage run4 "$varied" run3/model.safetensors --data "${data[@]}" "$@"
  final=run4
fi
stride_option=()
if [ "$stride" = 4 ]; then
  stride_option=(--output-stride 4)
  stage $final-stride4 "$stride4" $final/model.safetensors "${stride_option[@]}" --data "${data[@]}" "$@"
  final=$final-stride4
fi
if [ "$piles" != 0 ]; then
  # 12 photos per training preset (grey-card-dim stays held out); under piles/, not sim-*, so
  # the glob of the earlier stages does not pick them up on a rerun.
  for d in lab-blue-card co2-pad-white petri-dish phone-microscope graph-paper; do
    [ -f "piles/$d/annotations.json" ] || $B simulate --photos 12 --domain "$d" --touching 0.5 --flies 20...100 --megapixels 1...3 \
      --seed "$(echo "piles-$d" | cksum | cut -c1-6)" --out "piles/$d" -q
  done
  extra_sets+=(piles/*); training_sets
  stage $final-$pilesname "$pilesconfig" $final/model.safetensors "${stride_option[@]}" --data "${data[@]}" "$@"
  final=$final-$pilesname
fi
if [ "$light" != 0 ]; then
  stage $final-$lightname "$lightconfig" $final/model.safetensors "${stride_option[@]}" --data "${data[@]}" "$@"
  final=$final-$lightname
fi
for t in heldout-grey heldout-dense "${real_test[@]}"; do
  $B eval --detector --model $final/model.safetensors --data "$t" | tee "eval-$final-$t.txt"
done
