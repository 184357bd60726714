"""The process a Python strategy runs in when AXON's engine drives it
(``[strategy] kind = "python"`` in ``axon backtest``, ``axon live``, and
their replays): ``python -m axon_quant.backtesting._host``.

The engine sends one JSON line per request on stdin and reads one reply
per line on stdout: ``init`` (load the strategy), then one ``bar`` per
market event (the bar, the account, fills and finished orders since the
last one), answered with the actions ``next()`` took. The strategy's own
prints go to stderr.

Indicators: ``init()`` runs once on the first bar; on every later bar it
runs again on a scratch instance over the data so far, and the indicators
it declares replace the strategy's. So an indicator sees no bar after the
current one (as live), and equals ``Backtest``'s for any indicator that
does not look ahead. ``next()`` starts, as in ``Backtest``, once every
indicator has a value.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import random
import sys
import traceback
from typing import Any

import numpy as np
import pandas as pd

from axon_quant._native import _Clock

from ._data import _Array, _Data, _Indicator
from ._engine import _Account, _EngineBroker
from ._strategy import Position, Strategy, _Book

PROTOCOL = 1


def _runtime() -> str:
    try:
        from importlib.metadata import version
        axon = version("axon_quant")
    except Exception:
        axon = "unknown"
    return (f"{platform.python_implementation()} {platform.python_version()}; "
            f"numpy {np.__version__}; pandas {pd.__version__}; axon_quant {axon}")


def _error(exc: BaseException, root: str) -> dict[str, Any]:
    """Where in the strategy's files `exc` came from (its deepest frame
    there), and what it is."""
    file, line = "", 0
    if isinstance(exc, SyntaxError) and exc.filename:
        file, line = exc.filename, exc.lineno or 0
    else:
        for frame in traceback.extract_tb(exc.__traceback__):
            if os.path.abspath(frame.filename).startswith(root + os.sep):
                file, line = frame.filename, frame.lineno or 0
    if file:
        file = os.path.relpath(os.path.abspath(file), root) \
            if os.path.abspath(file).startswith(root + os.sep) else ""
    message = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return {"t": "error", "file": file, "line": line, "message": message}


class _StreamData(_Data):
    """``self.data`` over the bars so far, without a DataFrame until one is
    asked for (``data.df``): made anew every bar, so it must be cheap."""

    _COLUMNS = ("Open", "High", "Low", "Close", "Volume")

    def __init__(self, values: np.ndarray, ts: np.ndarray) -> None:
        n = len(ts)
        index = pd.DatetimeIndex(ts)
        object.__setattr__(self, "_n", n)
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_idx", index)
        object.__setattr__(self, "_frame", None)
        object.__setattr__(self, "_clock", _Clock(n))
        object.__setattr__(self, "_pip", None)
        whole = {c: _Array(values[k], name=c, index=index) for k, c in enumerate(self._COLUMNS)}
        self._show(whole)

    @property
    def _df(self) -> pd.DataFrame:  # type: ignore[override]
        if self._frame is None:
            frame = pd.DataFrame(dict(zip(self._COLUMNS, self._values)), index=self._idx)
            object.__setattr__(self, "_frame", frame)
        return self._frame

    def __len__(self) -> int:
        return int(self._n)

    @property
    def index(self) -> pd.Index:
        return self._idx

    @property
    def df(self) -> pd.DataFrame:
        return self._df


class _Series:
    """One instrument's bars so far, grown in place."""

    def __init__(self) -> None:
        self.n = 0
        self.values = np.empty((5, 64))
        self.ts = np.empty(64, dtype="int64")
        # The last views made, by lookback: an instrument without a new bar
        # keeps its data.
        self._views: dict[int, tuple[int, _Data]] = {}

    def append(self, ts: int, o: float, h: float, low: float, c: float, v: float) -> None:
        if self.n == len(self.ts):
            self.values = np.concatenate([self.values, np.empty_like(self.values)], axis=1)
            self.ts = np.concatenate([self.ts, np.empty_like(self.ts)])
        self.values[:, self.n] = (o, h, low, c, v)
        self.ts[self.n] = ts
        self.n += 1

    def data(self, lookback: int = 0) -> _Data:
        """The bars so far; the last ``lookback`` of them when it is set."""
        cached = self._views.get(lookback)
        if cached is not None and cached[0] == self.n:
            return cached[1]
        start = max(0, self.n - lookback) if lookback else 0
        data = _StreamData(self.values[:, start:self.n], self.ts[start:self.n])
        self._views[lookback] = (self.n, data)
        return data


