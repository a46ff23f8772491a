#!/usr/bin/env bash
# Can the detector fit a few photos when it trains on nothing else? (docs/RESULTS.md, "Fitting a
# few photos".) The bundled detector reaches AP@0.5 0.957 on photos it trained on, against a
# design ceiling of 0.98–0.99: underfitting. If the same network, trained the same number of
# steps on only N of those photos, fits them to near the ceiling, the full training set is too
# much for its capacity; if it does not, the limit is in the recipe (loss, targets, decoding).
#
#  1. fit-data/SET-first-N: the first N photos of the annotated set SET (COCO; images linked, not
#     copied; under fit-data/ so that train-detector.sh's sim-* glob never picks it up);
#  2. flytally train --detector from the bundled detector (or --from FILE) for STEPS optimiser
#     steps: the eighteenth session's last stage (configs/detector-lighter-augment.json) with no
#     photometric augmentation and as many epochs as make STEPS batches of 8;
#  3. flytally eval --detector --tiles auto on SET-first-N (what it trained on) and on the held-out
#     set heldout-grey of the same work directory.
# Rerun to resume (the run checkpoints every epoch).
#  --learning-rate R: the peak rate instead of the stage's 5e-4 (is the rate what holds it?);
#  --head-blocks K: K residual blocks before the heads (the model config's headBlocks; started
#  as the identity when FILE has none) — is it the heads' capacity?;
#  --peak-radius F: heat-map peaks F times CenterNet's radius (peakRadiusScale) — is it the
#  broad targets, which let two touching flies' peaks run into one?;
#  --fly-sizes LOW,HIGH: training crops scaled so the median fly is LOW…HIGH px (flySizeRange),
#  none at the whole-photo scale (letterboxShare 0) — is it the small scales `--tiles auto`
#  never shows the network?;
#  --bilinear: the neck upsamples bilinearly instead of nearest (the model's upsampling) — is it
#  that the coarse features cannot say which cell of their 2×2 block holds a fly's centre?;
#  --exact-centres: heat-map peaks centred on the true centre, not its cell's (peakCentre) — is
#  it the targets jumping a cell when a fly moves a pixel?
#  --fixed-view: no geometric augmentation at all (geometricAugmentation none): every photo
#  seen whole, at the inference scale, never flipped — can the network memorise fixed inputs?
#  --antialiased: the backbone blurs before each 2× subsampling (the model's antialiased) — is
#  it that the network's features change when a fly moves by less than the backbone's 32-px
#  stride (see --shifts)?
#  --quality-focal: soft heat-map targets (no cell forced to 1) and the quality focal loss
#  (heatLoss quality-focal) — is it CenterNet's 1 jumping between cells (see --cell-shifts)?
#  --peak-anchor head: heat-map peaks on the flies' head tips instead of their box centres
#  (peakAnchor) — do flies lying on each other separate when each is marked where it can be
#  seen? (Also scored with its own ceiling, --ceiling-anchor head.)
#  --grid-shifts / --cell-shifts / --shifts: the same scale, never flipped, 320-px crops at
#  random positions on the 32-px grid / on the output stride's grid / anywhere — is it moving
#  the flies against the network's strides that it cannot learn? (Runs with any of the three are also scored with --tiles 1: the scale they
#  trained at.)
# Options in any order, before any extra flytally train options.
# Usage: scripts/detector-fit-test.sh WORKDIR SET N STEPS [--from FILE] [--learning-rate R] [--head-blocks K] [--peak-radius F] [--fly-sizes LOW,HIGH] [--bilinear] [--exact-centres] [--fixed-view|--grid-shifts|--cell-shifts|--shifts] [--peak-anchor head] [--antialiased] [--quality-focal] [extra flytally train options]
#   e.g. scripts/detector-fit-test.sh work/detector-s4 sim-petri-dish 40 2440
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${1:?WORKDIR}; set_name=${2:?SET}; photos=${3:?N photos}; steps=${4:?STEPS}; shift 4
from=$root/Sources/DefaultModels/Bundled/detector-fast.safetensors
from_name="" rate="" blocks="" radius="" sizes="" upsampling="" centres="" fixed="" anchor="" antialiased="" quality=""
while [ $# -gt 0 ]; do
  case $1 in
    --from) from=$(realpath "${2:?FILE}"); from_name=$(basename "$from" .safetensors); shift 2 ;;
    --learning-rate) rate=${2:?R}; shift 2 ;;
    --head-blocks) blocks=${2:?K}; shift 2 ;;
    --peak-radius) radius=${2:?F}; shift 2 ;;
    --fly-sizes) sizes=${2:?LOW,HIGH}; shift 2 ;;
    --bilinear) upsampling=bilinear; shift ;;
    --exact-centres) centres=exact; shift ;;
    --fixed-view) fixed=none; shift ;;
    --grid-shifts) fixed=grid-shifts; shift ;;
    --cell-shifts) fixed=cell-shifts; shift ;;
    --shifts) fixed=shifts; shift ;;
    --peak-anchor) anchor=${2:?centre|head}; shift 2 ;;
    --antialiased) antialiased=yes; shift ;;
    --quality-focal) quality=yes; shift ;;
    *) break ;;   # the rest go to flytally train
  esac
