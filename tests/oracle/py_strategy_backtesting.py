#!/usr/bin/env python3
"""Runs a strategy file written for ``axon_quant.backtesting`` under
backtesting.py itself, unchanged: the module ``axon_quant.backtesting`` is
backtesting.py for this process (porting is an import change, so the
reverse holds too).

    python tests/oracle/py_strategy_backtesting.py GOOG.csv FILE CLASS [--commission C]

Backtest settings: cash 10000, all-in sizes, trade_on_close=False,
hedging=False, exclusive_orders=False, finalize_trades=False. Prints one
JSON object: {"bars", "trades", "open_trades"} with every closed trade's
entry and exit bar, prices, size and PnL, floats also as `_exact` repr
strings.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import warnings

import pandas as pd

import backtesting
import backtesting.lib

sys.modules["axon_quant.backtesting"] = backtesting
sys.modules["axon_quant.backtesting.lib"] = backtesting.lib


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("file")
    p.add_argument("cls")
    p.add_argument("--commission", type=float, default=0.0)
    a = p.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(a.file)))
    spec = importlib.util.spec_from_file_location("strategy", a.file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    df = pd.read_csv(a.csv, index_col=0, parse_dates=True)
    warnings.simplefilter("ignore")
    bt = backtesting.Backtest(df, getattr(module, a.cls), cash=10_000,
                              commission=a.commission, finalize_trades=False)
    stats = bt.run()
    trades = []
    for t in stats._trades.itertuples():
        row = {"entry_bar": int(t.EntryBar), "exit_bar": int(t.ExitBar),
               "entry_price": float(t.EntryPrice), "exit_price": float(t.ExitPrice),
               "size": float(t.Size), "pnl": float(t.PnL)}
        row.update({f"{k}_exact": repr(v) for k, v in row.items() if isinstance(v, float)})
        trades.append(row)
    print(json.dumps({"bars": len(df), "trades": trades,
                      "open_trades": len(stats._strategy.trades)}))


if __name__ == "__main__":
    main()
