"""Short-rate series for the hedge's carry.

A rates file has a date column and one column per currency (ISO code), each an annual
short rate in **percent** (e.g. 3-month bills: FRED's ``TB3MS`` for USD), at any
frequency (daily, or monthly dated on the 1st). On each backtest row the rate in force is
the last one dated on or before it, at most :data:`MAX_STALE_DAYS` old; it accrues over
the next row as a money-market account does
(:func:`rebal.data.bonds.accrual_returns`: ``r_t = y_{t−1} × days / 365``). Negative
rates are allowed (the euro and the yen had them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np

from rebal.data.bonds import accrual_returns, year_fractions
from rebal.data.loaders import load_series
from rebal.errors import InputError
from rebal.types import FloatArray

__all__ = ["MAX_STALE_DAYS", "short_rate_returns"]

MAX_STALE_DAYS = 40
"""Most calendar days a rate is carried to a later row (a monthly series dated the 1st
covers its month)."""


def _header(path: str) -> list[str]:
    """The column names of a CSV or Parquet file (InputError if it cannot be read)."""
    import csv

    try:
        if path.lower().endswith(".parquet"):
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        with open(path, newline="", encoding="utf-8-sig") as f:
            return [h.strip() for h in next(csv.reader(f), [])]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read ({exc.__class__.__name__}: {exc})", file=path) from None


def short_rate_returns(path: str | os.PathLike[str], currencies: Iterable[str],
                       dates: np.ndarray) -> dict[str, FloatArray]:
    """Per-row short-rate returns (fractions) on ``dates`` for each of ``currencies`` the
    file has a column for (the others are left out: the caller says carry is not
    modelled for them).

    Raises
    ------
    InputError
        A non-number, unsorted dates (the loaders' one-line errors), a row before the
        first rate or more than :data:`MAX_STALE_DAYS` after the last one (naming the
        file, the column and the day).
    """
    name = os.fspath(path)
    days = np.asarray(dates, dtype="datetime64[D]")
    have = set(_header(name))
    out: dict[str, FloatArray] = {}
    for ccy in currencies:
        if ccy not in have:
            continue
        r_dates, values = load_series(name, column=ccy)
        pos = np.searchsorted(r_dates, days, side="right") - 1
        if pos.min() < 0:
            raise InputError(f"no rate on or before {days[int(np.argmin(pos))]} (the first "
                             f"is {r_dates[0]})", file=name, field=ccy)
        stale = (days - r_dates[pos]).astype(np.int64)
        if stale.max() > MAX_STALE_DAYS:
            k = int(np.argmax(stale))
            raise InputError(f"no rate within {MAX_STALE_DAYS} days before {days[k]} (the "
                             f"last is {r_dates[pos[k]]})", file=name, field=ccy)
        out[ccy] = accrual_returns(values[pos] / 100.0, year_fractions(days))
    return out
