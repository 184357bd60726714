"""Limit entries with a stop-loss and a take-profit: while flat, after a
bullish crossover, a limit buy just under the close, its stop-loss and
take-profit at fixed distances; an entry not filled by the next bar is
cancelled."""

from axon_quant.backtesting import Strategy
from axon_quant.backtesting.lib import crossover

from indicators import SMA


class Bracket(Strategy):
    n1 = 10
    n2 = 30
    dip = 0.01
    stop = 0.04
    target = 0.06

    def init(self):
        self.fast = self.I(SMA, self.data.Close, self.n1)
        self.slow = self.I(SMA, self.data.Close, self.n2)

    def next(self):
        self.orders.cancel()
        close = self.data.Close[-1]
        if not self.position and self.fast[-1] > self.slow[-1]:
            entry = round(close * (1 - self.dip), 2)
            self.buy(limit=entry, sl=round(entry * (1 - self.stop), 2),
                     tp=round(entry * (1 + self.target), 2))
