"""Calendar-period and window returns: grouping, compounding, partial flags, windows."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.errors import ConfigError, DataError
from rebal.metrics import period_returns, total_return, window_return
from rebal.types import Frequency

# Daily rows around a year end: bought at the close of Mon 2019-12-30.
DAILY_DATES = np.array(
    ["2019-12-30", "2019-12-31", "2020-01-02", "2020-01-03"], dtype="datetime64[D]"
)
DAILY_R = [0.01, 0.02, -0.01]  # ending on Dec 31, Jan 2, Jan 3

# Month ends Dec 2019 … Dec 2020 (13 dates, 12 monthly returns).
MONTH_ENDS = np.array(
    ["2019-12-31"]
    + [
        f"2020-{m:02d}-{d}"
        for m, d in zip(range(1, 13), [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], strict=True)
    ],
    dtype="datetime64[D]",
)
MONTHLY_R = np.array([0.01, -0.02, 0.03, 0.00, 0.015, -0.01, 0.02, 0.005, -0.03, 0.01, 0.04, 0.02])


def test_annual_across_a_year_end_with_partial_flags() -> None:
    p = period_returns(DAILY_R, DAILY_DATES, Frequency.ANNUAL)
    assert p.labels == ("2019", "2020")
    # 2019: only Dec 31's return (Dec 30's close is the start, in 2019, so 2019 is partial).
    # 2020: 1.02 × 0.99 - 1 = 0.0098, partial because weekdays of 2020 follow Jan 3.
    np.testing.assert_allclose(p.returns, [0.01, 0.0098], rtol=1e-13)
    assert p.partial.tolist() == [True, True]
    assert p.from_row.tolist() == [0, 1] and p.to_row.tolist() == [1, 3]
    assert p.period_start.tolist()[1].isoformat() == "2020-01-01"
    assert str(p.period_end[0]) == "2019-12-31"
    assert len(p.complete()) == 0


def test_monthly_data_quarters_halves_years_complete() -> None:
    q = period_returns(MONTHLY_R, MONTH_ENDS, "quarterly")
    assert q.labels == ("2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4")
    expected = [np.prod(1 + MONTHLY_R[i : i + 3]) - 1 for i in range(0, 12, 3)]
    # e.g. Q1 = 1.01 × 0.98 × 1.03 - 1 = 0.019494
    assert expected[0] == pytest.approx(0.019494, rel=1e-12)
    np.testing.assert_allclose(q.returns, expected, rtol=1e-13)
    # Started at the close of 2019-12-31 (previous quarter) and ended on 2020-12-31: all complete.
    assert not q.partial.any()
    h = period_returns(MONTHLY_R, MONTH_ENDS, Frequency.SEMIANNUAL)
    assert h.labels == ("2020-H1", "2020-H2")
    y = period_returns(MONTHLY_R, MONTH_ENDS, Frequency.ANNUAL)
    assert y.labels == ("2020",) and not y.partial.any()
    assert y.returns[0] == pytest.approx(total_return(MONTHLY_R), rel=1e-13)
    m = period_returns(MONTHLY_R, MONTH_ENDS, Frequency.MONTHLY)
    assert m.labels[1] == "2020-02" and str(m.period_end[1]) == "2020-02-29"  # leap year
    np.testing.assert_allclose(m.returns, MONTHLY_R, rtol=1e-13, atol=1e-15)


def test_last_period_complete_when_only_a_weekend_is_missing() -> None:
    # Data ends Fri 2020-07-31 … and Fri 2020-02-28: February 2020 ends Sat 29th, so only a
    # weekend is missing → complete. Ending Thu 2020-02-27 leaves Fri 28th → partial.
    dates = np.array(["2020-01-31", "2020-02-27", "2020-02-28"], dtype="datetime64[D]")
    full = period_returns([0.01, 0.02], dates, Frequency.MONTHLY)
    assert full.labels == ("2020-02",) and full.partial.tolist() == [False]
    cut = period_returns([0.01], dates[:2], Frequency.MONTHLY)
    assert cut.partial.tolist() == [True]


def test_weekly_iso_labels() -> None:
    # Thu 2020-12-31 is in ISO week 2020-W53 (Mon 12-28 … Sun 2021-01-03);
    # Mon 2021-01-04 starts 2021-W01.
    dates = np.array(
        ["2020-12-24", "2020-12-28", "2020-12-31", "2021-01-04", "2021-01-08"],
        dtype="datetime64[D]",
    )
    p = period_returns([0.01, 0.02, 0.03, 0.04], dates, Frequency.WEEKLY)
    assert p.labels == ("2020-W53", "2021-W01")
    assert str(p.period_start[0]) == "2020-12-28" and str(p.period_end[0]) == "2021-01-03"
    # Returns end on 12-28, 12-31 (W53) and 01-04, 01-08 (W01); the start (12-24) is in W52,
    # and the data ends on Friday 01-08, so both weeks are complete.
    np.testing.assert_allclose(p.returns, [1.01 * 1.02 - 1, 1.03 * 1.04 - 1], rtol=1e-13)
    assert p.partial.tolist() == [False, False]


def test_periods_compound_to_total_two_dimensional() -> None:
    rng = np.random.default_rng(3)
    dates = np.arange(np.datetime64("2018-03-14"), np.datetime64("2021-07-09"), 3)
    r = rng.normal(0.0005, 0.01, size=(dates.size - 1, 2))
    for freq in (Frequency.WEEKLY, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL):
        p = period_returns(r, dates, freq)
        assert p.returns.shape == (len(p), 2)
        np.testing.assert_allclose(np.prod(1 + p.returns, axis=0) - 1, total_return(r), rtol=1e-12)
        # Rows chain: each period starts where the previous one ended.
        assert p.from_row[0] == 0 and p.to_row[-1] == dates.size - 1
        assert (p.from_row[1:] == p.to_row[:-1]).all()
        # The middle periods are never partial.
        assert not p.partial[1:-1].any()
    d = period_returns(r[:5], dates[:6], Frequency.DAILY)
    np.testing.assert_allclose(d.returns, r[:5], rtol=1e-13, atol=1e-15)
    assert d.labels[0] == str(dates[1]) and not d.partial.any()


def test_window_return_quarter_and_year() -> None:
    # Q1 2020 on the monthly data: from the close of 2019-12-31 to the close of 2020-03-31.
    q1 = window_return(MONTHLY_R, MONTH_ENDS, "2020-01-01", "2020-03-31")
    assert q1 == pytest.approx(1.01 * 0.98 * 1.03 - 1, rel=1e-13)
    # A window bound on a data date includes that date's return.
    feb_mar = window_return(MONTHLY_R, MONTH_ENDS, "2020-02-29", "2020-03-31")
    assert feb_mar == pytest.approx(0.98 * 1.03 - 1, rel=1e-13)
    year = window_return(MONTHLY_R, MONTH_ENDS, np.datetime64("2020-01-01"), "2020-12-31")
    assert year == pytest.approx(total_return(MONTHLY_R), rel=1e-13)
    both = window_return(
        np.column_stack([MONTHLY_R, MONTHLY_R * 0]), MONTH_ENDS, "2020-01-01", "2020-03-31"
    )
    np.testing.assert_allclose(both, [q1, 0.0], rtol=1e-13)


def test_window_return_coverage() -> None:
    with pytest.raises(DataError, match="starts before"):
        window_return(DAILY_R, DAILY_DATES, "2019-12-01", "2019-12-31")
    with pytest.raises(DataError, match="ends after"):
        window_return(DAILY_R, DAILY_DATES, "2020-01-01", "2020-01-31")
    # Sat 2020-01-04 / Sun 01-05 after the last date (Fri 01-03): only a weekend is missing.
    assert window_return(DAILY_R, DAILY_DATES, "2020-01-01", "2020-01-05") == pytest.approx(0.0098)
    assert window_return(DAILY_R, DAILY_DATES, "2019-01-01", "2020-12-31", allow_partial=True) == (
        pytest.approx(1.01 * 1.02 * 0.99 - 1, rel=1e-13)
    )
    with pytest.raises(DataError, match="no returns"):
        window_return(MONTHLY_R, MONTH_ENDS, "2020-03-01", "2020-03-30")
    with pytest.raises(ConfigError, match="before its start"):
        window_return(DAILY_R, DAILY_DATES, "2020-01-03", "2020-01-02")


def test_bad_dates_and_frequency() -> None:
    with pytest.raises(ConfigError, match="one more entry"):
        period_returns(DAILY_R, DAILY_DATES[1:], Frequency.ANNUAL)
    with pytest.raises(DataError, match="strictly increasing"):
        period_returns(DAILY_R, DAILY_DATES[[0, 2, 1, 3]], Frequency.ANNUAL)
    with pytest.raises(ConfigError, match="biweekly"):
        period_returns(DAILY_R, DAILY_DATES, Frequency.BIWEEKLY)
    with pytest.raises(ConfigError, match="unknown value"):
        period_returns(DAILY_R, DAILY_DATES, "fortnightly")
    with pytest.raises(DataError):
        period_returns(DAILY_R, ["2020-01-01", "x", "2020-01-03", "2020-01-04"], Frequency.ANNUAL)
