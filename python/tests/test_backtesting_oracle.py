"""Oracle test: `axon_quant.backtesting` against backtesting.py 0.6.5.

`axon_quant.backtesting` is a drop-in for backtesting.py: porting a strategy is
an import change. This file runs the same strategies (`oracle_strategies.py`,
one source built on either library's `Strategy` and `lib`) through both
libraries' `Backtest` with the same arguments and compares the results.

Data: every OHLC CSV shipped inside the backtesting.py package (found in the
`backtesting.test` folder, as tests/oracle_backtesting.rs does; today GOOG,
EURUSD and BTCUSD), plus a seeded synthetic random walk with a RangeIndex and
no Volume column. Options: a covering set of `Backtest` argument profiles
(PROFILES: commission 0, .002, (2.0, .001) and a callable; spread; margin 1 and
.5; trade_on_close; exclusive_orders; hedging; finalize_trades), each
strategy on each data set under "plain" plus two rotating profiles (so every
strategy meets every profile), and a few extra cases (EXTRA_CASES) with
strategy parameters overridden through `run(**params)`.

What is compared, per case (`assert_same_results`):

* `stats`: the same keys in the same order, and equal values. Integers,
  timestamps and timedeltas must be exactly equal (NaN/NaT equal NaN/NaT);
  floats equal within a relative 1e-9 (absolute 1e-9 near zero). The
  tolerance is there because a faithful port may add the same numbers in
  another order (equity = cash + the sum of the open trades' P/L; numpy's
  pairwise sums in mean/var/cov) and so differ by a few ULPs; 1e-9 is 10^7
  ULPs, far below the effect of any rule difference (one unit, one tick, one
  bar). A value must also be of the same kind: an integer where
  backtesting.py has an integer, a float where it has a float (with a
  RangeIndex backtesting.py's stats hold floats for every scalar, Start, End
  and # Trades included). `_strategy` is compared by `str()`
  ("SmaCross(n1=5)").
* `stats._trades`: the same columns (with the indicator columns
  Entry_<name>/Exit_<name>) in the same order, the same dtypes and index;
  Size, EntryBar, ExitBar, EntryTime, ExitTime, Duration and Tag exactly
  (they are discrete: a difference is a different trade), every other column
  (prices, SL/TP, PnL, Commission, ReturnPct, indicator values) within the
  same 1e-9 relative tolerance (`pd.testing.assert_series_equal`, column by
  column, so a failure names the column).
* `stats._equity_curve`: the same index and columns; Equity and DrawdownPct
  within 1e-9, DrawdownDuration exactly.
* Warnings: the `UserWarning`s (and subclasses) raised while constructing
  `Backtest` and running it must carry the same messages the same number of
  times (a multiset: "Broker canceled the relative-sized order ...", "A
  contingent SL/TP order would execute in the same bar ...", "Some trades
  remain open ...", "Data index is not datetime ...", "Some prices are
  larger than initial cash ..."). The messages embed the bar or time, so
  this checks when each warning fired, not just how often. Their order is
  not compared, so an implementation may emit them in a batch after the run.
  Other categories (numpy RuntimeWarning, pandas FutureWarning, ...) are
  ignored: they belong to the libraries' internals. "axon_quant.backtesting"
  in a message reads as "backtesting" (the drop-in names its own classes).
* Exceptions: `BadOrders` places one invalid order (size 0, a fractional size
  above 1, sl/tp on the wrong side, `trade.sl = 0`, `trade.close(0)`);
  both libraries must raise, ours an instance of backtesting.py's exception
  type (a subclass is caught by the same `except`) with the same message.
* `Backtest.run()` twice on one `Backtest` gives equal stats; `run(n1=5)`
  overrides a parameter (and `str(stats._strategy)` shows it); an unknown
  parameter raises AttributeError with backtesting.py's message.

Besides, `test_reference_exercises_feature` checks, on backtesting.py alone,
that every strategy trades on every data set and really exercises its feature
(limit entries filled at min(Open, limit), stop entries at max(Open, stop),
partial pieces with NaN SL, overlapping opposite trades with hedging, ...),
so the comparison can never pass on empty or trivial trade lists, and
`test_comparison_catches_differences` checks that the comparison itself
flags each kind of difference. These tests need only backtesting.py and run
before `axon_quant.backtesting` exists.

Run: .venv/bin/python -m pytest -q python/tests/test_backtesting_oracle.py

Until `axon_quant.backtesting` exists the comparison tests fail on its import
(on purpose: they must not be skipped). Setting AXON_ORACLE_SELF_CHECK=1 runs
the comparisons against backtesting.py itself (twin classes built a second
time), which checks this harness, not AXON.
"""

