#!/usr/bin/env python3
"""Reference run of backtesting.py's SmaCross, for comparing AXON against it.

    python tests/oracle/sma_backtesting.py GOOG.csv --fast 10 --slow 30
    python tests/oracle/sma_backtesting.py GOOG.csv --sma-only

Runs the classic strategy from backtesting.py's documentation (close what is
open, then buy/sell all-in on a strict SMA crossover; market orders fill at
the next bar's open) with cash 10000, no commission, exclusive_orders=False,
trade_on_close=False, hedging=False and finalize_trades=False (`--fraction F`
sizes at F of the available margin instead of all-in), and prints one JSON
object:

    {"backtesting_version": ..., "bars": N,
     "closed_trades": [{"entry_bar", "exit_bar", "entry_price", "exit_price",
                        "size", "pnl"}, ...],
     "open_trades":   [{"entry_bar", "entry_price", "size", "pnl"}, ...],
     "last_close": ..., "equity_final": ..., "trades": N,
     "out_of_money_bar": null or N,
     "monthly_returns_pct": {"YYYY-MM": percent, ...}}

Bars are 0-based row indices of the CSV. Every float is written twice: as a
JSON number (for reading) and, under the same key with an `_exact` suffix,
as the shortest decimal string that round-trips (`repr`), so that a reader
whose JSON number parser is not correctly rounded can still compare bit for
bit. `pnl` of an open trade is marked at the last close.

The object also holds `stats`: every statistic of `Backtest.run()` under
AXON's summary key (`"Return (Ann.) [%]"` as `return_ann_pct`), floats as
`repr` strings (`"nan"` where backtesting.py has NaN), durations in days.

With `--sma-only` it prints instead the closes and pandas'
`rolling(n).mean()` of them for the fast and slow windows, as `repr` strings
(`"nan"` during warm-up).

The CSV is read as backtesting.py reads its own test data (first column the
date index), with `float_precision="round_trip"`: correctly rounded, like
AXON's importer (for the files shipped with backtesting.py this is the same as
pandas' default parser).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

import pandas as pd

import backtesting
from backtesting import Backtest, Strategy
from backtesting.lib import crossover


def sma(values, n):
    """`n`-period simple moving average, as in backtesting.py's docs."""
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    n1 = 10
    n2 = 30
    # None: all-in (backtesting.py's default size, 1 - epsilon of equity).
    fraction = None

    def init(self):
        close = self.data.Close
        self.sma1 = self.I(sma, close, self.n1)
        self.sma2 = self.I(sma, close, self.n2)

    def next(self):
        size = {} if self.fraction is None else {"size": self.fraction}
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy(**size)
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell(**size)


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


# backtesting.py's statistic -> AXON's summary key.
STATS = {
    "Equity Final [$]": "equity_final",
    "Equity Peak [$]": "equity_peak",
    "Exposure Time [%]": "exposure_pct",
    "Return [%]": "return_pct",
    "Buy & Hold Return [%]": "buy_hold_return_pct",
    "Return (Ann.) [%]": "return_ann_pct",
    "Volatility (Ann.) [%]": "volatility_ann_pct",
    "CAGR [%]": "cagr_pct",
    "Sharpe Ratio": "sharpe",
    "Sortino Ratio": "sortino",
    "Calmar Ratio": "calmar",
    "Alpha [%]": "alpha_pct",
    "Beta": "beta",
    "Max. Drawdown [%]": "max_drawdown_pct",
    "Avg. Drawdown [%]": "avg_drawdown_pct",
    "Max. Drawdown Duration": "max_drawdown_duration",
    "Avg. Drawdown Duration": "avg_drawdown_duration",
    "# Trades": "trades",
    "Win Rate [%]": "win_rate_pct",
    "Best Trade [%]": "best_trade_pct",
    "Worst Trade [%]": "worst_trade_pct",
    "Avg. Trade [%]": "avg_trade_pct",
    "Max. Trade Duration": "max_trade_duration",
    "Avg. Trade Duration": "avg_trade_duration",
    "Profit Factor": "profit_factor",
    "Expectancy [%]": "expectancy_pct",
    "SQN": "sqn",
    "Kelly Criterion": "kelly",
}


def stat_value(v):
    if isinstance(v, pd.Timedelta):
        return repr(v.total_seconds() / 86400)
    if v is None or pd.isna(v):
        return "nan"
    return repr(float(v))


def run(path, fast, slow, cash, fraction=None):
    df = load(path)
    bt = Backtest(
        df,
        SmaCross,
        cash=cash,
        commission=0.0,
        margin=1.0,
        trade_on_close=False,
        hedging=False,
        exclusive_orders=False,
        finalize_trades=False,
    )
    with warnings.catch_warnings():
        # "Some trades remain open" and "insufficient margin" are expected.
        warnings.simplefilter("ignore")
        stats = bt.run(n1=fast, n2=slow, fraction=fraction)
    strategy = stats._strategy
    result = {
        "backtesting_version": backtesting.__version__,
        "csv": str(path),
        "bars": len(df),
        "fast": fast,
        "slow": slow,
        "cash": cash,
        "fraction": fraction,
        "closed_trades": [trade_json(t, True) for t in strategy.closed_trades],
        "open_trades": [trade_json(t, False) for t in strategy.trades],
        "trades": int(stats["# Trades"]),
        "stats": {key: stat_value(stats[name]) for name, key in STATS.items()},
    }
    num(result, "last_close", df["Close"].iloc[-1])
    num(result, "equity_final", stats["Equity Final [$]"])
    # backtesting.py stops the run when equity at a bar's close is <= 0: it
    # closes every trade at that close, sets cash to 0 and trades no more.
    equity = stats._equity_curve["Equity"].values
    broke = [i for i, e in enumerate(equity) if e <= 0]
    result["out_of_money_bar"] = broke[0] if broke else None
    # Month-on-month returns of the equity curve (its month-end values), as
    # a report's monthly returns table shows them.
    month_end = stats._equity_curve["Equity"].resample("ME").last()
    result["monthly_returns_pct"] = {
        f"{t.year:04d}-{t.month:02d}": float(v)
        for t, v in (month_end.pct_change() * 100).dropna().items()
    }
    return result


def sma_only(path, fast, slow):
    close = load(path)["Close"]
    return {
        "close": [repr(float(v)) for v in close.values],
        "fast": [repr(float(v)) for v in sma(close.values, fast).values],
        "slow": [repr(float(v)) for v in sma(close.values, slow).values],
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("csv")
    p.add_argument("--fast", type=int, default=10)
    p.add_argument("--slow", type=int, default=30)
    p.add_argument("--cash", type=float, default=10_000.0)
    p.add_argument("--fraction", type=float, default=None,
                   help="size orders at this fraction of available margin (default: all-in)")
    p.add_argument("--sma-only", action="store_true",
                   help="print the closes and their pandas rolling means instead")
    args = p.parse_args(argv)
    if args.sma_only:
        result = sma_only(args.csv, args.fast, args.slow)
    else:
        result = run(args.csv, args.fast, args.slow, args.cash, args.fraction)
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
