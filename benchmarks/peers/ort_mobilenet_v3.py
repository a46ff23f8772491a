#!/usr/bin/env python3
"""ONNX Runtime peer benchmark for torchvision MobileNetV3-Small / -Large.

The ONNX graph is built layer by layer with onnx.helper (no PyTorch needed) and
replicates torchvision's `mobilenet_v3_small` / `mobilenet_v3_large` exactly:
parameter names follow torchvision's state dict, so a safetensors file holding
that state dict (e.g. ../shared/golden/mobilenet_v3_small.safetensors, prefix
`param.`) can be loaded, and `--check` proves the graph against the golden
PyTorch output.

Examples (from the repository root):

    python3 benchmarks/peers/ort_mobilenet_v3.py --model small --input 128 --batch 1 --threads 2
    python3 benchmarks/peers/ort_mobilenet_v3.py --model large --input 224 --batch 64 --threads 2 --int8 --json
    python3 benchmarks/peers/ort_mobilenet_v3.py --all --int8 --json > ort.json
    python3 benchmarks/peers/ort_mobilenet_v3.py --check --model small \
        --weights ../shared/golden/mobilenet_v3_small.safetensors

Results go to standard output (one JSON array with --json); progress and notes
go to standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
BN_EPS = 1e-3

# torchvision.models.mobilenetv3._mobilenet_v3_conf (width_mult=1.0, dilated=False):
# (input_channels, kernel, expanded_channels, out_channels, use_se, activation, stride)
SMALL_CONF = [
    (16, 3, 16, 16, True, "RE", 2),
    (16, 3, 72, 24, False, "RE", 2),
    (24, 3, 88, 24, False, "RE", 1),
    (24, 5, 96, 40, True, "HS", 2),
    (40, 5, 240, 40, True, "HS", 1),
    (40, 5, 240, 40, True, "HS", 1),
    (40, 5, 120, 48, True, "HS", 1),
    (48, 5, 144, 48, True, "HS", 1),
    (48, 5, 288, 96, True, "HS", 2),
    (96, 5, 576, 96, True, "HS", 1),
    (96, 5, 576, 96, True, "HS", 1),
]
LARGE_CONF = [
    (16, 3, 16, 16, False, "RE", 1),
    (16, 3, 64, 24, False, "RE", 2),
    (24, 3, 72, 24, False, "RE", 1),
    (24, 5, 72, 40, True, "RE", 2),
    (40, 5, 120, 40, True, "RE", 1),
    (40, 5, 120, 40, True, "RE", 1),
    (40, 3, 240, 80, False, "HS", 2),
    (80, 3, 200, 80, False, "HS", 1),
    (80, 3, 184, 80, False, "HS", 1),
    (80, 3, 184, 80, False, "HS", 1),
    (80, 3, 480, 112, True, "HS", 1),
    (112, 3, 672, 112, True, "HS", 1),
    (112, 5, 672, 160, True, "HS", 2),
    (160, 5, 960, 160, True, "HS", 1),
    (160, 5, 960, 160, True, "HS", 1),
]
ARCH = {
    "small": (SMALL_CONF, 1024),  # (bneck table, last_channel of the classifier)
    "large": (LARGE_CONF, 1280),
}


def make_divisible(v: float, divisor: int = 8) -> int:
    """torchvision.ops.misc._make_divisible."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


# ---------------------------------------------------------------------------
# safetensors (plain Python: 8-byte LE header length, JSON header, raw data)

_ST_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16,
              "I64": np.int64, "I32": np.int32}


def load_safetensors(path: str) -> tuple[dict[str, np.ndarray], dict]:
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        dt = _ST_DTYPES.get(info["dtype"])
        if dt is None:
            continue
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data, dtype=dt, count=(end - begin) // np.dtype(dt).itemsize,
                            offset=base + begin)
        tensors[name] = arr.reshape(info["shape"])
    return tensors, meta


# ---------------------------------------------------------------------------
# graph construction


