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

import datetime as dt
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
    days = np.asarray(dates, dtype="datetime64[D]").astype(np.int64)
    if frequency is Frequency.DAILY:
        return days
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


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_TABLE_FIRST_MONTH = -12 * 170  # 1800-01
_TABLE_MONTHS = 12 * 400  # through 2199-12
_month_start_days: IntArray | None = None


def _month_of_day(day: int) -> int:
    """Months since 1970-01 of a day number (days since 1970-01-01)."""
    d = dt.date.fromordinal(day + _EPOCH_ORDINAL)
    return (d.year - 1970) * 12 + d.month - 1


def _month_starts(first: int, stop: int, step: int) -> IntArray:
    """Day numbers of the first day of months ``first, first + step, … < stop``
    (months since 1970-01), from a table built once: numpy's datetime64 unit
    conversions cost microseconds per call, which matters inside sweeps."""
    global _month_start_days
    lo = first - _TABLE_FIRST_MONTH
    if lo < 0 or stop - _TABLE_FIRST_MONTH > _TABLE_MONTHS:
        months = np.arange(first, stop, step).astype("datetime64[M]")
        return months.astype("datetime64[D]").view(np.int64)
    if _month_start_days is None:
        months = np.arange(_TABLE_FIRST_MONTH, _TABLE_FIRST_MONTH + _TABLE_MONTHS)
        _month_start_days = months.astype("datetime64[M]").astype("datetime64[D]").view(np.int64)
    return _month_start_days[lo : stop - _TABLE_FIRST_MONTH : step]


def period_end_mask(dates: DateArray, frequency: Frequency) -> BoolArray:
    """``(n_days,)`` bool: True on the last row of each period, never rows 0 and n-1.

    For ``DAILY`` every row except row 0 is True (the final row included).
    Returns a fresh (writeable) array; :func:`market_period_end_mask` caches it.
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    n = dates.shape[0]
    mask = np.zeros(n, dtype=np.bool_)
    if n == 0:
        return mask
    if frequency is Frequency.DAILY:
        mask[1:] = True
        return mask
    step = _MONTH_STEP.get(frequency)
    if step is None:
        keys = period_keys(dates, frequency)
        mask[:-1] = keys[:-1] != keys[1:]
    else:
        # Month-based periods start on known days: the row before the first row on or
        # after each period start is a period end (as fast as the data has periods,
        # not rows, which matters inside parameter sweeps). Day numbers as int64:
        # searching datetime64 goes through slower generic comparisons.
        days = dates.view(np.int64)
        first = _month_of_day(int(days[0])) // step * step
        last = _month_of_day(int(days[-1]))
        nxt = days.searchsorted(_month_starts(first + step, last + 1, step), "left")
        ends = nxt - 1
        mask[ends[(nxt < n) & (ends >= 1)]] = True
    mask[0] = False
    mask[-1] = False
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
