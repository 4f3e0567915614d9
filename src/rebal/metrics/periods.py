"""Returns over calendar periods and arbitrary date windows.

Conventions
-----------
``dates`` has **one more entry than** ``returns``: ``dates[0]`` is the start
(the close at which the portfolio is bought) and ``returns[i]`` is earned from
the close of ``dates[i]`` to the close of ``dates[i + 1]``. For a backtest
result pass ``result.returns[1:]`` with ``result.dates`` unchanged. Indices
(``from_row``, ``to_row``) are rows of ``dates``.

A return belongs to the calendar period of the date it ends on. A period's
return compounds its returns, i.e. runs from the last close of the previous
period (or the start) to its own last close, so consecutive period returns
compound to the total return.

Weeks run Monday to Sunday (ISO weeks); quarters and half-years are calendar
ones (Q1 = Jan–Mar, H1 = Jan–Jun).

A period is *partial* when the data does not cover all of it:

- the first period, when the start date lies in it (the returns from its
  beginning to the start are missing);
- the last period, when a weekday (Mon–Fri) falls after the last date and on or
  before the period's end. Exchange holidays are not known here, so a period
  whose last weekday is a holiday (e.g. a quarter ending on Good Friday) is
  flagged partial — conservatively.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from rebal.errors import ConfigError, DataError
from rebal.metrics._checks import as_returns, scalar_or_array
from rebal.types import BoolArray, DateArray, FloatArray, Frequency, IntArray

# 1970-01-05, day 4 of the epoch, was a Monday: weeks are counted from it.
_MONDAY_OFFSET = 4
_MONTHS_PER_PERIOD = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}


@dataclass(frozen=True, slots=True)
class PeriodReturns:
    """Compounded returns per calendar period.

    Attributes
    ----------
    frequency
        The calendar used.
    labels
        ``n_periods`` labels: ``2020-03-05`` (daily), ``2020-W10`` (ISO week),
        ``2020-03``, ``2020-Q1``, ``2020-H1``, ``2020``.
    period_start, period_end
        ``(n_periods,)`` ``datetime64[D]``: first and last calendar day of each period.
    from_row, to_row
        ``(n_periods,)`` rows of ``dates``: the return of period ``p`` runs from
        the close of ``dates[from_row[p]]`` to the close of ``dates[to_row[p]]``.
    returns
        ``(n_periods,)`` or ``(n_periods, k)`` compounded simple returns (fractions).
    partial
        ``(n_periods,)`` True where the data covers only part of the period
        (only the first and last periods can be partial).
    """

    frequency: Frequency
    labels: tuple[str, ...]
    period_start: DateArray
    period_end: DateArray
    from_row: IntArray
    to_row: IntArray
    returns: FloatArray
    partial: BoolArray

    def __len__(self) -> int:
        return len(self.labels)

    def complete(self) -> PeriodReturns:
        """Only the periods the data covers fully."""
        keep = ~self.partial
        return PeriodReturns(
            frequency=self.frequency,
            labels=tuple(lab for lab, k in zip(self.labels, keep, strict=True) if k),
            period_start=self.period_start[keep],
            period_end=self.period_end[keep],
            from_row=self.from_row[keep],
            to_row=self.to_row[keep],
            returns=self.returns[keep],
            partial=self.partial[keep],
        )


def as_dates(dates: Any, n_returns: int, *, name: str = "dates") -> DateArray:
    """Validate the ``n_returns + 1`` strictly increasing dates of a wealth path."""
    try:
        d = np.asarray(dates, dtype="datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be dates: {exc}") from None
    if d.ndim != 1 or d.shape[0] != n_returns + 1:
        raise ConfigError(
            f"{name} must have one more entry than the returns ({n_returns + 1}: the start date "
            f"then one date per return), got shape {d.shape}"
        )
    if np.isnat(d).any():
        raise DataError(f"{name}[{int(np.flatnonzero(np.isnat(d))[0])}] is not a date")
    steps = np.diff(d.astype(np.int64))
    if (steps <= 0).any():
        i = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise DataError(
            f"{name} must be strictly increasing: {name}[{i}] = {d[i]} follows {d[i - 1]}"
        )
    return d


def _period_keys(days: DateArray, frequency: Frequency) -> IntArray:
    """An integer per date, equal for dates of the same period and increasing with time."""
    if frequency is Frequency.DAILY:
        return days.astype(np.int64)
    if frequency is Frequency.WEEKLY:
        return (days.astype(np.int64) - _MONDAY_OFFSET) // 7
    if frequency in _MONTHS_PER_PERIOD:
        months = days.astype("datetime64[M]").astype(np.int64)
        return months // _MONTHS_PER_PERIOD[frequency]
    raise ConfigError(
        f"period returns support daily, weekly, monthly, quarterly, semiannual and annual "
        f"periods, not {frequency.value!r} (it has no calendar anchor)"
    )


def _period_bounds(keys: IntArray, frequency: Frequency) -> tuple[DateArray, DateArray]:
    """First and last calendar day of the periods with these keys."""
    if frequency is Frequency.DAILY:
        day = keys.astype("datetime64[D]")
        return day, day
    if frequency is Frequency.WEEKLY:
        monday = (keys * 7 + _MONDAY_OFFSET).astype("datetime64[D]")
        sunday = (keys * 7 + _MONDAY_OFFSET + 6).astype("datetime64[D]")
        return monday, sunday
    m = _MONTHS_PER_PERIOD[frequency]
    first: DateArray = (keys * m).astype("datetime64[M]").astype("datetime64[D]")
    next_first: DateArray = ((keys + 1) * m).astype("datetime64[M]").astype("datetime64[D]")
    last: DateArray = (next_first.astype(np.int64) - 1).astype("datetime64[D]")
    return first, last


def _label(start: np.datetime64, frequency: Frequency) -> str:
    day: _dt.date = start.astype(_dt.date)
    if frequency is Frequency.DAILY:
        return day.isoformat()
    if frequency is Frequency.WEEKLY:
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if frequency is Frequency.MONTHLY:
        return f"{day.year}-{day.month:02d}"
    if frequency is Frequency.QUARTERLY:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if frequency is Frequency.SEMIANNUAL:
        return f"{day.year}-H{(day.month - 1) // 6 + 1}"
    return f"{day.year}"


def _weekday_after(last: np.datetime64, until: np.datetime64) -> bool:
    """Whether a Monday–Friday falls in ``(last, until]``."""
    if until <= last:
        return False
    return bool(np.busday_count(last + np.timedelta64(1, "D"), until + np.timedelta64(1, "D")) > 0)


def period_returns(returns: Any, dates: Any, frequency: Frequency | str) -> PeriodReturns:
    """Compounded returns per calendar period (week, month, quarter, half-year, year).

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple period returns (fractions).
    dates
        ``(n + 1,)`` strictly increasing dates: the start, then the date each
        return ends on (see the module docstring).
    frequency
        The calendar: ``Frequency.DAILY`` … ``Frequency.ANNUAL`` (biweekly is
        refused: it has no calendar anchor).

    Returns
    -------
    PeriodReturns
        One entry per calendar period touched by the returns, oldest first,
        with the partial first/last periods flagged.
    """
    r = as_returns(returns)
    d = as_dates(dates, r.shape[0])
    freq = Frequency.parse(frequency, field="frequency")
    keys = _period_keys(d, freq)  # type: ignore[arg-type]
    return_keys = keys[1:]
    # Row i of the returns starts a new period where its key changes.
    starts = np.flatnonzero(np.r_[True, return_keys[1:] != return_keys[:-1]])
    compounded = np.multiply.reduceat(1.0 + r, starts, axis=0) - 1.0
    ends = np.r_[starts[1:], r.shape[0]]  # exclusive, in return rows
    period_keys = return_keys[starts]
    p_start, p_end = _period_bounds(period_keys, freq)  # type: ignore[arg-type]
    partial = np.zeros(starts.shape[0], dtype=bool)
    partial[0] = keys[0] == keys[1]
    partial[-1] |= _weekday_after(d[-1], p_end[-1])
    return PeriodReturns(
        frequency=freq,  # type: ignore[arg-type]
        labels=tuple(_label(s, freq) for s in p_start),  # type: ignore[arg-type]
        period_start=p_start,
        period_end=p_end,
        from_row=starts.astype(np.int64),  # return row i starts at date row i
        to_row=ends.astype(np.int64),  # …and the last return of the period ends at date row `end`
        returns=compounded,
        partial=partial,
    )


def window_return(
    returns: Any,
    dates: Any,
    start: Any,
    end: Any,
    *,
    allow_partial: bool = False,
) -> float | FloatArray:
    """Compounded return over the calendar window ``[start, end]`` (both inclusive).

    The window's return runs from the close of the last date *before* ``start``
    to the close of the last date on or before ``end``; it includes every return
    that ends on a date in the window. ``start="2020-01-01", end="2020-03-31"``
    is the first quarter of 2020.

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple period returns (fractions).
    dates
        ``(n + 1,)`` dates: the start, then the date each return ends on.
    start, end
        Window bounds (anything ``numpy.datetime64`` accepts, e.g. ISO strings).
    allow_partial
        If False (default), a window the data does not fully cover is a
        :class:`~rebal.errors.DataError`: one starting on or before ``dates[0]``
        (no close before it), or ending after the last date with a weekday in
        between. If True, such a window is clipped to the data.

    Returns
    -------
    float or FloatArray
        Fraction (``(k,)`` for 2-D returns).
    """
    r = as_returns(returns)
    d = as_dates(dates, r.shape[0])
    try:
        lo = np.datetime64(start, "D")
        hi = np.datetime64(end, "D")
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"window bounds must be dates: {exc}") from None
    if hi < lo:
        raise ConfigError(f"window end {hi} is before its start {lo}")
    from_row = int(np.searchsorted(d, lo, side="left")) - 1  # last date < start
    to_row = int(np.searchsorted(d, hi, side="right")) - 1  # last date <= end
    span = f"the data runs from the close of {d[0]} to {d[-1]}"
    if not allow_partial:
        if from_row < 0:
            raise DataError(f"window {lo} … {hi} starts before the data covers it: {span}")
        if _weekday_after(d[-1], hi):
            raise DataError(f"window {lo} … {hi} ends after the data: {span}")
    from_row = max(from_row, 0)
    if to_row <= from_row:
        raise DataError(f"window {lo} … {hi} holds no returns: {span}")
    return scalar_or_array(np.prod(1.0 + r[from_row:to_row], axis=0) - 1.0)
