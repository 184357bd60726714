"""Backtest results in the layout of backtesting.py 0.6.5.

`trades_frame` builds the `_trades` table from the broker's closed-trade
columns, and `compute_stats` turns that table, the equity curve and the
price data into the statistics Series that `Backtest.run()` returns. Both
reproduce backtesting.py's keys, order, dtypes and value types, including
its quirks (see docs/backtesting-py-semantics.md, sections 5.2 and 5.3).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["TRADE_COLUMNS", "Stats", "compute_stats", "trades_frame", "indicator_warmup"]

TRADE_COLUMNS = (
    "Size", "EntryBar", "ExitBar", "EntryPrice", "ExitPrice", "SL", "TP", "PnL",
    "Commission", "ReturnPct", "EntryTime", "ExitTime", "Duration", "Tag",
)


class Stats(pd.Series):
    """The statistics Series; its repr shows every key with 5 decimals and
    keeps the nested frames short, as backtesting.py's does."""

    # Warmup used for `Buy & Hold Return [%]`, kept so that
    # `lib.compute_stats` can recompute the statistics later.
    _metadata = ["_warmup"]
    _warmup = None

    def __repr__(self):
        with pd.option_context(
            "display.max_colwidth", 20,
            "display.max_rows", len(self),
            "display.precision", 5,
        ):
            return super().__repr__()


# --------------------------------------------------------------------------
# The `_trades` table

def _as_object_list(values) -> list:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _numeric_column(values, dtype):
    """A numeric column: numpy arrays keep (or get) the given kind, object
    arrays and lists go through pandas' own inference, as a list of Python
    numbers does in backtesting.py."""
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.astype(dtype, copy=False) if dtype is not None else values
    return _as_object_list(values)


def _stop_column(values):
    """SL/TP: NaN stands for "no order" (None in backtesting.py). A column of
    only None stays an object column; otherwise the Nones become NaN."""
    if isinstance(values, np.ndarray) and values.dtype != object:
        values = values.astype(float, copy=False)
        if np.isnan(values).all():
            return [None] * len(values)
        return values
    return _as_object_list(values)


def _time_column(index: pd.Index, bars: np.ndarray):
    picked = index[bars]
    if isinstance(picked, pd.DatetimeIndex):
        # A list of Timestamps is inferred as nanoseconds whatever the
        # index's own unit.
        return picked.as_unit("ns")
    if picked.dtype == np.int64:
        return picked.to_numpy()
    return picked.tolist()


def trades_frame(
    closed: Mapping[str, Any],
    index: pd.Index,
    indicators: Iterable[tuple[Any, np.ndarray]] = (),
) -> pd.DataFrame:
    """Builds the `_trades` DataFrame from closed-trade columns.

    `closed` maps `size, entry_bar, exit_bar, entry_price, exit_price, sl, tp,
    pnl, commission, return_pct, tag` to sequences, one element per closed
    trade (or partial piece) in closing order. `sl`/`tp` use NaN for "none".
    `size` keeps its dtype: an int64 array gives an int64 column, a float
    array a float64 column (backtesting.py's column is float as soon as one
    piece of a trade was reduced), and an object array of Python numbers is
    inferred by pandas. `tag` is an object array of arbitrary values.

    `indicators` lists `(name, values)` for every `Strategy.I` indicator in
    declaration order; `values` is 1-D or 2-D (rows x bars). Each gets
    `Entry_<name>` and `Exit_<name>` columns (`_<row>` suffixes for several
    rows; a list name renders as `str(list)`). A later indicator with the
    same column name overwrites the earlier one in place.
    """
    n = len(closed["size"])
    if n == 0:
        frame = pd.DataFrame({c: [] for c in TRADE_COLUMNS[:12]})
        frame["Duration"] = frame["ExitTime"] - frame["EntryTime"]
        frame["Tag"] = []
        return frame

    entry_bar = np.asarray(closed["entry_bar"]).astype(np.int64, copy=False)
    exit_bar = np.asarray(closed["exit_bar"]).astype(np.int64, copy=False)
    columns = {
        "Size": _numeric_column(closed["size"], None),
        "EntryBar": entry_bar,
        "ExitBar": exit_bar,
        "EntryPrice": _numeric_column(closed["entry_price"], np.float64),
        "ExitPrice": _numeric_column(closed["exit_price"], np.float64),
        "SL": _stop_column(closed["sl"]),
        "TP": _stop_column(closed["tp"]),
        "PnL": _numeric_column(closed["pnl"], np.float64),
        "Commission": _numeric_column(closed["commission"], np.float64),
        "ReturnPct": _numeric_column(closed["return_pct"], np.float64),
        "EntryTime": _time_column(index, entry_bar),
        "ExitTime": _time_column(index, exit_bar),
    }
    frame = pd.DataFrame(columns)
    frame["Duration"] = frame["ExitTime"] - frame["EntryTime"]
    frame["Tag"] = _as_object_list(closed["tag"])

    extra = {}
    for name, values in indicators:
        rows = np.atleast_2d(np.asarray(values))
        for row_no, row in enumerate(rows):
            suffix = f"_{row_no}" if len(rows) > 1 else ""
            extra[f"Entry_{name}{suffix}"] = row[entry_bar]
            extra[f"Exit_{name}{suffix}"] = row[exit_bar]
    if extra:
        # One concat instead of column-by-column inserts (many indicators
        # would fragment the frame). Equal names were merged above, the
        # later indicator winning at the earlier one's position.
        frame = pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
    return frame


