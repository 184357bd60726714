"""backtesting.py's SmaCross, ported by changing its imports; run by
`cargo run --example python_strategy` (and by `axon backtest` / `axon live`
with `[strategy] kind = "python"`)."""

import numpy as np
import pandas as pd
from axon_quant.backtesting import Strategy
from axon_quant.backtesting.lib import crossover


def SMA(values, n):
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    n1 = 10
    n2 = 30

    def init(self):
        self.sma1 = self.I(SMA, self.data.Close, self.n1)
        self.sma2 = self.I(SMA, self.data.Close, self.n2)

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy(sl=0.92 * self.data.Close[-1])
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell(size=0.5)


class Learned(Strategy):
    """Trades on `[models]` slot 1 (a 4-input model), fed the last four
    log returns in percent: each call is journaled for `axon audit`."""

    def init(self):
        pass

    def next(self):
        close = np.asarray(self.data.Close)
        if len(close) < 5:
            return
        x = np.diff(np.log(close[-5:])) * 100
        buy, sell, _ = self.model("slot1").predict(x)
        if buy > sell and not self.position.is_long:
            self.position.close()
            self.buy()
        elif sell > buy and not self.position.is_short:
            self.position.close()
            self.sell()
