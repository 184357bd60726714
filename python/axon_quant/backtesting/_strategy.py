"""``Strategy``, ``Position``, ``Order`` and ``Trade``: backtesting.py's
strategy API over AXON's broker (``axon_engine::broker``).

``Order`` and ``Trade`` are views of the broker's orders and trades by id;
the broker holds the state and applies every rule.
"""

from __future__ import annotations

import sys
from abc import ABCMeta, abstractmethod
from itertools import chain
from typing import Any, Callable

import numpy as np
import pandas as pd

from axon_quant._native import _Broker

from ._data import _as_str, _Data, _Indicator


class _Book:
    """A run's broker and the ``Order``/``Trade`` objects handed out, one per
    id, so a strategy may keep and compare them."""

    def __init__(self, broker: _Broker, index: pd.Index) -> None:
        self.broker = broker
        self.index = index
        self.orders: dict[int, Order] = {}
        self.trades: dict[int, Trade] = {}

    def order(self, oid: int) -> Order:
        o = self.orders.get(oid)
        if o is None:
            o = self.orders[oid] = Order(self, oid)
        return o

    def trade(self, tid: int) -> Trade:
        t = self.trades.get(tid)
        if t is None:
            t = self.trades[tid] = Trade(self, tid)
        return t


def _field(index: int, doc: str) -> Any:
    """A read-only property: item `index` of the broker's record (`_info()`)."""
    return property(lambda self: self._info()[index], doc=doc)


class Order:
    """An order in the queue (placed with ``Strategy.buy``/``sell``, or a
    trade's stop-loss, take-profit or close). Good till cancelled."""

    __slots__ = ("_book", "_id", "_last")

    def __init__(self, book: _Book, oid: int) -> None:
        self._book = book
        self._id = oid
        self._last: tuple[Any, ...] | None = None

    def _info(self) -> tuple[Any, ...]:
        info = self._book.broker.order(self._id)
        if info is not None:
            self._last = info
            return info
        if self._last is None:
            raise RuntimeError(f"order {self._id} is unknown to the broker")
        return self._last

    def __repr__(self) -> str:
        size, limit, stop, sl, tp, tag, _, contingent = self._info()
        fields = (("size", size), ("limit", limit), ("stop", stop), ("sl", sl),
                  ("tp", tp), ("contingent", contingent), ("tag", tag))
        shown = []
        for name, value in fields:
            if value is None:
                continue
            try:
                value = round(value, 5)
            except TypeError:
                pass
            shown.append(f"{name}={value!r}")
        return "<Order " + ", ".join(shown) + ">"

    def cancel(self) -> None:
        """Cancels the order."""
        self._book.broker.cancel_order(self._id)

    size = _field(0, "Units: positive buys, negative sells.")
    limit = _field(1, "The limit price, if any.")
    stop = _field(2, "The stop price, until it triggers.")
    sl = _field(3, "The stop-loss its trade gets.")
    tp = _field(4, "The take-profit its trade gets.")
    tag = _field(5, "The tag given to buy()/sell().")

    @property
    def parent_trade(self) -> Trade | None:
        tid = self._info()[6]
        return None if tid is None else self._book.trade(tid)

    @property
    def is_long(self) -> bool:
        return self.size > 0

    @property
    def is_short(self) -> bool:
        return self.size < 0

    @property
    def is_contingent(self) -> bool:
        return bool(self._info()[7])


