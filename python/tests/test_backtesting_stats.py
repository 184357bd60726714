"""axon_quant.backtesting statistics and lib helpers against backtesting.py 0.6.5.

Real backtesting.py runs provide the trades and equity; our `trades_frame`
rebuilds `_trades` from plain column arrays and our `compute_stats` must
give back the same Series: keys, order, values, scalar types and repr.
"""

import math
import pickle
import timeit
import warnings

import numpy as np
import pandas as pd
import pytest

backtesting = pytest.importorskip("backtesting")

from backtesting import Backtest, Strategy  # noqa: E402
from backtesting import lib as ref_lib  # noqa: E402
from backtesting._stats import compute_stats as ref_compute_stats  # noqa: E402
from backtesting._util import _Indicator, _indicator_warmup_nbars  # noqa: E402
from backtesting.test import BTCUSD, EURUSD, GOOG, SMA  # noqa: E402

from axon_quant.backtesting import lib  # noqa: E402
from axon_quant.backtesting._stats import (  # noqa: E402
    Stats,
    compute_stats,
    indicator_warmup,
    trades_frame,
)


# ---------------------------------------------------------------------------
# Reference strategies (plain backtesting.py)

class SmaCross(Strategy):
    n1 = 10
    n2 = 20

    def init(self):
        self.sma1 = self.I(SMA, self.data.Close, self.n1)
        self.sma2 = self.I(SMA, self.data.Close, self.n2)

    def next(self):
        if ref_lib.crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy()
        elif ref_lib.crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell()


class PartialCloses(Strategy):
    """Tagged entries, half closes, SL/TP on some trades, a 2-row indicator
    with a list name and a duplicated indicator name."""

    def init(self):
        self.sma = self.I(SMA, self.data.Close, 10)
        self.band = self.I(lambda: np.vstack([self.data.High, self.data.Low]), name=["hi", "lo"])
        self.again = self.I(SMA, self.data.Close, 10)  # same name as `sma`
        self.flag = self.I(lambda: self.data.Close > self.data.Open, name="up")

    def next(self):
        i = len(self.data)
        price = self.data.Close[-1]
        if i % 20 == 0:
            self.buy(size=7, tag=i)
        if i % 35 == 0:
            self.sell(size=3, sl=price * 1.3, tp=price * 0.7, tag=f"s{i}")
        if i % 20 == 10 and self.trades:
            self.trades[0].close(.5)
        if i % 50 == 0:
            self.position.close()


class StopsOnly(Strategy):
    """Every trade has an SL (float SL column), sizes stay whole (int Size)."""

    def init(self):
        self.sma = self.I(SMA, self.data.Close, 5)

    def next(self):
        if not self.position and len(self.data) % 7 == 0:
            self.buy(size=3, sl=self.data.Close[-1] * .97)
        elif self.position and len(self.data) % 7 == 3:
            self.position.close()


class Idle(Strategy):
    def init(self):
        self.sma = self.I(SMA, self.data.Close, 30)

    def next(self):
        pass


RANGE_GOOG = GOOG.reset_index(drop=True)

CASES = {
    "goog-smacross": (GOOG, SmaCross, {}),
    "goog-smacross-commission-finalize": (
        GOOG, SmaCross, dict(commission=.002, finalize_trades=True, exclusive_orders=True)),
    "goog-partial": (GOOG, PartialCloses, dict(commission=.002, cash=100_000)),
    "goog-partial-fixed-fee": (GOOG, PartialCloses, dict(commission=(3, .001), cash=100_000,
                                                         trade_on_close=True, finalize_trades=True)),
    "goog-stops": (GOOG, StopsOnly, dict(spread=.001)),
    "goog-idle": (GOOG, Idle, {}),
    "eurusd-smacross": (EURUSD, SmaCross, dict(cash=100_000, margin=.05)),
    "eurusd-partial": (EURUSD, PartialCloses, dict(cash=1_000, commission=.0002)),
    "btcusd-smacross": (BTCUSD, SmaCross, dict(cash=1_000_000, commission=.001)),
    "btcusd-idle": (BTCUSD, Idle, dict(cash=1_000_000)),
    "range-smacross": (RANGE_GOOG, SmaCross, {}),
    "range-partial": (RANGE_GOOG, PartialCloses, dict(commission=.002, cash=100_000)),
    "range-idle": (RANGE_GOOG, Idle, {}),
}