from __future__ import annotations

import importlib
import math
import os
import warnings
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import backtesting
import backtesting.lib
import backtesting.test
from oracle_compare import (
    _copy_stats,
    assert_same_results,
    stats_problems,
    warning_problems,
)
from oracle_strategies import (
    BAD_ORDER_MODES,
    BBANDS,
    DONCHIAN,
    TRADING,
    make_strategies,
)


SELF_CHECK = os.environ.get("AXON_ORACLE_SELF_CHECK") == "1"


# --- Data -------------------------------------------------------------------------


def _shipped_csvs() -> dict[str, Path]:
    """The OHLC CSV files inside the backtesting.py package, by upper-case stem."""
    root = Path(backtesting.test.__file__).parent
    found = {}
    for path in sorted(root.iterdir()):
        name = path.name
        if name.endswith(".csv.gz"):
            stem = name[: -len(".csv.gz")]
            header = pd.read_csv(path, nrows=0).columns
        elif name.endswith(".csv"):
            stem = name[: -len(".csv")]
            header = pd.read_csv(path, nrows=0).columns
        else:
            continue
        cols = {str(c).strip().lower() for c in header}
        if {"open", "high", "low", "close"} <= cols:
            found[stem.upper()] = path
    return found


SHIPPED = _shipped_csvs()
SYNTH = "SYNTH"
DATASETS = [*SHIPPED, SYNTH]


def _synthetic(n: int = 1500, seed: int = 20240605) -> pd.DataFrame:
    """A geometric random walk with overnight gaps; RangeIndex, no Volume."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0, 0.015, n)))
    prev = np.r_[100.0, close[:-1]]
    open_ = prev * np.exp(rng.normal(0.0, 0.004, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.006, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.006, n)))
    return pd.DataFrame({"Open": open_, "High": high, "Low": low, "Close": close})


@lru_cache(maxsize=None)
def _load(name: str) -> pd.DataFrame:
    if name == SYNTH:
        return _synthetic()
    # As backtesting.test reads its own files.
    return pd.read_csv(SHIPPED[name], index_col=0, parse_dates=True)


def frame(name: str) -> pd.DataFrame:
    """A fresh copy of data set `name`, so no run can change another's data."""
    return _load(name).copy()


def cash_for(df: pd.DataFrame) -> float:
    """10 000 (the default) unless ten units of the dearest close cost more;
    then the next power of ten above that (BTCUSD: 1 000 000)."""
    need = 10 * float(df.Close.max())
    return float(max(10_000, 10 ** math.ceil(math.log10(need))))


#: Shorter windows on short data sets (BTCUSD has 156 monthly bars).
SHORT_DATA_PARAMS: dict[str, dict[str, Any]] = {
    "SmaCross": dict(n1=3, n2=8),
    "BollingerLimits": dict(n=8),
    "DonchianBreakout": dict(n_entry=6, n_exit=3),
    "StopLimitEntries": dict(n=6, n_atr=5, expiry=2, hold=3),
    "PartialCloses": dict(every=1),
    "MultiTrades": dict(n=5, every=1),
    "LimitExpiry": dict(n=6, n_atr=5, depth=0.25, df_every=3),
    "SignalCross": dict(n1=3, n2=8),
    "TrailingCross": dict(n1=3, n2=8, atr_periods=10, n_atr=2.0),
    "EndOfData": dict(every=3, hold=1),
}


def params_for(strategy: str, df: pd.DataFrame) -> dict:
    return dict(SHORT_DATA_PARAMS.get(strategy, {})) if len(df) < 500 else {}


# --- Option profiles and cases ----------------------------------------------------


def fee(size, price):
    """Callable commission: a fixed part and a rate that depends on the side
    (so the sign of `size` passed at each call matters)."""
    return 0.25 + abs(size) * price * (0.0008 if size > 0 else 0.0012)