class Trade:
    """A trade: an open one (``Strategy.trades``) or a closed one or piece
    (``Strategy.closed_trades``)."""

    __slots__ = ("_book", "_id")

    def __init__(self, book: _Book, tid: int) -> None:
        self._book = book
        self._id = tid

    def _info(self) -> tuple[Any, ...]:
        info = self._book.broker.trade(self._id)
        if info is None:
            raise RuntimeError(f"trade {self._id} is unknown to the broker")
        return info

    def __repr__(self) -> str:
        size, entry, entry_bar, exit_, exit_bar, _, _, tag, pl, _, _ = self._info()
        exit_bar = "" if exit_bar is None else exit_bar
        exit_ = "" if exit_ is None else exit_
        tag = "" if tag is None else f" tag={tag}"
        return (f"<Trade size={size} time={entry_bar}-{exit_bar} "
                f"price={entry}-{exit_} pl={pl:.0f}{tag}>")

    def close(self, portion: float = 1.0) -> None:
        """Closes ``portion`` of the trade (a market order at the queue's
        front)."""
        self._book.broker.close_trade(self._id, portion)

    size = _field(0, "Units: positive long, negative short.")
    entry_price = _field(1, "The entry price (spread included).")
    entry_bar = _field(2, "The bar it entered on.")
    exit_price = _field(3, "The exit price; None while open.")
    exit_bar = _field(4, "The bar it exited on; None while open.")
    tag = _field(7, "The entry order's tag.")
    pl = _field(8, "Profit or loss in cash (open: at the last close).")
    pl_pct = _field(9, "Profit or loss as a fraction of the entry value.")
    value = _field(10, "Units times the exit (or last) price.")

    @property
    def entry_time(self) -> Any:
        return self._book.index[self.entry_bar]

    @property
    def exit_time(self) -> Any:
        bar = self.exit_bar
        return None if bar is None else self._book.index[bar]

    @property
    def is_long(self) -> bool:
        return self.size > 0

    @property
    def is_short(self) -> bool:
        return self.size < 0

    @property
    def sl(self) -> float | None:
        return self._info()[5]

    @sl.setter
    def sl(self, price: float | None) -> None:
        _check_contingent(price)
        self._book.broker.set_sl(self._id, price)

    @property
    def tp(self) -> float | None:
        return self._info()[6]

    @tp.setter
    def tp(self, price: float | None) -> None:
        _check_contingent(price)
        self._book.broker.set_tp(self._id, price)

    @property
    def _sl_order(self) -> Order | None:
        sl, _ = self._book.broker.trade_orders(self._id)
        return None if sl is None else self._book.order(sl)

    @property
    def _tp_order(self) -> Order | None:
        _, tp = self._book.broker.trade_orders(self._id)
        return None if tp is None else self._book.order(tp)


class Position:
    """The position: the sum of the open trades. True while not flat."""

    __slots__ = ("_book",)

    def __init__(self, book: _Book) -> None:
        self._book = book

    def __bool__(self) -> bool:
        return self._book.broker.position_size != 0

    @property
    def size(self) -> float:
        return self._book.broker.position_size

    @property
    def pl(self) -> float:
        return self._book.broker.position_pl

    @property
    def pl_pct(self) -> float:
        return self._book.broker.position_pl_pct

    @property
    def is_long(self) -> bool:
        return self.size > 0

    @property
    def is_short(self) -> bool:
        return self.size < 0

    def close(self, portion: float = 1.0) -> None:
        """Closes ``portion`` of every open trade."""
        self._book.broker.close_position(portion)

    def __repr__(self) -> str:
        return f"<Position: {self.size} ({self._book.broker.open_trades} trades)>"


class _Orders(tuple):  # type: ignore[type-arg]
    """``Strategy.orders``: a tuple that can also cancel its non-contingent
    orders, as backtesting.py's."""

    def cancel(self) -> None:
        for order in self:
            if not order.is_contingent:
                order.cancel()


class _FullEquity(float):
    def __repr__(self) -> str:
        return ".9999"


