"""Calendar masks equal a plain ``datetime`` loop, inside and outside the month table
(1800–2199), on random rows with gaps of days to years."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from rebal.policy import period_end_mask
from rebal.types import Frequency


def _period(day: dt.date, frequency: Frequency, first: dt.date) -> tuple[int, ...]:
    """The period holding ``day``, from the calendar's definition (datetime only)."""
    if frequency is Frequency.DAILY:
        return (day.toordinal(),)
    if frequency is Frequency.WEEKLY:
        return day.isocalendar()[:2]
    if frequency is Frequency.BIWEEKLY:
        monday = day.toordinal() - day.weekday()
        first_monday = first.toordinal() - first.weekday()
        return ((monday - first_monday) // 14,)
    months = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.SEMIANNUAL: 6,
              Frequency.ANNUAL: 12}[frequency]
    return (day.year, (day.month - 1) // months)


def _loop_mask(days: list[dt.date], frequency: Frequency) -> list[bool]:
    """True on a row whose successor lies in another period; never rows 0 and n-1
    (except DAILY: every row but row 0)."""
    n = len(days)
    if frequency is Frequency.DAILY:
        return [t > 0 for t in range(n)]
    keys = [_period(d, frequency, days[0]) for d in days]
    return [0 < t < n - 1 and keys[t] != keys[t + 1] for t in range(n)]


def _random_days(rng: np.random.Generator, start: str, n: int, max_gap: int) -> list[dt.date]:
    first = dt.date.fromisoformat(start).toordinal()
    steps = rng.integers(1, max_gap + 1, size=n)
    steps[0] = 0
    return [dt.date.fromordinal(first + int(o)) for o in np.cumsum(steps)]


@pytest.mark.parametrize("frequency", list(Frequency))
@pytest.mark.parametrize(
    ("start", "n", "max_gap"),
    [
        ("2007-04-11", 3000, 4),  # business-day-like rows
        ("1799-06-15", 400, 3),  # across the table's first month (1800-01)
        ("2199-10-01", 200, 3),  # across its last (2199-12)
        ("1650-03-31", 300, 60),  # wholly before it, gaps of up to two months
        ("2250-01-01", 60, 800),  # wholly after it, gaps of years
        ("1969-12-20", 40, 1),  # the epoch (negative day numbers before it)
    ],
)
def test_mask_equals_a_datetime_loop(frequency: Frequency, start: str, n: int,
                                     max_gap: int) -> None:
    rng = np.random.default_rng(dt.date.fromisoformat(start).toordinal() + n)
    days = _random_days(rng, start, n, max_gap)
    dates = np.array([d.isoformat() for d in days], dtype="datetime64[D]")
    assert period_end_mask(dates, frequency).tolist() == _loop_mask(days, frequency)


def test_two_rows_and_one_row() -> None:
    d = np.array(["2024-01-31", "2024-02-01"], dtype="datetime64[D]")
    assert period_end_mask(d, Frequency.MONTHLY).tolist() == [False, False]
    assert period_end_mask(d[:1], Frequency.QUARTERLY).tolist() == [False]
