"""Sweep speed, same run, same data: `axon sweep` against vectorbt's
`Portfolio.from_signals` over the same grid, SmaCross(fast, slow) with
fast = 5..50 step 5 and slow = 60..240 step 20 (10x10 = 100 runs) on
1,000,000 seeded one-minute bars (benches/peers/backtesting_py_sma.py's
data), long/short reversal at the next bar's open, commission 0.2 %. Also
one journaled `axon backtest` of SmaCross(10, 20) on those bars.

vectorbt runs warm: one call on 1000 bars compiles its numba kernels, the
next is timed. Both sides compute the moving averages, the signals, the
fills and every run's Sharpe ratio.

Usage (vectorbt 1.0.0 wants plotly < 6; scripts/setup-vectorbt.sh makes
such an environment in .venv-vectorbt):
    .venv-vectorbt/bin/python benches/peers/sweep_vs_vectorbt.py [--bars N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import vectorbt as vbt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
_argv, sys.argv = sys.argv, sys.argv[:1]  # that script reads its argv on import
from backtesting_py_sma import make_data  # noqa: E402
sys.argv = _argv

FAST = list(range(5, 55, 5))
SLOW = list(range(60, 260, 20))

CONFIG = """[session]
cash = 10000000.0
[data]
path = "data.parquet"
[strategy]
kind = "sma_cross"
fast = 10
slow = 20
[execution]
fill = "next_open"
sizing = "all_in"
commission_bps = 20.0
[journal]
path = "journal"
durability = "none"
"""


def vectorbt_grid(df: pd.DataFrame):
    close = df["Close"]
    fw = np.repeat(FAST, len(SLOW))
    sw = np.tile(SLOW, len(FAST))
    fast = vbt.MA.run(close, window=fw, short_name="fast").ma.to_numpy()
    slow = vbt.MA.run(close, window=sw, short_name="slow").ma.to_numpy()
    above = fast > slow
    prev = np.vstack([np.zeros((1, above.shape[1]), bool), above[:-1]])
    up = above & ~prev
    down = ~above & prev & ~np.isnan(slow)
    # Acted on at the next bar's open, as AXON and backtesting.py do.
    up = np.vstack([np.zeros((1, up.shape[1]), bool), up[:-1]])
    down = np.vstack([np.zeros((1, down.shape[1]), bool), down[:-1]])
    columns = pd.MultiIndex.from_arrays([fw, sw], names=["fast", "slow"])
    pf = vbt.Portfolio.from_signals(
        close, entries=pd.DataFrame(up, index=df.index, columns=columns),
        short_entries=pd.DataFrame(down, index=df.index, columns=columns),
        price=df["Open"], fees=0.002, init_cash=1e7, size=np.inf, freq="1min")
    return pf.sharpe_ratio()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bars", type=int, default=1_000_000)
    p.add_argument("--axon", default="target/release/axon")
    p.add_argument("--jobs", type=int, default=2)
    # vectorbt holds some 11 GB at 1M bars x 100 columns: one timed run by default.
    p.add_argument("--reps", type=int, default=1)
    a = p.parse_args()
    axon = os.path.abspath(a.axon)
    df = make_data(a.bars)
    print(f"vectorbt {vbt.__version__}, {len(df)} bars, {len(FAST) * len(SLOW)} runs")
    vectorbt_grid(df.iloc[:1000])  # compile
    vbt_times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        sharpe = vectorbt_grid(df)
        vbt_times.append(time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as d:
        csv = os.path.join(d, "data.csv")
        df.rename_axis("Date").to_csv(csv)
        subprocess.run([axon, "data", "import-csv", csv, "-o", os.path.join(d, "data.parquet"),
                        "--symbol", "X", "--quiet"], check=True)
        with open(os.path.join(d, "sweep.toml"), "w") as f:
            f.write(CONFIG)
        axon_times, single = [], []
        for rep in range(a.reps):
            t0 = time.perf_counter()
            subprocess.run([axon, "sweep", "-c", "sweep.toml", "--param", "strategy.fast=5:50:5",
                            "--param", "strategy.slow=60:240:20", "-j", str(a.jobs),
                            "--out", f"out{rep}", "--quiet"], check=True, cwd=d)
            axon_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            subprocess.run([axon, "backtest", "-c", "sweep.toml", "--journal", f"j{rep}",
                            "--quiet"], check=True, cwd=d)
            single.append(time.perf_counter() - t0)
    v, x, s = (statistics.median(t) for t in (vbt_times, axon_times, single))
    print(f"vectorbt from_signals, {len(sharpe)} columns: median {v:.3f} s {[round(t, 3) for t in vbt_times]}")
    print(f"axon sweep -j {a.jobs}: median {x:.3f} s {[round(t, 3) for t in axon_times]}")
    print(f"ratio (vectorbt time / axon time): {v / x:.2f}")
    print(f"one journaled axon backtest: median {s:.3f} s, {len(df) / s / 1e6:.2f}M bars/s "
          f"(whole process) {[round(t, 3) for t in single]}")


if __name__ == "__main__":
    main()
