"""Stop entries at the channel high, a stop-loss that trails the channel
low, half the position taken off after a run-up."""

from axon_quant.backtesting import Strategy

from indicators import highest, lowest


class Breakout(Strategy):
    n = 20
    exit_n = 10
    take_half = 0.08

    def init(self):
        self.high = self.I(highest, self.data.High, self.n)
        self.low = self.I(lowest, self.data.Low, self.exit_n)
        self.halved = False

    def next(self):
        if not self.position:
            self.halved = False
            self.orders.cancel()
            self.buy(stop=self.high[-1], sl=self.low[-1])
            return
        for trade in self.trades:
            if self.low[-1] > trade.sl:
                trade.sl = self.low[-1]
        if not self.halved and self.position.pl_pct > self.take_half:
            self.position.close(0.5)
            self.halved = True
