"""Holding periods: short or long term (IRC §1222), and wash-sale tacking (IRC §1223(3)).

Pub 550 ("Holding Period"): "begin counting on the date after the day you acquired the
property. The same date of each following month is the beginning of a new month
regardless of the number of days in the preceding month. The day you disposed of the
property is part of your holding period." A gain is long term when the property was held
*more than one year* (§1222(3)), so a sale is long term iff the sale date is after the same
calendar date one year after the start. This is calendar arithmetic, never ``days > 365``
(which is wrong across 29 February).
"""

from __future__ import annotations

from datetime import date, timedelta

from rebal.types import Term

__all__ = [
    "days_held",
    "first_long_term_date",
    "holding_term",
    "is_long_term",
    "one_year_after",
    "tacked_start",
]


def one_year_after(start: date) -> date:
    """The same calendar date one year after ``start``.

    A 29 February start maps to 28 February of the next year: J.K. Lasser (Your Income
    Tax, §5.9) counts holding months of property acquired on the last day of a month as
    ending on the last day of later months (TAX_RULES §2).
    """
    if start.month == 2 and start.day == 29:
        return date(start.year + 1, 2, 28)
    return start.replace(year=start.year + 1)


def first_long_term_date(start: date) -> date:
    """The first sale date on which shares held from ``start`` are long term.

    Examples (TAX_RULES E15, E16, §2): start 2005-01-01 → 2006-01-02; start 2012-09-19 →
    2013-09-20; start 2024-02-29 → 2025-03-01.
    """
    return one_year_after(start) + timedelta(days=1)


def is_long_term(start: date, sale: date) -> bool:
    """True iff a sale on ``sale`` of shares held from ``start`` is long term (§1222(3))."""
    return sale > one_year_after(start)


def holding_term(start: date, sale: date) -> Term:
    """``Term.LONG`` iff held more than one year (IRC §1222), else ``Term.SHORT``."""
    return Term.LONG if is_long_term(start, sale) else Term.SHORT


def days_held(start: date, sale: date) -> int:
    """Calendar days in the holding period: from the day after ``start`` through ``sale``.

    Used only for tacking; never to decide the term.
    """
    return (sale - start).days


def tacked_start(replacement_acquired: date, sold_start: date, sale: date) -> date:
    """Holding-period start of wash-sale replacement shares (IRC §1223(3); Pub 550).

    The replacement's holding period includes the period the sold shares were held. The
    date arithmetic is rebal's implementation choice ([M] in TAX_RULES §2): the adjusted
    start is the replacement's acquisition date minus the days the sold shares were held
    (``sale - sold_start``). For a replacement bought before the sale, the days both lots
    were held are then counted twice; the statute does not say otherwise and this errs
    toward long term only by the overlap (at most 30 days).

    Parameters
    ----------
    replacement_acquired
        Trade date of the replacement purchase.
    sold_start
        Holding-period start of the sold shares (itself possibly tacked: chained washes).
    sale
        Date of the loss sale.
    """
    return replacement_acquired - timedelta(days=days_held(sold_start, sale))
