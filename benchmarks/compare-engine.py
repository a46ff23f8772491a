#!/usr/bin/env python3
"""Runs FlyTally's engine benchmark and the ONNX Runtime peer back to back on the same models,
inputs and thread count, then prints one Markdown table with the ratios (for docs/PERFORMANCE.md).

    swift build -c release --product flytally
    python3 benchmarks/compare-engine.py [--threads 2] [--seconds 3]

Needs `pip install onnxruntime onnx numpy` for the ONNX Runtime peer (see
benchmarks/peers/README.md). With `--torch-python PYTHON` (a virtual environment with torch and
torchvision, see benchmarks/peers/torch_mobilenet_v3.py) PyTorch's training and eager inference
are measured in the same run; otherwise training is compared with the PEERS.md figures. The peers
are never dependencies of FlyTally itself.
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
    parser.add_argument("--torch-python", help="python of a virtual environment with torch + torchvision")
    args = parser.parse_args()
    binary = os.path.join(ROOT, ".build", "release", "flytally")
    if not os.path.exists(binary):
        sys.exit("build first: swift build -c release --product flytally")
    ours = run_json([binary, "bench", "engine", "--threads", str(args.threads), "--seconds", str(args.seconds), "--json"])
    peer = run_json([sys.executable, os.path.join(ROOT, "benchmarks/peers/ort_mobilenet_v3.py"), "--all",
                     "--threads", str(args.threads), "--min-time", str(args.seconds), "--json"])
    torch = []
    if args.torch_python:
        torch = run_json([args.torch_python, os.path.join(ROOT, "benchmarks/peers/torch_mobilenet_v3.py"),
                          "--threads", str(args.threads), "--seconds", str(args.seconds), "--json"])
    key = lambda r: (r["model"], r["input"], r["batch"], r["mode"])
    ours_by, peer_by, torch_by = {key(r): r for r in ours}, {key(r): r for r in peer}, {key(r): r for r in torch}

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
    if torch_by:
        print(f"\nPyTorch eager inference in the same run, {args.threads} threads\n")
        print("| model | input | FlyTally b1 ms | PyTorch b1 ms | ratio | FlyTally b64 img/s | PyTorch b64 img/s | ratio |")
        print("|---|---|---|---|---|---|---|---|")
        for (model, size, batch, mode), r in sorted(ours_by.items()):
            t1, o64, t64 = torch_by.get((model, size, 1, "infer")), ours_by.get((model, size, 64, "infer")), torch_by.get((model, size, 64, "infer"))
            if mode != "infer" or batch != 1 or not (t1 and o64 and t64):
                continue
            print(f"| {model} | {size} | {r['latency_ms']:.2f} | {t1['latency_ms']:.2f} | {t1['latency_ms'] / r['latency_ms']:.2f}× "
                  f"| {o64['images_per_s']:.0f} | {t64['images_per_s']:.0f} | {o64['images_per_s'] / t64['images_per_s']:.2f}× |")
    print(f"\nTraining, batch 32, SGD step included, {args.threads} threads\n")
    print("| model | input | FlyTally img/s | peak RSS MB | PyTorch img/s | ratio | source of the PyTorch figure |")
    print("|---|---|---|---|---|---|---|")
    for (model, size, batch, mode), r in sorted(ours_by.items()):
        if mode != "train":
            continue
        measured = torch_by.get((model, size, 32, "train"))
        reference = measured["images_per_s"] if measured else PEERS_TRAIN.get((model.replace("mobilenet_v3_", ""), size))
        source = "same run" if measured else ("PEERS.md (other machine)" if reference else "—")
        ratio = f"{r['images_per_s'] / reference:.2f}×" if reference else "—"
        print(f"| {model} | {size} | {r['images_per_s']:.1f} | {r['peak_rss_mb']:.0f} | {f'{reference:.1f}' if reference else 'n/a'} | {ratio} | {source} |")


if __name__ == "__main__":
    main()
