#!/usr/bin/env bash
# The [quant] comparison (docs/RESULTS.md): the float trait classifier of the training run
# (TRAITS_CONFIG=configs/traits-small-framing.json scripts/train-traits.sh
# work/traits-small-framing --domains mixed, whose fp16 copy is the bundled default since the
# fourteenth session) against every post-training scheme, with the score L(φ) and the choice:
#   1. FlySim held-out domain (grey-card-dim) as test, training-domain crops as train/calibration;
#   2. the real test photos as test, the real training photos as train/calibration.
#   3. the detector (see below).
# Quantised files go to work/*/quantized/. Extra arguments go to every run.
# TRAITS_WORK (default work/traits-small-framing) and DETECTOR_RUN (default run4 of
# work/detector-fast, stage 4 of scripts/train-detector.sh --domains mixed) name the training
# runs; the defaults are the bundled models' runs (earlier bundled classifiers:
# TRAITS_WORK=work/traits-small-mixed until the fourteenth session, work/traits-small before the
# seventh; the detector until the fourteenth session: DETECTOR_RUN=run3).
# TRAITS_MODEL names the classifier file to compare instead of TRAITS_WORK/run/model.safetensors,
# e.g. the bundled one without its training run:
#   TRAITS_CONFIG=configs/traits-small-framing.json scripts/train-traits.sh work/traits-small-framing --domains mixed --data-only
#   TRAITS_MODEL=Sources/DefaultModels/Bundled/traits-small.safetensors scripts/quantize-compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
root=$PWD
model=run/model.safetensors
[ -n "${TRAITS_MODEL:-}" ] && model=$(cd "$(dirname "$TRAITS_MODEL")" && pwd)/$(basename "$TRAITS_MODEL")
cd "${TRAITS_WORK:-work/traits-small-framing}"
[ -f "$model" ] || { echo "run scripts/train-traits.sh first (no $PWD/$model)" >&2; exit 1; }
[ -d heldout-grey/crops ] || { echo "no data sets in $PWD: scripts/train-traits.sh DIR [--domains mixed] --data-only renders them" >&2; exit 1; }
$B quantize "$model" --compare --data heldout-grey/crops --calibration sim-petri-dish/crops \
    --out-dir quantized/flysim "$@"
if [ -d real-test ] && [ -d real-train ]; then
  $B quantize "$model" --compare --data real-test --calibration real-train --out-dir quantized/real "$@"
fi
# 3. The detector of the training run (scripts/train-detector.sh --domains mixed →
#    work/detector-fast/run4, the bundled one): fp32, fp16 and static-int8 on the held-out FlySim
#    photos and the real test photos.
run=${DETECTOR_RUN:-run4}
if [ -f "$root/work/detector-fast/$run/model.safetensors" ]; then
  cd "$root/work/detector-fast"
  $B quantize $run/model.safetensors --compare --data heldout-grey --calibration sim-petri-dish real-train \
      --calibration-limit 64 --out-dir quantized/flysim "$@"
  $B quantize $run/model.safetensors --compare --data real-test --calibration real-train --out-dir quantized/real "$@"
else
  echo "note: no detector run at work/detector-fast/$run (scripts/train-detector.sh); detector comparison skipped" >&2
fi
