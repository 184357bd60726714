"""A backtesting.py strategy on AXON: the only change is the import.

    python examples/backtesting_port.py

SmaCross with a stop-loss and a take-profit on Google's daily prices (the
file backtesting.py ships), run by AXON's engine; prints the statistics
(the same keys as backtesting.py) and the first trades.
"""

import pandas as pd

from axon_quant.backtesting import Backtest, Strategy
from axon_quant.backtesting.lib import crossover


def SMA(values, n):
    """Simple moving average, as pandas computes it."""
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    n1 = 10
    n2 = 30
    stop = 0.05  # stop-loss and take-profit distance, as a fraction of the close

    def init(self):
        self.sma1 = self.I(SMA, self.data.Close, self.n1)
        self.sma2 = self.I(SMA, self.data.Close, self.n2)

    def next(self):
        price = self.data.Close[-1]
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy(sl=price * (1 - self.stop), tp=price * (1 + 2 * self.stop))
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell(sl=price * (1 + self.stop), tp=price * (1 - 2 * self.stop))


def goog() -> pd.DataFrame:
    """Google's daily OHLC, 2004-2013, from the backtesting.py package if it
    is installed (it is in the project's test environment)."""
    from backtesting.test import GOOG

    return GOOG


def main(data: pd.DataFrame | None = None) -> pd.Series:
    data = goog() if data is None else data
    bt = Backtest(data, SmaCross, cash=10_000, commission=.002, finalize_trades=True)
    stats = bt.run(n1=5)
    return stats


if __name__ == "__main__":
    stats = main()
    print(stats)
    print(stats._trades.head())