class Strategy(metaclass=ABCMeta):
    """A trading strategy: subclass it, declare indicators in ``init()`` with
    ``self.I``, and trade in ``next()``, as in backtesting.py."""

    _FULL_EQUITY = _FullEquity(1 - sys.float_info.epsilon)

    def __init__(self, broker: _Book, data: _Data, params: dict[str, Any]) -> None:
        self._indicators: list[_Indicator] = []
        self._book = broker
        self._broker = broker.broker
        self._data = data
        self._position = Position(broker)
        self._params = self._check_params(params)

    def __repr__(self) -> str:
        return "<Strategy " + str(self) + ">"

    def __str__(self) -> str:
        params = ",".join(f"{k}={_as_str(v)}" for k, v in self._params.items())
        if params:
            params = "(" + params + ")"
        return f"{self.__class__.__name__}{params}"

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        for k, v in params.items():
            if not hasattr(self, k):
                raise AttributeError(
                    f"Strategy '{self.__class__.__name__}' is missing parameter '{k}'."
                    "Strategy class should define parameters as class variables before they "
                    "can be optimized or run with.")
            setattr(self, k, v)
        return params

    def I(self, func: Callable[..., Any], *args: Any, name: Any = None,  # noqa: E743
          plot: bool = True, overlay: bool | None = None, color: Any = None,
          scatter: bool = False, **kwargs: Any) -> _Indicator:
        """Declares an indicator: ``func(*args, **kwargs)`` computed once, on
        the whole data, and revealed bar by bar in ``next()``."""

        def _format_name(name: str) -> str:
            return name.format(*map(_as_str, args),
                               **dict(zip(kwargs.keys(), map(_as_str, kwargs.values()))))

        if name is None:
            params = ",".join(filter(None, map(_as_str, chain(args, kwargs.values()))))
            func_name = _as_str(func)
            name = f"{func_name}({params})" if params else f"{func_name}"
        elif isinstance(name, str):
            name = _format_name(name)
        else:
            try:
                names = [_format_name(item) for item in name] \
                    if all(isinstance(item, str) for item in name) else None
            except TypeError:
                names = None
            if names is None:
                raise TypeError(f"Unexpected `name=` type {type(name)}; expected `str` or "
                                "`Sequence[str]`")
            name = names

        try:
            value = func(*args, **kwargs)
        except Exception as e:
            raise RuntimeError(f'Indicator "{name}" error. See traceback above.') from e

        if isinstance(value, pd.DataFrame):
            value = value.values.T
        if value is not None:
            try:
                value = np.asarray(value, order="C")
            except Exception:
                value = None
        is_arraylike = bool(value is not None and value.shape)
        if is_arraylike and np.argmax(value.shape) == 0:
            value = value.T
        if isinstance(name, list) and (np.atleast_2d(value).shape[0] != len(name)):
            raise ValueError(
                f"Length of `name=` ({len(name)}) must agree with the number "
                f"of arrays the indicator returns ({value.shape[0]}).")
        n = len(self._data)
        if not is_arraylike or not 1 <= value.ndim <= 2 or value.shape[-1] != n:
            raise ValueError(
                "Indicators must return (optionally a tuple of) numpy.arrays of same "
                f"length as `data` (data shape: {(n,)}; indicator \"{name}\" "
                f"shape: {getattr(value, 'shape', '')}, returned value: {value})")
        # Where to plot it; not asked when the engine runs the strategy
        # (nothing is plotted there, and it would cost a pass per bar).
        if overlay is None and np.issubdtype(value.dtype, np.number) \
                and not getattr(self, "_streaming", False):
            x = value / self._data._df["Close"].to_numpy()
            with np.errstate(invalid="ignore"):
                overlay = ((x < 1.4) & (x > .6)).mean() > .6
        indicator = _Indicator(value, self._data._clock, name=name, index=self._data.index,
                               plot=plot, overlay=overlay, color=color, scatter=scatter)
        self._indicators.append(indicator)
        return indicator

    @abstractmethod
    def init(self) -> None:
        """Declares indicators and precomputes what can be."""

    @abstractmethod
    def next(self) -> None:
        """Called once per bar, with data up to that bar."""

    def buy(self, *, size: float = _FULL_EQUITY, limit: float | None = None,
            stop: float | None = None, sl: float | None = None, tp: float | None = None,
            tag: object = None, symbol: str | None = None) -> Order:
        """Places a long order and returns it (with the engine, in
        ``symbol``'s instrument; the current one by default)."""
        return self._order(size, limit, stop, sl, tp, tag, symbol)

    def sell(self, *, size: float = _FULL_EQUITY, limit: float | None = None,
             stop: float | None = None, sl: float | None = None, tp: float | None = None,
             tag: object = None, symbol: str | None = None) -> Order:
        """Places a short order and returns it."""
        return self._order(-size, limit, stop, sl, tp, tag, symbol)

    def _order(self, size: float, limit: Any, stop: Any, sl: Any, tp: Any, tag: object,
               symbol: str | None) -> Order:
        assert 0 < abs(size) < 1 or round(abs(size)) == abs(size) >= 1, \
            "size must be a positive fraction of equity, or a positive whole number of units"
        book = self._book if symbol is None or symbol == self.symbol \
            else self._books_by_symbol()[symbol]
        oid = book.broker.new_order(float(size), _price(limit), _price(stop), _price(sl),
                                    _price(tp), tag)
        return book.order(oid)

    def _books_by_symbol(self) -> dict[str, _Book]:
        books = getattr(self, "_books", None)
        if not books:
            raise KeyError("no other instruments: only the engine runs several "
                           "(`[strategy] kind = \"python\"`)")
        return books  # type: ignore[no-any-return]

    @property
    def symbol(self) -> str:
        """The symbol of the instrument whose bar this is (with the engine;
        an empty string in a ``Backtest``)."""
        return getattr(self, "_symbol", "")

    @property
    def datas(self) -> dict[str, _Data]:
        """Every instrument's data so far, by symbol (with the engine; a
        ``Backtest``'s one ``data`` under ``""``)."""
        return getattr(self, "_datas", None) or {self.symbol: self._data}

    @property
    def positions(self) -> dict[str, Position]:
        """Every instrument's position, by symbol."""
        books = getattr(self, "_books", None)
        if not books:
            return {self.symbol: self._position}
        return {sym: Position(book) for sym, book in books.items()}

    def model(self, slot: int | str) -> _ModelSlot:
        """A configured model (``"slot1"`` or ``1``: ``[models]`` slot 1),
        run by the engine when this strategy runs there: ``predict(x)``
        takes the features you computed, shaped as the model's input, and
        returns its ``[buy, sell, hold]`` scores; each call is journaled
        (its input and digest) for ``axon audit``."""
        if isinstance(slot, str):
            digits = slot[4:] if slot.startswith("slot") else ""
            if not digits.isdigit():
                raise ValueError(f"model {slot!r}: name a slot as 'slot1', 'slot2', ... or 1, 2, ...")
            slot = int(digits)
        models = getattr(self, "_models", None)
        if models is None:
            raise RuntimeError("models run in AXON's engine: run this strategy with "
                               "`[strategy] kind = \"python\"` and `[models]` slots")
        return _ModelSlot(models, int(slot))

    @property
    def rng(self) -> np.random.Generator:
        """Random numbers seeded from the session (with the engine: from its
        journaled seed; in a ``Backtest``: seed 0), so runs repeat."""
        rng = getattr(self, "_rng", None)
        if rng is None:
            rng = np.random.default_rng(0)
            self._rng = rng
        return rng

    @property
    def equity(self) -> float:
        return self._broker.equity

    @property
    def data(self) -> _Data:
        return self._data

    @property
    def position(self) -> Position:
        return self._position

    @property
    def orders(self) -> _Orders:
        book = self._book
        return _Orders(book.order(i) for i in self._broker.order_ids())

    @property
    def trades(self) -> tuple[Trade, ...]:
        book = self._book
        return tuple(book.trade(i) for i in self._broker.trade_ids())

    @property
    def closed_trades(self) -> tuple[Trade, ...]:
        book = self._book
        return tuple(book.trade(i) for i in self._broker.closed_trade_ids())


class _ModelSlot:
    """What ``Strategy.model`` returns."""

    __slots__ = ("_models", "slot")

    def __init__(self, models: Any, slot: int) -> None:
        self._models = models
        self.slot = slot

    def predict(self, x: Any) -> np.ndarray:
        """The model's ``[buy, sell, hold]`` scores for input ``x``."""
        return self._models.predict(self.slot, x)  # type: ignore[no-any-return]


def _check_contingent(price: Any) -> None:
    # Here, not in the broker, so the message shows the value as given.
    assert price is None or 0 < price < np.inf, f"Make sure 0 < price < inf! price: {price}"


def _price(value: Any) -> float | None:
    # backtesting.py keeps `x and float(x)`: 0 and None both mean "none".
    return float(value) if value else None
