"""How the oracle compares a run of axon_quant.backtesting with backtesting.py's:
statistics (keys, order, kinds, values), the `_trades` and `_equity_curve`
frames, and the warnings. Floats agree within 1e-9 relative (1e-9 absolute
near zero): a faithful port may add the same numbers in another order, which
moves them by a few ULPs; sizes, bars, times, durations and tags are exact."""

from __future__ import annotations

import math
from collections import Counter
from numbers import Integral, Real

import numpy as np
import pandas as pd

RTOL = 1e-9
ATOL = 1e-9


def _close(a: float, b: float) -> bool:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    if math.isinf(a) or math.isinf(b) or math.isnan(a) or math.isnan(b):
        return False
    return abs(a - b) <= max(RTOL * max(abs(a), abs(b)), ATOL)


def _value_problem(key, got, want):
    """None if `got` matches backtesting.py's `want`, else a description."""
    if isinstance(want, (pd.Timestamp, pd.Timedelta)) or want is pd.NaT:
        if want is pd.NaT or pd.isna(want):
            return None if got is pd.NaT or (got is not None and pd.isna(got)) else "not NaT"
        if type(got) is not type(want) or got != want:
            return "differs"
        return None
    if isinstance(want, (bool, np.bool_)):
        return None if isinstance(got, (bool, np.bool_)) and got == want else "differs"
    if isinstance(want, Integral):
        if not isinstance(got, Integral) or isinstance(got, (bool, np.bool_)):
            return f"type {type(got).__name__}, backtesting.py {type(want).__name__}"
        return None if got == want else "differs"
    if isinstance(want, Real):
        if not isinstance(got, Real) or isinstance(got, (Integral, np.bool_)):
            return f"type {type(got).__name__}, backtesting.py {type(want).__name__}"
        return None if _close(float(got), float(want)) else "differs"
    return None if got == want else "differs"


EXACT_TRADE_COLUMNS = ("Size", "EntryBar", "ExitBar", "EntryTime", "ExitTime", "Duration", "Tag")


def _series_problem(name, got: pd.Series, want: pd.Series, exact: bool):
    try:
        if exact or not pd.api.types.is_float_dtype(want.dtype):
            pd.testing.assert_series_equal(got, want, check_exact=True, check_names=False)
        else:
            pd.testing.assert_series_equal(
                got, want, check_exact=False, rtol=RTOL, atol=ATOL, check_names=False
            )
    except AssertionError as e:
        return f"{name}: {e}"
    return None


def _frame_problems(what, got, want, exact_columns):
    if not isinstance(got, pd.DataFrame):
        return [f"{what}: a {type(got).__name__}, not a DataFrame"]
    if list(got.columns) != list(want.columns):
        return [f"{what} columns: {list(got.columns)}\n  backtesting.py: {list(want.columns)}"]
    problems = []
    try:
        pd.testing.assert_index_equal(got.index, want.index, exact="equiv")
    except AssertionError as e:
        problems.append(f"{what} index: {e}")
    if len(got) != len(want):
        return problems + [f"{what}: {len(got)} rows, backtesting.py {len(want)}"]
    for column in want.columns:
        problem = _series_problem(
            f"{what}[{column!r}]", got[column], want[column], column in exact_columns
        )
        if problem:
            problems.append(problem)
    return problems


def stats_problems(got: pd.Series, want: pd.Series) -> list[str]:
    """Every difference between two `Backtest.run()` results."""
    if not isinstance(got, pd.Series):
        return [f"stats: a {type(got).__name__}, not a pandas Series"]
    if list(got.index) != list(want.index):
        return [f"stats keys: {list(got.index)}\n  backtesting.py: {list(want.index)}"]
    problems = []
    for key in want.index:
        g, w = got[key], want[key]
        if key == "_strategy":
            if str(g) != str(w):
                problems.append(f"_strategy: {g}, backtesting.py {w}")
        elif key == "_trades":
            problems += _frame_problems("_trades", g, w, EXACT_TRADE_COLUMNS)
        elif key == "_equity_curve":
            problems += _frame_problems("_equity_curve", g, w, ("DrawdownDuration",))
        else:
            problem = _value_problem(key, g, w)
            if problem:
                problems.append(f"{key}: {g!r}, backtesting.py {w!r} ({problem})")
    return problems


def warning_problems(got: list[str], want: list[str]) -> list[str]:
    missing = Counter(want) - Counter(got)
    extra = Counter(got) - Counter(want)
    problems = [f"warning missing ({n}x): {m}" for m, n in missing.items()]
    problems += [f"warning not in backtesting.py ({n}x): {m}" for m, n in extra.items()]
    return problems


def _copy_stats(stats: pd.Series) -> pd.Series:
    copy = stats.copy()
    copy["_trades"] = stats["_trades"].copy()
    copy["_equity_curve"] = stats["_equity_curve"].copy()
    return copy


def assert_same_results(got, want, got_warnings=None, want_warnings=None, limit=25):
    problems = stats_problems(got, want)
    if want_warnings is not None:
        problems += warning_problems(got_warnings, want_warnings)
    if problems:
        shown = problems[:limit]
        more = len(problems) - len(shown)
        pytest.fail(
            "differs from backtesting.py:\n"
            + "\n".join(shown)
            + (f"\n... and {more} more" if more else ""),
            pytrace=False,
        )