_RUNS = {}


def reference_run(name):
    if name not in _RUNS:
        data, strategy, kwargs = CASES[name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stats = Backtest(data, strategy, **kwargs).run()
        _RUNS[name] = (data, stats)
    return _RUNS[name]


def closed_columns(trades: pd.DataFrame) -> dict:
    """The broker-side column arrays that `trades_frame` takes."""
    def stops(col):
        return np.array([np.nan if v is None else v for v in trades[col]], dtype=float)

    size = trades["Size"].to_numpy()
    return {
        "size": size.astype(np.int64 if size.dtype.kind == "i" else float),
        "entry_bar": trades["EntryBar"].to_numpy(),
        "exit_bar": trades["ExitBar"].to_numpy(),
        "entry_price": trades["EntryPrice"].to_numpy(dtype=float),
        "exit_price": trades["ExitPrice"].to_numpy(dtype=float),
        "sl": stops("SL"),
        "tp": stops("TP"),
        "pnl": trades["PnL"].to_numpy(dtype=float),
        "commission": trades["Commission"].to_numpy(dtype=float),
        "return_pct": trades["ReturnPct"].to_numpy(dtype=float),
        "tag": np.array(trades["Tag"].tolist() + [None], dtype=object)[:-1],
    }


def indicators_of(strategy):
    return [(ind.name, np.asarray(ind)) for ind in strategy._indicators]


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """backtesting.py can leave its ndarray subclass (`_Indicator`) inside a
    bool indicator column; compare the plain values."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column].values
        if isinstance(values, np.ndarray) and type(values) is not np.ndarray:
            frame[column] = np.asarray(values)
    return frame


def same_value(a, b):
    if isinstance(a, pd.DataFrame):
        return isinstance(b, pd.DataFrame)
    if a is b:
        return True
    if isinstance(a, (pd.Timestamp, pd.Timedelta)) or a is pd.NaT:
        return a is b or a == b
    if isinstance(a, (float, np.floating)) and isinstance(b, (float, np.floating, int)):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)
    return a == b


def assert_same_stats(ours, theirs):
    assert isinstance(ours, Stats)
    assert list(ours.index) == list(theirs.index)
    for key in theirs.index:
        a, b = ours[key], theirs[key]
        assert same_value(a, b), (key, a, b)
        assert type(a) is type(b), (key, type(a), type(b))
    pd.testing.assert_frame_equal(ours["_equity_curve"], theirs["_equity_curve"])
    pd.testing.assert_frame_equal(ours["_trades"], plain(theirs["_trades"]))
    assert ours["_strategy"] is theirs["_strategy"]


# ---------------------------------------------------------------------------
# compute_stats / trades_frame against real runs

@pytest.mark.parametrize("case", list(CASES))
def test_trades_frame_rebuilds_backtesting_trades(case):
    data, stats = reference_run(case)
    rebuilt = trades_frame(closed_columns(stats["_trades"]), data.index,
                           indicators_of(stats["_strategy"]))
    pd.testing.assert_frame_equal(rebuilt, plain(stats["_trades"]))


@pytest.mark.parametrize("case", list(CASES))
def test_compute_stats_equals_backtesting(case):
    data, stats = reference_run(case)
    strategy = stats["_strategy"]
    trades = trades_frame(closed_columns(stats["_trades"]), data.index, indicators_of(strategy))
    ours = compute_stats(trades=trades, equity=stats["_equity_curve"]["Equity"].to_numpy(),
                         ohlc_data=data, strategy_instance=strategy,
                         warmup=_indicator_warmup_nbars(strategy))
    assert_same_stats(ours, stats)
    assert repr(ours) == repr(stats)


def test_conditional_keys():
    _, goog = reference_run("goog-smacross")
    _, with_fee = reference_run("goog-partial")
    _, ranged = reference_run("range-smacross")
    assert "CAGR [%]" in goog and "Commissions [$]" not in goog and len(goog) == 34
    assert "Commissions [$]" in with_fee and len(with_fee) == 35
    assert "CAGR [%]" not in ranged and "Commissions [$]" not in ranged


def test_risk_free_rate():
    data, stats = reference_run("goog-partial")
    strategy = stats["_strategy"]
    trades = plain(stats["_trades"])
    theirs = ref_compute_stats(trades=trades, equity=stats["_equity_curve"]["Equity"].values,
                               ohlc_data=data, strategy_instance=strategy, risk_free_rate=.03)
    ours = compute_stats(trades=trades, equity=stats["_equity_curve"]["Equity"].values,
                         ohlc_data=data, strategy_instance=strategy, risk_free_rate=.03,
                         warmup=_indicator_warmup_nbars(strategy), include_commissions=False)
    assert_same_stats(ours, theirs)
    with pytest.raises(AssertionError):
        compute_stats(trades=stats["_trades"], equity=stats["_equity_curve"]["Equity"].values,
                      ohlc_data=data, strategy_instance=strategy, risk_free_rate=1, warmup=0)


def test_warmup_from_strategy_indicators():
    for case in ("goog-smacross", "goog-partial", "goog-idle"):
        _, stats = reference_run(case)
        assert indicator_warmup(stats["_strategy"]) == _indicator_warmup_nbars(stats["_strategy"])
    assert indicator_warmup(None) == 0


def test_stats_pickle_keeps_warmup():
    data, stats = reference_run("goog-smacross")
    strategy = stats["_strategy"]
    ours = compute_stats(trades=stats["_trades"], equity=stats["_equity_curve"]["Equity"].values,
                         ohlc_data=data, strategy_instance=None, warmup=19)
    back = pickle.loads(pickle.dumps(ours))
    assert back._warmup == 19 and list(back.index) == list(ours.index)
    assert strategy is not None


# Synthetic equity curves and trade tables on many index kinds, compared with
# backtesting.py's compute_stats called directly (a trades DataFrame: no
# `Commissions [$]`).

def _indexes(n):
    yield "daily", pd.date_range("2020-01-01", periods=n, freq="D")
    yield "business", pd.bdate_range("2020-01-01", periods=n)
    yield "hourly", pd.date_range("2020-01-01", periods=n, freq="h")
    yield "minute-tz", pd.date_range("2020-01-03 20:00", periods=n, freq="min", tz="UTC")
    yield "weekly", pd.date_range("2000-01-02", periods=n, freq="W")
    yield "monthly", pd.date_range("2000-01-31", periods=n, freq="ME")
    if n < 200:
        yield "yearly", pd.date_range("1850-12-31", periods=n, freq="YE")
    yield "seconds-unit", pd.date_range("2020-01-01", periods=n, freq="D").as_unit("s")
    yield "range", pd.RangeIndex(n)
    yield "int-step", pd.RangeIndex(100, 100 + 3 * n, 3)


def _synthetic(seed, n, index, shape):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, .01, n)))
    data = pd.DataFrame({"Open": close, "High": close * 1.01, "Low": close * .99,
                         "Close": close}, index=index)
    if shape == "flat":
        equity = np.full(n, 10_000.0)
    elif shape == "last-bar-dip":
        equity = np.full(n, 10_000.0)
        equity[-1] = 9_000.0
    elif shape == "ends-in-drawdown":
        equity = 10_000 * np.exp(np.cumsum(rng.normal(0, .01, n)))
        equity[-n // 4:] = equity.max() * .8
    else:
        equity = 10_000 * np.exp(np.cumsum(rng.normal(.0005, .01, n)))
    k = 0 if shape in ("flat", "last-bar-dip") else max(1, n // 15)
    entry = np.sort(rng.integers(0, n - 1, k))
    exit_ = np.minimum(entry + rng.integers(0, 12, k), n - 1)
    exit_[::7] = np.maximum(entry[::7] - 1, 0)  # some ExitBar < EntryBar
    size = rng.choice([-5, -1, 2, 3], k)
    pnl = rng.normal(5, 50, k)
    pnl[::5] = 0.0
    ret = rng.normal(.002, .03, k)
    if shape == "wipeout" and k:
        ret[0] = -1.5
    closed = {
        "size": size, "entry_bar": entry, "exit_bar": exit_,
        "entry_price": close[entry], "exit_price": close[exit_],
        "sl": np.where(rng.random(k) < .5, np.nan, close[entry] * .9),
        "tp": np.full(k, np.nan), "pnl": pnl, "commission": np.abs(pnl) * .01,
        "return_pct": ret, "tag": np.array([None] * k, dtype=object),
    }
    return data, equity, closed


class Holder:
    """Stands for a strategy: only its indicator attributes matter."""

    def __init__(self, n, warmup):
        values = np.r_[np.full(warmup, np.nan), np.ones(n - warmup)]
        self.ind = _Indicator(values, name="w", scatter=False)
        self.dots = _Indicator(np.full(n, np.nan), name="d", scatter=True)


@pytest.mark.parametrize("shape", ["trend", "flat", "last-bar-dip", "ends-in-drawdown", "wipeout"])
@pytest.mark.parametrize("n", [3, 40, 400])
def test_synthetic_against_backtesting(shape, n):
    for seed, (kind, index) in enumerate(_indexes(n)):
        data, equity, closed = _synthetic(seed, n, index, shape)
        trades = trades_frame(closed, index)
        holder = Holder(n, min(2, n - 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                theirs = ref_compute_stats(trades=trades, equity=equity, ohlc_data=data,
                                           strategy_instance=holder, risk_free_rate=.01)
            ours = compute_stats(trades=trades, equity=equity, ohlc_data=data,
                                 strategy_instance=holder, risk_free_rate=.01,
                                 warmup=indicator_warmup(holder), include_commissions=False)
        try:
            assert_same_stats(ours, theirs)
            assert repr(ours) == repr(theirs)
        except AssertionError as e:
            raise AssertionError(f"{kind}: {e}") from e


# ---------------------------------------------------------------------------
# lib.compute_stats

@pytest.mark.parametrize("case", ["goog-partial", "goog-smacross", "range-partial"])
def test_lib_compute_stats(case):
    data, stats = reference_run(case)
    strategy = stats["_strategy"]
    trades = trades_frame(closed_columns(stats["_trades"]), data.index, indicators_of(strategy))
    ours_run = compute_stats(trades=trades, equity=stats["_equity_curve"]["Equity"].to_numpy(),
                             ohlc_data=data, strategy_instance=strategy,
                             warmup=_indicator_warmup_nbars(strategy))
    for subset in (None, stats["_trades"][stats["_trades"]["Size"] > 0]):
        theirs = ref_lib.compute_stats(stats=stats, data=data, trades=subset, risk_free_rate=.02)
        ours = lib.compute_stats(stats=ours_run, data=data, trades=subset, risk_free_rate=.02)
        assert_same_stats(ours, theirs)
        # Stats straight from backtesting.py (no recorded warmup) work too.
        ours = lib.compute_stats(stats=stats, data=data, trades=subset, risk_free_rate=.02)
        assert list(ours.index) == list(theirs.index)
        for key in theirs.index[:-3]:
            assert same_value(ours[key], theirs[key]), key


# ---------------------------------------------------------------------------
# lib helpers

class GrowingView:
    """Minimal stand-in for a native growing indicator view."""

    def __init__(self, values, length):
        self._v, self._n = np.asarray(values, float), length

    def __len__(self):
        return self._n

    def __getitem__(self, i):
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._v[i]

    def __array__(self, dtype=None, copy=None):
        return self._v[:self._n]


@pytest.mark.parametrize("a, b", [
    ([1, 3], [1, 2]),
    ([1, 3], [2, 2]),
    ([2, 1], [1, 2]),
    ([1, 3], 2),
    (2, [3, 1]),
    (2, 3),
    ([3], [1]),
    ([], []),
    ([1, np.nan], [2, 2]),
    ([np.nan, 3], [2, 2]),
    (np.array([1., 3.]), np.array([2., 2.])),
    (np.array([5, 1, 3]), np.array([2, 2, 2])),
    (pd.Series([1., 3.], index=[7, 8]), pd.Series([2., 2.], index=[7, 8])),
    (pd.Series([1., 3.], index=pd.date_range("2020", periods=2)), 2.0),
    (np.float64(1.5), [2, 1]),
    (True, [2, 0]),
])
def test_crossover_and_cross_match_backtesting(a, b):
    assert bool(lib.crossover(a, b)) == bool(ref_lib.crossover(a, b))
    assert bool(lib.crossover(b, a)) == bool(ref_lib.crossover(b, a))
    assert bool(lib.cross(a, b)) == bool(ref_lib.cross(a, b))


def test_crossover_documented_cases():
    assert not lib.crossover([1, 3], [1, 2])
    assert lib.crossover([1, 3], [2, 2])
    assert lib.crossover([1, 3], 2)
    assert not lib.crossover([1, np.nan], [2, 2])
    assert not lib.crossover([1], [0])
    assert lib.crossover(pd.Series([1, 3]), pd.Series([2, 2]))
    assert lib.cross([3, 1], [2, 2]) and not lib.crossover([3, 1], [2, 2])
    a, b = GrowingView([1, 1, 3, 0], 3), GrowingView([2, 2, 2, 2], 3)
    assert lib.crossover(a, b)
    assert not lib.crossover(a, b) is None
    assert not lib.crossover(GrowingView([1], 1), GrowingView([2], 1))


def test_crossover_is_fast_on_arrays():
    a = np.arange(1000, dtype=float)
    b = np.full(1000, 500.0)
    lib.crossover(a, b)
    best = min(timeit.repeat(lambda: lib.crossover(a, b), number=20_000, repeat=5)) / 20_000
    # The lambda's own call is included; the target is ~0.5 µs on a quiet machine.
    assert best < 2e-6, best


@pytest.mark.parametrize("cond, default", [
    ([True, False, False], np.inf),
    ([False, False], np.inf),
    ([False, True], np.inf),
    ([], -1),
    ([0, 0, 1, 0], None),
    (np.array([1., 0., np.nan, 0.]), np.inf),
    (np.array([False] * 500 + [True] + [False] * 3000), np.inf),
    (np.array([True] + [False] * 5000), np.inf),
    (np.zeros(10_000, bool), -7),
    (pd.Series([True, False, False, False]), np.inf),
])
def test_barssince_matches_backtesting(cond, default):
    assert lib.barssince(cond, default) == ref_lib.barssince(cond, default)


def test_barssince_documented():
    assert lib.barssince([True, False, False]) == 2
    assert lib.barssince([False, True]) == 0
    assert lib.barssince([False, False]) == np.inf
    assert lib.barssince(np.array([1, 2, 3]) > 5, default=-1) == -1


def test_quantile_matches_backtesting():
    values = np.array([5., 1., 3., 7., 2., 4.])
    assert lib.quantile(values) == ref_lib.quantile(values)
    assert lib.quantile(values, .3) == ref_lib.quantile(values, .3)
    assert np.isnan(lib.quantile(np.array([])))
    with pytest.raises(AssertionError):
        lib.quantile(values, 2)


def test_aggregation_rules():
    assert lib.OHLCV_AGG == ref_lib.OHLCV_AGG and list(lib.OHLCV_AGG) == list(ref_lib.OHLCV_AGG)
    assert lib.TRADES_AGG == ref_lib.TRADES_AGG and list(lib.TRADES_AGG) == list(ref_lib.TRADES_AGG)


def test_random_ohlc_data_matches_backtesting():
    ours = lib.random_ohlc_data(GOOG, random_state=3)
    theirs = ref_lib.random_ohlc_data(GOOG, random_state=3)
    for _ in range(2):
        pd.testing.assert_frame_equal(next(ours), next(theirs))
    ours, theirs = lib.random_ohlc_data(GOOG), ref_lib.random_ohlc_data(GOOG)
    assert next(ours).shape == next(theirs).shape == GOOG.shape
    # Like backtesting.py, frac != 1 cannot keep the example index.
    with pytest.raises(ValueError):
        next(ref_lib.random_ohlc_data(GOOG, frac=1.5))
    with pytest.raises(ValueError):
        next(lib.random_ohlc_data(GOOG, frac=1.5))
    with pytest.raises(ValueError):
        next(lib.random_ohlc_data(GOOG[["Open", "Close"]]))


def test_resample_apply_outside_strategy():
    close = EURUSD["Close"]
    ours = lib.resample_apply("D", SMA, close, 3)
    theirs = ref_lib.resample_apply("D", SMA, close, 3)
    pd.testing.assert_series_equal(ours, theirs)
    ours = lib.resample_apply("4h", None, EURUSD)
    theirs = ref_lib.resample_apply("4h", None, EURUSD)
    pd.testing.assert_frame_equal(ours, theirs)


# ---------------------------------------------------------------------------
# The lib strategy classes, built on backtesting.py's own Strategy/Backtest
# (so that only the lib logic is compared), and resample_apply inside init.

@pytest.fixture
def on_reference_engine(monkeypatch):
    import axon_quant.backtesting as package

    monkeypatch.setattr(package, "Strategy", Strategy, raising=False)
    monkeypatch.setattr(package, "Backtest", Backtest, raising=False)
    return lib._build_classes()


def _signal_strategy(base):
    class Signals(base):
        def init(self):
            super().init()
            close = pd.Series(self.data.Close)
            fast, slow = close.rolling(10).mean(), close.rolling(30).mean()
            entry = np.where(fast > slow, 3, np.where(fast < slow, -2, 0))
            entry[::3] = 0
            exit_ = np.where(np.arange(len(close)) % 17 == 0, .5, 0.)
            exit_[::29] = -1
            self.set_signal(entry, exit_)

    return Signals


def _trailing_strategy(base, pct):
    class Trailing(base):
        def init(self):
            super().init()
            self.sma = self.I(SMA, self.data.Close, 20)
            if pct:
                self.set_trailing_pct(pct)
            else:
                self.set_trailing_sl(3)

        def next(self):
            super().next()
            if not self.position:
                if self.data.Close[-1] > self.sma[-1]:
                    self.buy(size=.5)
                else:
                    self.sell(size=.5)

    return Trailing


def _resampling_strategy(resample_apply):
    class Resampling(Strategy):
        def init(self):
            self.daily = resample_apply("D", SMA, self.data.Close, 5)
            self.hourly = resample_apply("4h", None, self.data.df, plot=False)

        def next(self):
            if ref_lib.crossover(self.data.Close, self.daily):
                self.position.close()
                self.buy()
            elif ref_lib.crossover(self.daily, self.data.Close):
                self.position.close()

    return Resampling


def _run(data, strategy, backtest=Backtest, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return backtest(data, strategy, **kwargs).run()


def assert_same_run(ours, theirs):
    assert list(ours.index) == list(theirs.index)
    for key in theirs.index:
        if key not in ("_strategy", "_equity_curve", "_trades"):
            assert same_value(ours[key], theirs[key]), (key, ours[key], theirs[key])
    pd.testing.assert_frame_equal(ours["_equity_curve"], theirs["_equity_curve"])
    pd.testing.assert_frame_equal(plain(ours["_trades"]), plain(theirs["_trades"]))


def test_signal_strategy(on_reference_engine):
    ours = _run(GOOG, _signal_strategy(on_reference_engine["SignalStrategy"]), cash=100_000)
    theirs = _run(GOOG, _signal_strategy(ref_lib.SignalStrategy), cash=100_000)
    assert ours["# Trades"] > 20
    assert_same_run(ours, theirs)


@pytest.mark.parametrize("pct", [None, .04])
def test_trailing_strategy(on_reference_engine, pct):
    ours = _run(GOOG, _trailing_strategy(on_reference_engine["TrailingStrategy"], pct))
    theirs = _run(GOOG, _trailing_strategy(ref_lib.TrailingStrategy, pct))
    assert ours["# Trades"] > 5
    assert_same_run(ours, theirs)


def test_fractional_backtest(on_reference_engine):
    kwargs = dict(cash=10_000, commission=.001, fractional_unit=1e-6)
    ours = _run(BTCUSD, SmaCross, on_reference_engine["FractionalBacktest"], **kwargs)
    theirs = _run(BTCUSD, SmaCross, ref_lib.FractionalBacktest, **kwargs)
    assert ours["# Trades"] > 2
    assert_same_run(ours, theirs)


def test_resample_apply_in_strategy_init(on_reference_engine):
    ours = _run(EURUSD, _resampling_strategy(lib.resample_apply))
    theirs = _run(EURUSD, _resampling_strategy(ref_lib.resample_apply))
    assert [i.name for i in ours["_strategy"]._indicators] == \
        [i.name for i in theirs["_strategy"]._indicators]
    assert_same_run(ours, theirs)


def test_lazy_classes_need_the_engine():
    import axon_quant.backtesting as package

    if hasattr(package, "Strategy"):
        assert issubclass(lib.SignalStrategy, package.Strategy)
        assert issubclass(lib.TrailingStrategy, package.Strategy)
        assert issubclass(lib.FractionalBacktest, package.Backtest)
        assert lib.SignalStrategy.__module__ == lib.__name__
    else:
        with pytest.raises(ImportError):
            lib.SignalStrategy
    assert set(lib.__all__) <= set(dir(lib))
