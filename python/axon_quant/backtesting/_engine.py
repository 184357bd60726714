"""A strategy's broker when AXON's engine runs it (``[strategy] kind =
"python"``): the orders go to the engine, which checks, journals and fills
them; this side keeps what ``Strategy``, ``Order``, ``Trade`` and
``Position`` read, from the account and fills the engine reports.

Where it differs from ``Backtest`` (the engine nets positions): trades
close first in, first out; ``Strategy.orders`` lists the strategy's own
orders, not the stop-loss and take-profit orders (those are on the
trades); a trade's ``sl``/``tp`` setter moves the instrument's working
stop-losses (take-profits), or places one for the whole position.
"""

from __future__ import annotations

import math
from typing import Any


class _Trade:
    __slots__ = ("i", "size", "entry_price", "entry_bar", "exit_price", "exit_bar",
                 "sl", "tp", "tag", "entry_fee", "exit_fee")

    def __init__(self, i: int, size: float, price: float, bar: int, fee_per_unit: float,
                 sl: float | None, tp: float | None, tag: Any) -> None:
        self.i = i
        self.size = size
        self.entry_price = price
        self.entry_bar = bar
        self.exit_price: float | None = None
        self.exit_bar: int | None = None
        self.sl = sl
        self.tp = tp
        self.tag = tag
        self.entry_fee = fee_per_unit
        self.exit_fee = 0.0


class _Account:
    """What the engine reported, the strategy's working orders, its trades,
    and the actions ``next()`` took (sent back in order)."""

    def __init__(self) -> None:
        self.equity = 0.0
        self.positions: list[float] = []
        self.last: dict[int, float] = {}
        self.bars: dict[int, int] = {}
        self.orders: dict[int, tuple[int, list[Any]]] = {}
        self.trades: dict[int, _Trade] = {}
        self.open: dict[int, list[int]] = {}
        self.closed: dict[int, list[int]] = {}
        self.actions: list[dict[str, Any]] = []
        self._next_id = 0

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def fill(self, oid: int, i: int, units: float, price: float, fee: float) -> None:
        """Books a fill: closes open trades first in, first out, and opens a
        trade with what is left."""
        bar = self.bars.get(i, 0)
        fee_per_unit = fee / abs(units) if units else 0.0
        open_ids = self.open.setdefault(i, [])
        while units and open_ids:
            t = self.trades[open_ids[0]]
            if t.size * units > 0:
                break
            closing = math.copysign(min(abs(units), abs(t.size)), t.size)
            if closing == t.size:
                piece, tid = t, open_ids.pop(0)
            else:
                piece = _Trade(i, closing, t.entry_price, t.entry_bar, t.entry_fee,
                               t.sl, t.tp, t.tag)
                tid = self.new_id()
                self.trades[tid] = piece
                t.size -= closing
            piece.exit_price = price
            piece.exit_bar = bar
            piece.exit_fee = fee_per_unit
            self.closed.setdefault(i, []).append(tid)
            units += closing
        if units:
            order = self.orders.get(oid)
            sl = tp = tag = None
            if order is not None:
                _, (_, _, _, sl, tp, tag) = order
            tid = self.new_id()
            self.trades[tid] = _Trade(i, units, price, bar, fee_per_unit, sl, tp, tag)
            open_ids.append(tid)


class _EngineBroker:
    """``Strategy``'s broker for one instrument (the interface of
    ``axon_quant._native._Broker``)."""

    def __init__(self, account: _Account, i: int) -> None:
        self._a = account
        self._i = i

    # Orders.
    def new_order(self, size: float, limit: float | None, stop: float | None,
                  sl: float | None, tp: float | None, tag: Any) -> int:
        oid = self._a.new_id()
        self._a.orders[oid] = (self._i, [size, limit, stop, sl, tp, tag])
        self._a.actions.append({"op": "order", "id": oid, "i": self._i, "size": size,
                                "limit": limit, "stop": stop, "sl": sl, "tp": tp})
        return oid

    def cancel_order(self, oid: int) -> None:
        if oid in self._a.orders:
            self._a.actions.append({"op": "cancel", "id": oid})

    def order(self, oid: int) -> tuple[Any, ...] | None:
        order = self._a.orders.get(oid)
        if order is None:
            return None
        size, limit, stop, sl, tp, tag = order[1]
        return (size, limit, stop, sl, tp, tag, None, False)

    def order_ids(self) -> list[int]:
        return [k for k, (i, _) in self._a.orders.items() if i == self._i]

    # Trades.
    def trade(self, tid: int) -> tuple[Any, ...] | None:
        t = self._a.trades.get(tid)
        if t is None:
            return None
        # As backtesting.py: an open trade is marked at the last close with
        # no fees yet; a closed one's PnL has its fees.
        if t.exit_price is None:
            price = self._a.last.get(t.i, t.entry_price)
            pl = t.size * (price - t.entry_price)
        else:
            price = t.exit_price
            pl = t.size * (price - t.entry_price) - abs(t.size) * (t.entry_fee + t.exit_fee)
        pl_pct = pl / (abs(t.size) * t.entry_price) if t.entry_price else math.nan
        return (t.size, t.entry_price, t.entry_bar, t.exit_price, t.exit_bar, t.sl, t.tp,
                t.tag, pl, pl_pct, abs(t.size) * price)

    def trade_ids(self) -> list[int]:
        return list(self._a.open.get(self._i, []))

    def closed_trade_ids(self) -> list[int]:
        return list(self._a.closed.get(self._i, []))

    def trade_orders(self, tid: int) -> tuple[None, None]:
        return (None, None)

    def _reduce(self, units: float | None) -> None:
        self._a.actions.append({"op": "reduce", "id": self._a.new_id(), "i": self._i,
                                "units": units})

    def close_trade(self, tid: int, portion: float) -> None:
        t = self._a.trades[tid]
        units = abs(t.size) if portion >= 1 else max(1.0, round(abs(t.size) * portion))
        self._reduce(units)

    def _set_leg(self, op: str, tid: int, price: float | None) -> None:
        if price is None:
            raise ValueError(f"removing a trade's {op} is not supported when the engine "
                             "runs the strategy; cancel by closing the trade instead")
        t = self._a.trades[tid]
        setattr(t, op, float(price))
        self._a.actions.append({"op": op, "id": self._a.new_id(), "i": self._i,
                                "price": float(price)})

    def set_sl(self, tid: int, price: float | None) -> None:
        self._set_leg("sl", tid, price)

    def set_tp(self, tid: int, price: float | None) -> None:
        self._set_leg("tp", tid, price)

    # Position and account.
    @property
    def equity(self) -> float:
        return self._a.equity

    @property
    def position_size(self) -> float:
        p = self._a.positions
        return p[self._i] if self._i < len(p) else 0.0

    @property
    def open_trades(self) -> int:
        return len(self._a.open.get(self._i, []))

    def _open_info(self) -> list[tuple[Any, ...]]:
        return [info for tid in self.trade_ids() if (info := self.trade(tid)) is not None]

    @property
    def position_pl(self) -> float:
        return float(sum(info[8] for info in self._open_info()))

    @property
    def position_pl_pct(self) -> float:
        # In percent, as backtesting.py's (a trade's pl_pct is a fraction).
        infos = self._open_info()
        invested = sum(info[1] * abs(info[0]) for info in infos)
        return float(self.position_pl / invested * 100) if invested else 0.0

    def close_position(self, portion: float) -> None:
        if portion >= 1:
            self._reduce(None)
            return
        units = sum(max(1.0, round(abs(self._a.trades[t].size) * portion))
                    for t in self.trade_ids())
        if units:
            self._reduce(units)
