#!/usr/bin/env python3
"""ONNX Runtime twin of FlyTally's fly detector, for a side-by-side speed comparison.

The graph is FlyDetector (Sources/Detector/FlyDetector.swift) rebuilt with onnx.helper:
the MobileNetV3 backbone of ort_mobilenet_v3.py (torchvision's layout and names), the
top-down neck (1x1 lateral convolutions + BN at strides 8, 16, 32, and 4 for a stride-4
detector; nearest 2x upsampling; depthwise 3x3 + BN + HardSwish smoothing) and the heat-map and box heads (depthwise 3x3 with
bias, ReLU, 1x1 with bias), concatenated into the 5-channel output map. Weights come from a
FlyTally detector file (safetensors, OHWI layout, float16 or float32), stride 8 or 4.

    # the network alone in FlyTally, and its input and output for the check:
    flytally bench detector PHOTO --model M --network-only --threads 2 --save-io io.safetensors
    # the same network in ONNX Runtime: check against FlyTally's output, then time it
    python3 benchmarks/peers/ort_detector.py --weights M --check io.safetensors --threads 2

Timing as in ort_mobilenet_v3.py (median latency of sess.run at batch 1, the input fixed).
Results go to standard output (a JSON record with --json); notes to standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ort_mobilenet_v3 import (ARCH, OPSET, GraphBuilder, load_safetensors,  # noqa: E402
                              make_session, time_session)

def last_block_at_stride(conf, stride: int) -> int:
    """Index (features.i) of the last inverted-residual block whose output has `stride` (the
    stem halves the input; each block's last field is its stride): the backbone layers whose
    outputs feed the neck (FlyDetector's taps) at strides 4, 8 and 16; the final 1x1
    convolution gives stride 32."""
    at, last = 2, None
    for i, block in enumerate(conf, start=1):
        at *= block[-1]
        if at == stride:
            last = i
    if last is None:
        raise SystemExit(f"no backbone block at stride {stride}")
    return last


def ohwi_to_oihw(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """FlyTally stores convolution kernels [O, kh, kw, I]; ONNX wants [O, I, kh, kw]."""
    return {k: (np.transpose(v, (0, 3, 1, 2)) if v.ndim == 4 else v).astype(np.float32)
            for k, v in tensors.items()}


def build_detector(weights: dict[str, np.ndarray], configuration: dict) -> tuple[onnx.ModelProto, int]:
    arch, side, n = configuration["variant"], configuration["inputSize"], configuration["neckChannels"]
    if configuration.get("widthMultiplier", 1) != 1:
        raise SystemExit("only width multiplier 1 is built (as ort_mobilenet_v3.py)")
    stride = configuration.get("outputStride", 8)
    if stride not in (4, 8):
        raise SystemExit(f"output stride {stride}: only 4 and 8 are built")
    conf, _ = ARCH[arch]
    tap8, tap16 = last_block_at_stride(conf, 8), last_block_at_stride(conf, 16)
    g = GraphBuilder(weights, "", seed=0)
    feats = [g.conv_norm_act("input", "features.0", 3, conf[0][0], 3, stride=2)]
    for i, (cin, k, exp, cout, se, a, s) in enumerate(conf, start=1):
        feats.append(g.inverted_residual(feats[-1], f"features.{i}", cin, k, exp, cout, se, a, s))
    c = conf[-1][3]
    feats.append(g.conv_norm_act(feats[-1], f"features.{len(conf) + 1}", c, 6 * c, 1))
    c8, c16 = conf[tap8 - 1][3], conf[tap16 - 1][3]

    def lateral(x: str, name: str, cin: int) -> str:
        return g.conv_norm_act(x, name, cin, n, 1, activation=None)

    def smooth(x: str, name: str) -> str:
        return g.conv_norm_act(x, name, n, n, 3, groups=n, activation="HS")

    scales = "upsample.scales"   # nearest 2x: out[y][x] = in[y // 2][x // 2]
    g.inits.append(onnx.numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), scales))

    def upsample(x: str, name: str) -> str:
        return g.node("Resize", [x, "", scales], name, mode="nearest",
                      coordinate_transformation_mode="asymmetric", nearest_mode="floor")

    p16 = smooth(g.node("Add", [upsample(lateral(feats[-1], "lateral32", 6 * c), "up32"),
                                lateral(feats[tap16], "lateral16", c16)], "add16"), "smooth16")
    p = smooth(g.node("Add", [upsample(p16, "up16"), lateral(feats[tap8], "lateral8", c8)], "add8"), "smooth8")
    if stride == 4:
        tap4 = last_block_at_stride(conf, 4)
        p = smooth(g.node("Add", [upsample(p, "up8"), lateral(feats[tap4], "lateral4", conf[tap4 - 1][3])], "add4"), "smooth4")

    def head(name: str, outputs: int) -> str:
        y = g.conv(p, f"{name}.0", n, n, 3, groups=n, bias=True)
        y = g.node("Relu", [y], f"{name}.1")
        return g.conv(y, f"{name}.2", n, outputs, 1, bias=True)

    g.node("Concat", [head("heat", 1), head("box", 4)], "output", axis=1)
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, side, side])
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 5, side // stride, side // stride])
    graph = helper.make_graph(g.nodes, f"flytally_detector_{arch}", [inp], [out], initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="flytally-peer-bench")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, g.n_params


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True, help="a FlyTally detector model file (.safetensors)")
    ap.add_argument("--check", metavar="IO", help="safetensors with 'input' [1,S,S,3] and 'output' "
                    "[1,S/k,S/k,5] (k the output stride) from `flytally bench detector --network-only --save-io IO`")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-time", type=float, default=3.0)
    ap.add_argument("--min-runs", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    try:
        tensors, meta = load_safetensors(args.weights)
    except (OSError, ValueError, json.JSONDecodeError) as e:
        print(f"{args.weights}: not a readable safetensors file ({e})", file=sys.stderr)
        return 1
    if meta.get("architecture") != "flytally-fly-detector" or "configuration" not in meta:
        print(f"{args.weights}: not a FlyTally detector file", file=sys.stderr)
        return 1
    if meta.get("layout", "OHWI") != "OHWI":
        print(f"{args.weights}: layout {meta['layout']}, expected OHWI", file=sys.stderr)
        return 1
    configuration = json.loads(meta["configuration"])
    model, n_params = build_detector(ohwi_to_oihw(tensors), configuration)
    sess = make_session(model, args.threads)
    side = configuration["inputSize"]

    status = 0
    if args.check:
        io, _ = load_safetensors(args.check)
        x = np.ascontiguousarray(np.transpose(io["input"], (0, 3, 1, 2)).astype(np.float32))
        ref = np.transpose(io["output"], (0, 3, 1, 2))
        got = sess.run(None, {"input": x})[0]
        diff = float(np.max(np.abs(got - ref)))
        scale = float(np.max(np.abs(ref)))
        ok = diff < 1e-3 * max(1.0, scale)
        print(f"check against FlyTally's output map {list(ref.shape)}: max |ORT - FlyTally| = {diff:.3e} "
              f"(max |FlyTally| = {scale:.3g}) -> {'PASS' if ok else 'FAIL'}", file=sys.stderr)
        status = 0 if ok else 1
        feed = x
    else:
        feed = np.random.default_rng(0).standard_normal((1, 3, side, side), dtype=np.float32)

    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"note: 1-minute load average {load:.2f} before timing", file=sys.stderr)
    times = time_session(sess, feed, None, None, args.min_time, args.min_runs)
    median = statistics.median(times)
    record = {"runtime": "onnxruntime", "version": ort.__version__, "model": f"flytally-detector-{configuration['variant']}",
              "input": side, "batch": 1, "mode": "infer", "precision": "fp32", "threads": args.threads,
              "latency_ms": round(median, 3), "images_per_s": round(1000 / median, 2), "parameters": n_params}
    print(f"onnxruntime {ort.__version__} detector ({configuration['variant']}, input {side}x{side}, batch 1, "
          f"{args.threads} threads): median {median:.2f} ms over {len(times)} runs (min {min(times):.2f}, "
          f"max {max(times):.2f}); {n_params:,} parameters", file=sys.stderr)
    if args.json:
        print(json.dumps(record))
    return status


if __name__ == "__main__":
    sys.exit(main())
