"""axon_quant.backtesting's own behaviour: arrays revealed bar by bar,
numpy interplay, errors. (test_backtesting_oracle.py compares results with
backtesting.py itself.)"""

import warnings

import numpy as np
import pandas as pd
import pytest

from axon_quant.backtesting import Backtest, Strategy
from axon_quant.backtesting.lib import crossover


def frame(n: int = 60) -> pd.DataFrame:
    close = 100 + np.sin(np.arange(n) / 4) * 5 + np.arange(n) * 0.1
    idx = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.DataFrame({"Open": close, "High": close + 1, "Low": close - 1,
                         "Close": close, "Volume": 1.0}, index=idx)


def sma(values, n):
    return pd.Series(values).rolling(n).mean()


def test_arrays_grow_bar_by_bar_and_are_whole_in_init():
    seen = []

    class Probe(Strategy):
        def init(self):
            assert isinstance(self.data.Close, np.ndarray)
            assert len(self.data.Close) == len(self.data) == 60
            self.fast = self.I(sma, self.data.Close, 3)
            self.kept = [self.I(sma, self.data.Close, 5)]

        def next(self):
            i = len(self.data) - 1
            close = self.data.Close
            assert len(close) == i + 1 and close[-1] == frame().Close.iloc[i]
            assert len(self.fast) == i + 1
            assert np.asarray(self.fast).shape == (i + 1,)
            assert self.fast[-1] == pytest.approx(frame().Close.iloc[i - 2:i + 1].mean())
            assert np.array_equal(self.fast[-3:], np.asarray(self.fast)[-3:], equal_nan=True)
            assert self.fast.s.index[-1] == self.data.index[-1]
            assert float(np.mean(self.data.Close[-3:])) == pytest.approx(self.fast[-1])
            assert ((self.fast > 0) == (np.asarray(self.fast) > 0)).all()
            # An indicator held in a list is not revealed gradually, as in
            # backtesting.py: it stays whole.
            assert len(self.kept[0]) == 60
            seen.append(i)

    Backtest(frame(), Probe).run()
    # Bar 0 never runs; the warm-up skips bars until `fast` has a value.
    assert seen == list(range(3, 60))


def test_crossover_reads_views():
    class Cross(Strategy):
        def init(self):
            self.a = self.I(sma, self.data.Close, 2)
            self.b = self.I(sma, self.data.Close, 8)
            self.hits = 0

        def next(self):
            if crossover(self.a, self.b):
                self.hits += 1
                self.buy()

    stats = Backtest(frame(), Cross, finalize_trades=True).run()
    assert stats._strategy.hits > 0
    assert stats["# Trades"] >= 1


def test_an_exception_in_next_propagates_with_its_traceback():
    class Boom(Strategy):
        def init(self):
            pass

        def next(self):
            if len(self.data) == 10:
                raise KeyError("boom at bar 9")

    with pytest.raises(KeyError, match="boom at bar 9"):
        Backtest(frame(), Boom).run()


def test_unknown_parameters_are_refused():
    class P(Strategy):
        n = 3

        def init(self):
            pass

        def next(self):
            pass

    with pytest.raises(AttributeError, match="missing parameter 'm'"):
        Backtest(frame(), P).run(m=4)
    assert str(Backtest(frame(), P).run(n=5)._strategy) == "P(n=5)"


def test_bad_data_is_refused_before_running():
    class S(Strategy):
        def init(self):
            pass

        def next(self):
            pass

    bad = frame()
    bad.iloc[5, 0] = np.nan
    with pytest.raises(ValueError, match="missing"):
        Backtest(bad, S)
    with pytest.raises(ValueError, match="empty"):
        Backtest(frame().iloc[:0], S)
    with pytest.raises(TypeError, match="Strategy sub-type"):
        Backtest(frame(), object)  # type: ignore[arg-type]



