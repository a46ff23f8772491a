#!/usr/bin/env bash
# The [count] benchmark (docs/PERFORMANCE.md, docs/RESULTS.md): 10 FlySim photos × 60 flies of
# the white-miniature F2 cross in the held-out domain (grey-card-dim, never trained on), counted
# end to end with the bundled models; then the bundled sample photos. Median of 5 runs each.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/flytally-binary.sh   # B: FLYTALLY_BIN or a fresh release build
[ -f work/bench-count/annotations.json ] || \
  $B simulate --photos 10 --flies 60 --domain grey-card-dim --traits white-miniature-f2 --seed 93001 --out work/bench-count -q
$B bench count --data work/bench-count --repeats 5 "$@"
$B bench count --data Samples --repeats 5 "$@"
$B bench detector work/bench-count/images --repeats 5 "$@"