class GraphBuilder:
    """Emits ONNX nodes and initializers named after torchvision's modules."""

    def __init__(self, weights: dict[str, np.ndarray] | None, prefix: str, seed: int):
        self.weights = weights
        self.prefix = prefix
        self.rng = np.random.default_rng(seed)
        self.nodes: list = []
        self.inits: list = []
        self.n_params = 0  # learnable parameters (not BN running statistics)

    # -- parameters ---------------------------------------------------------
    def param(self, name: str, shape: tuple, init: str, fan_out: int = 1,
              learnable: bool = True) -> str:
        if self.weights is not None:
            key = self.prefix + name
            if key not in self.weights:
                raise KeyError(f"weights file has no tensor {key!r}")
            arr = np.asarray(self.weights[key], dtype=np.float32)
            if tuple(arr.shape) != tuple(shape):
                raise ValueError(f"{key}: shape {list(arr.shape)}, expected {list(shape)}")
        else:  # torchvision's own initialisation (MobileNetV3.__init__)
            if init == "kaiming_fan_out":
                arr = self.rng.normal(0.0, np.sqrt(2.0 / fan_out), shape)
            elif init == "linear":
                arr = self.rng.normal(0.0, 0.01, shape)
            elif init == "ones":
                arr = np.ones(shape)
            elif init == "zeros":
                arr = np.zeros(shape)
            else:
                raise ValueError(init)
            arr = arr.astype(np.float32)
        if learnable:
            self.n_params += arr.size
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs) -> str:
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    # -- layers -------------------------------------------------------------
    def conv(self, x: str, name: str, cin: int, cout: int, k: int, stride: int = 1,
             groups: int = 1, bias: bool = False) -> str:
        w = self.param(f"{name}.weight", (cout, cin // groups, k, k), "kaiming_fan_out",
                       fan_out=cout * k * k)
        inputs = [x, w]
        if bias:
            inputs.append(self.param(f"{name}.bias", (cout,), "zeros"))
        pad = (k - 1) // 2
        return self.node("Conv", inputs, name, kernel_shape=[k, k], strides=[stride, stride],
                         pads=[pad, pad, pad, pad], dilations=[1, 1], group=groups)

    def bn(self, x: str, name: str, c: int) -> str:
        inputs = [x,
                  self.param(f"{name}.weight", (c,), "ones"),
                  self.param(f"{name}.bias", (c,), "zeros"),
                  self.param(f"{name}.running_mean", (c,), "zeros", learnable=False),
                  self.param(f"{name}.running_var", (c,), "ones", learnable=False)]
        return self.node("BatchNormalization", inputs, name, epsilon=BN_EPS)

    def act(self, x: str, name: str, kind: str | None) -> str:
        if kind is None:
            return x
        return self.node({"RE": "Relu", "HS": "HardSwish"}[kind], [x], name)

    def conv_norm_act(self, x: str, name: str, cin: int, cout: int, k: int, stride: int = 1,
                      groups: int = 1, activation: str | None = "HS") -> str:
        """torchvision.ops.misc.Conv2dNormActivation: <name>.0 conv, .1 BN, .2 activation."""
        y = self.conv(x, f"{name}.0", cin, cout, k, stride, groups)
        y = self.bn(y, f"{name}.1", cout)
        return self.act(y, f"{name}.2", activation)

    def squeeze_excite(self, x: str, name: str, c: int) -> str:
        """torchvision SqueezeExcitation(c, _make_divisible(c // 4, 8), scale=Hardsigmoid)."""
        sq = make_divisible(c // 4, 8)
        s = self.node("GlobalAveragePool", [x], f"{name}.avgpool")
        s = self.conv(s, f"{name}.fc1", c, sq, 1, bias=True)
        s = self.node("Relu", [s], f"{name}.activation")
        s = self.conv(s, f"{name}.fc2", sq, c, 1, bias=True)
        s = self.node("HardSigmoid", [s], f"{name}.scale_activation", alpha=1.0 / 6.0, beta=0.5)
        return self.node("Mul", [s, x], f"{name}.out")

    def inverted_residual(self, x: str, name: str, cin: int, k: int, exp: int, cout: int,
                          use_se: bool, activation: str, stride: int) -> str:
        i = 0
        y = x
        if exp != cin:
            y = self.conv_norm_act(y, f"{name}.block.{i}", cin, exp, 1, activation=activation)
            i += 1
        y = self.conv_norm_act(y, f"{name}.block.{i}", exp, exp, k, stride, groups=exp,
                               activation=activation)
        i += 1
        if use_se:
            y = self.squeeze_excite(y, f"{name}.block.{i}", exp)
            i += 1
        y = self.conv_norm_act(y, f"{name}.block.{i}", exp, cout, 1, activation=None)
        if stride == 1 and cin == cout:
            y = self.node("Add", [y, x], f"{name}.add")
        return y

    def linear(self, x: str, name: str, fin: int, fout: int) -> str:
        w = self.param(f"{name}.weight", (fout, fin), "linear")
        b = self.param(f"{name}.bias", (fout,), "zeros")
        return self.node("Gemm", [x, w, b], name, transB=1)


def build_mobilenet_v3(arch: str, input_size: int, batch: int | str = "N",
                       num_classes: int = 3, weights: dict | None = None,
                       prefix: str = "param.", seed: int = 0,
                       expose_features: bool = False) -> tuple[onnx.ModelProto, int]:
    """Returns (model, number of learnable parameters).

    batch: an int for a fixed batch dimension, or a string for a symbolic one.
    expose_features: also output every features.<i> tensor (for --check)."""
    conf, last_channel = ARCH[arch]
    if weights is not None:
        num_classes = int(weights[prefix + "classifier.3.weight"].shape[0])
    g = GraphBuilder(weights, prefix, seed)
    feats = []
    x = g.conv_norm_act("input", "features.0", 3, conf[0][0], 3, stride=2)
    feats.append(x)
    for i, (cin, k, exp, cout, se, a, s) in enumerate(conf, start=1):
        x = g.inverted_residual(x, f"features.{i}", cin, k, exp, cout, se, a, s)
        feats.append(x)
    c = conf[-1][3]
    x = g.conv_norm_act(x, f"features.{len(conf) + 1}", c, 6 * c, 1)
    feats.append(x)
    x = g.node("GlobalAveragePool", [x], "avgpool")
    x = g.node("Flatten", [x], "flatten", axis=1)
    x = g.linear(x, "classifier.0", 6 * c, last_channel)
    x = g.node("HardSwish", [x], "classifier.1")
    # classifier.2 is Dropout: identity in eval mode.
    x = g.linear(x, "classifier.3", last_channel, num_classes)
    g.nodes.append(helper.make_node("Identity", [x], ["logits"], name="logits"))

    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                        [batch, 3, input_size, input_size])
    outs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, num_classes])]
    if expose_features:
        for i, f in enumerate(feats):
            g.nodes.append(helper.make_node("Identity", [f], [f"features.{i}"],
                                            name=f"features.{i}"))
        feats = [f"features.{i}" for i in range(len(feats))]
        outs += [helper.make_tensor_value_info(f, TensorProto.FLOAT, [batch, None, None, None])
                 for f in feats]
    graph = helper.make_graph(g.nodes, f"mobilenet_v3_{arch}", [inp], outs, initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="flytally-peer-bench")
    model.ir_version = 8  # readable by any onnxruntime >= 1.10
    onnx.checker.check_model(model)
    return model, g.n_params


