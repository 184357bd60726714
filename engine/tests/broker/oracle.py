"""backtesting.py 0.6.5 runs for engine/tests/broker/oracle.rs.

Each case is a seeded random walk of OHLC bars and a strategy that, on
each bar, draws random actions (orders of every type, closes, SL/TP moves,
cancels, some invalid on purpose) from a seeded RNG. The script records
every action with its concrete arguments and outcome, the broker's state
after each bar, every commission call, the warnings, and the final trades
(with whether each size is a Python int or float) and equity, as JSON on
stdout. Floats are written as `repr` strings, so
they round-trip exactly (NaN and infinities included).
"""

import json
import math
import random
import sys
import warnings

import numpy as np
import pandas as pd
from backtesting import Backtest, Strategy


def f(x):
    return None if x is None else repr(float(x))


def bars(seed, n):
    rng = random.Random(seed)
    rows, close = [], 100.0
    for _ in range(n):
        open_ = round(close * math.exp(rng.gauss(0, 0.01)), 2)
        close = round(open_ * math.exp(rng.gauss(0, 0.02)), 2)
        high = round(max(open_, close) * (1 + abs(rng.gauss(0, 0.01))), 2)
        low = round(min(open_, close) * (1 - abs(rng.gauss(0, 0.01))), 2)
        rows.append((open_, high, low, close))
    return rows


def commission_fn(log):
    """The `custom` commission of oracle.rs: state-free, size-sign dependent."""
    def fee(size, price):
        log.append([f(size), f(price)])
        if size > 0:
            return 1.0 + abs(size) * price * 0.001
        return abs(size) * price * 0.0015
    return fee


FRACTIONS = [1 - sys.float_info.epsilon, 0.5, 0.25, 0.1, 0.999, 0.05]


def draw_order(rng, close):
    size = rng.choice(FRACTIONS) if rng.random() < 0.5 else float(rng.randint(1, 40))
    long = rng.random() < 0.55
    kind = rng.choice(['market', 'market', 'limit', 'stop', 'stoplimit'])
    limit = stop = sl = tp = None
    if kind in ('limit', 'stoplimit'):
        limit = round(close * (1 + rng.uniform(-0.03, 0.03)), 2)
    if kind in ('stop', 'stoplimit'):
        stop = round(close * (1 + (1 if long else -1) * rng.uniform(0, 0.03)), 2)
    ref = limit or stop or close
    sign = 1 if long else -1
    if rng.random() < 0.35:
        sl = round(ref * (1 - sign * rng.uniform(0.002, 0.05)), 2)
    if rng.random() < 0.35:
        tp = round(ref * (1 + sign * rng.uniform(0.002, 0.06)), 2)
    if rng.random() < 0.05:
        sl, tp = tp, sl  # wrong sides: ValueError
    if rng.random() < 0.02:
        size = 1.5  # AssertionError
    tag = rng.randint(0, 5) if rng.random() < 0.5 else None
    return dict(size=size, long=long, limit=limit, stop=stop, sl=sl, tp=tp, tag=tag)


