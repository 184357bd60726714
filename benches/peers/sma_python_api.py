"""axon_quant.backtesting against backtesting.py, same run, same data, same strategy source.

Usage: .venv/bin/python benches/peers/sma_python_api.py [n_bars] [reps]
(after scripts/setup-python.sh and `maturin develop` of the python package; see README).

Runs SmaCross(10,20) on N seeded synthetic 1-minute bars (the data of
benches/peers/backtesting_py_sma.py) through both libraries, alternating,
`reps` times each, and prints the medians, their ratio, and whether the two
agree (same trades, same final equity). Then the cost of the loop itself:
the same run with an empty `next()`, per bar, split into the bar loop and
the statistics. The strategy classes come from one factory, so both libraries
run the very same source.
"""

import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

import backtesting
import backtesting.lib
import axon_quant.backtesting as axon_bt
import axon_quant.backtesting.lib
from axon_quant.backtesting import _backtest as axon_backtest
from backtesting.test import SMA

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backtesting_py_sma import make_data  # noqa: E402  the same seeded bars

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def strategies(Strategy, crossover):
    class SmaCross(Strategy):
        n1 = 10
        n2 = 20

        def init(self):
            self.sma1 = self.I(SMA, self.data.Close, self.n1)
            self.sma2 = self.I(SMA, self.data.Close, self.n2)

        def next(self):
            if crossover(self.sma1, self.sma2):
                self.position.close()
                self.buy()
            elif crossover(self.sma2, self.sma1):
                self.position.close()
                self.sell()

    class EmptyNext(SmaCross):
        def next(self):
            pass

    return SmaCross, EmptyNext


def timed_run(lib, strategy, df):
    bt = lib.Backtest(df, strategy, cash=1e7, commission=.002, finalize_trades=True)
    t0 = time.perf_counter()
    stats = bt.run()
    return time.perf_counter() - t0, stats


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    df = make_data(N)
    print(f"backtesting {backtesting.__version__}, axon_quant {axon_bt.__name__}, "
          f"pandas {pd.__version__}, numpy {np.__version__}, python {platform.python_version()}, "
          f"N={N} bars, reps={REPS}")
    peers = {
        "backtesting.py": (backtesting, strategies(backtesting.Strategy, backtesting.lib.crossover)),
        "axon_quant": (axon_bt, strategies(axon_bt.Strategy, axon_quant.backtesting.lib.crossover)),
    }
    times = {name: [] for name in peers}
    results = {}
    for _ in range(REPS):
        for name, (lib, (sma, _)) in peers.items():
            t, stats = timed_run(lib, sma, df)
            times[name].append(t)
            results[name] = stats
    for name, ts in times.items():
        s = results[name]
        print(f"{name:15s} SmaCross: median {statistics.median(ts):.3f} s  runs "
              f"{[round(t, 3) for t in ts]}  trades {s['# Trades']}  "
              f"equity_final {s['Equity Final [$]']:.6f}")
    ratio = statistics.median(times["backtesting.py"]) / statistics.median(times["axon_quant"])
    a, b = results["axon_quant"], results["backtesting.py"]
    same = (a["# Trades"] == b["# Trades"] and a["Equity Final [$]"] == b["Equity Final [$]"]
            and a._trades[["EntryBar", "ExitBar", "Size"]].equals(
                b._trades[["EntryBar", "ExitBar", "Size"]]))
    print(f"speed-up (backtesting.py / axon_quant, medians): {ratio:.1f}x; same trades and "
          f"final equity: {same}")

    # The loop's own cost: an empty next(), per bar, with the statistics
    # (computed once at the end, from the whole equity curve) timed apart.
    _, empty = peers["axon_quant"][1]
    stats_times = []
    compute = axon_backtest.compute_stats

    def timed_stats(**kwargs):
        t0 = time.perf_counter()
        out = compute(**kwargs)
        stats_times.append(time.perf_counter() - t0)
        return out

    axon_backtest.compute_stats = timed_stats
    loop = []
    for _ in range(REPS):
        bt = axon_bt.Backtest(df, empty, cash=1e7, commission=.002, finalize_trades=True)
        t0 = time.perf_counter()
        bt.run()
        loop.append(time.perf_counter() - t0)
    axon_backtest.compute_stats = compute
    run_s, stats_s = statistics.median(loop), statistics.median(stats_times)
    print(f"axon_quant empty next(): run() median {run_s:.3f} s = {run_s / N * 1e6:.3f} us per "
          f"bar; of which statistics {stats_s:.3f} s, so the bar loop with next() "
          f"{(run_s - stats_s) / N * 1e6:.3f} us per bar")
    if not same:
        sys.exit("the two libraries disagree")
