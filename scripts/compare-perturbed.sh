#!/usr/bin/env bash
# Scores a detector and a trait classifier on the changed real photos of
# scripts/perturb-real-photos.py (and on the unchanged ones): per change, the detector's AP@0.5,
# precision, recall and |count error| per 60 flies (`flytally eval --detector --tiles auto`), then
# each trait's accuracy over the flies `flytally count` finds (scripts/count-framing.py) — one
# markdown row per change.
# Usage: scripts/compare-perturbed.sh ORIGINAL_SET PERTURBED_DIR [DETECTOR [CLASSIFIER]]
#   ORIGINAL_SET: the annotated set the changes were made from (e.g. work/detector-s4/real-test);
#   PERTURBED_DIR: perturb-real-photos.py's OUT; DETECTOR, CLASSIFIER: model files (default: the
#   bundled ones). FLYTALLY_BIN names a prebuilt binary.
set -euo pipefail
cd "$(dirname "$0")/.."
original=${1:?the unchanged set}; perturbed=${2:?perturb-real-photos.py output}
detector=${3:-Sources/DefaultModels/Bundled/detector-fast.safetensors}
classifier=${4:-Sources/DefaultModels/Bundled/traits-small.safetensors}
. scripts/lib/flytally-binary.sh
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
echo "| change | detector AP@0.5; P / R %; \\|err\\| /60 | eye | wing | sex |"
echo "|---|---|---|---|---|"
for set in "$original" "$perturbed"/*/; do
  set=${set%/}
  [ -f "$set/annotations.json" ] || continue
  name=$([ "$set" = "$original" ] && echo none || basename "$set")
  detection=$($B eval --detector --model "$detector" --data "$set" --tiles auto 2>/dev/null | python3 -c '
import re, sys
t = sys.stdin.read()
ap = re.search(r"AP@0.5 ([0-9.]+)", t).group(1)
p, r = re.search(r"precision ([0-9.]+)%  recall ([0-9.]+)%", t).groups()
e = re.search(r"per 60 flies ([0-9.]+)", t).group(1)
print(f"{float(ap):.3f}; {float(p):.1f} / {float(r):.1f}; {float(e):.2f}")')
  rm -rf "$out/count"
  $B count "$set/images" --detector "$detector" --model "$classifier" --out "$out/count" -q > /dev/null
  traits=$(python3 scripts/count-framing.py "$set/annotations.json" "$out/count/flies.json" | python3 -c '
import re, sys
found = dict(re.findall(r"^(eye|wing|sex): (\d+ of \d+)", sys.stdin.read(), re.M))
print(" | ".join(found.get(t, "—").replace(" of ", " / ") for t in ("eye", "wing", "sex")))')
  echo "| $name | $detection | $traits |"
done
