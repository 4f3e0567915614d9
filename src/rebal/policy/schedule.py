"""When a policy looks: calendars of check days.

Convention (binding, see ``docs/conventions.md``): a calendar's check day is the
LAST trading row of each period. It is known to be the last because the next
row starts a new period, so the final row of the data is never a calendar check
day, and row 0 (the initial purchase) never is either.

- ``DAILY``: every row except row 0 (the final row included).
- ``WEEKLY``: ISO weeks (Monday to Sunday).
- ``BIWEEKLY``: pairs of ISO weeks counted from the week of row 0.
- ``MONTHLY`` / ``QUARTERLY`` / ``ANNUAL``: calendar months, quarters, years.
- ``SEMIANNUAL``: January–June and July–December.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rebal.errors import ConfigError
from rebal.types import BoolArray, DateArray, Frequency, IntArray

if TYPE_CHECKING:
    from rebal.data.market import MarketData

__all__ = ["Calendar", "market_period_end_mask", "period_end_mask", "period_keys"]


def period_keys(dates: DateArray, frequency: Frequency) -> IntArray:
    """An integer per row that changes exactly when a new period starts.

    Parameters
    ----------
    dates
        ``(n_days,)`` increasing dates.
    frequency
        The calendar.

    Returns
    -------
    ``(n_days,)`` int64 period identifiers (only equality between neighbours matters).
    """
    days = np.asarray(dates, dtype="datetime64[D]").view(np.int64)  # no copy
    if frequency is Frequency.DAILY:
        return days.copy()
    if frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
        # 1970-01-01 was a Thursday: +3 makes Monday the first day of each week.
        weeks = (days + 3) // 7
        if frequency is Frequency.WEEKLY:
            return weeks
        return (weeks - weeks[0]) // 2
    months = np.asarray(dates, dtype="datetime64[M]").astype(np.int64)  # months since 1970-01
    if frequency is Frequency.MONTHLY:
        return months
    if frequency is Frequency.QUARTERLY:
        return months // 3
    if frequency is Frequency.SEMIANNUAL:
        return months // 6
    if frequency is Frequency.ANNUAL:
        return months // 12
    raise ConfigError(f"unsupported frequency {frequency!r}")  # pragma: no cover


_MONTH_STEP = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}


_SEARCH_RATIO = 8
"""Search the period starts when rows outnumber them this many times (a binary search
per start costs about as much as a few passes over the rows)."""
_PERIOD_DAYS = {
    Frequency.WEEKLY: 7,
    Frequency.BIWEEKLY: 14,
    Frequency.MONTHLY: 28,
    Frequency.QUARTERLY: 89,
    Frequency.SEMIANNUAL: 181,
    Frequency.ANNUAL: 365,
}
"""Shortest period in days: ``span / days`` bounds the number of period starts."""
_TABLE_FIRST_MONTH = -12 * 170  # 1800-01, in months since 1970-01
_TABLE_MONTHS = 12 * 400  # through 2199-12
_month_start_days: IntArray | None = None
_month_start_list: list[int] = []


def _month_table() -> tuple[IntArray, list[int]]:
    """Day numbers (days since 1970-01-01) of the first day of every month 1800-01 …
    2199-12, as an array and as a list (bisected from Python: no numpy call), built once:
    numpy's datetime64 unit conversions cost microseconds per call and nanoseconds per
    row, which matters inside sweeps and on every fresh market."""
    global _month_start_days, _month_start_list
    if _month_start_days is None:
        months = np.arange(_TABLE_FIRST_MONTH, _TABLE_FIRST_MONTH + _TABLE_MONTHS)
        starts = months.astype("datetime64[M]").astype("datetime64[D]").view(np.int64)
        _month_start_list = starts.tolist()
        _month_start_days = starts
    return _month_start_days, _month_start_list


def _period_starts(first_day: int, last_day: int, frequency: Frequency) -> IntArray:
    """``(k,)`` increasing day numbers of the periods' first days in
    ``(first_day, last_day]``: the starts of the periods after the one holding
    ``first_day`` (day numbers: days since 1970-01-01)."""
    if frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
        # 1970-01-01 was a Thursday: +3 makes Monday the first day of each week; a
        # biweekly period is a pair of ISO weeks counted from the week of row 0
        span = 7 if frequency is Frequency.WEEKLY else 14
        monday = first_day - (first_day + 3) % 7
        return np.arange(monday + span, last_day + 1, span, dtype=np.int64)
    step = _MONTH_STEP[frequency]
    table, table_list = _month_table()
    lo = bisect.bisect_right(table_list, first_day) - 1  # the month of first_day
    hi = bisect.bisect_right(table_list, last_day)  # months starting <= last_day
    if lo < 0 or hi >= len(table_list):  # outside 1800-01 … 2199-11: datetime64's calendar
        first = int(np.datetime64(first_day, "D").astype("datetime64[M]").astype(np.int64))
        first = first // step * step
        last = int(np.datetime64(last_day, "D").astype("datetime64[M]").astype(np.int64))
        months = np.arange(first + step, last + 1, step).astype("datetime64[M]")
        return months.astype("datetime64[D]").view(np.int64)
    # periods are aligned on months since 1970-01 (a multiple of 12 months after 1800-01)
    first = (lo + _TABLE_FIRST_MONTH) // step * step - _TABLE_FIRST_MONTH
    return table[first + step:hi:step]


def period_end_mask(dates: DateArray, frequency: Frequency) -> BoolArray:
    """``(n_days,)`` bool: True on the last row of each period, never rows 0 and n-1.

    For ``DAILY`` every row except row 0 is True (the final row included).
    Returns a fresh (writeable) array; :func:`market_period_end_mask` caches it.

    Where periods are few beside the rows (months of daily data), one search of the
    period starts in the rows: the row before the first row on or after each start
    ends a period (no per-row date arithmetic). Otherwise a row ends a period where
    its :func:`period_keys` differs from the next row's.
    """
    days = np.asarray(dates, dtype="datetime64[D]").view(np.int64)
    n = days.shape[0]
    mask = np.zeros(n, dtype=np.bool_)
    if n == 0:
        return mask
    if frequency is Frequency.DAILY:
        mask[1:] = True
        return mask
    if frequency not in _MONTH_STEP and frequency not in (Frequency.WEEKLY, Frequency.BIWEEKLY):
        raise ConfigError(f"unsupported frequency {frequency!r}")  # pragma: no cover
    first, last = int(days[0]), int(days[-1])
    if (last - first) * _SEARCH_RATIO <= n * _PERIOD_DAYS[frequency]:
        starts = _period_starts(first, last, frequency)
        # each start s lies in (days[0], days[-1]]: its first row on or after s is in
        # 1 … n-1, so the row before it is in 0 … n-2 (row n-1 never set)
        mask[days.searchsorted(starts, "left") - 1] = True
    else:  # many periods beside the rows (weeks of daily rows, months of monthly data)
        keys = period_keys(dates, frequency)
        np.not_equal(keys[:-1], keys[1:], out=mask[:-1])
    mask[0] = False
    return mask


def market_period_end_mask(market: MarketData, frequency: Frequency) -> BoolArray:
    """:func:`period_end_mask` on ``market.dates``, cached on the market (read-only).

    :class:`MarketData` is frozen, so its calendar masks are computed once per
    market and frequency (a sweep compiles many policies on one market).
    """
    cache = getattr(market, "_cache", None)
    if cache is None:  # a market-like object without the cache
        return period_end_mask(market.dates, frequency)
    key = ("period_end_mask", frequency)
    mask = cache.get(key)
    if mask is None:
        mask = period_end_mask(market.dates, frequency)
        mask.flags.writeable = False
        cache[key] = mask
    return mask


@dataclass(frozen=True, slots=True)
class Calendar:
    """Look on the last trading row of every period of ``frequency``.

    ``Calendar(Frequency.DAILY)`` (the default schedule of a band) looks at every
    close after the initial purchase.
    """

    frequency: Frequency = Frequency.DAILY

    def __post_init__(self) -> None:
        try:
            freq = Frequency.parse(self.frequency, field="Calendar.frequency")
        except ConfigError:
            raise
        object.__setattr__(self, "frequency", freq)

    def mask(self, dates: DateArray) -> BoolArray:
        """``(n_days,)`` bool check days on ``dates``."""
        return period_end_mask(dates, self.frequency)  # type: ignore[arg-type]

    def market_mask(self, market: MarketData) -> BoolArray:
        """``(n_days,)`` bool check days on ``market.dates`` (cached on the market,
        read-only)."""
        return market_period_end_mask(market, self.frequency)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        return str(self.frequency.value)  # type: ignore[union-attr]
