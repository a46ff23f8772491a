#!/usr/bin/env bash
# Short training sweeps, all variants side by side (meant for a many-core machine: 8 runs ×
# THREADS threads), on fresh FlySim data: 5 training domains × 20 photos, 10 held-out photos of
# grey-card-dim. Prints one line per variant (validation after every epoch is in each run's
# log.jsonl) and writes WORKDIR/sweep.jsonl (all epochs of all runs).
#   traits:   the keypoint loss — MSE or smooth-L1, weight 1 or 3, dropout 0.5 or 0.1, trait
#             weight 0.1 or 1 in the keypoint phase; Small ×1.0, 16 epochs, 64 → 96 px, from scratch.
#   keypoint-head: the same base recipe with the regression and the heat-map keypoint head
#             (two runs; suits 2 cores).
#   detector: fine-tuning the bundled fast detector 30 epochs with one recipe change per variant.
#   domains:  the training photos — the five presets (100 photos), half of each preset plus 50
#             photos of FlySim's 'varied' domain (domain randomisation), or 100 'varied' photos;
#             the keypoint-head base recipe at 12 epochs, several seeds each. Models see no real photo, so
#             when ../shared/data/real-aarongs is there every model is also scored on all of it.
#   detector-domains: the same three sets of photos for fine-tuning the bundled fast detector
#             (the detector recipe, 30 epochs, several seeds each).
# Usage: scripts/sweep.sh traits|keypoint-head|detector|domains|detector-domains WORKDIR [THREADS per run, default 2] [SECONDS, default 3600]
# FLYTALLY_BIN names a prebuilt binary (for machines without Swift). For detector sweeps,
# DETECTOR_INIT names the model to fine-tune (default: the bundled fast detector) and
# DETECTOR_MODEL=accurate says it is an accurate one; SWEEP_ONLY="NAME ..." runs only those variants;
# SWEEP_SEEDS="4 5 ..." gives 'domains' and 'detector-domains' other seeds (presets and mixed only).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
kind=${1:?traits, keypoint-head, detector, domains or detector-domains}; work=${2:?work directory}; threads=${3:-2}; limit=${4:-3600}
case $kind in traits|keypoint-head|detector|domains|detector-domains) ;;
  *) echo "sweep kind must be traits, keypoint-head, detector, domains or detector-domains (got '$kind')" >&2; exit 2 ;; esac
