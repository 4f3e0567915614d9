"""Aligning series in time: the common span of assets, past-only fills, row spacing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rebal.errors import DataError
from rebal.types import DateArray, FloatArray

# (lowest, highest) median spacing in calendar days → rows per year.
_SPACINGS: tuple[tuple[float, float, float], ...] = (
    (1.0, 4.5, 252.0),  # trading days (median 1 day; 3 over weekends)
    (5.0, 10.0, 52.0),  # weeks
    (25.0, 35.0, 12.0),  # months
    (85.0, 95.0, 4.0),  # quarters
    (350.0, 380.0, 1.0),  # years
)


def infer_periods_per_year(dates: DateArray) -> float:
    """Rows per year from the median spacing of ``dates``.

    Parameters
    ----------
    dates
        ``(n,)`` strictly increasing ``datetime64[D]``, n ≥ 2.

    Returns
    -------
    float
        252 (daily), 52 (weekly), 12 (monthly), 4 (quarterly) or 1 (annual).

    Raises
    ------
    DataError
        If the median spacing fits none of these; pass ``periods_per_year``.
    """
    spacing = float(np.median(np.diff(dates.astype(np.int64))))
    for low, high, per_year in _SPACINGS:
        if low <= spacing <= high:
            return per_year
    raise DataError(
        f"cannot infer the data frequency from a median spacing of {spacing:g} days; "
        "pass periods_per_year"
    )


def common_span_start(
    first_rows: Sequence[int], assets: Sequence[str], dates: DateArray
) -> tuple[int, str | None]:
    """First row on which every asset has a value, and a note saying what was dropped.

    Parameters
    ----------
    first_rows
        Each asset's first non-missing row index.
    assets
        The assets' names, same order.
    dates
        ``(n,)`` the rows' dates.

    Returns
    -------
    start, note
        The first common row and, when ``start > 0``, a note such as
        ``"aligned to common span 2007-05-30 … 2025-09-26: dropped 3,609 rows before
        BIL's first price"``.
    """
    start = int(max(first_rows))
    if start == 0:
        return 0, None
    latest = assets[int(np.argmax(first_rows))]
    note = (
        f"aligned to common span {dates[start]} … {dates[-1]}: "
        f"dropped {start:,} rows before {latest}'s first price"
    )
    return start, note


def past_values_on(
    dates: DateArray, series_dates: DateArray, series_values: FloatArray, *, ffill: bool = True
) -> FloatArray:
    """Values of an external series as known at each of ``dates``.

    Each row takes the series value dated on that day or, with ``ffill``, the
    latest one dated before it — never a later one (no look-ahead).

    Parameters
    ----------
    dates
        ``(n,)`` increasing target dates.
    series_dates
        ``(m,)`` strictly increasing dates of the series.
    series_values
        ``(m,)`` the series' values.
    ffill
        Carry the last value forward; when False, rows without a value dated
        on the same day are NaN.

    Returns
    -------
    FloatArray
        ``(n,)`` the aligned values; NaN before the series' first date.
    """
    pos = np.searchsorted(series_dates, dates, side="right") - 1
    out = np.full(dates.shape[0], np.nan)
    known = pos >= 0
    out[known] = series_values[pos[known]]
    if not ffill:
        exact = known.copy()
        exact[known] = series_dates[pos[known]] == dates[known]
        out[~exact] = np.nan
    if not known.all():
        out[~known] = np.nan
    return out


def check_covers(name: str, dates: DateArray, series_dates: DateArray) -> None:
    """Raise :class:`DataError` unless the series starts on or before ``dates[0]``."""
    if series_dates.shape[0] == 0 or series_dates[0] > dates[0]:
        first = series_dates[0] if series_dates.shape[0] else "nothing"
        raise DataError(
            f"series {name!r} starts {first}, after the market data's first row {dates[0]}; "
            f"it must cover the whole span {dates[0]} … {dates[-1]}"
        )
