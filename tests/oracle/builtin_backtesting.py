#!/usr/bin/env python3
"""AXON's built-in price-action strategies written for backtesting.py, for
comparing AXON against it trade for trade.

    python tests/oracle/builtin_backtesting.py GOOG.csv donchian --n 20 --exit-n 10 [--short]
    python tests/oracle/builtin_backtesting.py GOOG.csv bollinger --n 20 --k 2 --k-stop 1.5 [--short]

The rules are those of engine/src/strategy/donchian.rs and bollinger.rs:

- donchian: while flat, a buy stop at the highest high of the last n bars
  with a stop-loss at the lowest low of the last exit_n bars (with --short,
  also a sell stop at the lowest low of the last n bars, stop-loss at the
  highest high of the last exit_n bars); in a trade, the stop-loss moves to
  the exit channel whenever that tightens it.
- bollinger: while flat, a limit buy at the lower band mean - k*sd with a
  take-profit at the mean and a stop-loss k_stop*sd below the entry (with
  --short, also a limit sell at the upper band, mirrored).

Entry orders not filled are cancelled and placed again at every bar (AXON
re-places them only when their prices move, which is the same orders).
The channels and bands are computed in init() from the whole data, as plain
lists rather than `self.I` indicators, and next() reads them at the current
bar only: no look-ahead, and no indicator warm-up, so the first orders go
out at the bar where the rule is first defined, as in AXON. The band's mean
and standard deviation are summed in window order (oldest first) exactly as
AXON does, so the prices are the same bits.

Backtest settings: cash 10000 (--cash), commission 0, all-in sizes,
trade_on_close=False, hedging=False, exclusive_orders=False,
finalize_trades=False. Prints one JSON object in the format of
sma_backtesting.py: {"backtesting_version", "bars", "closed_trades",
"open_trades", "last_close", "equity_final", "trades"},
every float also as an `_exact` repr string.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings

import pandas as pd

import backtesting
from backtesting import Backtest, Strategy


class Donchian(Strategy):
    n = 20
    exit_n = 10
    short = False

    def init(self):
        high, low = list(self.data.High), list(self.data.Low)
        n, x = self.n, self.exit_n
        window = max(n, x)
        self.levels = [None] * len(high)
        for i in range(window - 1, len(high)):
            self.levels[i] = (
                max(high[i - n + 1:i + 1]),
                min(low[i - n + 1:i + 1]),
                max(high[i - x + 1:i + 1]),
                min(low[i - x + 1:i + 1]),
            )

    def next(self):
        levels = self.levels[len(self.data) - 1]
        if levels is None:
            return
        entry_high, entry_low, exit_high, exit_low = levels
        for order in list(self.orders):
            if not order.is_contingent:
                order.cancel()
        if not self.position:
            if exit_low < entry_high:
                self.buy(stop=entry_high, sl=exit_low)
            if self.short and exit_high > entry_low:
                self.sell(stop=entry_low, sl=exit_high)
            return
        for trade in self.trades:
            if trade.is_long and exit_low > trade.sl:
                trade.sl = exit_low
            elif trade.is_short and exit_high < trade.sl:
                trade.sl = exit_high


def mean_std(window):
    """Mean and sample standard deviation, summed in order (as AXON)."""
    total = 0.0
    for x in window:
        total += x
    mean = total / len(window)
    squares = 0.0
    for x in window:
        d = x - mean
        squares += d * d
    return mean, math.sqrt(squares / (len(window) - 1))


def positive(*prices):
    return all(math.isfinite(p) and p > 0 for p in prices)


class Bollinger(Strategy):
    n = 20
    k = 2.0
    k_stop = 1.5
    short = False

    def init(self):
        close = list(self.data.Close)
        n = self.n
        self.bands = [None] * len(close)
        for i in range(n - 1, len(close)):
            self.bands[i] = mean_std(close[i - n + 1:i + 1])

    def next(self):
        bands = self.bands[len(self.data) - 1]
        if bands is None:
            return
        mean, sd = bands
        for order in list(self.orders):
            if not order.is_contingent:
                order.cancel()
        if self.position:
            return
        lower = mean - self.k * sd
        sl = lower - self.k_stop * sd
        if positive(sl, lower, mean) and sl < lower < mean:
            self.buy(limit=lower, sl=sl, tp=mean)
        if self.short:
            upper = mean + self.k * sd
            sl = upper + self.k_stop * sd
            if positive(sl, upper, mean) and mean < upper < sl:
                self.sell(limit=upper, sl=sl, tp=mean)


def load(path):
    df = pd.read_csv(path, index_col=0, parse_dates=True, float_precision="round_trip")
    df.columns = [c.strip().capitalize() for c in df.columns]
    return df[[c for c in ("Open", "High", "Low", "Close", "Volume") if c in df.columns]]


def num(out, key, value):
    value = float(value)
    out[key] = value
    out[key + "_exact"] = repr(value)


def trade_json(t, closed):
    out = {"entry_bar": int(t.entry_bar)}
    if closed:
        out["exit_bar"] = int(t.exit_bar)
    num(out, "entry_price", t.entry_price)
    if closed:
        num(out, "exit_price", t.exit_price)
    num(out, "size", t.size)
    num(out, "pnl", t.pl)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("csv")
    p.add_argument("strategy", choices=["donchian", "bollinger"])
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--exit-n", type=int, default=10)
    p.add_argument("--k", type=float, default=2.0)
    p.add_argument("--k-stop", type=float, default=1.5)
    p.add_argument("--short", action="store_true")
    p.add_argument("--cash", type=float, default=10_000.0)
    args = p.parse_args(argv)
    df = load(args.csv)
    if args.strategy == "donchian":
        strategy, params = Donchian, {"n": args.n, "exit_n": args.exit_n}
    else:
        strategy, params = Bollinger, {"n": args.n, "k": args.k, "k_stop": args.k_stop}
    bt = Backtest(
        df,
        strategy,
        cash=args.cash,
        commission=0.0,
        margin=1.0,
        trade_on_close=False,
        hedging=False,
        exclusive_orders=False,
        finalize_trades=False,
    )
    with warnings.catch_warnings():
        # "Some trades remain open" and the same-bar SL/TP notice are expected.
        warnings.simplefilter("ignore")
        stats = bt.run(short=args.short, **params)
    strategy = stats._strategy
    result = {
        "backtesting_version": backtesting.__version__,
        "csv": str(args.csv),
        "bars": len(df),
        "closed_trades": [trade_json(t, True) for t in strategy.closed_trades],
        "open_trades": [trade_json(t, False) for t in strategy.trades],
        "trades": int(stats["# Trades"]),
    }
    num(result, "last_close", df["Close"].iloc[-1])
    num(result, "equity_final", stats["Equity Final [$]"])
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
