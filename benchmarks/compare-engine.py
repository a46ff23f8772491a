#!/usr/bin/env python3
"""Runs FlyTally's engine benchmark and the ONNX Runtime peer back to back on the same models,
inputs and thread count, then prints one Markdown table with the ratios (for docs/PERFORMANCE.md).

    swift build -c release --product flytally
    python3 benchmarks/compare-engine.py [--threads 2] [--seconds 3]

Needs `pip install onnxruntime onnx numpy` for the peer (see benchmarks/peers/README.md); the
peer is never a dependency of FlyTally itself. PyTorch cannot be installed here from PyPI without
gigabytes of CUDA wheels, so training is compared with the PyTorch figures in PEERS.md instead.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS_TRAIN = {("small", 128): 259, ("small", 224): 97}  # PEERS.md, PyTorch channels_last, batch 32


def run_json(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3)
    args = parser.parse_args()
    binary = os.path.join(ROOT, ".build", "release", "flytally")
    if not os.path.exists(binary):
        sys.exit("build first: swift build -c release --product flytally")
    ours = run_json([binary, "bench", "engine", "--threads", str(args.threads), "--seconds", str(args.seconds), "--json"])
    peer = run_json([sys.executable, os.path.join(ROOT, "benchmarks/peers/ort_mobilenet_v3.py"), "--all",
                     "--threads", str(args.threads), "--min-time", str(args.seconds), "--json"])
    key = lambda r: (r["model"], r["input"], r["batch"], r["mode"])
    ours_by, peer_by = {key(r): r for r in ours}, {key(r): r for r in peer}

    print(f"Inference, {args.threads} threads (median of repeated runs; ratio = FlyTally speed / ONNX Runtime speed)\n")
    print("| model | input | FlyTally batch-1 ms | ORT batch-1 ms | ratio | FlyTally batch-64 img/s | ORT batch-64 img/s | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for (model, size, batch, mode), r in sorted(ours_by.items()):
        if mode != "infer" or batch != 1:
            continue
        o1, p1 = r, peer_by.get((model, size, 1, "infer"))
        o64, p64 = ours_by.get((model, size, 64, "infer")), peer_by.get((model, size, 64, "infer"))
        if not (p1 and o64 and p64):
            continue
        print(f"| {model} | {size} | {o1['latency_ms']:.2f} | {p1['latency_ms']:.2f} | {p1['latency_ms'] / o1['latency_ms']:.2f}× "
              f"| {o64['images_per_s']:.0f} | {p64['images_per_s']:.0f} | {o64['images_per_s'] / p64['images_per_s']:.2f}× |")
    print(f"\nTraining, batch 32, SGD step included, {args.threads} threads\n")
    print("| model | input | FlyTally img/s | peak RSS MB | PyTorch (PEERS.md) img/s | ratio |")
    print("|---|---|---|---|---|---|")
    for (model, size, batch, mode), r in sorted(ours_by.items()):
        if mode != "train":
            continue
        torch = PEERS_TRAIN.get((model.replace("mobilenet_v3_", ""), size))
        ratio = f"{r['images_per_s'] / torch:.2f}×" if torch else "—"
        print(f"| {model} | {size} | {r['images_per_s']:.1f} | {r['peak_rss_mb']:.0f} | {torch or 'n/a'} | {ratio} |")


if __name__ == "__main__":
    main()
