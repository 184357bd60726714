"""Sweep speed and agreement, same run, same data: `axon sweep` against
backtesting.py's `Backtest.optimize`, SmaCross(n1, n2) over n1 = 5..50 step 5
and n2 = 20..200 step 10 (a 10x19 grid) with n1 < n2, maximizing the Sharpe
ratio, commission 0.2 %, open trades left open at the end on both sides.

Usage (after scripts/setup-python.sh and a release build):
    .venv/bin/python benches/peers/sweep_vs_backtesting_py.py            # GOOG
    .venv/bin/python benches/peers/sweep_vs_backtesting_py.py --bars 100000

Prints both wall times (end to end: the sweep process reading its Parquet
data, backtesting.py's optimize on its DataFrame), the ratio, and the best
parameters and their statistics on each side, which must be equal.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import pandas as pd
import pyarrow.parquet as pq

import backtesting
from backtesting import Backtest
from backtesting.test import GOOG

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
_argv, sys.argv = sys.argv, sys.argv[:1]  # that script reads its argv on import
from backtesting_py_sma import SmaCross, make_data  # noqa: E402
sys.argv = _argv


CONFIG = """[session]
cash = {cash}
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
close_at_end = false
[journal]
path = "journal"
durability = "none"
"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bars", type=int, default=0, help="synthetic 1-min bars (0: GOOG)")
    p.add_argument("--axon", default="target/release/axon")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    a = p.parse_args()
    axon = os.path.abspath(a.axon)
    df = GOOG if a.bars == 0 else make_data(a.bars)
    cash = 10_000 if a.bars == 0 else 10_000_000
    warnings.simplefilter("ignore")
    print(f"backtesting {backtesting.__version__}, {len(df)} bars, jobs {a.jobs}")
    with tempfile.TemporaryDirectory() as d:
        csv = os.path.join(d, "data.csv")
        df.rename_axis("Date").to_csv(csv)
        subprocess.run([axon, "data", "import-csv", csv, "-o", os.path.join(d, "data.parquet"),
                        "--symbol", "X", "--quiet"], check=True)
        with open(os.path.join(d, "sweep.toml"), "w") as f:
            f.write(CONFIG.format(cash=float(cash)))
        axon_times = []
        for rep in range(a.reps):
            out = os.path.join(d, f"out{rep}")
            t0 = time.perf_counter()
            subprocess.run([axon, "sweep", "-c", "sweep.toml", "--param", "strategy.fast=5:50:5",
                            "--param", "strategy.slow=20:200:10", "--constraint",
                            "strategy.fast < strategy.slow", "--maximize", "sharpe",
                            "-j", str(a.jobs), "--out", out, "--quiet"], check=True, cwd=d)
            axon_times.append(time.perf_counter() - t0)
        results = pq.read_table(os.path.join(d, "out0", "results.parquet")).to_pandas()

    bt = Backtest(df, SmaCross, cash=cash, commission=.002, finalize_trades=False)
    t0 = time.perf_counter()
    stats = bt.optimize(n1=range(5, 55, 5), n2=range(20, 210, 10),
                        constraint=lambda q: q.n1 < q.n2, maximize="Sharpe Ratio")
    bt_time = time.perf_counter() - t0

    best = results.loc[results["sharpe"].idxmax()]
    axon_median = statistics.median(axon_times)
    print(f"axon sweep: {len(results)} runs, median {axon_median:.3f} s "
          f"(runs {[round(t, 3) for t in axon_times]})")
    print(f"backtesting.py optimize: {bt_time:.3f} s")
    print(f"ratio: {bt_time / axon_median:.1f}x")
    theirs = {"n1": int(stats._strategy.n1), "n2": int(stats._strategy.n2),
              "sharpe": float(stats["Sharpe Ratio"]), "return_pct": float(stats["Return [%]"]),
              "trades": int(stats["# Trades"])}
    ours = {"n1": int(best["strategy.fast"]), "n2": int(best["strategy.slow"]),
            "sharpe": float(best["sharpe"]), "return_pct": float(best["return_pct"]),
            "trades": int(best["trades"])}
    print("best, backtesting.py:", json.dumps(theirs))
    print("best, axon:          ", json.dumps(ours))
    same = (theirs["n1"], theirs["n2"], theirs["trades"]) == (ours["n1"], ours["n2"], ours["trades"]) \
        and abs(theirs["sharpe"] - ours["sharpe"]) < 1e-9 \
        and abs(theirs["return_pct"] - ours["return_pct"]) < 1e-9
    print("equal:", same)
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