def _indicators(value: Any) -> bool:
    if isinstance(value, _Indicator):
        return True
    if isinstance(value, (list, tuple)):
        return bool(value) and all(isinstance(v, _Indicator) for v in value)
    if isinstance(value, dict):
        return bool(value) and all(isinstance(v, _Indicator) for v in value.values())
    return False


def _warm(indicators: list[_Indicator], n: int) -> bool:
    """Whether bar ``n - 1`` is at or after ``Backtest``'s first ``next()``
    bar: one past where every indicator has its first value."""
    start = 0
    for ind in indicators:
        values = np.atleast_2d(np.asarray(ind._revealed()))
        try:
            missing = np.isnan(values.astype(float))
        except (TypeError, ValueError):
            continue
        for row in missing:
            if row.all():
                return False
            start = max(start, int(row.argmin()))
    return n - 1 >= start + 1


class _Host:
    def __init__(self, root: str, file: str, cls: type[Strategy], params: dict[str, Any],
                 lookback: int):
        self.root = root
        self.lookback = lookback
        self.cls = cls
        self.params = params
        self.account = _Account()
        self.series: dict[int, _Series] = {}
        self.symbols: dict[int, str] = {}
        self.brokers: dict[int, tuple[_Book, Position]] = {}
        self.strategy: Strategy | None = None
        self.declares = True
        self.warm: set[int] = set()
        self.rng: np.random.Generator | None = None
        self.models: _Models | None = None

    def _book(self, i: int) -> tuple[_Book, Position]:
        pair = self.brokers.get(i)
        if pair is None:
            book = _Book(_EngineBroker(self.account, i), pd.DatetimeIndex([]))  # type: ignore[arg-type]
            pair = self.brokers[i] = (book, Position(book))
        return pair

    def _point(self, s: Strategy, i: int, datas: dict[str, _Data], data: _Data) -> None:
        book, position = self._book(i)
        book.index = data.index
        s._book = book
        s._broker = book.broker
        s._position = position
        s._data = data
        s._datas = datas  # type: ignore[attr-defined]
        s._symbol = self.symbols.get(i, str(i))  # type: ignore[attr-defined]
        s._books = {self.symbols.get(k, str(k)): self._book(k)[0]  # type: ignore[attr-defined]
                    for k in self.series}
        s._rng = self.rng  # type: ignore[attr-defined]
        s._models = self.models  # type: ignore[attr-defined]
        s._streaming = True  # type: ignore[attr-defined]

    def bar(self, m: dict[str, Any]) -> dict[str, Any]:
        a = self.account
        for i, symbol in m["new"]:
            self.symbols[i] = symbol
        if m.get("seed") is not None:
            seed = int(m["seed"])
            random.seed(seed)
            np.random.seed(seed % 2**32)
            self.rng = np.random.default_rng(seed)
        i = m["i"]
        series = self.series.setdefault(i, _Series())
        v = m["v"]
        series.append(m["ts"], m["o"], m["h"], m["l"], m["c"], np.nan if v is None else v)
        a.bars[i] = series.n - 1
        a.last[i] = m["c"]
        a.equity = m["eq"]
        a.positions = m["pos"]
        for oid, fi, units, price, fee in m["fills"]:
            a.fill(oid, fi, units, price, fee)
        for oid in m["done"]:
            a.orders.pop(oid, None)
        a.actions = []

        symbol = self.symbols.get(i, str(i))
        datas = {self.symbols.get(k, str(k)): s.data() for k, s in self.series.items()}
        data = datas[symbol]
        # What init() sees: the bars so far, or their last `lookback`.
        windows = datas if not self.lookback else {
            self.symbols.get(k, str(k)): s.data(self.lookback) for k, s in self.series.items()}
        window = windows[symbol]
        if self.strategy is None:
            s = self.cls.__new__(self.cls)
            Strategy.__init__(s, self._book(i)[0], window, dict(self.params))
            self._point(s, i, windows, window)
            s.init()
            self.strategy = s
            self.declares = bool(s._indicators)
        elif self.declares:
            # init() again on the data so far; its indicators replace the
            # strategy's (the strategy's other state is its own).
            scratch = self.cls.__new__(self.cls)
            Strategy.__init__(scratch, self._book(i)[0], window, dict(self.params))
            self._point(scratch, i, windows, window)
            scratch.init()
            for name, value in vars(scratch).items():
                if _indicators(value):
                    setattr(self.strategy, name, value)
            self.strategy._indicators = scratch._indicators
        s = self.strategy
        self._point(s, i, datas, data)
        if i not in self.warm and _warm(s._indicators, len(window)):
            self.warm.add(i)
        if i in self.warm:
            s.next()
        return {"t": "ok", "acts": a.actions}