PROFILES = {
    "plain": {},
    "comm.002": dict(commission=0.002),
    "fixedfee-finalize": dict(commission=(2.0, 0.001), finalize_trades=True),
    "feefn-spread": dict(commission=fee, spread=0.0005),
    "margin.5-onclose": dict(margin=0.5, trade_on_close=True, commission=0.002),
    "exclusive-finalize": dict(exclusive_orders=True, finalize_trades=True, spread=0.0003),
    "exclusive-onclose-fixedfee": dict(
        exclusive_orders=True, trade_on_close=True, commission=(2.0, 0.001)
    ),
    "hedging-margin.5": dict(hedging=True, margin=0.5, commission=(2.0, 0.001)),
    "hedging-onclose-feefn-finalize": dict(
        hedging=True,
        trade_on_close=True,
        commission=fee,
        spread=0.0002,
        margin=0.5,
        finalize_trades=True,
    ),
}
ROTATING = [p for p in PROFILES if p != "plain"]


#: (dataset, strategy, profile, run(**params) overrides, Backtest kwargs overrides)
Case = tuple[str, str, str, dict[str, Any], dict[str, Any]]


def _matrix() -> list[Case]:
    """(dataset, strategy, profile, extra params, extra Backtest kwargs)."""
    cases: list[Case] = []
    for d, dataset in enumerate(DATASETS):
        for s, strategy in enumerate(TRADING):
            cases.append((dataset, strategy, "plain", {}, {}))
            for j in range(2):
                profile = ROTATING[(s + 2 * d + j) % len(ROTATING)]
                cases.append((dataset, strategy, profile, {}, {}))
    return cases


#: Extra cases: parameters overridden through run(**params), a leveraged
#: account that runs out of money, an account poorer than one unit, hedging
#: and finalize_trades with trade_on_close on every data set.
EXTRA_CASES: list[Case] = [
    (SYNTH, "SmaCross", "plain", dict(n1=5, n2=15), {}),
    (SYNTH, "MultiTrades", "margin.5-onclose", {}, dict(margin=0.02)),  # out of money
    (SYNTH, "TrailingCross", "comm.002", dict(trailing_pct=0.05), {}),
    (SYNTH, "DonchianBreakout", "margin.5-onclose", dict(tp_mult=0.3), {}),
    (SYNTH, "PartialCloses", "hedging-margin.5", dict(every=2), {}),
    (SYNTH, "MultiTrades", "exclusive-onclose-fixedfee", dict(max_open=2), {}),
    (SYNTH, "BollingerLimits", "feefn-spread", dict(k=1.0, size=0.9), {}),
]
EXTRA_CASES += [
    # Prices above the cash: a construction warning and cancelled relative orders.
    (dataset, strategy, "comm.002", {}, dict(cash=10_000))
    for dataset in SHIPPED
    if 10 * frame(dataset).Close.max() > 10_000
    for strategy in ("SmaCross", "PartialCloses")
]
EXTRA_CASES += [
    # Opposite trades side by side, on every data set.
    (dataset, "MultiTrades", "hedging-margin.5", {}, {})
    for dataset in DATASETS
]
EXTRA_CASES += [
    # Finalizing with trade_on_close: exits stamped before their entries.
    (dataset, "EndOfData", "margin.5-onclose", {}, dict(finalize_trades=True))
    for dataset in DATASETS
]


def _case_id(case):
    dataset, strategy, profile, params, extra = case
    parts = [dataset, strategy, profile]
    if params:
        parts.append(",".join(f"{k}={v}" for k, v in params.items()))
    if extra:
        parts.append(",".join(f"{k}={v}" for k, v in extra.items()))
    return "-".join(parts)


CASES = list({_case_id(c): c for c in _matrix() + EXTRA_CASES}.values())

#: Cases whose reference account runs out of money (checked).
OUT_OF_MONEY = {_case_id(c) for c in EXTRA_CASES if c[4].get("margin", 1) < 0.05}


# --- Running ----------------------------------------------------------------------

REFERENCE = make_strategies(backtesting.Strategy, backtesting.lib)


@lru_cache(maxsize=1)
def ours():
    """(Backtest, strategies) of the library under test."""
    if SELF_CHECK:
        return backtesting.Backtest, make_strategies(backtesting.Strategy, backtesting.lib)
    module = importlib.import_module("axon_quant.backtesting")
    lib = importlib.import_module("axon_quant.backtesting.lib")
    return module.Backtest, make_strategies(module.Strategy, lib)


