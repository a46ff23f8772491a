#!/usr/bin/env python3
"""PyTorch peer for `flytally bench engine`: torchvision MobileNetV3 (3-class head, random
weights) on the CPU — training throughput (batch 32, forward + mean BCE-with-logits + backward
+ SGD momentum 0.9, channels_last as PEERS.md's best) and eager inference — printing the same
JSON records as FlyTally's benchmark.

PyTorch is not a dependency of FlyTally. It installs from PyPI only with its CUDA wheels
(several GB), so use a throw-away virtual environment:

    python3 -m venv /tmp/peervenv && /tmp/peervenv/bin/pip install torch torchvision
    /tmp/peervenv/bin/python benchmarks/peers/torch_mobilenet_v3.py --threads 2 --json
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torchvision


def timed(fn, min_runs, min_seconds):
    fn(); fn()  # warm-up
    times, start = [], time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), len(times)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--models", default="small,large")
    p.add_argument("--inputs", default="128,224")
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    records = []
    for name in a.models.split(","):
        for size in map(int, a.inputs.split(",")):
            builder = getattr(torchvision.models, f"mobilenet_v3_{name}")
            model = builder(num_classes=3).to(memory_format=torch.channels_last)
            # Training step, batch 32.
            model.train()
            x = torch.randn(32, 3, size, size).to(memory_format=torch.channels_last)
            y = (torch.rand(32, 3) < 0.5).float()
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            loss_fn = torch.nn.BCEWithLogitsLoss()

            def step():
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()

            t, runs = timed(step, 5, a.seconds)
            records.append({"runtime": "pytorch", "version": torch.__version__, "model": f"mobilenet_v3_{name}",
                            "input": size, "batch": 32, "mode": "train", "precision": "fp32", "threads": a.threads,
                            "images_per_s": 32 / t, "latency_ms": t * 1000, "runs": runs})
            # Eager inference, batch 1 and 64.
            model.eval()
            for batch in (1, 64):
                xb = torch.randn(batch, 3, size, size).to(memory_format=torch.channels_last)
                with torch.inference_mode():
                    t, runs = timed(lambda: model(xb), 5, a.seconds)
                records.append({"runtime": "pytorch", "version": torch.__version__, "model": f"mobilenet_v3_{name}",
                                "input": size, "batch": batch, "mode": "infer", "precision": "fp32", "threads": a.threads,
                                "images_per_s": batch / t, "latency_ms": t * 1000, "runs": runs})
            if not a.json:
                for r in records[-3:]:
                    print(f"{r['model']} {r['input']} batch {r['batch']} {r['mode']}: {r['images_per_s']:.1f} img/s, "
                          f"{r['latency_ms']:.2f} ms ({r['runs']} runs)", file=sys.stderr)
    if a.json:
        print(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