def _load(m: dict[str, Any]) -> tuple[_Host | None, dict[str, Any]]:
    root = os.path.abspath(m["root"])
    file = m["file"]
    sys.path.insert(0, root)
    path = os.path.join(root, file)
    name = os.path.splitext(os.path.basename(file))[0]
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except BaseException as e:  # noqa: BLE001 (the engine reports any)
        return None, _error(e, root)
    cls = getattr(module, m["class"], None)
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        found = sorted(k for k, v in vars(module).items()
                       if isinstance(v, type) and issubclass(v, Strategy) and v is not Strategy)
        what = "is not an axon_quant.backtesting.Strategy" if cls is not None else "is missing"
        return None, {"t": "error", "file": file, "line": 0,
                      "message": f"class {m['class']} {what} (Strategy classes there: "
                                 f"{', '.join(found) or 'none'})"}
    for key in m["params"]:
        if not hasattr(cls, key):
            return None, {"t": "error", "file": file, "line": 0, "key": "strategy.params",
                          "message": f"strategy.params.{key}: {m['class']} has no "
                                     f"parameter {key} (declare it as a class variable)"}
    return _Host(root, file, cls, m["params"], int(m.get("lookback") or 0)), {"t": "ready", "protocol": PROTOCOL,
                                                 "runtime": _runtime()}


class _Channel:
    """The protocol's two ends: requests from the engine on stdin, replies
    on the real stdout."""

    def __init__(self) -> None:
        # The protocol owns the real stdout; print() goes to stderr.
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr

    def send(self, reply: dict[str, Any]) -> None:
        try:
            text = json.dumps(reply, allow_nan=False)
        except ValueError:
            text = json.dumps({"t": "error", "file": "", "line": 0,
                               "message": "ValueError: an order's size or price is not a "
                                          "finite number"})
        self.out.write(text + "\n")

    def receive(self) -> dict[str, Any] | None:
        line = sys.stdin.readline()
        return json.loads(line) if line else None


class _Models:
    """``Strategy.model(...)``'s way to the engine: a model call is a
    request answered before ``next()`` goes on."""

    def __init__(self, channel: _Channel) -> None:
        self._channel = channel

    def predict(self, slot: int, x: np.ndarray) -> np.ndarray:
        values = np.asarray(x, dtype=np.float32).ravel()
        if not np.isfinite(values).all():
            raise ValueError(f"model slot{slot}: the input holds values that are not finite")
        self._channel.send({"t": "predict", "slot": slot, "x": values.tolist()})
        reply = self._channel.receive()
        if reply is None:
            raise EOFError("the engine went away")
        if reply.get("t") != "prediction":
            raise ValueError(reply.get("message", "the engine refused the model call"))
        return np.asarray(reply["y"], dtype=float)


def main() -> None:
    channel = _Channel()
    send = channel.send
    host: _Host | None = None
    while (m := channel.receive()) is not None:
        if m["t"] == "init":
            host, reply = _load(m)
            send(reply)
            if host is not None:
                host.models = _Models(channel)
        elif host is not None and m["t"] == "bar":
            try:
                with np.errstate(invalid="ignore"):
                    send(host.bar(m))
            except Exception as e:  # noqa: BLE001 (the engine stops the session)
                traceback.print_exc()
                send(_error(e, host.root))
        else:
            send({"t": "error", "file": "", "line": 0,
                  "message": f"unexpected request {m.get('t')!r}"})


if __name__ == "__main__":
    main()
