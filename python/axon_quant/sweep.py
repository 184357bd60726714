"""Parameter sweeps from Python: many backtests of one config file over one
dataset, read once (``axon sweep``'s engine and files).

    import axon_quant
    df = axon_quant.sweep("base.toml",
                          params={"strategy.fast": range(5, 55, 5),
                                  "strategy.slow": "20:200:10"},
                          constraint="strategy.fast < strategy.slow",
                          maximize="sharpe")

Returns the rows of ``results.parquet``: ``run``, one column per parameter,
every summary statistic, ``head_hash``.
"""

from __future__ import annotations

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
          seed: int = 0, journals: bool = False) -> pd.DataFrame:
    """Sweeps ``params`` (config key -> values, or a ``"START:STOP:STEP"``
    string with both ends included) over the backtest ``config`` describes;
    returns one row per run. ``out`` keeps the sweep's files (and resumes
    it); by default they go to a temporary folder."""
    if maximize is not None and minimize is not None:
        raise ValueError("give maximize or minimize, not both")
    objective, best_high = (minimize, False) if minimize is not None else (maximize or "sharpe", True)
    specs = [_spec(k, v) for k, v in params.items()]
    if out is None:
        with tempfile.TemporaryDirectory(prefix="axon-sweep-") as tmp:
            path = _native._sweep(os.fspath(config), specs, tmp, objective, best_high,
                                  constraint, random, seed, jobs, journals)
            return pd.read_parquet(path)
    path = _native._sweep(os.fspath(config), specs, os.fspath(out), objective, best_high,
                          constraint, random, seed, jobs, journals)
    return pd.read_parquet(path)