. "$root/scripts/lib/flytally-binary.sh"
mkdir -p "$work" && cd "$work"
sim=(--megapixels 1...2 --crops) sims=(sim-*/crops) held=heldout/crops seed=1000 heldseed=90001
mixing=0; case $kind in domains|detector-domains) mixing=1 ;; esac   # presets vs 'varied' photos
if [ "$kind" = detector ] || [ "$kind" = detector-domains ]; then sim=(--megapixels 1...3 --flies 20...100) sims=(sim-*) held=heldout seed=2000 heldseed=91001; fi
declare -A data  # training sets of a variant, when not the five presets
# Variant = base recipe with some keys replaced (merged in Python: JSON with a key twice keeps
# the first, which would silently ignore the change).
variant() {  # NAME JSON-OVERRIDES
  python3 -c 'import json,sys; b=json.loads(sys.argv[1]); b.update(json.loads(sys.argv[2])); print(json.dumps(b))' "$base" "$2" > "$1.json"
}
# The runs of 'domains' and 'detector-domains': presets, mixed and varied photos, one run per
# training seed. EXTRA adds recipe keys; SUFFIX is /crops for trait sets, empty for photo sets.
domain_variants() {  # EXTRA SUFFIX
  local extra=$1 sub=$2 s   # (not 'seed': that is the photos' base seed of make_data below)
  for s in ${SWEEP_SEEDS:-1 2 3}; do
    variant presets-s$s '{"seed":'$s$extra'}'
    variant mixed-s$s '{"seed":'$s$extra'}'; data[mixed-s$s]="half-*$sub varied-1$sub"
  done
  [ -n "${SWEEP_SEEDS:-}" ] || for s in 1 2; do variant varied-s$s '{"seed":'$s$extra'}'; data[varied-s$s]="varied-1$sub varied-2$sub"; done
}
if [ "$kind" = traits ] || [ "$kind" = keypoint-head ] || [ "$kind" = domains ]; then
  base='{"model":{"variant":"small","widthMultiplier":1,"keypoints":true,"dropout":0.5,"inputSize":96},"stages":4,"epochsPerStage":4,"startOps":2,"endOps":4,"startMagnitude":30,"endMagnitude":60,"startSize":64,"endSize":96,"keypointPhaseShare":0.5,"headPhaseShare":0.1}'
  d01='{"variant":"small","widthMultiplier":1,"keypoints":true,"dropout":0.1,"inputSize":96}'
  if [ "$kind" = domains ]; then
    domain_variants ',"epochsPerStage":3' /crops
  elif [ "$kind" = keypoint-head ]; then
    variant regression '{}'
    variant heatmap '{"model":{"variant":"small","widthMultiplier":1,"keypoints":true,"dropout":0.5,"inputSize":96,"keypointHead":"heatmap"}}'
  else
  variant mse-w1-d05 '{"keypointLoss":"mse"}'
  variant l1-w1-d05 '{"keypointLoss":"smoothL1"}'
  variant l1-w3-d05 '{"keypointLoss":"smoothL1","keypointLossWeight":3}'
  variant mse-w1-d01 '{"keypointLoss":"mse","model":'"$d01"'}'
  variant l1-w1-d01 '{"keypointLoss":"smoothL1","model":'"$d01"'}'
  variant l1-w3-d01 '{"keypointLoss":"smoothL1","keypointLossWeight":3,"model":'"$d01"'}'
  variant mse-w3-d01 '{"keypointLoss":"mse","keypointLossWeight":3,"model":'"$d01"'}'
  variant l1-w1-d05-tw1 '{"keypointLoss":"smoothL1","keypointPhaseTraitWeight":1}'
  fi
  mode=() init=()
else
  base='{"epochs":30,"batchSize":8,"cropSize":320,"flySizeRange":[14,110],"letterboxShare":0.4,"photometricOps":3,"photometricMagnitude":70,"learningRate":0.001,"warmupEpochs":0.5,"seed":3,"threshold":0.3}'
  if [ "$kind" = detector-domains ]; then
    domain_variants '' ''
  else
    variant base '{}'
    variant lr3e-4 '{"learningRate":0.0003}'
    variant lr3e-3 '{"learningRate":0.003}'
    variant crop384 '{"cropSize":384}'
    variant letterbox08 '{"letterboxShare":0.8}'
    variant photo1 '{"photometricOps":1,"photometricMagnitude":40}'
    variant size03 '{"sizeWeight":0.3}'
    variant batch16 '{"batchSize":16}'
  fi
  mode=(--detector --model "${DETECTOR_MODEL:-fast}")
  init=(--init-from "${DETECTOR_INIT:-$root/Sources/DefaultModels/Bundled/detector-fast.safetensors}")
fi
if [ -n "${SWEEP_ONLY:-}" ]; then
  for c in *.json; do case " $SWEEP_ONLY " in *" ${c%.json} "*) ;; *) rm -f "$c" ;; esac; done
