"""Parameter sweeps from Python: many backtests of one config file over one
dataset (``axon sweep``'s engine and files), on this machine or as Ray
tasks on a cluster.

    import axon_quant
    df = axon_quant.sweep("base.toml",
                          params={"strategy.fast": range(5, 55, 5),
                                  "strategy.slow": "20:200:10"},
                          constraint="strategy.fast < strategy.slow",
                          maximize="sharpe")

Returns the rows of ``results.parquet``: ``run``, one column per parameter,
every summary statistic, ``head_hash``. With ``executor="ray"`` the runs go
to Ray tasks (``ray_address``: an existing cluster; default: the one
``ray.init`` finds or starts); every node must read the config and its
data at the same path (a shared folder), and the results are the same rows,
head hashes included, as a local sweep's.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from typing import Any

import pandas as pd

from axon_quant import _native


def _spec(key: str, values: Any) -> str:
    """``KEY=START:STOP:STEP`` from a string, ``KEY=a,b,c`` from values."""
    if isinstance(values, str):
        return f"{key}={values}"
    if not isinstance(values, Iterable):
        values = [values]
    items = []
    for v in values:
        text = str(v).lower() if isinstance(v, bool) else str(v)
        if "," in text:
            raise ValueError(f"params[{key!r}]: value {v!r} holds a comma")
        items.append(text)
    if not items:
        raise ValueError(f"params[{key!r}]: no values")
    return f"{key}={','.join(items)}"


def sweep(config: str | os.PathLike[str], params: dict[str, Any], *,
          constraint: str | None = None, maximize: str | None = None,
          minimize: str | None = None, jobs: int | None = None,
          out: str | os.PathLike[str] | None = None, random: int | None = None,
          seed: int = 0, journals: bool = False, executor: str = "local",
          ray_address: str | None = None, chunks: int | None = None) -> pd.DataFrame:
    """Sweeps ``params`` (config key -> values, or a ``"START:STOP:STEP"``
    string with both ends included) over the backtest ``config`` describes;
    returns one row per run. ``out`` keeps the sweep's files (and resumes
    it); by default they go to a temporary folder. ``executor`` is
    ``"local"`` (``jobs`` threads) or ``"ray"`` (``chunks`` tasks, by
    default four per CPU of the cluster, each running its runs in order)."""
    if maximize is not None and minimize is not None:
        raise ValueError("give maximize or minimize, not both")
    if executor not in ("local", "ray"):
        raise ValueError(f"executor must be 'local' or 'ray', not {executor!r}")
    objective, high = (minimize, False) if minimize is not None else (maximize or "sharpe", True)
    spec = {
        "config": os.path.abspath(os.fspath(config)),
        "params": [_spec(k, v) for k, v in params.items()],
        "objective": objective,
        "maximize": high,
        "constraint": constraint,
        "random": random,
        "seed": seed,
        "jobs": jobs,
        "journals": journals,
    }
    with tempfile.TemporaryDirectory(prefix="axon-sweep-") as tmp:
        spec["out"] = os.path.abspath(os.fspath(out)) if out is not None else tmp
        if executor == "local":
            path = _native._sweep(json.dumps(spec))
        else:
            path = _ray_sweep(spec, ray_address, chunks)
        return pd.read_parquet(path)


def _run_chunk(spec_json: str, runs: list[int]) -> tuple[list[str], str]:
    """A Ray task: some runs of a sweep, on the node it lands on."""
    import ray

    return _native._sweep_runs(spec_json, runs), ray.get_runtime_context().get_node_id()


# The nodes the last Ray sweep ran on (for tests and curious users).
last_ray_nodes: set[str] = set()


def _ray_sweep(spec: dict[str, Any], address: str | None, chunks: int | None) -> str:
    import ray

    if spec["journals"]:
        raise ValueError("journals=True would write each journal on the node that ran it: "
                         "sweep with executor='local' to keep journals")
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False)
    text = json.dumps(spec)
    pending = _native._sweep_pending(text)
    # Each task runs its share on one CPU.
    worker = json.dumps({**spec, "jobs": 1})
    n = chunks or max(1, int(ray.cluster_resources().get("CPU", 1)) * 4)
    groups = [g for g in (pending[i::n] for i in range(n)) if g]
    task = ray.remote(num_cpus=1, scheduling_strategy="SPREAD")(_run_chunk)
    waiting = [task.remote(worker, g) for g in groups]
    last_ray_nodes.clear()
    path = None
    while waiting:
        done, waiting = ray.wait(waiting, num_returns=1)
        lines, node = ray.get(done[0])
        last_ray_nodes.add(node)
        # Logged as each share finishes, so an interrupted sweep resumes.
        path = _native._sweep_finish(text, lines)
    if path is None:
        path = _native._sweep_finish(text, [])
    if path is None:
        raise RuntimeError("the Ray sweep ended with runs missing")
    return path