# --------------------------------------------------------------------------
# Helpers

def _data_period(index: pd.Index):
    """Median spacing of the last 100 index values (a Timedelta for a
    DatetimeIndex, a number otherwise)."""
    return pd.Series(index[-100:]).diff().dropna().median()


def _geometric_mean(returns: pd.Series):
    """Mean compound return; NaN counts as a 0 return (and in the length),
    any return <= -100% gives 0."""
    growth = returns.fillna(0) + 1
    if np.any(growth <= 0):
        return 0
    count = len(growth) or np.nan
    return np.exp(np.log(growth).sum() / count) - 1


def _drawdown_episodes(dd: np.ndarray, index: pd.Index):
    """Per-bar drawdown duration and peak, set on the bar that ends each
    episode (the next bar at a new equity high, or the last bar)."""
    n = len(dd)
    marks = np.unique(np.append(np.flatnonzero(dd == 0), n - 1))
    start, end = marks[:-1], marks[1:]
    episode = end > start + 1
    if not episode.any():
        # backtesting.py returns the drawdown itself with zeros as NaN
        # for both when no bar-spanning episode exists.
        no_zero = pd.Series(dd, index=index).replace(0, np.nan)
        return no_zero, no_zero

    # Peak of each episode: max over dd[start..=end], NaNs skipped. The
    # reduceat segments run from one mark up to (excluding) the next.
    segment_max = np.fmax.reduceat(dd, marks[:-1])[episode]
    start, end = start[episode], end[episode]
    peaks_at_end = np.fmax(segment_max, dd[end])

    if isinstance(index, pd.DatetimeIndex):
        index_ns = index.as_unit("ns")
        lengths = (index_ns[end] - index_ns[start]).to_numpy()
    else:
        lengths = pd.Series(index[end]).to_numpy() - pd.Series(index[start]).to_numpy()
    # Bars between episode ends get NaT/NaN, with the dtype promotion a
    # reindex would apply (integer and bool lengths become float).
    if lengths.dtype.kind == "m":
        filled = np.full(n, np.timedelta64("NaT"), dtype=lengths.dtype)
    elif lengths.dtype.kind in "biuf":
        filled = np.full(n, np.nan)
    else:
        filled = np.full(n, np.nan, dtype=object)
    filled[end] = lengths
    durations = pd.Series(filled, index=index)
    peaks = np.full(n, np.nan)
    peaks[end] = peaks_at_end
    peaks = pd.Series(peaks, index=index)
    return durations, peaks


def _strategy_indicator_attrs(strategy) -> list:
    found = []
    for value in getattr(strategy, "__dict__", {}).values():
        opts = getattr(value, "_opts", None)
        if isinstance(opts, Mapping) and hasattr(value, "__len__"):
            found.append((value, bool(opts.get("scatter", False))))
    return found


