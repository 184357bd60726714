"""Building blocks for strategies, compatible with `backtesting.lib` 0.6.5.

Signal helpers (`crossover`, `cross`, `barssince`, `quantile`), aggregation
rules for resampling (`OHLCV_AGG`, `TRADES_AGG`), `resample_apply`,
`random_ohlc_data`, `compute_stats`, and the composable strategies
`SignalStrategy`, `TrailingStrategy` and `FractionalBacktest`.

The strategy classes subclass `axon_quant.backtesting.Strategy` /
`Backtest`; they are created on first access, so importing this module does
not import the backtest engine.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from inspect import currentframe
from numbers import Number
from typing import Callable, Generator, Optional, Sequence, Union

import numpy as np
import pandas as pd

from axon_quant._native import _View

from ._data import _Column, _Indicator
from ._stats import compute_stats as _compute_stats
from ._stats import indicator_warmup as _indicator_warmup

__all__ = [
    "OHLCV_AGG", "TRADES_AGG", "barssince", "compute_stats", "cross", "crossover",
    "quantile", "random_ohlc_data", "resample_apply",
    "FractionalBacktest", "SignalStrategy", "TrailingStrategy",
]

OHLCV_AGG = OrderedDict((
    ("Open", "first"),
    ("High", "max"),
    ("Low", "min"),
    ("Close", "last"),
    ("Volume", "sum"),
))
"""How to aggregate OHLCV columns when resampling, e.g.
`df.resample('4h', label='right').agg(OHLCV_AGG).dropna()`."""

TRADES_AGG = OrderedDict((
    ("Size", "sum"),
    ("EntryBar", "first"),
    ("ExitBar", "last"),
    ("EntryPrice", "mean"),
    ("ExitPrice", "mean"),
    ("PnL", "sum"),
    ("ReturnPct", "mean"),
    ("EntryTime", "first"),
    ("ExitTime", "last"),
    ("Duration", "sum"),
))
"""How to aggregate `stats['_trades']` columns when resampling, e.g.
`trades.resample('1D', on='ExitTime', label='right').agg(TRADES_AGG)`."""


# ---------------------------------------------------------------------------
# Signal helpers

# Types whose `[-1]`/`[-2]` are positional element reads (numpy arrays, lists,
# indicator views, ...). Any other type is classified on first sight and
# remembered: numbers become a constant pair, pandas Series their values.
_POSITIONAL_TYPES = {np.ndarray, list, tuple}
_NUMBER_TYPES = {int, float, bool, np.float64, np.float32, np.int64, np.int32, np.bool_}
_VIEW_TYPES = {_Indicator, _Column}
# Called unbound: the views' own attribute lookup passes through their
# `__getattr__` fallback, which costs more than the comparison.
_view_crossover = _View._crossover


def crossover(series1: Sequence, series2: Sequence) -> bool:
    """True if `series1` just crossed over (above) `series2`:
    `series1[-2] < series2[-2] and series1[-1] > series2[-1]`.

    A number counts as a constant series, a `pd.Series` by its values; fewer
    than two values (or a NaN) give False.

        >>> crossover(self.data.Close, self.sma)
        True
    """
    if type(series1) in _VIEW_TYPES:
        # Indicators and data columns in next(): compared natively.
        result = _view_crossover(series1, series2)
        if result is not None:
            return result
    if type(series1) in _POSITIONAL_TYPES and type(series2) in _POSITIONAL_TYPES:
        try:
            return series1[-2] < series2[-2] and series1[-1] > series2[-1]
        except IndexError:
            return False
    return _crossover_general(series1, series2)


def _as_positional(series):
    kind = type(series)
    if kind in _POSITIONAL_TYPES:
        return series
    if kind in _NUMBER_TYPES:
        return (series, series)
    if isinstance(series, pd.Series):
        return series.values
    if isinstance(series, Number):
        _NUMBER_TYPES.add(kind)
        return (series, series)
    _POSITIONAL_TYPES.add(kind)
    return series


def _crossover_general(series1, series2) -> bool:
    series1 = _as_positional(series1)
    series2 = _as_positional(series2)
    try:
        return series1[-2] < series2[-2] and series1[-1] > series2[-1]
    except IndexError:
        return False


def cross(series1: Sequence, series2: Sequence) -> bool:
    """True if `series1` and `series2` just crossed, in either direction.

        >>> cross(self.data.Close, self.sma)
        True
    """
    return crossover(series1, series2) or crossover(series2, series1)


def barssince(condition: Sequence[bool], default=np.inf) -> int:
    """Bars since `condition` was last true (0 if it is true on the last
    bar), or `default` if it never was.

        >>> barssince(self.data.Close > self.data.Open)
        3
    """
    if isinstance(condition, pd.Series):
        condition = condition.values
    if isinstance(condition, np.ndarray) and condition.ndim == 1 and condition.dtype.kind in "biufc":
        # Usually the answer is near the end: look at the last few values
        # one by one, then search backwards in growing chunks. For these
        # dtypes truthiness is "non-zero" (NaN included).
        n = len(condition)
        tail = condition[-16:].tolist()
        for bars, value in enumerate(reversed(tail)):
            if value:
                return bars
        end, chunk = n - len(tail), 256
        while end > 0:
            start = max(0, end - chunk)
            part = condition[start:end]
            if part.dtype.kind != "b":
                part = part != 0
            if part.any():
                return n - end + int(part[::-1].argmax())
            end, chunk = start, chunk * 8
        return default
    for bars, value in enumerate(reversed(condition)):
        if value:
            return bars
    return default


def quantile(series: Sequence, quantile: Union[None, float] = None):
    """With `quantile=None`, the rank of the last value among the earlier
    ones (the share of earlier values below it). With `0 <= quantile <= 1`,
    the value at that quantile (NaNs ignored).

        >>> quantile(self.data.Close[-20:], .1)
        162.130
        >>> quantile(self.data.Close)
        0.13
    """
    if quantile is None:
        try:
            last = series[-1]
        except IndexError:
            return np.nan
        return np.mean(series[:-1] < last)
    assert 0 <= quantile <= 1, "quantile must be within [0, 1]"
    return np.nanpercentile(series, quantile * 100)


# ---------------------------------------------------------------------------
# Statistics

def compute_stats(
        *,
        stats: pd.Series,
        data: pd.DataFrame,
        trades: pd.DataFrame = None,
        risk_free_rate: float = 0.) -> pd.Series:
    """Recomputes the statistics of a run.

    `stats` is what `Backtest.run()` returned and `data` the OHLC data of that
    backtest. `trades`, a subset of `stats._trades` (e.g. only the long
    trades), rebuilds the equity curve from those trades' PnL alone (added
    from each trade's entry bar on). `risk_free_rate` feeds the Sharpe,
    Sortino and Alpha figures.

        >>> stats = Backtest(GOOG, MyStrategy).run()
        >>> longs = stats._trades[stats._trades.Size > 0]
        >>> long_stats = compute_stats(stats=stats, trades=longs, data=GOOG, risk_free_rate=.02)
    """
    equity = stats._equity_curve.Equity.to_numpy(dtype=float)
    if trades is None:
        trades = stats._trades
    else:
        rebuilt = np.full(len(equity), equity[0])
        for entry_bar, pnl in zip(trades["EntryBar"].tolist(), trades["PnL"].tolist()):
            rebuilt[entry_bar:] += pnl
        equity = rebuilt
    strategy = stats._strategy
    warmup = getattr(stats, "_warmup", None)
    if warmup is None:
        warmup = _indicator_warmup(strategy)
    return _compute_stats(trades=trades, equity=equity, ohlc_data=data,
                          strategy_instance=strategy, risk_free_rate=risk_free_rate,
                          warmup=warmup, include_commissions=False)


# ---------------------------------------------------------------------------
# Resampling and random data

def _short_name(value) -> str:
    """Short label of an indicator argument: OHLCV columns by initial, a
    DataFrame as 'df', names over 10 characters cut to 9 plus an ellipsis."""
    if isinstance(value, (Number, str)):
        return str(value)
    if isinstance(value, pd.DataFrame):
        return "df"
    label = str(getattr(value, "name", "") or "")
    if label in ("Open", "High", "Low", "Close", "Volume"):
        return label[0]
    if callable(value):
        label = getattr(value, "__name__", type(value).__name__).replace("<lambda>", "λ")
    return label if len(label) <= 10 else label[:9] + "…"


def _strategy_class():
    try:
        from . import Strategy
    except ImportError:
        return None
    return Strategy


def _calling_strategy_I(levels: int = 4):
    """`self.I` of a Strategy found among the caller's first few frames."""
    strategy_cls = _strategy_class()
    if strategy_cls is not None:
        frame = currentframe()
        frame = frame.f_back if frame else None  # resample_apply itself
        for _ in range(levels):
            frame = frame.f_back if frame else None
            if frame is None:
                break
            candidate = frame.f_locals.get("self")
            if isinstance(candidate, strategy_cls):
                return candidate.I
    return None


