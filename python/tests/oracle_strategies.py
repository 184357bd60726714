"""Strategies for the backtesting.py oracle test, written once for two libraries.

`make_strategies(Strategy, lib)` builds every strategy class on the given base
and `lib` module, so

    make_strategies(backtesting.Strategy, backtesting.lib)
    make_strategies(axon_quant.backtesting.Strategy, axon_quant.backtesting.lib)

return twin classes from the same source: same names, same parameters, same
decisions. Each strategy exercises a part of backtesting.py 0.6.5's rules
(docs/backtesting-py-semantics.md); the comments say which.

The strategies only read what a backtesting.py strategy can read (data,
indicators, orders, trades, position, equity), and some decisions depend on
those values on purpose (sizes chosen from `self.equity`, exits from
`self.position.pl`, ...), so that a wrong value shows up as different trades.
Some also record what they placed (`self.intents`, `self.cancelled`) so the
test can check, on the backtesting.py side, that a strategy really exercised
its feature.

The indicator functions are plain numpy/pandas and shared by both twins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


# --- Indicator functions (shared, library-independent) ----------------------------


def SMA(values, n):
    """Simple moving average; NaN for the first n-1 bars."""
    return pd.Series(values).rolling(n).mean().values


def BBANDS(values, n, k):
    """Bollinger bands as ONE 2-row array: row 0 upper, row 1 lower."""
    s = pd.Series(values)
    mid = s.rolling(n).mean()
    sd = s.rolling(n).std(ddof=0)
    return np.array([(mid + k * sd).values, (mid - k * sd).values])


def DONCHIAN(high, low, n):
    """Donchian channel as a DataFrame (columns upper, lower): `Strategy.I`
    transposes it into a 2-row indicator."""
    return pd.DataFrame(
        {
            "upper": pd.Series(high).rolling(n).max(),
            "lower": pd.Series(low).rolling(n).min(),
        }
    )


def ATR(high, low, close, n):
    """Average true range (simple mean of the true range)."""
    h, lo, c = pd.Series(high), pd.Series(low), pd.Series(close)
    pc = c.shift(1)
    tr = pd.concat([h - lo, (h - pc).abs(), (lo - pc).abs()], axis=1).max(axis=1)
    return tr.rolling(n).mean().values


#: The strategies the oracle runs over every data set and option profile
#: (`BadOrders` is only for the exception tests).
TRADING = (
    "SmaCross",
    "BollingerLimits",
    "DonchianBreakout",
    "StopLimitEntries",
    "PartialCloses",
    "MultiTrades",
    "LimitExpiry",
    "SignalCross",
    "TrailingCross",
    "EndOfData",
)

#: `BadOrders.mode` values and the exception backtesting.py raises for each.
BAD_ORDER_MODES = (
    "size_zero",  # buy(size=0): AssertionError
    "size_fraction_above_one",  # buy(size=1.5): AssertionError
    "tp_below_long",  # buy(tp=below the price): ValueError
    "sl_above_long",  # buy(sl=above the price): ValueError
    "tp_above_short",  # sell(tp=above the price): ValueError
    "limit_sl_wrong_side",  # buy(limit=x, sl=above x): ValueError
    "trade_sl_zero",  # trade.sl = 0: AssertionError
    "close_portion_zero",  # trade.close(0): AssertionError
)


def make_strategies(Strategy, lib):
    """Returns {name: strategy class} built on `Strategy` and `lib`
    (backtesting.py's or a compatible implementation's)."""
    crossover = lib.crossover
    cross = lib.cross
    barssince = lib.barssince

    def cancel_entries(strategy):
        """Cancels every pending non-contingent order (SL/TP orders stay)."""
        n = 0
        for order in strategy.orders:
            if not order.is_contingent:
                order.cancel()
                n += 1
        return n

    class SmaCross(Strategy):
        """backtesting.py README's example: position.close(), then buy()/sell()
        with the default (full-equity) size on an SMA crossover."""

        n1 = 10
        n2 = 20

        def init(self):
            price = self.data.Close
            self.ma1 = self.I(SMA, price, self.n1)
            self.ma2 = self.I(SMA, price, self.n2)

        def next(self):
            if crossover(self.ma1, self.ma2):
                self.position.close()
                self.buy()
            elif crossover(self.ma2, self.ma1):
                self.position.close()
                self.sell()

    class BollingerLimits(Strategy):
        """Mean reversion with limit entries carrying sl and tp:
        buy(limit=lower band, sl=below, tp=middle) and the mirrored sell at
        the upper band, both re-placed every bar while flat (so an entry on
        bar i comes from the order placed on bar i-1). Exercises limit fills
        at min(Open, limit), the sl/tp-inside-the-entry-bar warning, the SL
        winning over the TP, one 2-row indicator (BBANDS, default name), a
        `name=` indicator with format fields, and an indicator kept in a list
        (neither sliced nor counted for warmup, but reported in `_trades`)."""

        n = 20
        k = 2.0
        stop_pct = 0.03
        size = 0.5

        def init(self):
            close = self.data.Close
            self.bands = self.I(BBANDS, close, self.n, self.k)
            self.mid = self.I(SMA, close, self.n, name="Mid{1}", overlay=True, color="gray")
            self.unsliced = [self.I(SMA, close, 3 * self.n, plot=False)]

        def next(self):
            cancel_entries(self)
            if self.position:
                return
            upper, lower = self.bands[0][-1], self.bands[1][-1]
            mid = self.mid[-1]
            if not 0 < lower < mid < upper:
                return
            self.buy(
                size=self.size,
                limit=lower,
                sl=lower * (1 - self.stop_pct),
                tp=mid,
                tag="bb-long",
            )
            self.sell(
                size=self.size,
                limit=upper,
                sl=upper * (1 + self.stop_pct),
                tp=mid,
                tag="bb-short",
            )

    class DonchianBreakout(Strategy):
        """Stop entries on a Donchian breakout (buy(stop=upper), sell(stop=lower),
        with sl at the other side and a tp), both re-placed every bar while
        flat; open trades get a trailing stop by assigning `trade.sl` every
        bar (the SL order moves to the queue front each time). Exercises
        stop fills at max(Open, stop) (max(prev Close, stop) with
        trade_on_close), the same-bar tp re-run of stop entries, and a
        DataFrame-returning indicator."""

        n_entry = 20
        n_exit = 10
        tp_mult = 1.0

        def init(self):
            high, low = self.data.High, self.data.Low
            self.entry_ch = self.I(DONCHIAN, high, low, self.n_entry)
            self.exit_ch = self.I(DONCHIAN, high, low, self.n_exit)

        def next(self):
            exit_up, exit_lo = self.exit_ch[0][-1], self.exit_ch[1][-1]
            for trade in self.trades:
                if trade.is_long:
                    trade.sl = max(trade.sl or -np.inf, exit_lo)
                else:
                    trade.sl = min(trade.sl or np.inf, exit_up)
            cancel_entries(self)
            if self.position:
                return
            up, lo = self.entry_ch[0][-1], self.entry_ch[1][-1]
            width = up - lo
            if not width > 0:
                return
            self.buy(stop=up, sl=lo, tp=up + self.tp_mult * width, tag="breakout-up")
            short_tp = lo - self.tp_mult * width
            self.sell(
                stop=lo,
                sl=up,
                tp=short_tp if short_tp > 0 else None,
                tag="breakout-down",
            )

    class StopLimitEntries(Strategy):
        """Stop-limit entries in the trend's direction, alternating two kinds:
        'through' (limit beyond the stop: fills at the stop price, even on a
        gap) and 'pullback' (limit behind the stop: no fill on the trigger
        bar, a plain limit afterwards). Unfilled orders are cancelled after
        `expiry` bars; trades are closed after `hold` bars or by their SL.
        Every order gets a unique tag; `self.intents[tag]` records
        (side, stop, limit, bar placed)."""

        n = 15
        n_atr = 14
        expiry = 3
        hold = 5

        def init(self):
            self.ma = self.I(SMA, self.data.Close, self.n)
            self.atr = self.I(ATR, self.data.High, self.data.Low, self.data.Close, self.n_atr)
            self.intents = {}
            self.cancelled = 0

        def next(self):
            bar = len(self.data) - 1
            for order in self.orders:
                if order.is_contingent:
                    continue
                placed = self.intents[order.tag][3]
                if bar - placed >= self.expiry:
                    order.cancel()
                    self.cancelled += 1
            for trade in self.trades:
                if bar - trade.entry_bar >= self.hold:
                    trade.close()
            if self.position or any(not o.is_contingent for o in self.orders):
                return
            atr = self.atr[-1]
            close = self.data.Close[-1]
            kind = "through" if bar % 2 else "pullback"
            tag = f"{kind}-{bar}"
            if close > self.ma[-1]:
                stop = self.data.High[-1] + 0.25 * atr
                limit = stop + 0.5 * atr if kind == "through" else stop - 0.25 * atr
                sl = stop - 2 * atr
                self.buy(size=0.6, stop=stop, limit=limit, sl=sl if sl > 0 else None, tag=tag)
                self.intents[tag] = ("long", stop, limit, bar)
            else:
                stop = self.data.Low[-1] - 0.25 * atr
                limit = stop - 0.5 * atr if kind == "through" else stop + 0.25 * atr
                if not limit > 0:
                    return
                self.sell(size=0.6, stop=stop, limit=limit, sl=stop + 2 * atr, tag=tag)
                self.intents[tag] = ("short", stop, limit, bar)

    class PartialCloses(Strategy):
        """A fixed 8-step cycle, one step every `every` bars: buy(size=0.3)
        with an SL, buy(size=7) units with a TP, trades[0].close(0.5),
        position.close(0.3), sell(size=0.2) (nets the oldest longs without
        hedging), trades[-1].close(0.5) with trades[0].close(0.01) (at least
        one unit), sell(size=3) with an SL, then
        position.close(). Exercises relative and unit sizes, half-to-even
        rounding of close portions, pieces with NaN SL/TP, FIFO netting, and
        several close orders in one next() (executed last call first)."""

        every = 3
        sl_pct = 0.05
        tp_pct = 0.08

        def init(self):
            self.ma = self.I(SMA, self.data.Close, 5)

        def next(self):
            i = len(self.data)
            if i % self.every:
                return
            step = (i // self.every) % 8
            close = self.data.Close[-1]
            if step == 0:
                self.buy(size=0.3, sl=close * (1 - self.sl_pct), tag="frac")
            elif step == 1:
                self.buy(size=7, tp=close * (1 + self.tp_pct), tag="units")
            elif step == 2:
                if self.trades:
                    self.trades[0].close(0.5)
            elif step == 3:
                self.position.close(0.3)
            elif step == 4:
                self.sell(size=0.2, tag="short-frac")
            elif step == 5:
                if self.trades:
                    # Two closes in one next(): executed last call first.
                    self.trades[-1].close(0.5)
                    self.trades[0].close(0.01)
            elif step == 6:
                self.sell(size=3, sl=close * (1 + self.sl_pct), tag="short-units")
            else:
                self.position.close()

    class MultiTrades(Strategy):
        """Opens a small trade every `every` bars in the direction of the
        price against its SMA (relative sizes, and a unit size every fourth
        time), each with a unique tag, and keeps at most `max_open` trades
        open by closing the oldest. Without hedging the opposite orders net
        FIFO; with hedging=True longs and shorts coexist. Also closes all
        when the open P/L falls below `-max_loss` of equity
        (`self.position.pl`, `self.equity`)."""

        n = 10
        every = 2
        max_open = 4
        max_loss = 0.03

        def init(self):
            self.ma = self.I(SMA, self.data.Close, self.n)
            self.count = 0

        def next(self):
            if len(self.data) % self.every:
                return
            self.count += 1
            if self.position.pl < -self.max_loss * self.equity:
                self.position.close()
                return
            close = self.data.Close[-1]
            size = 2 if self.count % 4 == 0 else 0.15
            if close > self.ma[-1]:
                self.buy(size=size, tag=f"long{self.count}")
            else:
                self.sell(size=size, tag=f"short{self.count}")
            if len(self.trades) >= self.max_open:
                self.trades[0].close()

    class LimitExpiry(Strategy):
        """Buys dips / sells rips with limit orders (sl and tp set) that are
        cancelled with order.cancel() when unfilled after `expiry` bars. Reads
        the rest of the strategy API and lets it steer the decisions:
        self.orders (Order.tag, .limit, .is_contingent), self.trades,
        self.closed_trades (smaller size after a loss), self.equity (size),
        self.position.pl (take profit), len(self.data), and every `df_every`
        bars self.data.index[-1] and self.data.df (a regime level); also a
        lambda indicator (default name 'λ(C,5)')."""

        n = 20
        expiry = 4
        depth = 0.5
        n_atr = 10
        df_every = 10

        def init(self):
            self.atr = self.I(ATR, self.data.High, self.data.Low, self.data.Close, self.n_atr)
            self.mom = self.I(lambda c, k: pd.Series(c).pct_change(k).values, self.data.Close, 5)
            self.intents = {}
            self.cancelled = 0
            self.start_equity = None
            self.last_time = None
            self.regime = None

        def next(self):
            bar = len(self.data) - 1
            if self.start_equity is None:
                self.start_equity = self.equity
            if self.regime is None or bar % self.df_every == 0:
                # Occasionally: the time, and the regime level from the data frame view.
                now = self.data.index[-1]
                assert self.last_time is None or now > self.last_time
                self.last_time = now
                df = self.data.df
                assert len(df) == len(self.data) and df.index[-1] == now
                assert df.Close.iloc[-1] == self.data.Close[-1]
                self.regime = df.Close.iloc[-self.n :].mean()

            atr = self.atr[-1]
            close = self.data.Close[-1]
            for order in self.orders:
                if order.is_contingent:
                    continue
                stale = bar - self.intents[order.tag][3] >= self.expiry
                # A limit the price ran away from (3 ATR) goes too.
                if stale or (order.limit and abs(order.limit - close) > 3 * atr):
                    order.cancel()
                    self.cancelled += 1

            size = self.position.size
            if size and self.position.pl / abs(size) > 1.5 * atr:
                self.position.close()
                return

            if any(not o.is_contingent for o in self.orders) or len(self.trades) >= 2:
                return
            regime = self.regime
            lost = bool(self.closed_trades) and self.closed_trades[-1].pl < 0
            size = 0.2 if lost else (0.4 if self.equity >= self.start_equity else 0.3)
            tag = f"dip-{bar}"
            if close > regime and self.mom[-1] < 0:
                limit = close - self.depth * atr
                if not limit - 2 * atr > 0:
                    return
                self.buy(size=size, limit=limit, sl=limit - 2 * atr, tp=limit + 2 * atr, tag=tag)
                self.intents[tag] = ("long", None, limit, bar)
            elif close < regime and self.mom[-1] > 0:
                limit = close + self.depth * atr
                if not limit - 2 * atr > 0:
                    return
                self.sell(size=size, limit=limit, sl=limit + 2 * atr, tp=limit - 2 * atr, tag=tag)
                self.intents[tag] = ("short", None, limit, bar)

    class SignalCross(lib.SignalStrategy):
        """lib.SignalStrategy: entry +0.4 (relative) on an SMA up-cross and -5
        (units) on a down-cross; exit portion -1 (close shorts) on the
        up-cross and 0.5 (close half the longs) on the down-cross. The signal
        indicators are scatter=True (no warmup) and named 'entry size' and
        'exit portion'."""

        n1 = 10
        n2 = 25

        def init(self):
            super().init()
            close = self.data.Close
            self.ma1 = self.I(SMA, close, self.n1)
            self.ma2 = self.I(SMA, close, self.n2)
            fast, slow = pd.Series(self.ma1), pd.Series(self.ma2)
            up = ((fast > slow) & (fast.shift() <= slow.shift())).values
            down = ((fast < slow) & (fast.shift() >= slow.shift())).values
            entry = np.where(up, 0.4, np.where(down, -5.0, 0.0))
            exit_portion = np.where(up, -1.0, np.where(down, 0.5, 0.0))
            self.set_signal(entry_size=entry, exit_portion=exit_portion)

    class TrailingCross(lib.TrailingStrategy):
        """lib.TrailingStrategy: enters half the equity on an SMA cross
        (closing an opposite position first; longs with a wide initial SL,
        `initial_sl` times the close); the base class trails an ATR
        stop on every open trade each bar (set_atr_periods, then
        set_trailing_sl(n_atr), or set_trailing_pct(trailing_pct) when that is
        non-zero). Also uses lib.cross, and lib.barssince to skip entries on a
        crossing bar that closed against the new direction."""

        n1 = 10
        n2 = 30
        atr_periods = 20
        n_atr = 3.0
        trailing_pct = 0.0
        initial_sl = 0.5

        def init(self):
            super().init()
            self.set_atr_periods(self.atr_periods)
            if self.trailing_pct:
                self.set_trailing_pct(self.trailing_pct)
            else:
                self.set_trailing_sl(self.n_atr)
            close = self.data.Close
            self.ma1 = self.I(SMA, close, self.n1)
            self.ma2 = self.I(SMA, close, self.n2)

        def next(self):
            super().next()
            if not cross(self.ma1, self.ma2):
                return
            data = self.data
            if crossover(self.ma1, self.ma2):
                if self.position.is_short:
                    self.position.close()
                # Only on an up bar: skipped when the crossing bar closed down.
                if barssince(data.Close < data.Open) > 0:
                    # A positive initial SL keeps the trailing max() positive.
                    close = data.Close[-1]
                    self.buy(size=0.5, sl=close * self.initial_sl, tag="trail-long")
            else:
                if self.position.is_long:
                    self.position.close()
                if barssince(data.Close > data.Open) > 0:
                    self.sell(size=0.5, tag="trail-short")

    class EndOfData(Strategy):
        """Trades a little all along (buy(size=0.25) when flat, position.close()
        after `hold` bars), then targets the end of the data, which it reads
        ahead in init(): on the second-to-last bar a buy limit that must fill
        on the last bar (so with finalize_trades and trade_on_close its
        ExitBar comes before its EntryBar), and on the last bar a market buy
        and a 1-unit sell stop above the price, which only the finalize pass
        executes: the buy opens a trade that stays open, and the stop,
        triggered at once, nets one unit off it (without hedging)."""

        every = 6
        hold = 3

        def init(self):
            self.n_bars = len(self.data)
            self.last_low = self.data.Low[-1]
            self.last_high = self.data.High[-1]
            self.ma = self.I(SMA, self.data.Close, 4)

        def next(self):
            bar = len(self.data) - 1
            if bar == self.n_bars - 2:
                self.buy(size=0.2, limit=(self.last_low + self.last_high) / 2, tag="last-bar-limit")
                return
            if bar == self.n_bars - 1:
                self.buy(size=0.1, tag="after-end")
                self.sell(size=1, stop=self.data.Close[-1] * 1.01, tag="after-end-stop")
                return
            for trade in self.trades:
                if bar - trade.entry_bar >= self.hold:
                    trade.close()
            if not self.position and bar % self.every == 0:
                self.buy(size=0.25, tag="regular")

    class BadOrders(Strategy):
        """Places one invalid order (or SL / close) on bar 10, per `mode`
        (see BAD_ORDER_MODES); a long trade is opened on bar 5 first."""

        mode = "size_zero"

        def init(self):
            pass

        def next(self):
            bar = len(self.data) - 1
            close = self.data.Close[-1]
            if bar == 5:
                self.buy(size=1)
            if bar != 10:
                return
            mode = self.mode
            if mode == "size_zero":
                self.buy(size=0)
            elif mode == "size_fraction_above_one":
                self.buy(size=1.5)
            elif mode == "tp_below_long":
                self.buy(size=1, tp=close * 0.9)
            elif mode == "sl_above_long":
                self.buy(size=1, sl=close * 1.1)
            elif mode == "tp_above_short":
                self.sell(size=1, tp=close * 1.1)
            elif mode == "limit_sl_wrong_side":
                self.buy(size=1, limit=close * 0.95, sl=close * 0.97)
            elif mode == "trade_sl_zero":
                self.trades[0].sl = 0
            elif mode == "close_portion_zero":
                self.trades[0].close(0)
            else:
                raise KeyError(mode)

    strategies = {
        cls.__name__: cls
        for cls in (
            SmaCross,
            BollingerLimits,
            DonchianBreakout,
            StopLimitEntries,
            PartialCloses,
            MultiTrades,
            LimitExpiry,
            SignalCross,
            TrailingCross,
            EndOfData,
            BadOrders,
        )
    }
    assert set(TRADING) | {"BadOrders"} == set(strategies)
    return strategies