def _same_package(message: str) -> str:
    """A message with our package's name read as backtesting.py's (a drop-in
    names its own `lib.FractionalBacktest`)."""
    return message.replace("axon_quant.backtesting", "backtesting")


def _user_warnings(caught) -> list[str]:
    return [
        _same_package(str(w.message)) for w in caught if issubclass(w.category, UserWarning)
    ]


def run_case(Backtest, strategies, dataset, strategy, bt_kwargs, params):
    """Runs one backtest; returns (stats, UserWarning messages)."""
    df = frame(dataset)
    kwargs = {"cash": cash_for(df), **bt_kwargs}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bt = Backtest(df, strategies[strategy], **kwargs)
        stats = bt.run(**params)
    return stats, _user_warnings(caught)


def _resolve(case):
    dataset, strategy, profile, params, extra = case
    bt_kwargs = {**PROFILES[profile], **extra}
    run_params = {**params_for(strategy, frame(dataset)), **params}
    return dataset, strategy, bt_kwargs, run_params


@lru_cache(maxsize=None)
def reference(case_id: str):
    case = next(c for c in CASES + SANITY_CASES if _case_id(c) == case_id)
    dataset, strategy, bt_kwargs, run_params = _resolve(case)
    return run_case(backtesting.Backtest, REFERENCE, dataset, strategy, bt_kwargs, run_params)


# --- The oracle -------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_matches_backtesting_py(case):
    want, want_warnings = reference(_case_id(case))
    assert want["# Trades"] >= 3, "the reference case trades too little to be a test"
    if _case_id(case) in OUT_OF_MONEY:
        assert want["Equity Final [$]"] == 0, "the reference case runs out of money"
    Backtest, strategies = ours()
    dataset, strategy, bt_kwargs, run_params = _resolve(case)
    got, got_warnings = run_case(Backtest, strategies, dataset, strategy, bt_kwargs, run_params)
    assert_same_results(got, want, got_warnings, want_warnings)


def _first_long_dataset():
    return next(d for d in DATASETS if len(frame(d)) >= 500)


@pytest.mark.parametrize("strategy", ["SmaCross", "PartialCloses", "LimitExpiry"])
def test_run_twice_gives_equal_stats(strategy):
    dataset = _first_long_dataset()
    cash = cash_for(frame(dataset))
    Backtest, strategies = ours()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = Backtest(frame(dataset), strategies[strategy], cash=cash, commission=0.002)
        first = bt.run()
        second = bt.run()
        ref = backtesting.Backtest(frame(dataset), REFERENCE[strategy], cash=cash, commission=0.002)
        want = ref.run()
    assert_same_results(second, first)
    assert_same_results(first, want)


def test_run_overrides_a_parameter():
    dataset = _first_long_dataset()
    cash = cash_for(frame(dataset))
    Backtest, strategies = ours()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = Backtest(frame(dataset), strategies["SmaCross"], cash=cash)
        default, overridden = bt.run(), bt.run(n1=5)
        ref = backtesting.Backtest(frame(dataset), REFERENCE["SmaCross"], cash=cash)
        want_default, want = ref.run(), ref.run(n1=5)
    assert str(want["_strategy"]) == "SmaCross(n1=5)"
    assert str(overridden["_strategy"]) == "SmaCross(n1=5)"
    assert want["# Trades"] != want_default["# Trades"]
    assert_same_results(overridden, want)
    assert_same_results(default, want_default)


def test_run_rejects_an_unknown_parameter():
    dataset = _first_long_dataset()
    with pytest.raises(AttributeError) as want:
        backtesting.Backtest(frame(dataset), REFERENCE["SmaCross"]).run(no_such_param=1)
    Backtest, strategies = ours()
    with pytest.raises(AttributeError) as got:
        Backtest(frame(dataset), strategies["SmaCross"]).run(no_such_param=1)
    assert _same_package(str(got.value)) == str(want.value)


#: The exception backtesting.py raises for each BadOrders mode (checked too).
BAD_ORDER_EXCEPTIONS = {
    "size_zero": AssertionError,
    "size_fraction_above_one": AssertionError,
    "tp_below_long": ValueError,
    "sl_above_long": ValueError,
    "tp_above_short": ValueError,
    "limit_sl_wrong_side": ValueError,
    "trade_sl_zero": AssertionError,
    "close_portion_zero": AssertionError,
}


