#!/usr/bin/env python3
"""Python shap's KernelExplainer on the [1, 16] reference model (through
onnxruntime), with the same background and observation as AXON's KernelSHAP
bench: the peer it is compared with.

Usage: .venv/bin/python scripts/bench-shap.py [--background N] [--repeat R]
Prints one JSON object: seconds per explanation for nsamples="auto"
(2·16 + 2048 coalitions, what shap uses by default) and for every coalition
(2^16, exact).
"""
import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import shap

ROOT = Path(__file__).resolve().parent.parent


def rows(n, seed):
    # The same rows as explain/benches/shap.rs: value j of row k.
    k = np.arange(seed, seed + n)[:, None]
    j = np.arange(16)[None, :]
    return (((k * 31 + j * 17) % 97) / 24.0 - 2.0).astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--background", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(ROOT / "data/models/mlp_16.onnx"), opts, providers=["CPUExecutionProvider"])

    def f(z):
        # The model takes any batch: one call per shap batch.
        return sess.run(None, {"input": np.asarray(z, dtype=np.float32)})[0]

    bg = rows(args.background, 0)
    x = rows(1, 1234)
    ex = shap.KernelExplainer(f, bg)
    out = {"runtime": "python-shap", "version": shap.__version__, "background": args.background}
    for name, nsamples in [("auto", 2 * 16 + 2048), ("exact", 2 ** 16)]:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ex.shap_values(x, nsamples=nsamples, silent=True)
            times.append(time.perf_counter() - t)
        out[f"{name}_seconds"] = float(np.median(times))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
