#!/usr/bin/env bash
# Scores trait classifiers the way the bundled one is judged in docs/RESULTS.md, side by side:
#  1. the FlySim held-out crops with flipped copies averaged (`eval --crop-views`, as `count`
#     reads flies), and the wing tips' spreads per pose (scripts/wing-tip-spreads.py, one pass);
#  2. the 31 real photos through `flytally count` (bundled detector), each trait's accuracy over
#     all photos and over the test photos 6-7 (scripts/count-framing.py);
#  3. the 600-fly counting benchmark (`flytally bench count`: phenotype errors), and how many of
#     its wings `count` reads right on detector-framed crops.
# Usage: [CROP_VIEWS=n] scripts/compare-traits.sh TRAITS_WORK BENCH_DATA OUT NAME=MODEL[+OTHER...] [NAME=... ...]
#   MODEL+OTHER: an ensemble, MODEL's trait probabilities averaged with OTHER's (--ensemble;
#   keypoints and wing-tip spreads are MODEL's);
#   CROP_VIEWS: copies of each crop read in steps 1-3 (1, 2 or 4; default 4, as `count`);
#   TRAITS_WORK: a work directory of scripts/train-traits.sh (heldout-grey/, real-test/);
#   BENCH_DATA: the benchmark photo set (flytally simulate --photos 10 --flies 60
#   --domain grey-card-dim --traits white-miniature-f2 --seed 93001 --out DIR);
#   OUT: where each model's outputs go (OUT/NAME/...); a summary is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
[ $# -ge 4 ] || { sed -n 2,16p "$0" >&2; exit 2; }
work=$(realpath "$1"); bench=$(realpath "$2"); out=$3; shift 3
real=$(cd .. && pwd)/shared/data/real-aarongs
[ -d "$work/heldout-grey/crops" ] || { echo "$work/heldout-grey/crops: not found (run scripts/train-traits.sh $1 --data-only)" >&2; exit 1; }
[ -f "$bench/annotations.json" ] || { echo "$bench/annotations.json: not found" >&2; exit 1; }
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
mkdir -p "$out"; out=$(realpath "$out")
views=${CROP_VIEWS:-4}
names=()
for spec in "$@"; do
  name=${spec%%=*}; IFS=+ read -r -a files <<< "${spec#*=}"
  model=$(realpath "${files[0]}"); ensemble=()
  [ -f "$model" ] || { echo "$model: not found" >&2; exit 1; }
  for other in "${files[@]:1}"; do
    [ -f "$other" ] || { echo "$other: not found" >&2; exit 1; }
    ensemble+=(--ensemble "$(realpath "$other")")
  done
  names+=("$name"); dir=$out/$name; mkdir -p "$dir"
  echo "== $name (${spec#*=})" >&2
  $B eval --model "$model" "${ensemble[@]}" --data "$work/heldout-grey/crops" --crop-views "$views" > "$dir/heldout-views.txt"
  $B eval --model "$model" "${ensemble[@]}" --data "$work/heldout-grey/crops" --per-crop "$dir/heldout-per-crop.csv" > "$dir/heldout-one-pass.txt"
  # A model without keypoints has no wing tips to split.
  python3 scripts/wing-tip-spreads.py "$dir/heldout-per-crop.csv" "$work/heldout-grey/crops" > "$dir/spreads.txt" 2>&1 \
    || echo "no wing-tip spreads (a model without keypoints?)" > "$dir/spreads.txt"
  if [ -f "$real/annotations.json" ]; then
    rm -rf "$dir/count-real"
    $B count "$real/images" --model "$model" "${ensemble[@]}" --crop-views "$views" --out "$dir/count-real" -q > /dev/null
    python3 scripts/count-framing.py "$real/annotations.json" "$dir/count-real/flies.json" > "$dir/real-all.txt"
    python3 scripts/count-framing.py "$work/real-test/annotations.json" "$dir/count-real/flies.json" > "$dir/real-test.txt"
  fi
  $B bench count --data "$bench" --model "$model" "${ensemble[@]}" --crop-views "$views" --repeats 1 > "$dir/bench.txt"
  rm -rf "$dir/count-bench"
  $B count "$bench/images" --model "$model" "${ensemble[@]}" --crop-views "$views" --out "$dir/count-bench" -q > /dev/null
  python3 scripts/count-framing.py "$bench/annotations.json" "$dir/count-bench/flies.json" > "$dir/bench-wing.txt"
done
# Summary: one block per model, the lines the RESULTS tables quote.
for name in "${names[@]}"; do
  dir=$out/$name
  echo "== $name"
  grep -E "^(eye|wing|sex|keypoints|  head)" "$dir/heldout-views.txt" | sed "s/^/held-out, $views crop views: /" || true
  grep -iE "dorsal|ventral" "$dir/spreads.txt" | head -4 | sed 's/^/spreads: /' || true
  for f in real-all real-test; do
    if [ -f "$dir/$f.txt" ]; then grep -E "^(eye|wing|sex):" "$dir/$f.txt" | sed "s/^/$f: /" || true; fi
  done
  grep -E "counted|phenotype count error" "$dir/bench.txt" | sed 's/^/benchmark: /' || true
  grep -E "^(eye|wing|sex):" "$dir/bench-wing.txt" | sed 's/^/benchmark: /' || true
done