@pytest.mark.parametrize("profile", ["plain", "feefn-spread"])
@pytest.mark.parametrize("mode", BAD_ORDER_MODES)
def test_invalid_orders_raise_like_backtesting_py(mode, profile):
    dataset = _first_long_dataset()
    kwargs = {"cash": cash_for(frame(dataset)), **PROFILES[profile]}

    def raised(Backtest, strategies):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                Backtest(frame(dataset), strategies["BadOrders"], **kwargs).run(mode=mode)
            except Exception as e:  # noqa: BLE001
                return e
        return None

    want = raised(backtesting.Backtest, REFERENCE)
    assert type(want) is BAD_ORDER_EXCEPTIONS[mode], f"backtesting.py raised {want!r}"
    got = raised(*ours())
    assert isinstance(got, type(want)), f"raised {got!r}; backtesting.py raised {want!r}"
    assert _same_package(str(got)) == str(want)


# --- The reference exercises each feature (backtesting.py only) -------------------

#: backtesting.py runs checked by test_reference_exercises_feature: every
#: strategy on every data set without options (shared with the matrix),
#: MultiTrades with hedging, and EndOfData with finalize_trades.
SANITY_CASES: list[Case] = (
    [(d, s, "plain", {}, {}) for d in DATASETS for s in TRADING]
    + [(d, "MultiTrades", "hedging-margin.5", {}, {}) for d in DATASETS]
    + [(d, "EndOfData", "fixedfee-finalize", {}, {}) for d in DATASETS]
    + [(d, "EndOfData", "hedging-onclose-feefn-finalize", {}, {}) for d in DATASETS]
    + [(d, "EndOfData", "margin.5-onclose", {}, dict(finalize_trades=True)) for d in DATASETS]
)


def _param(stats, name):
    return getattr(stats["_strategy"], name)


