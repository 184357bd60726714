"""Arrays a strategy reads: ``self.data`` and the indicators ``self.I`` makes.

In ``init()`` they are whole; in ``next()`` they end at the current bar. The
run loop advances one shared clock per bar, so revealing a bar costs nothing
per column or indicator (backtesting.py re-slices each of them every bar).
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np
import pandas as pd

from axon_quant._native import _Clock, _View


def _as_str(value: Any) -> str:
    """A short label for an indicator's argument, as backtesting.py names them."""
    if isinstance(value, (Number, str)):
        return str(value)
    if isinstance(value, pd.DataFrame):
        return "df"
    name = str(getattr(value, "name", "") or "")
    if name in ("Open", "High", "Low", "Close", "Volume"):
        return name[:1]
    if callable(value):
        name = getattr(value, "__name__", type(value).__name__).replace("<lambda>", "λ")
    if len(name) > 10:
        name = name[:9] + "…"
    return name


class _Array(np.ndarray):
    """A whole data column in ``init()``: an ndarray with ``.name``, ``.s``, ``.df``."""

    name: str
    _index: pd.Index | None

    def __new__(cls, array: Any, *, name: str, index: pd.Index | None = None) -> _Array:
        obj = np.asarray(array).view(cls)
        obj.name = name
        obj._index = index
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        if obj is not None:
            self.name = getattr(obj, "name", "")
            self._index = getattr(obj, "_index", None)

    def __bool__(self) -> bool:
        try:
            return bool(self[-1])
        except IndexError:
            return super().__bool__()

    def __float__(self) -> float:
        try:
            return float(self[-1])
        except IndexError:
            return super().__float__()

    @property
    def s(self) -> pd.Series:
        index = self._index[: len(self)] if self._index is not None else None
        return pd.Series(np.asarray(self), index=index, name=self.name)

    @property
    def df(self) -> pd.DataFrame:
        values = np.atleast_2d(np.asarray(self))
        index = self._index[: values.shape[-1]] if self._index is not None else None
        return pd.DataFrame(values.T, index=index)


class _Growing(_View, np.lib.mixins.NDArrayOperatorsMixin):
    """An array that ends at the current bar in ``next()``.

    Indexing with an int reads the full array directly (the hot path);
    slices, arithmetic and numpy functions see the revealed part as an
    ndarray, and any other ndarray attribute (``.shape``, ``.mean()``) is
    the revealed array's.
    """

    name: Any
    _opts: dict[str, Any]
    _index: pd.Index

    def __init__(self, array: Any, clock: _Clock | None, *, name: Any, index: pd.Index,
                 **opts: Any) -> None:
        self.name = name
        self._index = index
        self._opts = opts

    def __getattr__(self, item: str) -> Any:
        if item.startswith("__"):
            raise AttributeError(item)
        return getattr(self._revealed(), item)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        inputs = tuple(x._revealed() if isinstance(x, _View) else x for x in inputs)
        out = kwargs.get("out")
        if out:
            kwargs["out"] = tuple(x._revealed() if isinstance(x, _View) else x for x in out)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __bool__(self) -> bool:
        try:
            return bool(self[-1])
        except IndexError:
            return bool(self._revealed())

    def __float__(self) -> float:
        return float(self[-1])

    def __int__(self) -> int:
        return int(self[-1])

    def __iter__(self) -> Any:
        return iter(self._revealed())

    def __repr__(self) -> str:
        return repr(self._revealed())

    def __str__(self) -> str:
        return str(self._revealed())

    @property
    def s(self) -> pd.Series:
        values = self._revealed()
        index = self._index[: values.shape[-1]]
        if values.ndim == 2:
            return pd.DataFrame(values.T, index=index)  # type: ignore[return-value]
        return pd.Series(values, index=index, name=self.name)

    @property
    def df(self) -> pd.DataFrame:
        values = np.atleast_2d(self._revealed())
        index = self._index[: values.shape[-1]]
        names = self.name if isinstance(self.name, list) else None
        return pd.DataFrame(values.T, index=index, columns=names)


class _Indicator(_Growing):
    """What ``Strategy.I`` returns."""


class _Column(_Growing):
    """A data column in ``next()``."""


class _Data:
    """``self.data``: OHLCV and extra columns as attributes or ``data["X"]``,
    ``.index``, ``.df``, ``.pip`` and ``len(data)``; whole in ``init()``,
    ending at the current bar in ``next()``."""

    def __init__(self, df: pd.DataFrame, clock: _Clock) -> None:
        object.__setattr__(self, "_df", df)
        object.__setattr__(self, "_clock", clock)
        object.__setattr__(self, "_pip", None)
        names = [str(c) for c in df.columns]
        index = df.index
        whole = {c: _Array(df[c].to_numpy(), name=c, index=index) for c in names}
        growing = {c: _Column(df[c].to_numpy(), clock, name=c, index=index) for c in names}
        object.__setattr__(self, "_whole", whole)
        object.__setattr__(self, "_growing", growing)
        self._show(whole)

    def _show(self, columns: dict[str, Any]) -> None:
        # Columns live in the instance dict: `data.Close` is one lookup.
        for name, column in columns.items():
            if name.isidentifier():
                object.__setattr__(self, name, column)
        object.__setattr__(self, "_columns", columns)

    def _reveal_gradually(self) -> None:
        self._show(self._growing)

    def _reveal_all(self) -> None:
        self._show(self._whole)

    def __getitem__(self, item: str) -> Any:
        try:
            return self._columns[item]
        except KeyError:
            raise KeyError(f"Column '{item}' not in data") from None

    def __getattr__(self, item: str) -> Any:
        if item.startswith("__"):
            raise AttributeError(item)
        raise AttributeError(f"Column '{item}' not in data")

    def __len__(self) -> int:
        return min(self._clock.len, len(self._df))

    def __repr__(self) -> str:
        i = len(self) - 1
        index = f"{self.index[-1]}" if i >= 0 else ""
        items = ", ".join(f"{k}={v}" for k, v in self._df.iloc[i].items()) if i >= 0 else ""
        return f"<Data i={i} ({index}) {items}>"

    @property
    def index(self) -> pd.Index:
        return self._df.index[: len(self)]

    @property
    def df(self) -> pd.DataFrame:
        n = len(self)
        return self._df.iloc[:n] if n < len(self._df) else self._df

    @property
    def pip(self) -> float:
        if self._pip is None:
            close = self._df["Close"].to_numpy()
            decimals = [len(s.partition(".")[-1]) for s in close.astype(str)]
            pip = float(10 ** -np.median(decimals))
            object.__setattr__(self, "_pip", pip)
        return float(self._pip)

    @property
    def empty(self) -> bool:
        return len(self) == 0
