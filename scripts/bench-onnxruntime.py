#!/usr/bin/env python3
"""Latency of single onnxruntime calls from Python: the peer the Rust
inference benchmarks are compared with.

Usage: .venv/bin/python scripts/bench-onnxruntime.py [--model PATH] [--n N]
Prints one JSON object with p50/p99/mean per call in microseconds.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 1000


def main():
    ap = argparse.ArgumentParser(description="Latency of single onnxruntime session.run calls.")
    ap.add_argument("--model", default="data/models/mlp_64x128.onnx")
    ap.add_argument("--n", type=int, default=20000, help="timed calls")
    args = ap.parse_args()
    if args.n < 1:
        ap.error("--n must be at least 1")
    model = Path(args.model)
    # The default is relative to the repository, so it works from any directory.
    if not model.is_absolute() and not model.exists():
        model = ROOT / model
    if not model.is_file():
        ap.error(f"{args.model}: no such model; run .venv/bin/python scripts/make-models.py first")

    # One thread, sequential executor: the cost of one call on one core, which
    # is what a trading loop pays and what other runtimes are compared on.
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])

    inp = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    feed = {inp.name: x}
    out_names = [o.name for o in sess.get_outputs()]

    for _ in range(WARMUP):
        sess.run(out_names, feed)

    times = np.empty(args.n, dtype=np.int64)
    clock = time.perf_counter_ns
    for i in range(args.n):
        t0 = clock()
        sess.run(out_names, feed)
        times[i] = clock() - t0

    us = times / 1000.0
    print(json.dumps({
        "runtime": "onnxruntime-python",
        "version": ort.__version__,
        "model": args.model,
        "input_shape": shape,
        "n": args.n,
        "p50_us": round(float(np.percentile(us, 50)), 3),
        "p99_us": round(float(np.percentile(us, 99)), 3),
        "mean_us": round(float(us.mean()), 3),
    }))


if __name__ == "__main__":
    main()
