#!/usr/bin/env python3
"""FlyTally's int8 plans against its own fp32 plan and against ONNX Runtime's fp32 and static
int8 (QDQ, per-channel), on the same MobileNetV3 architectures, inputs and thread count, back
to back. Prints one Markdown table for docs/PERFORMANCE.md: one row per FlyTally int8 variant
(`--int8`: int8 = 8-bit activations, int8-a7 = 7-bit activation codes, int8-w6a7 = and 6-bit
GEMM weights; see docs/QUANTIZATION.md).

    swift build -c release --product flytally
    python3 benchmarks/compare-int8.py [--threads 2] [--seconds 3] [--models small] [--inputs 128]
        [--int8 int8,int8-a7,int8-w6a7] [--rounds 3] [--no-peers]

With --rounds N the whole comparison runs N times; every figure is the median over the rounds
and every ratio the median of the N ratios, each measured within one round (the machine is
noisy; per-round ratios are printed under the table). Needs `pip install onnxruntime onnx
numpy` for the peer columns (see benchmarks/peers/README.md; --no-peers leaves them out).
Random weights: speed does not depend on them. All int8 models are calibrated on random inputs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_json(command):
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout)


def measure_round(args, binary, variants):
    """One round: FlyTally's fp32 and int8 variants in one bench call, then ORT's fp32 and int8."""
    ours = run_json([binary, "bench", "engine", "--models", args.models, "--inputs", args.inputs, "--precision",
                     ",".join(["fp32"] + variants), "--no-training", "--threads", str(args.threads), "--seconds",
                     str(args.seconds), "--json"])
    peer = []
    for model in args.models.split(",") if not args.no_peers else []:
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
    return {key(r): r for r in ours}, {key(r): r for r in peer}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--models", default="small,large")
    parser.add_argument("--inputs", default="128,224")
    parser.add_argument("--int8", default="int8,int8-a7,int8-w6a7", help="FlyTally int8 variants (bench engine --precision names)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-peers", action="store_true", help="leave out ONNX Runtime")
    args = parser.parse_args()
    binary = os.path.join(ROOT, ".build", "release", "flytally")
    if not os.path.exists(binary):
        sys.exit("build first: swift build -c release --product flytally")
    variants = [v for v in args.int8.split(",") if v]
    rounds = []
    for r in range(args.rounds):
        print(f"round {r + 1} of {args.rounds}…", file=sys.stderr)
        rounds.append(measure_round(args, binary, variants))

    def speed(record, batch):   # higher is faster: images/s at batch > 1, 1/latency at batch 1
        return record["images_per_s"] if batch > 1 else 1 / record["latency_ms"]

    def shown(values, batch):
        return f"{statistics.median(values):.0f} img/s" if batch > 1 else f"{statistics.median(values):.2f} ms"

    def raw(record, batch):
        return record["images_per_s"] if batch > 1 else record["latency_ms"]

    print(f"Inference, {args.threads} threads, {args.rounds} round(s); figures are medians over rounds, ratios the median of per-round ratios\n")
    print("| model | input | batch | FlyTally fp32 | FlyTally int8 variant | int8 / fp32 | ORT fp32 | ORT int8 | ORT int8 / fp32 | FlyTally int8 / ORT int8 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    for (model, size, batch, precision) in sorted(rounds[0][0]):
        if precision != "fp32":
            continue
        for variant in variants:
            k32, k8 = (model, size, batch, "fp32"), (model, size, batch, variant)
            if any(k8 not in ours for ours, _ in rounds):
                continue
            o32 = [raw(ours[k32], batch) for ours, _ in rounds]
            o8 = [raw(ours[k8], batch) for ours, _ in rounds]
            own = [speed(ours[k8], batch) / speed(ours[k32], batch) for ours, _ in rounds]
            cells = ["—"] * 4
            have_peers = all((model, size, batch, p) in peer for _, peer in rounds for p in ("fp32", "int8"))
            if have_peers:
                p32 = [raw(peer[(model, size, batch, "fp32")], batch) for _, peer in rounds]
                p8 = [raw(peer[(model, size, batch, "int8")], batch) for _, peer in rounds]
                peer_ratio = [speed(peer[(model, size, batch, "int8")], batch) / speed(peer[(model, size, batch, "fp32")], batch) for _, peer in rounds]
                vs_peer = [speed(ours[k8], batch) / speed(peer[(model, size, batch, "int8")], batch) for ours, peer in rounds]
                cells = [shown(p32, batch), shown(p8, batch), f"{statistics.median(peer_ratio):.2f}×", f"{statistics.median(vs_peer):.2f}×"]
            print(f"| {model} | {size} | {batch} | {shown(o32, batch)} | {variant}: {shown(o8, batch)} | {statistics.median(own):.2f}× | "
                  + " | ".join(cells) + " |")
            if args.rounds > 1:
                notes.append(f"{model} {size} batch {batch} {variant} / fp32 per round: " + ", ".join(f"{x:.2f}" for x in own))
    if notes:
        print()
        for note in notes:
            print(f"- {note}")


if __name__ == "__main__":
    main()