def resample_apply(rule: str,
                   func: Optional[Callable[..., Sequence]],
                   series,
                   *args,
                   agg: Optional[Union[str, dict]] = None,
                   **kwargs):
    """Applies `func` (e.g. an indicator) to `series` resampled to the
    pandas offset `rule`, then maps the result back onto the original index
    (each value forward-filled until the next resampled bar).

    Resampling labels bins by their right edge, so a bar only sees values of
    completed higher-timeframe bars. `series` is a `pd.Series`, a
    `pd.DataFrame` or a `Strategy.data` column (with a DatetimeIndex).
    `agg` defaults to the `OHLCV_AGG` rule for the series' name (per column
    for a DataFrame), else `'last'`. Called from `Strategy.init`, the result
    goes through `Strategy.I` (which takes `name=`, `plot=`, ... keywords);
    remaining `*args, **kwargs` go to `func`. `func=None` just resamples.

        class System(Strategy):
            def init(self):
                self.sma = resample_apply('D', SMA, self.data.Close, 10, plot=False)
    """
    if func is None:
        def func(x, *_, **__):
            return x
    assert callable(func), "resample_apply(func=) must be callable"

    if not isinstance(series, (pd.Series, pd.DataFrame)):
        as_series = getattr(series, "s", None)
        assert isinstance(as_series, (pd.Series, pd.DataFrame)), \
            "resample_apply(series=) must be `pd.Series`, `pd.DataFrame`, " \
            "or a `Strategy.data.*` array"
        series = as_series

    if agg is None:
        if isinstance(series, pd.DataFrame):
            agg = {column: OHLCV_AGG.get(column, "last") for column in series.columns}
        else:
            agg = OHLCV_AGG.get(getattr(series, "name", ""), "last")

    resampled = series.resample(rule, label="right").agg(agg).dropna()
    resampled.name = f"{_short_name(series)}[{rule}]"

    strategy_I = _calling_strategy_I()
    if strategy_I is None:
        def strategy_I(function, *a, **kw):
            return function(*a, **kw)

    def on_original_index(resampled, *a, **kw):
        result = func(resampled, *a, **kw)
        if not isinstance(result, (pd.Series, pd.DataFrame)):
            result = np.asarray(result)
            if result.ndim == 1:
                result = pd.Series(result, name=resampled.name)
            elif result.ndim == 2:
                result = pd.DataFrame(result.T)
        if not isinstance(result.index, pd.DatetimeIndex):
            result.index = resampled.index
        both = series.index.union(resampled.index)
        return result.reindex(index=both, method="ffill").reindex(series.index)

    on_original_index.__name__ = func.__name__
    return strategy_I(on_original_index, resampled, *args, **kwargs)


