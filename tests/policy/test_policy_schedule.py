"""Calendars: the check day is the last row of each period, never row 0 or the last row."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.policy import Calendar, period_end_mask
from rebal.types import Frequency


def days(*iso):
    return np.array(iso, dtype="datetime64[D]")


def checked(dates, freq):
    return [str(d) for d in dates[period_end_mask(dates, freq)]]


def test_monthly_hand_checked():
    d = days("2023-12-28", "2023-12-29", "2024-01-02", "2024-01-31", "2024-02-01", "2024-02-29",
             "2024-03-01")
    assert checked(d, Frequency.MONTHLY) == ["2023-12-29", "2024-01-31", "2024-02-29"]


def test_final_row_is_never_a_calendar_check_and_row_0_never():
    d = days("2024-01-31", "2024-02-29", "2024-03-28")  # every row ends a month
    assert checked(d, Frequency.MONTHLY) == ["2024-02-29"]
    assert period_end_mask(d, Frequency.DAILY).tolist() == [False, True, True]


def test_quarterly_semiannual_annual():
    d = days("2024-03-28", "2024-04-01", "2024-06-28", "2024-07-01", "2024-09-30", "2024-10-01",
             "2024-12-31", "2025-01-02")
    # row 0 (2024-03-28) ends Q1 but is the initial purchase, never a check
    assert checked(d, Frequency.QUARTERLY) == ["2024-06-28", "2024-09-30", "2024-12-31"]
    assert checked(d, Frequency.SEMIANNUAL) == ["2024-06-28", "2024-12-31"]
    assert checked(d, Frequency.ANNUAL) == ["2024-12-31"]


def test_weekly_uses_iso_weeks_across_new_year():
    # 2020-12-31 (Thu) and 2021-01-01 (Fri) are ISO week 53 of 2020; Mon 2021-01-04 is week 1
    d = days("2020-12-30", "2020-12-31", "2021-01-01", "2021-01-04", "2021-01-08", "2021-01-11")
    assert checked(d, Frequency.WEEKLY) == ["2021-01-01", "2021-01-08"]


def test_biweekly_counts_pairs_of_weeks_from_the_first_row():
    # first row in the week of Mon 2024-01-01: pairs are [Jan 1, Jan 14], [Jan 15, Jan 28] …
    d = days("2024-01-03", "2024-01-05", "2024-01-12", "2024-01-15", "2024-01-26", "2024-01-29",
             "2024-02-02")
    assert checked(d, Frequency.BIWEEKLY) == ["2024-01-12", "2024-01-26"]


def test_calendar_parses_text_and_rejects_unknown():
    assert Calendar("quarterly").frequency is Frequency.QUARTERLY
    from rebal.errors import ConfigError

    with pytest.raises(ConfigError, match=r"Calendar\.frequency: unknown value 'hourly'"):
        Calendar("hourly")
