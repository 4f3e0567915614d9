"""Holding period (IRC §1222; Pub 550; TAX_RULES §2, E15, E16) and tacking (§1223(3))."""

from datetime import date

import pytest

from rebal.tax.holding import (
    days_held,
    first_long_term_date,
    holding_term,
    is_long_term,
    one_year_after,
    tacked_start,
)
from rebal.types import Term


def test_e15_jan_1():
    # Bought Jan 1, 2005: Jan 1, 2006 is short term, Jan 2, 2006 long term.
    assert holding_term(date(2005, 1, 1), date(2006, 1, 1)) is Term.SHORT
    assert holding_term(date(2005, 1, 1), date(2006, 1, 2)) is Term.LONG


def test_e16_sep_19():
    assert first_long_term_date(date(2012, 9, 19)) == date(2013, 9, 20)
    assert not is_long_term(date(2012, 9, 19), date(2013, 9, 19))
    assert is_long_term(date(2012, 9, 19), date(2013, 9, 20))


def test_feb_29_start_long_term_from_mar_1():
    # J.K. Lasser §5.9: last day of the month → 2024-02-29 is long term from 2025-03-01.
    start = date(2024, 2, 29)
    assert one_year_after(start) == date(2025, 2, 28)
    assert holding_term(start, date(2025, 2, 28)) is Term.SHORT
    assert holding_term(start, date(2025, 3, 1)) is Term.LONG
    assert first_long_term_date(start) == date(2025, 3, 1)


def test_leap_year_is_not_days_over_365():
    # 2023-03-01 → 2024-03-01 is 366 days but exactly one year: short term.
    assert days_held(date(2023, 3, 1), date(2024, 3, 1)) == 366
    assert holding_term(date(2023, 3, 1), date(2024, 3, 1)) is Term.SHORT
    assert holding_term(date(2023, 3, 1), date(2024, 3, 2)) is Term.LONG
    # 2024-01-01 → 2025-01-01: 366 days, still short term.
    assert holding_term(date(2024, 1, 1), date(2025, 1, 1)) is Term.SHORT
    # Bought 2023-02-28: 2024-02-28 is the anniversary, 2024-02-29 is "more than one year".
    assert holding_term(date(2023, 2, 28), date(2024, 2, 28)) is Term.SHORT
    assert holding_term(date(2023, 2, 28), date(2024, 2, 29)) is Term.LONG


def test_day_after_purchase_short():
    assert holding_term(date(2025, 5, 1), date(2025, 5, 2)) is Term.SHORT


@pytest.mark.parametrize(
    ("start", "first_lt"),
    [
        (date(2023, 12, 31), date(2025, 1, 1)),
        (date(2024, 3, 31), date(2025, 4, 1)),
        (date(2020, 2, 29), date(2021, 3, 1)),
    ],
)
def test_first_long_term_date_table(start, first_lt):
    assert first_long_term_date(start) == first_lt


def test_tacking_adds_the_days_held():
    # Sold shares held 2024-09-24 → 2025-02-03 (132 days); replacement bought 2025-02-10
    # starts 132 days earlier: 2024-10-01 (TAX_RULES E5 dates).
    assert days_held(date(2024, 9, 24), date(2025, 2, 3)) == 132
    assert tacked_start(date(2025, 2, 10), date(2024, 9, 24), date(2025, 2, 3)) == date(
        2024, 10, 1
    )


def test_tacking_can_make_a_replacement_long_term_sooner():
    # Held 300 days, sold; replacement bought 10 days later is long term 66 days after.
    sold_start, sale = date(2024, 1, 1), date(2024, 10, 27)
    assert days_held(sold_start, sale) == 300
    start = tacked_start(date(2024, 11, 6), sold_start, sale)
    assert start == date(2024, 1, 11)
    assert holding_term(start, date(2025, 1, 11)) is Term.SHORT
    assert holding_term(start, date(2025, 1, 12)) is Term.LONG
