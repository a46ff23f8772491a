#!/usr/bin/env python3
"""Prints the [compress] evidence table (markdown) from the result.json files that
`flytally compress` writes into each row's directory (scripts/compress-table.sh, or any
directory of such rows). Usage: scripts/compress-table.py DIR [ROW_ORDER...]"""
import json
import os
import statistics
import sys

ORDER = ["ptq-w8a8", "ptq-w4a8", "qat-w8a8", "qat-w4a8", "lsq-w8a8", "lsq-w4a8", "lsq-w4a4", "lsq-w2a8",
         "lsqbn-w8a8", "lsqbn-w4a8", "inq-w4", "inq-w5", "inq-w8", "sqs", "sqs-strong", "sqs-smallest"]
NAMES = {"ptq": "PTQ (min-max, no training)", "qat": "QAT", "lsq": "LSQ", "lsqbn": "LSQ-BN", "inq": "INQ", "sqs": "SQS"}


def pct(values):
    return " | ".join(f"{100 * v:.2f}" for v in values)


def main():
    root = sys.argv[1]
    order = sys.argv[2:] or ORDER
    rows = {}
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name, "result.json")
        if os.path.exists(path):
            with open(path) as f:
                rows[name] = json.load(f)
            # Re-timed on a quiet machine by `scripts/compress-table.sh --speed`, when done.
            speed = os.path.join(root, name, "speed.json")
            if os.path.exists(speed):
                with open(speed) as f:
                    timed = json.load(f)
                for key in ("runtimeImagesPerSecond", "fp32ImagesPerSecond"):
                    rows[name][key] = timed[key]
    if not rows:
        sys.exit(f"no result.json under {root}")
    first = next(iter(rows.values()))
    fp32 = first["fp32Accuracy"]
    fp32_speed = statistics.median(r["fp32ImagesPerSecond"] for r in rows.values() if r.get("fp32ImagesPerSecond"))
    print("| Method | W/A bits | eye % | wing % | sex % | worst Acc↓ (points) | eye/wing/sex as the runtime loads the file % "
          "| Sp % | Ave. bits | compression × | file KB | images/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| FP32 | 32/32 | {pct(fp32)} | — | — | 0 | 32 | 1.0 | {first['originalBytes'] / 1024:.0f} | {fp32_speed:.0f} |")
    for name in [n for n in order if n in rows] + [n for n in rows if n not in order]:
        r = rows[name]
        kind = name.split("-")[0]
        label = NAMES.get(kind, kind) + (f" ({name.split('-', 1)[1]})" if kind == "sqs" and "-" in name else "")
        bits = r["method"].split(" ")[-1].replace("W", "").replace("A", "")
        worst = max(r["accuracyDropPoints"])
        runtime = "/".join(f"{100 * v:.2f}" for v in r.get("runtimeAccuracy") or [])
        print(f"| {label} | {bits} | {pct(r['accuracy'])} | {worst:+.2f} | {runtime} | {100 * r['sparsity']:.1f} "
              f"| {r['averageBits']:.2f} | {r['compressionRatio']:.1f} | {r['fileBytes'] / 1024:.0f} | {r.get('runtimeImagesPerSecond', 0):.0f} |")


if __name__ == "__main__":
    main()