def random_ohlc_data(example_data: pd.DataFrame, *,
                     frac=1., random_state: Optional[int] = None
                     ) -> Generator[pd.DataFrame, None, None]:
    """Endless generator of random OHLC frames statistically like
    `example_data`: its bars resampled (`frac` of them, with replacement if
    `frac > 1`) and chained with resampled open-to-previous-close gaps.

        >>> frames = random_ohlc_data(EURUSD)
        >>> next(frames)  # a new random frame each time
    """
    def resample_rows(frame):
        return frame.sample(frac=frac, replace=frac > 1, random_state=random_state)

    if len(example_data.columns.intersection({"Open", "High", "Low", "Close"})) != 4:
        raise ValueError("`data` must be a pandas.DataFrame with columns "
                         "'Open', 'High', 'Low', 'Close'")
    while True:
        frame = resample_rows(example_data)
        frame.index = example_data.index
        # Each bar's own close-to-next-open move is replaced by a random gap
        # drawn from the example data, and the offsets accumulate.
        own_gap = frame.Close - frame.Open.shift(-1)
        random_gap = resample_rows(example_data.Open.shift(-1) - example_data.Close)
        offset = (own_gap + random_gap).shift(1).fillna(0).cumsum()
        for column in ("Open", "High", "Low", "Close"):
            frame[column] += offset
        yield frame