def indicator_warmup(strategy) -> int:
    """The strategy's warmup: its `_warmup` attribute if it has an integer
    one, else (as backtesting.py computes it) the largest index of a first
    non-NaN value over the indicators stored directly as strategy attributes
    (objects with an `_opts` mapping; `scatter` ones excluded); 0 without."""
    if strategy is None:
        return 0
    explicit = getattr(strategy, "_warmup", None)
    if isinstance(explicit, (int, np.integer)):
        return int(explicit)
    bars = 0
    for values, scatter in _strategy_indicator_attrs(strategy):
        if scatter:
            continue
        arr = np.asarray(values, dtype=float)
        if arr.size == 0:
            continue
        bars = max(bars, int(np.isnan(arr).argmin(axis=-1).max()))
    return bars


# --------------------------------------------------------------------------
# Statistics

def compute_stats(
    *,
    trades: pd.DataFrame,
    equity: np.ndarray,
    ohlc_data: pd.DataFrame,
    strategy_instance,
    risk_free_rate: float = 0.0,
    warmup: int,
    include_commissions: bool = True,
) -> Stats:
    """The statistics of one backtest, equal to backtesting.py's
    `compute_stats` for the same trades and equity.

    `trades` is the finished `_trades` DataFrame (see `trades_frame`),
    `equity` the per-bar equity already back-filled over the warmup bars,
    `warmup` the bar `Buy & Hold Return [%]` starts from. `Commissions [$]`
    (the sum of the `Commission` column, if non-zero) is included only with
    `include_commissions`: backtesting.py shows it after a run, not when
    statistics are recomputed from a trades table (`lib.compute_stats`).
    """
    assert -1 < risk_free_rate < 1
    with np.errstate(invalid="ignore"):
        return _compute(trades, np.asarray(equity, dtype=float), ohlc_data,
                        strategy_instance, risk_free_rate, int(warmup), include_commissions)


