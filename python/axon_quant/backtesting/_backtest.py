"""``Backtest``: backtesting.py's entry point, run by AXON's broker.

The bar loop and every order rule are Rust (``axon_engine::broker``); this
module checks the inputs as backtesting.py does, wires the strategy to the
broker and turns the results into backtesting.py's statistics.
"""

from __future__ import annotations

import warnings
from numbers import Number
from typing import Any

import numpy as np
import pandas as pd

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
