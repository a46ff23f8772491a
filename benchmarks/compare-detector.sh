#!/usr/bin/env bash
# The fly detector's network in FlyTally and in ONNX Runtime, side by side: the same weights,
# the same letterboxed input (batch 1), the same thread count, alternating rounds so drifts in
# machine load hit both. Checks once that ONNX Runtime's output map equals FlyTally's, then
# prints each round and the medians and the median of the per-round ratios.
# Needs `pip install onnxruntime onnx numpy` (benchmarks/peers/README.md) and a release build.
# Usage: benchmarks/compare-detector.sh [MODEL] [PHOTO] [ROUNDS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-Sources/DefaultModels/Bundled/detector-fast.safetensors}
photo=${2:-Samples/flysim-004242.jpg}
rounds=${3:-5} threads=${4:-2}
. scripts/lib/flytally-binary.sh
io=$(mktemp --suffix=.safetensors); trap 'rm -f "$io"' EXIT
$B bench detector "$photo" --model "$model" --network-only --repeats 1 --threads "$threads" --save-io "$io" >/dev/null
python3 benchmarks/peers/ort_detector.py --weights "$model" --check "$io" --threads "$threads" --min-time 0.5 --min-runs 3 >/dev/null
flytally_ms=() ort_ms=()
for r in $(seq "$rounds"); do
  f=$($B bench detector "$photo" --model "$model" --network-only --repeats 5 --threads "$threads" | sed -n 's/.*network \([0-9.]*\) ms.*/\1/p')
  o=$(python3 benchmarks/peers/ort_detector.py --weights "$model" --threads "$threads" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"])')
  echo "round $r: FlyTally $f ms, ONNX Runtime $o ms"
  flytally_ms+=("$f") ort_ms+=("$o")
done
python3 - "${flytally_ms[*]}" "${ort_ms[*]}" "$threads" <<'PY'
import statistics, sys
f = [float(x) for x in sys.argv[1].split()]; o = [float(x) for x in sys.argv[2].split()]
ratios = [a / b for a, b in zip(f, o)]
print(f"{sys.argv[3]} threads, {len(f)} rounds: FlyTally median {statistics.median(f):.2f} ms, "
      f"ONNX Runtime median {statistics.median(o):.2f} ms; FlyTally / ORT per round "
      f"{', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f})")
PY