def _compute(trades_df, equity, ohlc_data, strategy, rf, warmup, include_commissions):
    index = ohlc_data.index
    n_bars = len(index)

    dd = 1 - equity / np.maximum.accumulate(equity)
    dd_dur, dd_peaks = _drawdown_episodes(dd, index)
    equity_df = pd.DataFrame(
        {"Equity": equity, "DrawdownPct": dd, "DrawdownDuration": dd_dur}, index=index)

    pl = trades_df["PnL"]
    returns = trades_df["ReturnPct"]
    durations = trades_df["Duration"]
    period = _data_period(index)

    def ceil_time(value):
        if not isinstance(value, pd.Timedelta):
            return value
        unit = getattr(period, "resolution_string", None) or period.resolution
        return value.ceil(unit)

    # Values are added one key at a time on purpose: pandas' enlargement
    # coerces the stored scalar types exactly as in backtesting.py, which
    # shows in the repr (e.g. `# Trades` printing as 189.0 on a RangeIndex).
    s = pd.Series(dtype=object)
    s.loc["Start"] = index[0]
    s.loc["End"] = index[-1]
    s.loc["Duration"] = s.End - s.Start

    exposure = _exposure(trades_df, n_bars)
    s.loc["Exposure Time [%]"] = exposure * 100
    s.loc["Equity Final [$]"] = equity[-1]
    s.loc["Equity Peak [$]"] = equity.max()
    if include_commissions:
        commissions = sum(trades_df["Commission"].tolist())
        if commissions:
            s.loc["Commissions [$]"] = commissions
    s.loc["Return [%]"] = (equity[-1] - equity[0]) / equity[0] * 100
    close = ohlc_data["Close"].values
    s.loc["Buy & Hold Return [%]"] = (close[-1] - close[warmup]) / close[warmup] * 100

    is_datetime = isinstance(index, pd.DatetimeIndex)
    if is_datetime:
        period_days = period.days
        weekend_share = index.dayofweek.to_series().between(5, 6).mean()
        periods_per_year = {7: 52, 31: 12, 365: 1}.get(
            period_days, 365 if weekend_share > 2 / 7 * .6 else 252)
        rule = {7: "W", 31: "ME", 365: "YE"}.get(period_days, "D")
        period_returns = equity_df["Equity"].resample(rule).last().dropna().pct_change()
        mean_return = _geometric_mean(period_returns)
        return_var = period_returns.var(ddof=1)
        downside = np.sqrt(period_returns.clip(-np.inf, 0).pow(2).mean())
    else:
        periods_per_year = np.nan
        mean_return = 0
        return_var = np.nan
        downside = np.nan

    annual_return = (1 + mean_return) ** periods_per_year - 1
    s.loc["Return (Ann.) [%]"] = annual_return * 100
    s.loc["Volatility (Ann.) [%]"] = np.sqrt(
        (return_var + (1 + mean_return) ** 2) ** periods_per_year
        - (1 + mean_return) ** (2 * periods_per_year)) * 100
    if is_datetime:
        years = (s.loc["Duration"].days + s.loc["Duration"].seconds / 86400) / periods_per_year
        s.loc["CAGR [%]"] = (
            ((s.loc["Equity Final [$]"] / equity[0]) ** (1 / years) - 1) * 100
            if years else np.nan)

    s.loc["Sharpe Ratio"] = (s.loc["Return (Ann.) [%]"] - rf * 100) / (
        s.loc["Volatility (Ann.) [%]"] or np.nan)
    with np.errstate(divide="ignore"):
        s.loc["Sortino Ratio"] = (annual_return - rf) / (downside * np.sqrt(periods_per_year))
    max_dd = -np.nan_to_num(dd.max())
    s.loc["Calmar Ratio"] = annual_return / (-max_dd or np.nan)

    beta = np.nan
    if n_bars > 2:
        equity_log = np.log(equity[1:] / equity[:-1])
        market_log = np.log(close[1:] / close[:-1])
        cov = np.cov(equity_log, market_log)
        beta = cov[0, 1] / cov[1, 1]
    s.loc["Alpha [%]"] = (s.loc["Return [%]"] - rf * 100
                          - beta * (s.loc["Buy & Hold Return [%]"] - rf * 100))
    s.loc["Beta"] = beta
    s.loc["Max. Drawdown [%]"] = max_dd * 100
    s.loc["Avg. Drawdown [%]"] = -dd_peaks.mean() * 100
    s.loc["Max. Drawdown Duration"] = ceil_time(dd_dur.max())
    s.loc["Avg. Drawdown Duration"] = ceil_time(dd_dur.mean())

    s.loc["# Trades"] = n_trades = len(trades_df)
    win_rate = np.nan if not n_trades else (pl > 0).mean()
    s.loc["Win Rate [%]"] = win_rate * 100
    s.loc["Best Trade [%]"] = returns.max() * 100
    s.loc["Worst Trade [%]"] = returns.min() * 100
    s.loc["Avg. Trade [%]"] = _geometric_mean(returns) * 100
    s.loc["Max. Trade Duration"] = ceil_time(durations.max())
    s.loc["Avg. Trade Duration"] = ceil_time(durations.mean())
    s.loc["Profit Factor"] = returns[returns > 0].sum() / (
        abs(returns[returns < 0].sum()) or np.nan)
    s.loc["Expectancy [%]"] = returns.mean() * 100
    s.loc["SQN"] = np.sqrt(n_trades) * pl.mean() / (pl.std() or np.nan)
    s.loc["Kelly Criterion"] = win_rate - (1 - win_rate) / (
        pl[pl > 0].mean() / -pl[pl < 0].mean())

    s.loc["_strategy"] = strategy
    s.loc["_equity_curve"] = equity_df
    s.loc["_trades"] = trades_df

    stats = Stats(s)
    stats._warmup = warmup
    return stats


def _exposure(trades_df: pd.DataFrame, n_bars: int) -> float:
    """Share of bars that lie inside some closed trade's [EntryBar, ExitBar]."""
    if not len(trades_df):
        return np.zeros(n_bars, dtype=np.int64).mean()
    entry = np.clip(trades_df["EntryBar"].to_numpy().astype(np.int64), 0, n_bars)
    stop = np.clip(trades_df["ExitBar"].to_numpy().astype(np.int64) + 1, 0, n_bars)
    valid = stop > entry
    delta = (np.bincount(entry[valid], minlength=n_bars + 1)
             - np.bincount(stop[valid], minlength=n_bars + 1))
    return np.float64(np.count_nonzero(np.cumsum(delta[:n_bars]))) / n_bars
