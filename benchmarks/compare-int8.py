#!/usr/bin/env python3
"""FlyTally's int8 plan against its own fp32 plan and against ONNX Runtime's fp32 and static
int8 (QDQ, per-channel), on the same MobileNetV3 architectures, inputs and thread count, back
to back in one run. Prints one Markdown table for docs/PERFORMANCE.md.

    swift build -c release --product flytally
    python3 benchmarks/compare-int8.py [--threads 2] [--seconds 3] [--models small] [--inputs 128]

Needs `pip install onnxruntime onnx numpy` (see benchmarks/peers/README.md). Random weights:
speed does not depend on them. Both int8 models are calibrated on random inputs.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_json(command):
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--models", default="small,large")
    parser.add_argument("--inputs", default="128,224")
    args = parser.parse_args()
    binary = os.path.join(ROOT, ".build", "release", "flytally")
    if not os.path.exists(binary):
        sys.exit("build first: swift build -c release --product flytally")
    ours = run_json([binary, "bench", "engine", "--models", args.models, "--inputs", args.inputs, "--precision", "fp32,int8",
                     "--no-training", "--threads", str(args.threads), "--seconds", str(args.seconds), "--json"])
    peer = []
    for model in args.models.split(","):
        for size in args.inputs.split(","):
            for batch in ("1", "64"):
                for int8 in (False, True):
                    command = [sys.executable, os.path.join(ROOT, "benchmarks/peers/ort_mobilenet_v3.py"), "--model", model,
                               "--input", size, "--batch", batch, "--threads", str(args.threads), "--min-time", str(args.seconds),
                               "--json"] + (["--int8"] if int8 else [])
                    for record in run_json(command):
                        record["precision"] = "int8" if int8 else "fp32"
                        peer.append(record)
    key = lambda r: (r["model"].replace("mobilenet_v3_", ""), int(r["input"]), int(r["batch"]), r["precision"])
    ours_by, peer_by = {key(r): r for r in ours}, {key(r): r for r in peer}
    print(f"Inference, {args.threads} threads, one run (median of repeated timings); ratios within this run\n")
    print("| model | input | batch | FlyTally fp32 | FlyTally int8 | int8 / fp32 | ORT fp32 | ORT int8 | ORT int8 / fp32 | FlyTally int8 / ORT int8 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (model, size, batch, precision) in sorted(ours_by):
        if precision != "fp32":
            continue
        o32, o8 = ours_by[(model, size, batch, "fp32")], ours_by.get((model, size, batch, "int8"))
        p32, p8 = peer_by.get((model, size, batch, "fp32")), peer_by.get((model, size, batch, "int8"))
        if not (o8 and p32 and p8):
            continue
        unit, value = ("img/s", "images_per_s") if batch > 1 else ("ms", "latency_ms")
        speed = (lambda r: r[value]) if batch > 1 else (lambda r: 1 / r[value])
        fmt = (lambda r: f"{r[value]:.0f} {unit}") if batch > 1 else (lambda r: f"{r[value]:.2f} {unit}")
        print(f"| {model} | {size} | {batch} | {fmt(o32)} | {fmt(o8)} | {speed(o8) / speed(o32):.2f}× | {fmt(p32)} | {fmt(p8)} "
              f"| {speed(p8) / speed(p32):.2f}× | {speed(o8) / speed(p8):.2f}× |")


if __name__ == "__main__":
    main()
