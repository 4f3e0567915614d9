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

from dataclasses import dataclass

import numpy as np

from rebal.errors import ConfigError
from rebal.types import BoolArray, DateArray, Frequency, IntArray

__all__ = ["Calendar", "period_end_mask", "period_keys"]


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


def period_end_mask(dates: DateArray, frequency: Frequency) -> BoolArray:
    """``(n_days,)`` bool: True on the last row of each period, never rows 0 and n-1.

    For ``DAILY`` every row except row 0 is True (the final row included).
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
        # not rows, which matters inside parameter sweeps).
        first = int(dates[0].astype("datetime64[M]").astype(np.int64)) // step * step
        last = int(dates[-1].astype("datetime64[M]").astype(np.int64))
        starts = np.arange(first + step, last + 1, step).astype("datetime64[M]")
        nxt = np.searchsorted(dates, starts.astype("datetime64[D]"), "left")
        ends = nxt - 1
        mask[ends[(nxt < n) & (ends >= 1)]] = True
    mask[0] = False
    mask[-1] = False
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

    @property
    def label(self) -> str:
        return str(self.frequency.value)  # type: ignore[union-attr]
