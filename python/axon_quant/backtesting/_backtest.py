"""``Backtest``: backtesting.py's entry point, run by AXON's broker.

The bar loop and every order rule are Rust (``axon_engine::broker``); this
module checks the inputs as backtesting.py does, wires the strategy to the
broker and turns the results into backtesting.py's statistics.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from itertools import product, repeat
from numbers import Number
from typing import Any

import numpy as np
import pandas as pd
from numpy.random import default_rng

from axon_quant._native import _Broker, _Clock

from ._data import _Data, _Indicator
from ._stats import compute_stats, trades_frame
from ._strategy import Strategy, _Book


class Backtest:
    """A backtest of one strategy on one OHLC(V) DataFrame, with
    backtesting.py's arguments and meaning."""

    def __init__(self, data: pd.DataFrame, strategy: type[Strategy], *,
                 cash: float = 10_000, spread: float = .0,
                 commission: Any = .0, margin: float = 1.,
                 trade_on_close: bool = False, hedging: bool = False,
                 exclusive_orders: bool = False, finalize_trades: bool = False) -> None:
        if not (isinstance(strategy, type) and issubclass(strategy, Strategy)):
            raise TypeError("`strategy` must be a Strategy sub-type")
        if not isinstance(data, pd.DataFrame):
            raise TypeError("`data` must be a pandas.DataFrame with columns")
        if not isinstance(spread, Number):
            raise TypeError("`spread` must be a float value, percent of "
                            "entry order price")
        if not isinstance(commission, (Number, tuple)) and not callable(commission):
            raise TypeError("`commission` must be a float percent of order value, "
                            "a tuple of `(fixed, relative)` commission, "
                            "or a function that takes `(order_size, price)`"
                            "and returns commission dollar value")
        data = data.copy(deep=False)
        if (not isinstance(data.index, (pd.DatetimeIndex, pd.RangeIndex))
                and pd.api.types.is_numeric_dtype(data.index)
                and (data.index > pd.Timestamp("1975").timestamp()).mean() > .8):
            try:
                data.index = pd.to_datetime(data.index)
            except ValueError:
                pass
        if "Volume" not in data:
            data["Volume"] = np.nan
        if len(data) == 0:
            raise ValueError("OHLC `data` is empty")
        if len(data.columns.intersection({"Open", "High", "Low", "Close", "Volume"})) != 5:
            raise ValueError("`data` must be a pandas.DataFrame with columns "
                             "'Open', 'High', 'Low', 'Close', and (optionally) 'Volume'")
        if data[["Open", "High", "Low", "Close"]].isnull().values.any():
            raise ValueError("Some OHLC values are missing (NaN). "
                             "Please strip those lines with `df.dropna()` or "
                             "fill them in with `df.interpolate()` or whatever.")
        if np.any(data["Close"] > cash):
            warnings.warn("Some prices are larger than initial cash value. Note that fractional "
                          "trading is not supported by this class. If you want to trade Bitcoin, "
                          "increase initial cash, or trade μBTC or satoshis instead (see e.g. "
                          "class `axon_quant.backtesting.lib.FractionalBacktest`.",
                          stacklevel=2)
        if not data.index.is_monotonic_increasing:
            warnings.warn("Data index is not sorted in ascending order. Sorting.",
                          stacklevel=2)
            data = data.sort_index()
        if not isinstance(data.index, pd.DatetimeIndex):
            warnings.warn("Data index is not datetime. Assuming simple periods, "
                          "but `pd.DateTimeIndex` is advised.",
                          stacklevel=2)
        self._data = data
        self._strategy = strategy
        self._broker_args = dict(cash=cash, commission=commission, spread=spread,
                                 margin=margin, trade_on_close=trade_on_close,
                                 hedging=hedging, exclusive_orders=exclusive_orders)
        self._finalize_trades = bool(finalize_trades)
        self._results: pd.Series | None = None

    def run(self, **kwargs: Any) -> pd.Series:
        """Runs the backtest; keyword arguments override the strategy's
        parameters. Returns backtesting.py's statistics."""
        df = self._data
        n = len(df)
        clock = _Clock(n)
        data = _Data(df.copy(deep=False), clock)
        prices = [np.ascontiguousarray(df[c].to_numpy(), dtype=float)
                  for c in ("Open", "High", "Low", "Close")]
        broker = _Broker(*prices, clock=clock, index=df.index, **self._broker_args)
        book = _Book(broker, df.index)
        strategy = self._strategy(book, data, kwargs)  # type: ignore[arg-type]

        strategy.init()
        revealed = _reveal_gradually(strategy, clock)
        start = 1 + _warmup(revealed)

        data._reveal_gradually()
        try:
            with np.errstate(invalid="ignore"):
                out_of_money = broker.run(strategy, start)
                if not out_of_money:
                    if self._finalize_trades:
                        if start < n:
                            broker.finalize()
                    elif broker.open_trades:
                        warnings.warn(
                            "Some trades remain open at the end of backtest. Use "
                            "`Backtest(..., finalize_trades=True)` to close them and "
                            "include them in stats.", stacklevel=2)
        finally:
            clock.len = n
            data._reveal_all()

        with np.errstate(invalid="ignore"):
            equity = pd.Series(broker.equity_curve()).bfill().fillna(broker.cash).values
            trades = trades_frame(
                broker.closed_columns(), df.index,
                [(ind.name, ind._full) for ind in strategy._indicators])
            self._results = compute_stats(
                trades=trades, equity=equity, ohlc_data=df,
                strategy_instance=strategy, risk_free_rate=0.0,
                warmup=start - 1)
        return self._results

    def optimize(self, **kwargs: Any) -> Any:
        """Grid search over strategy parameters, as backtesting.py's
        ``optimize(maximize=..., constraint=..., max_tries=...,
        return_heatmap=..., random_state=..., **params)``; ``method="sambo"``
        is not available."""
        return _optimize(self, **kwargs)


