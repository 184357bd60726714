"""Baseline: backtesting.py run() time for SmaCross(10,20) on 1,000,000 synthetic 1-min bars.
Usage: .venv/bin/python benches/peers/backtesting_py_sma.py [n_bars]   (after scripts/setup-python.sh)
The peer figure that axon_quant.backtesting is measured against, on the same seeded data.
"""
import sys, time, statistics, warnings, platform
import numpy as np, pandas as pd
import backtesting
from backtesting import Backtest, Strategy
from backtesting.lib import crossover
from backtesting.test import SMA

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
REPS = 3

def make_data(n, seed=42):
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.001, n)))
    open_ = np.r_[100.0, close[:-1]]
    spread = np.abs(rng.normal(0, 0.0005, n)) * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    vol = rng.integers(100, 10_000, n).astype(float)
    idx = pd.date_range('2020-01-01', periods=n, freq='1min')
    return pd.DataFrame({'Open': open_, 'High': high, 'Low': low, 'Close': close, 'Volume': vol}, index=idx)

class SmaCross(Strategy):
    n1 = 10
    n2 = 20
    def init(self):
        self.sma1 = self.I(SMA, self.data.Close, self.n1)
        self.sma2 = self.I(SMA, self.data.Close, self.n2)
    def next(self):
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell()

class SmaCrossEmptyNext(SmaCross):
    def next(self):
        pass

def bench(strategy, df, commission=.002):
    times, stats = [], None
    for _ in range(REPS):
        bt = Backtest(df, strategy, cash=1e7, commission=commission, finalize_trades=True)
        t0 = time.perf_counter()
        stats = bt.run()
        times.append(time.perf_counter() - t0)
    return times, stats

if __name__ == '__main__':
    warnings.simplefilter('ignore')
    df = make_data(N)
    print(f'backtesting {backtesting.__version__}, pandas {pd.__version__}, numpy {np.__version__}, '
          f'python {platform.python_version()}, N={N} bars, reps={REPS}')
    for strat in (SmaCross, SmaCrossEmptyNext):
        times, stats = bench(strat, df)
        print(f'{strat.__name__}: median {statistics.median(times):.3f} s  runs {[round(t, 3) for t in times]}  '
              f'trades {stats["# Trades"]}  equity_final {stats["Equity Final [$]"]:.4f}  '
              f'return% {stats["Return [%]"]:.6f}')
    # Supplementary (not the brief's configuration): with commission=.002 the account
    # decays below one unit's price after ~3.2k trades and later orders are canceled,
    # so most bars carry no position. commission=0 keeps the strategy trading to the end.
    times, stats = bench(SmaCross, df, commission=0)
    print(f'SmaCross (supplementary, commission=0): median {statistics.median(times):.3f} s  '
          f'runs {[round(t, 3) for t in times]}  trades {stats["# Trades"]}  '
          f'equity_final {stats["Equity Final [$]"]:.4f}')
