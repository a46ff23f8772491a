#!/usr/bin/env bash
# Copies trained models into the package as the defaults `flytally count` ships, in float16
# storage (half the size; inference runs in fp32 after loading).
# Usage: scripts/bundle-models.sh [TRAITS_MODEL] [DETECTOR_MODEL]
#   defaults: work/traits-small-framing/run/model.safetensors work/detector-s4/run4-stride4-piles-long-lighteraug/model.safetensors
#   (where scripts/train-traits.sh with configs/traits-small-framing.json and scripts/train-detector.sh
#   --domains mixed --stride 4 --piles-long --lighter-augment write the bundled ones)
set -euo pipefail
cd "$(dirname "$0")/.."
traits=${1:-work/traits-small-framing/run/model.safetensors}
detector=${2:-work/detector-s4/run4-stride4-piles-long-lighteraug/model.safetensors}
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
dest=Sources/DefaultModels/Bundled
$B quantize "$traits" --scheme fp16 --out "$dest/traits-small.safetensors"
$B quantize "$detector" --scheme fp16 --out "$dest/detector-fast.safetensors"
du -ck "$dest"/*.safetensors
