"""What calling a model from Python adds over the Rust call, and how that
compares with Python onnxruntime's own `run()` on the same model.

    (cd python && maturin develop --release) && .venv/bin/python python/bench/bench_predict.py

For each reference model: the median of N single-input predictions timed
inside Rust (`Backend.time_native`, no Python in the loop), the median of
`backend.predict(x)` timed from Python (minus the timer's own cost), and
onnxruntime's `InferenceSession.run` with one intra-op thread. Medians of
interleaved rounds, so drift affects all three alike.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from axon_quant import InferenceBackend, ModelConfig, OnnxBackend

ROOT = Path(__file__).resolve().parents[2]
N = 20000
ROUNDS = 5


def timer_cost() -> float:
    t = time.perf_counter_ns
    samples = []
    for _ in range(N):
        a = t()
        b = t()
        samples.append(b - a)
    return statistics.median(samples)


def python_times(fn, x, n) -> list[int]:
    t = time.perf_counter_ns
    out = []
    for _ in range(n):
        a = t()
        fn(x)
        out.append(t() - a)
    return out


def bench(name: str, shape: list[int]) -> dict:
    path = ROOT / "data" / "models" / f"{name}.onnx"
    model = OnnxBackend(ModelConfig(path=path, backend=InferenceBackend.ONNX, input_shape=shape, num_threads=1)).load()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    input_name = sess.get_inputs()[0].name
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    assert np.allclose(model.predict(x)[0], sess.run(None, {input_name: x})[0][0], atol=1e-5)
    overhead = timer_cost()
    rust, py, onnx = [], [], []
    for _ in range(ROUNDS):
        rust.append(statistics.median(model.time_native(x, N)))
        py.append(statistics.median(python_times(model.predict, x, N)) - overhead)
        onnx.append(statistics.median(python_times(lambda v: sess.run(None, {input_name: v}), x, N)) - overhead)
    r, p, o = statistics.median(rust), statistics.median(py), statistics.median(onnx)
    return {
        "model": name,
        "input_shape": shape,
        "rust_p50_ns": r,
        "python_predict_p50_ns": p,
        "added_by_python_ns": p - r,
        "onnxruntime_run_p50_ns": o,
        "timer_cost_ns": overhead,
    }


def main() -> list[dict]:
    results = [bench("mlp_4", [1, 4]), bench("mlp_64x128", [1, 64, 128])]
    for r in results:
        print(
            f"{r['model']:11} rust {r['rust_p50_ns'] / 1000:7.2f} µs | "
            f"axon_quant.predict {r['python_predict_p50_ns'] / 1000:7.2f} µs "
            f"(+{r['added_by_python_ns'] / 1000:.2f} µs) | "
            f"onnxruntime.run {r['onnxruntime_run_p50_ns'] / 1000:7.2f} µs"
        )
    if "--json" in sys.argv:
        print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