def _reveal_gradually(strategy: Strategy, clock: _Clock) -> list[_Indicator]:
    """As backtesting.py re-slices only the indicators held directly as
    attributes, only those follow the clock; the others stay whole."""
    attrs = [v for v in strategy.__dict__.values() if isinstance(v, _Indicator)]
    for ind in strategy._indicators:
        ind._attach(None)
    for ind in attrs:
        ind._attach(clock)
    return attrs


def _warmup(indicators: list[_Indicator]) -> int:
    """Bars before every indicator (but scatter ones) has a value."""
    return max((int(np.isnan(ind._full.astype(float)).argmin(axis=-1).max())
                for ind in indicators if not ind._opts.get("scatter")), default=0)


_STAT_KEYS = (
    "Start", "End", "Duration", "Exposure Time [%]", "Equity Final [$]", "Equity Peak [$]",
    "Commissions [$]", "Return [%]", "Buy & Hold Return [%]", "Return (Ann.) [%]",
    "Volatility (Ann.) [%]", "CAGR [%]", "Sharpe Ratio", "Sortino Ratio", "Calmar Ratio",
    "Alpha [%]", "Beta", "Max. Drawdown [%]", "Avg. Drawdown [%]", "Max. Drawdown Duration",
    "Avg. Drawdown Duration", "# Trades", "Win Rate [%]", "Best Trade [%]", "Worst Trade [%]",
    "Avg. Trade [%]", "Max. Trade Duration", "Avg. Trade Duration", "Profit Factor",
    "Expectancy [%]", "SQN", "Kelly Criterion", "_strategy", "_equity_curve", "_trades",
)


class _AttrDict(dict):  # type: ignore[type-arg]
    def __getattr__(self, item: str) -> Any:
        return self[item]


def _tuple(x: Any) -> Any:
    return x if isinstance(x, Sequence) and not isinstance(x, str) else (x,)


def _optimize(bt: Backtest, *, maximize: Any = "SQN", method: str = "grid",
             max_tries: float | None = None, constraint: Any = None,
             return_heatmap: bool = False, return_optimization: bool = False,
             random_state: int | None = None, **kwargs: Any) -> Any:
    """backtesting.py's grid ``Backtest.optimize``: every admissible
    combination (or a random share of them with ``max_tries``) is run, the
    best by ``maximize`` is run again and its statistics returned. Runs are
    serial, in this process."""
    if not kwargs:
        raise ValueError("Need some strategy parameters to optimize")
    maximize_key = None
    if isinstance(maximize, str):
        maximize_key = str(maximize)
        if maximize not in _STAT_KEYS:
            raise ValueError("`maximize`, if str, must match a key in pd.Series "
                             "result of backtest.run()")
        key = maximize

        def maximize(stats: pd.Series) -> Any:
            return stats[key]
    elif not callable(maximize):
        raise TypeError("`maximize` must be str (a field of backtest.run() result "
                        "Series) or a function that accepts result Series "
                        "and returns a number; the higher the better")
    have_constraint = bool(constraint)
    if constraint is None:
        def constraint(_: Any) -> bool:
            return True
    elif not callable(constraint):
        raise TypeError("`constraint` must be a function that accepts a dict "
                        "of strategy parameters and returns a bool whether "
                        "the combination of parameters is admissible or not")
    if method in ("sambo", "skopt"):
        raise ValueError(f"method={method!r} is not available in axon_quant.backtesting; "
                         "use method='grid' (optionally with max_tries)")
    if method != "grid":
        raise ValueError(f"Method should be 'grid' or 'sambo', not {method!r}")
    if return_optimization:
        raise ValueError("return_optimization=True only valid if method='sambo'")
    for k, v in kwargs.items():
        if len(_tuple(v)) == 0:
            raise ValueError(f"Optimization variable '{k}' is passed no "
                             f"optimization values: {k}={v}")

    def combos() -> Any:
        return product(*(zip(repeat(k), _tuple(v)) for k, v in kwargs.items()))

    def grid_size() -> int:
        size = int(np.prod([len(_tuple(v)) for v in kwargs.values()]))
        if size < 10_000 and have_constraint:
            size = sum(1 for p in combos() if constraint(_AttrDict(p)))
        return size

    rand = default_rng(random_state).random
    grid_frac = (1 if max_tries is None else
                 max_tries if 0 < max_tries <= 1 else
                 max_tries / grid_size())
    param_combos = [dict(params) for params in (_AttrDict(p) for p in combos())
                    if constraint(params) and rand() <= grid_frac]
    if not param_combos:
        raise ValueError("No admissible parameter combinations to test")
    if len(param_combos) > 300:
        warnings.warn(f"Searching for best of {len(param_combos)} configurations.",
                      stacklevel=3)
    heatmap = pd.Series(np.nan, name=maximize_key,
                        index=pd.MultiIndex.from_tuples(
                            [p.values() for p in param_combos],
                            names=next(iter(param_combos)).keys()))
    for params in param_combos:
        stats = bt.run(**params)
        if stats["# Trades"]:
            heatmap[tuple(params.values())] = maximize(stats.filter(regex="^[^_]"))
    if pd.isnull(heatmap).all():
        best = bt.run(**param_combos[0])
    else:
        best_params = heatmap.idxmax(skipna=True)
        best = bt.run(**dict(zip(heatmap.index.names, best_params)))
    return (best, heatmap) if return_heatmap else best

