"""backtesting.py's API on AXON's engine: porting a strategy is an import
change.

    from axon_quant.backtesting import Backtest, Strategy
    from axon_quant.backtesting.lib import crossover

``Backtest``, ``Strategy``, ``Order``, ``Trade`` and ``Position`` behave as
backtesting.py 0.6's (the same fills, sizes, commissions, contingent
orders, statistics, ``stats._trades`` and ``stats._equity_curve``); the
broker and the bar loop are AXON's Rust engine. Where AXON differs, the
README's "Porting a backtesting.py strategy" says so.
"""

from ._backtest import Backtest
from ._strategy import Order, Position, Strategy, Trade
from . import lib

__all__ = ["Backtest", "Order", "Position", "Strategy", "Trade", "lib"]