def _overlap(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether some trade of `a` and some trade of `b` were open together
    (open intervals: a close and an entry on the same bar do not overlap)."""
    if a.empty or b.empty:
        return False
    start = np.maximum.outer(a.EntryBar.values, b.EntryBar.values)
    end = np.minimum.outer(a.ExitBar.values, b.ExitBar.values)
    return bool((start < end).any())


def _pieces_lack_sl_tp(t: pd.DataFrame) -> int:
    """Checks that every piece split off a trade (all rows of one entry but
    the last closed) has NaN SL and TP; returns how many pieces there were."""
    pieces = 0
    for _, group in t.groupby(["EntryBar", "Tag"], dropna=False, sort=False):
        if len(group) > 1:
            head = group.iloc[:-1]
            assert head.SL.isna().all() and head.TP.isna().all(), group
            pieces += len(head)
    return pieces


def sane_smacross(stats, df, options):
    t = stats["_trades"]
    signs = np.sign(t.Size.values)
    assert (signs[1:] != signs[:-1]).all(), "SmaCross reverses on every crossing"
    assert (t.ExitBar.values[:-1] == t.EntryBar.values[1:]).all(), "reversal on one bar"


def sane_bollinger(stats, df, options):
    t = stats["_trades"]
    n, k = _param(stats, "n"), _param(stats, "k")
    upper, lower = BBANDS(df.Close.values, n, k)
    e = t.EntryBar.values
    longs = t.Size.values > 0
    assert (t.Tag[longs] == "bb-long").all() and (t.Tag[~longs] == "bb-short").all()
    # Limit fills: the order of bar e-1, at min(Open, limit) / max(Open, limit).
    want = np.where(
        longs,
        np.minimum(df.Open.values[e], lower[e - 1]),
        np.maximum(df.Open.values[e], upper[e - 1]),
    )
    np.testing.assert_array_equal(t.EntryPrice.values, want)
    assert ((t.ExitPrice == t.TP) & t.TP.notna()).any(), "some trades reach the TP"
    assert ((t.ExitPrice == t.SL) & t.SL.notna()).any(), "some trades stop out"
    for column in (f"Entry_BBANDS(C,{n},{k})_0", f"Exit_BBANDS(C,{n},{k})_1",
                   f"Entry_Mid{n}", f"Entry_SMA(C,{3 * n})"):
        assert column in t.columns, column


def sane_donchian(stats, df, options):
    t = stats["_trades"]
    ch = DONCHIAN(df.High.values, df.Low.values, _param(stats, "n_entry"))
    up, lo = ch.upper.values, ch.lower.values
    e = t.EntryBar.values
    longs = t.Size.values > 0
    assert (t.Tag[longs] == "breakout-up").all() and (t.Tag[~longs] == "breakout-down").all()
    # Stop fills: at max(Open, stop) / min(Open, stop), the order of bar e-1.
    want = np.where(
        longs,
        np.maximum(df.Open.values[e], up[e - 1]),
        np.minimum(df.Open.values[e], lo[e - 1]),
    )
    np.testing.assert_array_equal(t.EntryPrice.values, want)
    initial = np.where(longs, lo[e - 1], up[e - 1])
    moved = t.SL.notna().values & (t.SL.values != initial)
    assert moved.any(), "the trailing stop moves"
    trailed = t.SL.values[moved]
    assert (np.where(longs[moved], trailed > initial[moved], trailed < initial[moved])).all()


def sane_stop_limit(stats, df, options):
    t = stats["_trades"]
    intents = stats["_strategy"].intents
    assert stats["_strategy"].cancelled > 0, "some stop-limit orders expire"
    kinds = Counter()
    for row in t.itertuples():
        side, stop, limit, placed = intents[row.Tag]
        assert (row.Size > 0) == (side == "long")
        assert row.EntryBar > placed
        if side == "long":
            assert row.EntryPrice <= limit
        else:
            assert row.EntryPrice >= limit
        kind = row.Tag.split("-")[0]
        kinds[kind, row.EntryPrice == stop] += 1
    assert kinds["through", True] > 0, "'through' orders fill at their stop"
    assert kinds["pullback", False] > 0, "'pullback' orders fill as limits"


def sane_partial(stats, df, options):
    t = stats["_trades"]
    assert _pieces_lack_sl_tp(t) > 0
    frac = t[t.Tag == "frac"]
    assert frac.SL.isna().any() and frac.SL.notna().any()
    units = t[t.Tag == "units"].Size.abs()
    assert (units != 7).any(), "unit trades are split"
    assert (t[t.Tag.isin(["short-frac", "short-units"])].Size < 0).all()
    assert set(t.Tag) >= {"frac", "units", "short-frac", "short-units"}


def sane_multi(stats, df, options):
    t = stats["_trades"]
    assert (t.Tag.str.startswith("long") == (t.Size > 0)).all()
    hedging = options.get("hedging", False)
    assert _overlap(t[t.Size > 0], t[t.Size < 0]) == hedging
    assert _overlap(t[t.Size > 0], t[t.Size > 0]), "several trades open at once"


def sane_limit_expiry(stats, df, options):
    t = stats["_trades"]
    strategy = stats["_strategy"]
    assert strategy.cancelled > 0, "some limit orders expire"
    e = t.EntryBar.values
    limits = np.array([strategy.intents[tag][2] for tag in t.Tag])
    longs = t.Size.values > 0
    want = np.where(
        longs, np.minimum(df.Open.values[e], limits), np.maximum(df.Open.values[e], limits)
    )
    np.testing.assert_array_equal(t.EntryPrice.values, want)
    assert "Entry_λ(C,5)" in t.columns


def sane_signal(stats, df, options):
    t = stats["_trades"]
    n1, n2 = _param(stats, "n1"), _param(stats, "n2")
    fast = pd.Series(df.Close.values).rolling(n1).mean()
    slow = pd.Series(df.Close.values).rolling(n2).mean()
    cross_bar = ((fast > slow) & (fast.shift() <= slow.shift())) | (
        (fast < slow) & (fast.shift() >= slow.shift())
    )
    assert cross_bar.values[t.EntryBar.values - 1].all(), "entries follow a signal"
    assert (t[t.Size < 0].Size >= -5).all()
    assert _pieces_lack_sl_tp(t) > 0, "exit portion 0.5 splits trades"
    assert {"Entry_entry size", "Exit_exit portion"} <= set(t.columns)


def sane_trailing(stats, df, options):
    t = stats["_trades"]
    stopped = t.SL.notna() & (t.ExitPrice == t.SL)
    assert stopped.any(), "the trailing stop is hit"
    longs = t[(t.Tag == "trail-long") & t.SL.notna()]
    assert (longs.SL > longs.EntryPrice * _param(stats, "initial_sl")).any(), "the SL trails"


def sane_end_of_data(stats, df, options):
    t = stats["_trades"]
    n = len(df)
    assert (t.Tag == "regular").sum() >= 3
    last = t[t.Tag == "last-bar-limit"]
    on_close = options.get("trade_on_close", False)
    if options.get("finalize_trades"):
        # The limit fills on the last bar; finalize closes it at Open[n-1],
        # or at Close[n-2] (bar n-2) with trade_on_close.
        assert len(last) == 1 and last.EntryBar.iloc[0] == n - 1
        assert last.ExitBar.iloc[0] == (n - 2 if on_close else n - 1)
    else:
        assert last.empty, "left open without finalize_trades"
    after = t[t.Tag.isin(["after-end", "after-end-stop"])]
    if options.get("finalize_trades") and not options.get("hedging"):
        # The finalize pass also runs the last next()'s orders: the stop sells
        # one unit of the new 'after-end' trade.
        # With trade_on_close the market buy is stamped bar n-2, at Close[n-2].
        assert list(after.Tag) == ["after-end"] and after.Size.iloc[0] == 1
        assert after.EntryBar.iloc[0] == (n - 2 if on_close else n - 1)
        assert after.ExitBar.iloc[0] == n - 1
    else:
        assert after.empty


SANITY = {
    "SmaCross": sane_smacross,
    "BollingerLimits": sane_bollinger,
    "DonchianBreakout": sane_donchian,
    "StopLimitEntries": sane_stop_limit,
    "PartialCloses": sane_partial,
    "MultiTrades": sane_multi,
    "LimitExpiry": sane_limit_expiry,
    "SignalCross": sane_signal,
    "TrailingCross": sane_trailing,
    "EndOfData": sane_end_of_data,
}


@pytest.mark.parametrize("case", SANITY_CASES, ids=[_case_id(c) for c in SANITY_CASES])
def test_reference_exercises_feature(case):
    dataset, strategy, options, _ = _resolve(case)
    df = frame(dataset)
    stats, _ = reference(_case_id(case))
    t = stats["_trades"]
    least = 20 if len(df) >= 500 else 5
    assert len(t) >= least, f"{len(t)} trades, fewer than {least}"
    assert (t.EntryBar >= 1).all()
    if not (options.get("finalize_trades") and options.get("trade_on_close")):
        assert (t.ExitBar >= t.EntryBar).all()
    SANITY[strategy](stats, df, options)


def test_the_oracle_is_backtesting_0_6_5():
    assert backtesting.__version__ == "0.6.5", "pinned in scripts/requirements-test.txt"


def test_comparison_catches_differences():
    """The comparison itself: silent on a copy, loud on each kind of change."""
    dataset = _first_long_dataset()
    want, _ = reference(_case_id((dataset, "PartialCloses", "plain", {}, {})))
    assert stats_problems(_copy_stats(want), want) == []

    def changed(key, fn, column=None, row=None):
        got = _copy_stats(want)
        if column is None:
            got[key] = fn(got[key])
        else:
            frame_ = got[key]
            if row is None:
                frame_[column] = fn(frame_[column])
            else:
                frame_.loc[row, column] = fn(frame_.loc[row, column])
        return stats_problems(got, want)

    assert changed("_trades", lambda p: p * (1 + 1e-12), "EntryPrice", 3) == []
    assert changed("_trades", lambda p: p * (1 + 1e-7), "EntryPrice", 3)
    assert changed("_trades", lambda s: s + 1, "Size", 5)
    assert changed("_trades", lambda b: b + 1, "ExitBar", 5)
    assert changed("_trades", lambda tag: tag + "x", "Tag", 0)
    assert changed("_trades", lambda sl: 1.0, "SL", 1)
    assert changed("_trades", lambda t: t.iloc[:-1])
    assert changed("_equity_curve", lambda eq: eq * (1 + 1e-6), "Equity")
    assert changed("# Trades", float)
    assert changed("Sharpe Ratio", lambda x: x * 1.001)
    assert changed("Max. Drawdown Duration", lambda d: d + pd.Timedelta(1))
    assert stats_problems(want.drop("SQN"), want)
    assert stats_problems(want[list(want.index[1:]) + [want.index[0]]], want)

    _, want_warnings = reference(_case_id((dataset, "BollingerLimits", "plain", {}, {})))
    assert len(want_warnings) > 1
    assert warning_problems(list(reversed(want_warnings)), want_warnings) == []
    assert warning_problems(want_warnings + want_warnings[:1], want_warnings)
    assert warning_problems(want_warnings[1:], want_warnings)
