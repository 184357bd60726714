#!/usr/bin/env python3
"""backtesting.py's `Backtest.optimize` against an `axon sweep`'s
results.parquet: SmaCross(n1, n2) on GOOG, commission 0.2 %, cash 10 000,
open trades left open at the end, n1 < n2, maximizing the Sharpe ratio.

    python tests/oracle/sweep_backtesting.py RESULTS.parquet N1_RANGE N2_RANGE

with ranges as START:STOP:STEP (both ends included, as `axon sweep`).
Prints one JSON object: the runs compared, the largest difference of
Sharpe ratio and return, whether every run's trade count is equal, and
both sides' best parameters.
"""

import json
import os
import sys
import warnings

import pandas as pd

from backtesting import Backtest
from backtesting.test import GOOG

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sma_backtesting import SmaCross  # noqa: E402  (the same SmaCross the SMA oracle runs)


def inclusive(spec: str) -> range:
    start, stop, step = (int(x) for x in spec.split(":"))
    return range(start, stop + 1, step)


def main() -> None:
    results, r1, r2 = sys.argv[1], inclusive(sys.argv[2]), inclusive(sys.argv[3])
    warnings.simplefilter("ignore")
    bt = Backtest(GOOG, SmaCross, cash=10_000, commission=.002, finalize_trades=False)
    ours = pd.read_parquet(results)
    max_sharpe = max_return = 0.0
    trades_equal = True
    compared = 0
    for row in ours.to_dict("records"):
        s = bt.run(n1=int(row["strategy.fast"]), n2=int(row["strategy.slow"]))
        max_sharpe = max(max_sharpe, abs(s["Sharpe Ratio"] - row["sharpe"]))
        max_return = max(max_return, abs(s["Return [%]"] - row["return_pct"]))
        trades_equal &= int(s["# Trades"]) == int(row["trades"])
        compared += 1
    best = bt.optimize(n1=r1, n2=r2, constraint=lambda p: p.n1 < p.n2, maximize="Sharpe Ratio")
    top = ours.loc[ours["sharpe"].idxmax()]
    print(json.dumps({
        "compared": compared,
        "max_sharpe_diff": max_sharpe,
        "max_return_diff": max_return,
        "trades_equal": bool(trades_equal),
        "best_backtesting_py": [int(best._strategy.n1), int(best._strategy.n2)],
        "best_axon": [int(top["strategy.fast"]), int(top["strategy.slow"])],
    }))


if __name__ == "__main__":
    main()