done
case $photos$steps in *[!0-9]*) echo "N and STEPS must be whole numbers" >&2; exit 2 ;; esac
[ "$photos" -ge 1 ] && [ "$steps" -ge 1 ] || { echo "N and STEPS must be at least 1" >&2; exit 2; }
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
cd "$work"
[ -f "$set_name/annotations.json" ] || { echo "$work/$set_name/annotations.json: not found" >&2; exit 1; }
subset=fit-data/$set_name-first-$photos
if [ ! -f "$subset/annotations.json" ]; then
  mkdir -p "$subset/images"
  python3 - "$set_name" "$subset" "$photos" <<'EOF'
import json, os, sys
source, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
coco = json.load(open(os.path.join(source, "annotations.json")))
if len(coco["images"]) < n:
    sys.exit(f"{source}: has {len(coco['images'])} photos, fewer than {n}")
coco["images"] = coco["images"][:n]
kept = {image["id"] for image in coco["images"]}
coco["annotations"] = [a for a in coco["annotations"] if a["image_id"] in kept]
for image in coco["images"]:
    link = os.path.join(target, "images", image["file_name"])
    if not os.path.lexists(link):
        os.symlink(os.path.realpath(os.path.join(source, "images", image["file_name"])), link)
json.dump(coco, open(os.path.join(target, "annotations.json"), "w"))
print(f"{target}: {n} photos, {len(coco['annotations'])} flies")
EOF
fi
batch=8
per_epoch=$(( (photos + batch - 1) / batch ))   # one crop of each photo per epoch
epochs=$(( (steps + per_epoch - 1) / per_epoch ))
out=fit-$set_name-first-$photos-$steps${from_name:+-from-$from_name}${rate:+-lr$rate}${blocks:+-blocks$blocks}${radius:+-radius$radius}${sizes:+-sizes$sizes}${upsampling:+-$upsampling}${centres:+-exact-centres}${fixed:+-geometry-$fixed}${anchor:+-anchor-$anchor}${antialiased:+-antialiased}${quality:+-quality-focal}
mkdir -p "$out"
python3 - "$root/configs/detector-lighter-augment.json" "$out/config.json" "$epochs" "$rate" "$blocks" "$radius" "$sizes" "$upsampling" "$centres" "$fixed" "$anchor" "$antialiased" "$quality" <<'EOF'
import json, sys
recipe = json.load(open(sys.argv[1]))
recipe.update(epochs=int(sys.argv[3]), photometricOps=0, photometricMagnitude=0)
if sys.argv[4]:
    recipe["learningRate"] = float(sys.argv[4])
if sys.argv[5] or sys.argv[8] or sys.argv[12]:
    recipe["model"] = dict(variant="small", widthMultiplier=1, inputSize=512, neckChannels=64, outputStride=4)
    if sys.argv[12]:
        recipe["model"]["antialiased"] = True
    if sys.argv[5]:
        recipe["model"]["headBlocks"] = int(sys.argv[5])
    if sys.argv[8]:
        recipe["model"]["upsampling"] = sys.argv[8]
if sys.argv[9]:
    recipe["peakCentre"] = sys.argv[9]
if sys.argv[6]:
    recipe["peakRadiusScale"] = float(sys.argv[6])
if sys.argv[7]:
    recipe["flySizeRange"] = [float(v) for v in sys.argv[7].split(",")]
    recipe["letterboxShare"] = 0
if sys.argv[10]:
    recipe["geometricAugmentation"] = sys.argv[10]
    if sys.argv[10] == "none":
        recipe["cropSize"] = 512   # the model's input: the whole letterboxed photo
if sys.argv[11]:
    recipe["peakAnchor"] = sys.argv[11]
if sys.argv[13]:
    recipe["heatLoss"] = "quality-focal"
json.dump(recipe, open(sys.argv[2], "w"), indent=2)
EOF
if [ ! -f "$out/model.safetensors" ]; then
  start=(--init-from "$from")
  [ -f "$out/checkpoint.safetensors" ] && start=(--resume)
  echo "$out: $epochs epochs of $per_epoch steps from $from" >&2
  $B train --detector --config "$out/config.json" --data "$subset" --out "$out" --output-stride 4 "${start[@]}" "$@"
fi
for t in "$subset" heldout-grey; do
  $B eval --detector --model "$out/model.safetensors" --data "$t" --tiles auto | tee "$out/eval-$(basename "$t").txt"
done
if [ -n "$anchor" ]; then   # the ceiling of its design on the photos it trained on
  $B eval --detector --model "$out/model.safetensors" --data "$subset" --tiles auto --ceiling --ceiling-anchor "$anchor" | tee "$out/eval-$(basename "$subset")-ceiling.txt"
fi
if [ -n "$fixed" ]; then   # the scale it trained at, and the design's ceiling there
  $B eval --detector --model "$out/model.safetensors" --data "$subset" --tiles 1 | tee "$out/eval-$(basename "$subset")-tiles1.txt"
  $B eval --detector --model "$out/model.safetensors" --data "$subset" --tiles 1 --ceiling | tee "$out/eval-$(basename "$subset")-tiles1-ceiling.txt"
fi
