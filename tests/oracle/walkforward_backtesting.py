#!/usr/bin/env python3
"""backtesting.py against an `axon walkforward`'s windows.parquet, window
by window: SmaCross(n1, n2) on GOOG, commission 0.2 %, cash 10 000, open
trades left open at the end, n1 < n2, maximizing the Sharpe ratio.

    python tests/oracle/walkforward_backtesting.py WINDOWS.parquet N1_RANGE N2_RANGE

For each window (its rows found from its timestamps):
- in sample: `Backtest.optimize` on the training rows alone must choose
  the same parameters, with the same Sharpe ratio;
- out of sample: the chosen SmaCross on the test rows, preceded by
  `n2` warm-up rows on which it may not trade, must give the same
  statistics (Sharpe, return, trades) as the window's `oos_*` columns.

Prints one JSON object with the windows compared and the largest
differences.
"""

import json
import os
import sys
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")  # backtesting.py's progress bars

import pandas as pd  # noqa: E402

from backtesting import Backtest  # noqa: E402
from backtesting.test import GOOG  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sma_backtesting import SmaCross  # noqa: E402


class WarmSmaCross(SmaCross):
    """SmaCross that trades only from bar `gate` of its data on."""

    gate = 0

    def next(self):
        if len(self.data) - 1 < self.gate:
            return
        super().next()


def inclusive(spec: str) -> range:
    start, stop, step = (int(x) for x in spec.split(":"))
    return range(start, stop + 1, step)


def main() -> None:
    windows, r1, r2 = pd.read_parquet(sys.argv[1]), inclusive(sys.argv[2]), inclusive(sys.argv[3])
    warnings.simplefilter("ignore")
    index = GOOG.index.tz_localize("UTC")
    row = lambda t: int(index.searchsorted(t))  # noqa: E731
    out = {"windows": 0, "chosen_equal": True, "is_sharpe_diff": 0.0,
           "oos_sharpe_diff": 0.0, "oos_return_diff": 0.0, "oos_trades_equal": True,
           "chosen": []}
    for w in windows.to_dict("records"):
        a, b = row(w["train_start"]), row(w["train_end"])
        c, d = row(w["test_start"]), row(w["test_end"])
        train = Backtest(GOOG.iloc[a:b], SmaCross, cash=10_000, commission=.002,
                         finalize_trades=False)
        best = train.optimize(n1=r1, n2=r2, constraint=lambda p: p.n1 < p.n2,
                              maximize="Sharpe Ratio")
        n1, n2 = int(best._strategy.n1), int(best._strategy.n2)
        ours = (int(w["strategy.fast"]), int(w["strategy.slow"]))
        out["chosen"].append([[n1, n2], list(ours)])
        out["chosen_equal"] &= (n1, n2) == ours
        out["is_sharpe_diff"] = max(out["is_sharpe_diff"],
                                    abs(best["Sharpe Ratio"] - w["is_sharpe"]))
        warm = min(ours[1], c)
        test = Backtest(GOOG.iloc[c - warm:d], WarmSmaCross, cash=10_000,
                        commission=.002, finalize_trades=False)
        s = test.run(n1=ours[0], n2=ours[1], gate=warm)
        out["oos_sharpe_diff"] = max(out["oos_sharpe_diff"],
                                     abs(s["Sharpe Ratio"] - w["oos_sharpe"]))
        out["oos_return_diff"] = max(out["oos_return_diff"],
                                     abs(s["Return [%]"] - w["oos_return_pct"]))
        out["oos_trades_equal"] &= int(s["# Trades"]) == int(w["oos_trades"])
        out["windows"] += 1
    print(json.dumps(out))


if __name__ == "__main__":
    main()