def make_strategy(seed, record):
    rng = random.Random(seed * 7919 + 1)

    class Random(Strategy):
        def init(self):
            pass

        def next(self):
            i = len(self.data) - 1
            close = float(self.data.Close[-1])
            acts = []
            n = 0 if rng.random() < 0.55 else rng.randint(1, 3)
            for _ in range(n):
                r = rng.random()
                act = None
                try:
                    if r < 0.45:
                        o = draw_order(rng, close)
                        act = dict(op='order', size=f(o['size']), long=o['long'], limit=f(o['limit']),
                                   stop=f(o['stop']), sl=f(o['sl']), tp=f(o['tp']), tag=o['tag'])
                        fn = self.buy if o['long'] else self.sell
                        fn(size=o['size'], limit=o['limit'], stop=o['stop'], sl=o['sl'], tp=o['tp'],
                           tag=o['tag'])
                    elif r < 0.60 and self.trades:
                        k = rng.randrange(len(self.trades))
                        p = rng.choice([1.0, 0.5, 0.3, 0.01, 0.7])
                        act = dict(op='close', k=k, portion=f(p))
                        self.trades[k].close(p)
                    elif r < 0.65:
                        p = rng.choice([1.0, 0.5])
                        act = dict(op='pclose', portion=f(p))
                        self.position.close(p)
                    elif r < 0.85 and self.trades:
                        k = rng.randrange(len(self.trades))
                        t = self.trades[k]
                        which = rng.choice(['sl', 'tp'])
                        sign = 1 if t.is_long else -1
                        if rng.random() < 0.2:
                            price = None
                        elif which == 'sl':
                            price = round(close * (1 - sign * rng.uniform(0.0, 0.04)), 2)
                        else:
                            price = round(close * (1 + sign * rng.uniform(0.0, 0.05)), 2)
                        act = dict(op=which, k=k, price=f(price))
                        setattr(t, which, price)
                    elif self.orders:
                        k = rng.randrange(len(self.orders))
                        act = dict(op='cancel', k=k)
                        self.orders[k].cancel()
                    if act is not None:
                        act['error'] = None
                except (ValueError, AssertionError) as e:
                    act['error'] = [type(e).__name__, str(e)]
                if act is not None:
                    acts.append(act)
            b = self._broker
            record.append(dict(
                bar=i,
                actions=acts,
                cash=f(b._cash),
                equity=f(b.equity),
                margin=f(b.margin_available),
                orders=[[f(o.size), f(o.limit), f(o.stop), f(o.sl), f(o.tp), o.is_contingent,
                         type(o.size) is int] for o in b.orders],
            ))

    return Random


CONFIGS = [
    dict(),
    dict(commission=0.002),
    dict(commission=(3.0, 0.001), spread=0.001),
    dict(commission='custom', spread=0.0005),
    dict(trade_on_close=True, commission=0.001),
    dict(hedging=True, commission=0.001),
    dict(exclusive_orders=True, spread=0.002),
    dict(margin=0.1, commission=0.0005),
    dict(margin=0.05, trade_on_close=True, hedging=True),
    dict(margin=0.5, exclusive_orders=True, trade_on_close=True, commission=(1.0, 0.0)),
]


def case(seed, cfg, finalize, n):
    data = bars(seed, n)
    df = pd.DataFrame(data, columns=['Open', 'High', 'Low', 'Close'],
                      index=pd.date_range('2020-01-01', periods=n, freq='D'))
    record, calls = [], []
    kw = dict(cfg)
    if kw.get('commission') == 'custom':
        kw['commission'] = commission_fn(calls)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        stats = Backtest(df, make_strategy(seed, record), cash=10_000, finalize_trades=finalize,
                         **kw).run()
    broker = stats._strategy._broker
    kinds = []
    for w in caught:
        m = str(w.message)
        if m.startswith('time='):
            kinds.append('relative')
        elif 'A contingent SL/TP order would execute' in m:
            kinds.append('contingent')
    closed = [[f(t.size), t.entry_bar, t.exit_bar, f(t.entry_price), f(t.exit_price), f(t.sl), f(t.tp),
               f(t.pl), f(t._commissions), f(t.pl_pct), t.tag, type(t.size) is int]
              for t in broker.closed_trades]
    open_ = [[f(t.size), t.entry_bar, f(t.entry_price), f(t.sl), f(t.tp), t.tag, type(t.size) is int]
             for t in broker.trades]
    cfg_out = dict(cfg)
    if isinstance(cfg_out.get('commission'), tuple):
        cfg_out['commission'] = list(cfg_out['commission'])
    return dict(
        seed=seed, config=cfg_out, finalize=finalize,
        bars=[[f(x) for x in row] for row in data],
        steps=record, calls=calls, warnings=kinds,
        closed=closed, open=open_, cash=f(broker._cash),
        equity=[f(x) for x in broker._equity],
    )


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    cases = []
    for k, cfg in enumerate(CONFIGS):
        for seed in (k * 2 + 1, k * 2 + 2):
            cases.append(case(seed, cfg, finalize=seed % 2 == 0, n=n))
    json.dump(cases, sys.stdout)


if __name__ == '__main__':
    np.seterr(all='ignore')
    main()