fi
make_data() {  # FlySim photos (or crops) for the training and held-out sets, where missing
  i=0
  for d in lab-blue-card co2-pad-white petri-dish phone-microscope graph-paper; do
    [ -d "sim-$d" ] || $B simulate --photos 20 --domain "$d" --seed $((seed + i)) "${sim[@]}" --out "sim-$d" -q &
    # The first 10 of the same photos (photo i has seed + i), for the mixed set of 'domains'.
    [ $mixing = 0 ] || [ -d "half-$d" ] || $B simulate --photos 10 --domain "$d" --seed $((seed + i)) "${sim[@]}" --out "half-$d" -q &
    i=$((i + 1))
  done
  if [ $mixing = 1 ]; then
    [ -d varied-1 ] || $B simulate --photos 50 --domain varied --seed 1100 "${sim[@]}" --out varied-1 -q &
    [ -d varied-2 ] || $B simulate --photos 50 --domain varied --seed 1150 "${sim[@]}" --out varied-2 -q &
  fi
  [ -d heldout ] || $B simulate --photos 10 --domain grey-card-dim --seed $heldseed "${sim[@]}" --out heldout -q &
  wait
}
for c in *.json; do [ -f "${c%.json}/model.safetensors" ] || { make_data; break; }; done
sims=($(ls -d ${sims[@]} 2>/dev/null || true))
for c in *.json; do
  n=${c%.json}
  [ -f "$n/model.safetensors" ] && continue
  from=("${init[@]}"); [ -f "$n/checkpoint.safetensors" ] && from=(--resume)
  train_data=("${sims[@]}"); [ -n "${data[$n]:-}" ] && train_data=($(ls -d ${data[$n]}))
  $B train "${mode[@]}" "${from[@]}" --config "$c" --data "${train_data[@]}" --validation "$held" --out "$n" --threads "$threads" -q > "$n.log" 2>&1 &
done
for ((t = 0; t < limit; t += 10)); do sleep 10; jobs -r | grep -q . || break; done
kill $(jobs -p) 2>/dev/null || true
wait 2>/dev/null || true
# (Kept as it is when no run has a log here, e.g. models fetched from another machine.)
if ls */log.jsonl >/dev/null 2>&1; then
  for c in *.json; do n=${c%.json}; [ -f "$n/log.jsonl" ] && sed "s/^{/{\"run\":\"$n\",/" "$n/log.jsonl"; done > sweep.jsonl
fi
python3 - sweep.jsonl <<'PY'
import json, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line); runs[r['run']].append(r)
for name, rs in sorted(runs.items()):
    last = rs[-1]
    if 'validationAP50' in last:
        print(f"{name:14} {len(rs)} epochs  AP@0.5 {last['validationAP50']:.3f}  P {last['validationPrecision']:.3f}  R {last['validationRecall']:.3f}  loss {last['loss']:.3f}")
    else:
        acc = ' / '.join(f"{a * 100:.1f}" for a in last['validationAccuracy'])
        best = min(r.get('keypointErrorPercent', 1e9) for r in rs)
        tail = rs[-3:]   # epoch-to-epoch swings are a few points: the mean of the last three too
        mean = ' / '.join(f"{sum(r['validationAccuracy'][t] for r in tail) / len(tail) * 100:.1f}" for t in range(3))
        print(f"{name:14} {len(rs)} epochs  eye/wing/sex {acc} (last 3: {mean})  keypoints {last.get('keypointErrorPercent', 0):.1f} % (best {best:.1f} %)")
PY
real=$root/../shared/data/real-aarongs
if [ "$kind" = domains ]; then
  if [ -f "$real/annotations.json" ]; then
    for c in *.json; do
      n=${c%.json}
      [ -f "$n/model.safetensors" ] && $B eval --model "$n/model.safetensors" --data "$real" --json > "$n.real.json"
    done
    python3 - <<'PY'
import json, glob, collections
groups = collections.defaultdict(list)
print("all real photos (31 photos, 155 flies; no model saw any of them):")
for path in sorted(glob.glob('*.real.json')):
    run = path[:-len('.real.json')]
    acc = {t['name']: (t['accuracy'], t['total']) for t in json.load(open(path))['traits']}
    groups[run.rsplit('-s', 1)[0]].append(acc)
    print(f"  {run:14} eye {acc['eye'][0] * 100:.1f} % of {acc['eye'][1]}  sex {acc['sex'][0] * 100:.1f} % of {acc['sex'][1]}  wing (all long) {acc['wing'][0] * 100:.1f} %")
for group, accs in groups.items():
    mean = {t: sum(a[t][0] for a in accs) / len(accs) * 100 for t in ('eye', 'sex', 'wing')}
    print(f"  mean {group:9} ({len(accs)} seeds) eye {mean['eye']:.1f} %  sex {mean['sex']:.1f} %  wing {mean['wing']:.1f} %")
PY
  else
    echo "note: $real not found; the real-photo scores are skipped"
  fi
fi
