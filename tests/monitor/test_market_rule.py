"""The monitor's market rule: the policy's decision on the household's date, from the
classes' price history up to that date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from monitor_helpers import household, roth
from rebal.data.market import MarketData
from rebal.errors import ConfigError, DataError
from rebal.monitor.market import class_market, policy_alerts
from rebal.policy.parse import parse_policy


def market(end: str = "2025-07-31") -> MarketData:
    """Two classes' closes on weekdays from 2024-01-01, gently rising."""
    days = np.arange(np.datetime64("2024-01-01"), np.datetime64(end) + 1)
    days = days[np.is_busday(days)]
    n = days.shape[0]
    prices = np.column_stack([100 * 1.0003 ** np.arange(n), 50 * 1.0001 ** np.arange(n)])
    return MarketData(dates=days, assets=("STK", "BND"), prices=prices)


COLUMNS = {"stocks": "STK", "bonds": "BND"}


@pytest.mark.parametrize(("day", "acts"), [
    (date(2025, 6, 30), True),   # Monday, the last weekday of June: month-end
    (date(2025, 6, 27), False),  # Friday before it: not the month's last weekday
    (date(2025, 5, 30), True),   # Friday, the last weekday of May
])
def test_monthly_acts_on_the_last_weekday_of_the_month(day, acts):
    h = household(lots=roth(61_000, 39_000), as_of=day)  # inside its bands
    alerts = policy_alerts(h, class_market(h, market(), COLUMNS), parse_policy("monthly"))
    assert bool(alerts) is acts
    if acts:
        assert alerts[0].message == (f"monthly: {day} is an action day: stocks 61.00% → "
                                     "target 60.00%; bonds 39.00% → target 40.00%")


def test_a_band_policy_acts_only_when_a_class_is_beyond_its_band():
    h = household(lots=roth(70_000, 30_000))  # 70/30 against 60/40 ± 5 (daily looks)
    (a,) = policy_alerts(h, class_market(h, market(), COLUMNS), parse_policy("band:abs=0.05"))
    assert a.message == ("band:abs=0.05: 2025-06-30 is an action day: stocks 70.00% vs "
                         "55.00%–65.00%; bonds 30.00% vs 35.00%–45.00%")
    assert a.figures["stocks_half_width"] == pytest.approx(0.05)
    calm = household(lots=roth(63_000, 37_000))
    assert policy_alerts(calm, class_market(calm, market(), COLUMNS),
                         parse_policy("band:abs=0.05")) == []


def test_rows_after_the_households_date_are_not_read():
    """Prices after the date change nothing (no look-ahead)."""
    h = household(lots=roth(70_000, 30_000))
    m = market()
    later = m.prices.copy()
    after = m.dates > np.datetime64("2025-06-30")
    later[after] *= 3.0
    bent = MarketData(dates=m.dates, assets=m.assets, prices=later)
    policy = parse_policy("vol-band:base=0.05")
    assert [a.message for a in policy_alerts(h, class_market(h, m, COLUMNS), policy)] == \
        [a.message for a in policy_alerts(h, class_market(h, bent, COLUMNS), policy)]


def test_bad_market_input_is_one_line():
    h = household(lots=roth(60_000, 40_000))
    with pytest.raises(ConfigError, match="^--class-prices: no price column for class 'stocks'"):
        class_market(h, market(), {})
    with pytest.raises(DataError, match="^the prices end 2025-05-30, more than 5 days before"):
        class_market(h, market("2025-05-31"), COLUMNS)