def _make_opt_classes():
    import backtesting
    from backtesting.test import SMA as BSMA

    def init(self):
        self.a = self.I(BSMA, self.data.Close, self.n1)
        self.b = self.I(BSMA, self.data.Close, self.n2)

    def next_(self):
        if crossover(self.a, self.b):
            self.position.close()
            self.buy()
        elif crossover(self.b, self.a):
            self.position.close()
            self.sell()

    body = {"n1": 10, "n2": 20, "init": init, "next": next_, "__module__": __name__}
    ours = type("OptSma", (Strategy,), dict(body))
    theirs = type("OptSmaB", (backtesting.Strategy,), dict(body))
    globals()["OptSma"], globals()["OptSmaB"] = ours, theirs
    return ours, theirs


def _n1_below_n2(p):
    return p.n1 < p.n2


def test_optimize_finds_what_backtesting_py_finds():
    import backtesting
    from backtesting.test import GOOG

    ours, theirs = _make_opt_classes()
    grid = dict(n1=[5, 10, 15], n2=[10, 20, 40], constraint=_n1_below_n2, return_heatmap=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        best_b, heat_b = backtesting.Backtest(GOOG, theirs, commission=.002).optimize(**grid)
    best_a, heat_a = Backtest(GOOG, ours, commission=.002).optimize(**grid)
    pd.testing.assert_series_equal(heat_a, heat_b)
    assert len(heat_a) == 7
    assert best_a["Equity Final [$]"] == best_b["Equity Final [$]"]
    assert str(best_a._strategy).split("(")[1] == str(best_b._strategy).split("(")[1]
    with pytest.raises(ValueError, match="must match a key"):
        Backtest(GOOG, ours).optimize(n1=[5], maximize="Sharpe")
    with pytest.raises(ValueError, match="no optimization values"):
        Backtest(GOOG, ours).optimize(n1=[])


def test_fractional_backtest_matches_backtesting_py():
    import backtesting
    import backtesting.lib as blib
    from backtesting.test import BTCUSD

    from axon_quant.backtesting import lib as alib

    def make(base, cross):
        def init(self):
            self.a = self.I(sma, self.data.Close, 3)
            self.b = self.I(sma, self.data.Close, 8)

        def next_(self):
            if cross(self.a, self.b):
                self.position.close()
                self.buy()
            elif cross(self.b, self.a):
                self.position.close()
                self.sell()

        return type("Frac", (base,), {"init": init, "next": next_})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = blib.FractionalBacktest(BTCUSD, make(backtesting.Strategy, blib.crossover),
                                         commission=.001, finalize_trades=True).run()
        ours = alib.FractionalBacktest(BTCUSD, make(Strategy, alib.crossover),
                                       commission=.001, finalize_trades=True).run()
    assert ours["# Trades"] == theirs["# Trades"] > 5
    pd.testing.assert_frame_equal(ours._trades, theirs._trades)
    assert ours["Equity Final [$]"] == theirs["Equity Final [$]"]


def test_engine_extensions_behave_in_a_backtest():
    """`datas`, `positions`, `symbol`, `rng` and `model` (which the engine
    gives a strategy it runs) work, or say why not, in a Backtest."""
    seen = {}

    class Probe(Strategy):
        def init(self):
            pass

        def next(self):
            seen.setdefault("draws", []).append(self.rng.random())
            if len(self.data) == 10:
                assert self.symbol == ""
                assert self.datas[""] is self.data
                assert self.positions[""] is self.position
                with pytest.raises(RuntimeError, match="kind = \"python\""):
                    self.model("slot1")
                with pytest.raises(ValueError, match="slot1"):
                    self.model("first")
                with pytest.raises(KeyError, match="only the engine"):
                    self.buy(symbol="OTHER")
                seen["checked"] = True

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Backtest(frame(), Probe).run()
        first = list(seen.pop("draws"))
        Backtest(frame(), Probe).run()
    assert seen["checked"]
    # Seeded: the same numbers on every run.
    assert seen["draws"] == first and len(set(first)) == len(first)