# ---------------------------------------------------------------------------
# Strategy and backtest classes, built on first access

def _build_classes() -> dict:
    from . import Backtest, Strategy

    class SignalStrategy(Strategy):
        """A strategy driven by precomputed entry/exit signal vectors, which
        makes the backtest behave like a vectorized one.

        Subclass it, and call `set_signal` in `init`:

            class ExampleStrategy(SignalStrategy):
                def init(self):
                    super().init()
                    self.set_signal(sma1 > sma2, sma1 < sma2)

        Call `super().init()` and `super().next()` in overrides.
        """
        __entry_signal = (0,)
        __exit_signal = (False,)

        def set_signal(self, entry_size: Sequence[float],
                       exit_portion: Optional[Sequence[float]] = None,
                       *,
                       plot: bool = True):
            """Sets the entry/exit signal vectors.

            `entry_size > 0` buys that size on the bar, `< 0` sells it (the
            `Order.size` semantics). `exit_portion > 0` closes that portion
            of every long trade, `< 0` of every short one, before the entry.
            `plot` controls whether the signals are plotted.
            """
            self.__entry_signal = self.I(
                lambda: pd.Series(entry_size, dtype=float).replace(0, np.nan),
                name="entry size", plot=plot, overlay=False, scatter=True, color="black")
            if exit_portion is not None:
                self.__exit_signal = self.I(
                    lambda: pd.Series(exit_portion, dtype=float).replace(0, np.nan),
                    name="exit portion", plot=plot, overlay=False, scatter=True, color="black")

        def next(self):
            super().next()

            exit_portion = self.__exit_signal[-1]
            if exit_portion > 0:
                for trade in self.trades:
                    if trade.is_long:
                        trade.close(exit_portion)
            elif exit_portion < 0:
                for trade in self.trades:
                    if trade.is_short:
                        trade.close(-exit_portion)

            entry_size = self.__entry_signal[-1]
            if entry_size > 0:
                self.buy(size=entry_size)
            elif entry_size < 0:
                self.sell(size=-entry_size)

    class TrailingStrategy(Strategy):
        """A strategy whose open trades get a trailing stop-loss, a multiple
        of the average true range (ATR) away from the close (6 by default,
        see `set_trailing_sl`). The stop only ever moves in the trade's
        favour.

        Call `super().init()` and `super().next()` in overrides.
        """
        __n_atr = 6.
        __atr = None

        def init(self):
            super().init()
            self.set_atr_periods()

        def set_atr_periods(self, periods: int = 100):
            """Sets the ATR lookback (default 100 bars, a stable ATR)."""
            high, low = self.data.High, self.data.Low
            prev_close = pd.Series(self.data.Close).shift(1)
            true_range = np.max([high - low, (prev_close - high).abs(),
                                 (prev_close - low).abs()], axis=0)
            self.__atr = pd.Series(true_range).rolling(periods).mean().bfill().values

        def set_trailing_sl(self, n_atr: float = 6):
            """Trails the stop-loss `n_atr` average true ranges from the close."""
            self.__n_atr = n_atr

        def set_trailing_pct(self, pct: float = .05):
            """Trails the stop-loss about `pct` (0 < pct < 1) from the close.

            The percentage is converted once to ATR units,
            `mean(Close * pct / atr)`, so the distance is approximate.
            """
            assert 0 < pct < 1, "Need pct= as rate, i.e. 5% == 0.05"
            self.set_trailing_sl(np.mean(self.data.Close * pct / self.__atr))

        def next(self):
            super().next()
            bar = len(self.data) - 1
            close = self.data.Close[bar]
            distance = self.__atr[bar] * self.__n_atr
            for trade in self.trades:
                if trade.is_long:
                    trade.sl = max(trade.sl or -np.inf, close - distance)
                else:
                    trade.sl = min(trade.sl or np.inf, close + distance)

    class FractionalBacktest(Backtest):
        """A `Backtest` that trades fractions of a unit: prices are
        multiplied by `fractional_unit` (volumes divided by it), so that
        whole-unit trading of the scaled instrument trades fractions of the
        original; `_trades` sizes and prices are scaled back afterwards.

        `fractional_unit` defaults to one satoshi (1e-8); for µBTC pass
        `fractional_unit=1/1e6`.
        """

        def __init__(self, data, *args, fractional_unit=1 / 100e6, **kwargs):
            if "satoshi" in kwargs:
                warnings.warn(
                    "Parameter `FractionalBacktest(..., satoshi=)` is deprecated. "
                    "Use `FractionalBacktest(..., fractional_unit=)`.",
                    category=DeprecationWarning, stacklevel=2)
                fractional_unit = 1 / kwargs.pop("satoshi")
            self._fractional_unit = fractional_unit
            scaled = data.copy(deep=False)
            for column in ("Open", "High", "Low", "Close"):
                scaled[column] = scaled[column] * fractional_unit
            for column in ("Volume",):
                scaled[column] = scaled[column] / fractional_unit
            self.__scaled_data = scaled
            with warnings.catch_warnings(record=True):
                warnings.filterwarnings(action="ignore", message="frac")
                super().__init__(data, *args, **kwargs)

        def run(self, **kwargs) -> pd.Series:
            original = self._data
            self._data = self.__scaled_data
            try:
                result = super().run(**kwargs)
            finally:
                self._data = original

            unit = self._fractional_unit
            trades: pd.DataFrame = result["_trades"]
            trades["Size"] *= unit
            trades[["EntryPrice", "ExitPrice", "TP", "SL"]] /= unit

            strategy = result["_strategy"]
            for indicator in getattr(strategy, "_indicators", ()):
                if getattr(indicator, "_opts", {}).get("overlay"):
                    indicator /= unit
            return result

    classes = {}
    for cls in (SignalStrategy, TrailingStrategy, FractionalBacktest):
        cls.__module__ = __name__
        cls.__qualname__ = cls.__name__
        classes[cls.__name__] = cls
    return classes


_LAZY_CLASSES = ("SignalStrategy", "TrailingStrategy", "FractionalBacktest")


def __getattr__(name):
    if name in _LAZY_CLASSES:
        globals().update(_build_classes())
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_CLASSES))