def set_batch(model: onnx.ModelProto, batch: int) -> onnx.ModelProto:
    """Fixes a symbolic batch dimension on the graph input/outputs (ORT re-infers the rest)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for vi in list(m.graph.input) + list(m.graph.output):
        dims = vi.type.tensor_type.shape.dim
        if len(dims) and dims[0].HasField("dim_param"):
            dims[0].dim_value = batch
    del m.graph.value_info[:]
    return m


# ---------------------------------------------------------------------------
# int8 static quantization


class RandomCalibrationReader:
    """quantize_static calibration data: `count` batch-1 images of N(0, 1) noise
    (roughly what normalised photos look like to the first layer); speed does not
    depend on the calibration ranges, only the presence of the QDQ pairs."""

    def __init__(self, input_size: int, count: int, seed: int):
        rng = np.random.default_rng(seed)
        self.samples = [rng.standard_normal((1, 3, input_size, input_size), dtype=np.float32)
                        for _ in range(count)]
        self.it = iter(self.samples)

    def get_next(self):
        x = next(self.it, None)
        return None if x is None else {"input": x}

    def rewind(self):
        self.it = iter(self.samples)


def quantize_int8(model_fp32: onnx.ModelProto, input_size: int, calib_count: int,
                  act_type: str, seed: int) -> onnx.ModelProto:
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as d:
        src, pre, dst = (os.path.join(d, n) for n in ("fp32.onnx", "pre.onnx", "int8.onnx"))
        onnx.save(model_fp32, src)
        # ORT's recommended pre-processing: basic graph optimisation (folds BN into
        # the convolutions, so they get quantized as Conv; ORT's CPU provider also
        # expands HardSwish into HardSigmoid + Mul) + ONNX shape inference.
        quant_pre_process(src, pre, skip_symbolic_shape=True)
        quantize_static(
            pre, dst, RandomCalibrationReader(input_size, calib_count, seed),
            quant_format=QuantFormat.QDQ, per_channel=True, reduce_range=False,
            activation_type=QuantType.QInt8 if act_type == "int8" else QuantType.QUInt8,
            weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)
        return onnx.load(dst)


# ---------------------------------------------------------------------------
# running


def make_session(model: onnx.ModelProto, threads: int) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])


def time_session(sess: ort.InferenceSession, x: np.ndarray, warmup: int | None,
                 runs: int | None, min_time: float, min_runs: int) -> list[float]:
    feed = {"input": x}
    # Warm-up: `warmup` runs, or by default at least 3 runs and 0.5 s.
    t0 = time.perf_counter()
    n = 0
    while (n < warmup) if warmup is not None else (n < 3 or time.perf_counter() - t0 < 0.5):
        sess.run(None, feed)
        n += 1
    # Timed: `runs` runs, or by default at least `min_runs` runs and `min_time` s.
    times = []
    t0 = time.perf_counter()
    while ((len(times) < runs) if runs is not None
           else (len(times) < min_runs or time.perf_counter() - t0 < min_time)):
        a = time.perf_counter()
        sess.run(None, feed)
        times.append((time.perf_counter() - a) * 1e3)
    return times


def check(args) -> int:
    tensors, meta = load_safetensors(args.weights)
    arch = args.model
    if meta.get("arch") and meta["arch"] != f"mobilenet_v3_{arch}":
        print(f"note: {args.weights} says arch={meta['arch']}, but --model {arch}",
              file=sys.stderr)
    x = np.ascontiguousarray(tensors["eval.input"])
    # The logits come from exactly the graph that is benchmarked; the per-block
    # outputs from a second copy that also exposes every features.<i> tensor
    # (exposing them stops some of ORT's fusions, so it is kept apart).
    model, n_params = build_mobilenet_v3(arch, x.shape[2], batch="N", weights=tensors,
                                         prefix=args.prefix)
    logits = make_session(model, args.threads).run(None, {"input": x})[0]
    dbg, _ = build_mobilenet_v3(arch, x.shape[2], batch="N", weights=tensors,
                                prefix=args.prefix, expose_features=True)
    sess = make_session(dbg, args.threads)
    names = [o.name for o in sess.get_outputs()]
    outs = dict(zip(names, sess.run(None, {"input": x})))
    print(f"mobilenet_v3_{arch}: {n_params:,} parameters; onnxruntime {ort.__version__}, "
          f"ORT_ENABLE_ALL, {args.threads} threads; input {list(x.shape)}")
    for name in names[1:]:
        key = f"eval.{name}.out"
        if key in tensors:
            ref = tensors[key]
            print(f"  {name:12s} {str(list(ref.shape)):20s} max |ORT - golden| = "
                  f"{np.max(np.abs(outs[name] - ref)):.3e} (max |golden| = "
                  f"{np.max(np.abs(ref)):.3g})")
    ref = tensors["eval.output"]
    diff = float(np.max(np.abs(logits - ref)))
    ok = diff < 1e-4
    print(f"  {'logits':12s} {str(list(ref.shape)):20s} max |ORT - golden| = {diff:.3e} "
          f"(max |golden| = {np.max(np.abs(ref)):.3g}) -> {'PASS' if ok else 'FAIL'} (< 1e-4)")
    return 0 if ok else 1


def bench(args) -> int:
    if args.all:
        grid = [(m, s, b) for m in ("small", "large") for s in (128, 224) for b in (1, 64)]
        precisions = ["fp32", "int8"] if args.int8 else ["fp32"]
    else:
        grid = [(args.model, args.input, args.batch)]
        precisions = ["int8" if args.int8 else "fp32"]

    weights = load_safetensors(args.weights)[0] if args.weights else None
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"note: load average {load:.2f} before starting; figures may be disturbed",
              file=sys.stderr)

    records = []
    base_cache: dict = {}  # (model, input) -> fp32 model with symbolic batch
    int8_cache: dict = {}
    for precision in precisions:
        for arch, size, batch in grid:
            key = (arch, size)
            if key not in base_cache:
                base_cache[key] = build_mobilenet_v3(arch, size, batch="N",
                                                     weights=weights, prefix=args.prefix,
                                                     seed=args.seed)
            model, n_params = base_cache[key]
            if precision == "int8":
                if key not in int8_cache:
                    print(f"quantizing mobilenet_v3_{arch} {size}px (static QDQ int8, "
                          f"per-channel, {args.calib} random calibration images)...",
                          file=sys.stderr)
                    int8_cache[key] = quantize_int8(model, size, args.calib, args.int8_act,
                                                    args.seed)
                model = int8_cache[key]
            model = set_batch(model, batch)
            if args.save_dir:
                os.makedirs(args.save_dir, exist_ok=True)
                onnx.save(model, os.path.join(
                    args.save_dir, f"mobilenet_v3_{arch}_{size}_b{batch}_{precision}.onnx"))
            sess = make_session(model, args.threads)
            x = np.random.default_rng(args.seed + 1).standard_normal(
                (batch, 3, size, size), dtype=np.float32)
            times = time_session(sess, x, args.warmup, args.runs, args.min_time,
                                 args.min_runs)
            med = statistics.median(times)
            rec = {
                "runtime": "onnxruntime",
                "version": ort.__version__,
                "model": f"mobilenet_v3_{arch}",
                "input": size,
                "batch": batch,
                "mode": "infer",
                "precision": precision,
                "threads": args.threads,
                "images_per_s": round(batch * 1e3 / med, 1),
                "latency_ms": round(med, 4),
            }
            records.append(rec)
            line = (f"onnxruntime {ort.__version__} mobilenet_v3_{arch:5s} {n_params / 1e6:.2f}M "
                    f"input {size} batch {batch:2d} {precision} threads {args.threads}: "
                    f"median {med:8.3f} ms/batch  {rec['images_per_s']:8.1f} images/s  "
                    f"(runs {len(times)}, min {min(times):.3f}, max {max(times):.3f} ms)")
            print(line, file=sys.stderr if args.json else sys.stdout, flush=True)
    if args.json:
        print("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description="ONNX Runtime CPU benchmark of torchvision MobileNetV3 (graph built "
                    "with onnx.helper), for side-by-side comparison with FlyTally's engine.")
    p.add_argument("--model", choices=["small", "large"], default="small")
    p.add_argument("--input", type=int, default=128, help="square input side, px (128 or 224)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=2, help="intra_op_num_threads (inter_op is 1)")
    p.add_argument("--int8", action="store_true",
                   help="static int8 QDQ per-channel model (with --all: fp32 and int8)")
    p.add_argument("--int8-act", choices=["uint8", "int8"], default="uint8",
                   help="activation type for --int8 (weights are always int8); default "
                        "uint8 (U8S8). With int8 (S8S8) ORT 1.31 on x86 leaves about half "
                        "the convolutions in float behind Q/DQ pairs (see README)")
    p.add_argument("--calib", type=int, default=8,
                   help="number of random calibration images for --int8 (default 8)")
    p.add_argument("--all", action="store_true",
                   help="grid small/large x 128/224 x batch 1/64")
    p.add_argument("--json", action="store_true", help="print one JSON array of records")
    p.add_argument("--runs", type=int, help="timed runs (default: >= --min-runs and --min-time)")
    p.add_argument("--warmup", type=int, help="warm-up runs (default: >= 3 runs and 0.5 s)")
    p.add_argument("--min-time", type=float, default=3.0,
                   help="seconds of timed runs when --runs is not given (default 3)")
    p.add_argument("--min-runs", type=int, default=10)
    p.add_argument("--weights", help="safetensors file with a torchvision state dict")
    p.add_argument("--prefix", default="param.", help="key prefix in --weights (default param.)")
    p.add_argument("--check", action="store_true",
                   help="run eval.input of the golden --weights file and compare with eval.output")
    p.add_argument("--save-dir", help="also save the benchmarked .onnx models here")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.check:
        if not args.weights:
            p.error("--check needs --weights (a golden safetensors file)")
        return check(args)
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
