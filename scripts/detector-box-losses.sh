#!/usr/bin/env bash
# Which cells learn a fly's box, and in which units its size is penalised (DetectorRecipe's
# boxTargets and sizeLoss; docs/TRAINING.md): stage 4 of scripts/train-detector.sh --domains
# mixed (10 epochs from stage 3 on the training presets + 200 'varied' photos + the real
# training photos, configs/detector-varied-finetune.json) run again with each change alone and
# both together, same seed, same photos, then all of them scored side by side with one tile
# and with --tiles auto (scripts/compare-detectors.sh).
#   configs/detector-relative-finetune.json  sizeLoss relative (sizeWeight 0.5)
#   configs/detector-peak-finetune.json      boxTargets peak
#   configs/detector-boxes-finetune.json     both
# Needs WORKDIR prepared by scripts/train-detector.sh WORKDIR --domains mixed (its run3 and
# run4 models and photo sets). Each stage checkpoints every epoch: rerun to resume.
# Usage: scripts/detector-box-losses.sh [WORKDIR] [VARIANT...]   (variants: relative peak boxes)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-work/detector-fast}; shift || true
variants=("$@"); [ ${#variants[@]} -gt 0 ] || variants=(relative peak boxes)
configs=$PWD/configs
. scripts/lib/flytally-binary.sh
for need in run3/model.safetensors run4/model.safetensors varied-photos/annotations.json heldout-grey/annotations.json; do
  [ -e "$work/$need" ] || { echo "$work/$need missing: run scripts/train-detector.sh $work --domains mixed first" >&2; exit 1; }
done
models=(stage3="$work/run3/model.safetensors" stage4="$work/run4/model.safetensors")
(
  cd "$work"
  # train-detector.sh's order of training sets (it fixes the sample order).
  data=(sim-* varied-photos); [ -d real-train ] && data+=(real-train)
  for v in "${variants[@]}"; do
    [ -f "$configs/detector-$v-finetune.json" ] || { echo "unknown variant $v (relative, peak or boxes)" >&2; exit 2; }
    out=run4-$v
    [ -f "$out/model.safetensors" ] && continue
    start=(--init-from run3/model.safetensors); [ -f "$out/checkpoint.safetensors" ] && start=(--resume)
    $B train --detector --config "$configs/detector-$v-finetune.json" --validation heldout-grey --out "$out" "${start[@]}" --data "${data[@]}"
  done
)
for v in "${variants[@]}"; do models+=("$v=$work/run4-$v/model.safetensors"); done
for tiles in 1 auto; do
  FLYTALLY_BIN=$B scripts/compare-detectors.sh "$work" --tiles "$tiles" "${models[@]}"
done
