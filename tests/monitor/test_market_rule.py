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


def test_style_drift_beyond_a_factor_band_is_an_alert(tmp_path):
    """Style drift as a monitor alert: the classes' loadings regressed on a factor file up
    to the household's date; drift_k = Σ (w − w*) β_k with the household's weights. Funds
    (known loadings): value (HML +0.6), growth (−0.4), small (+0.2)."""
    from rebal.data.french import read_french
    from rebal.household import household_from_dict
    from rebal.monitor.market import factor_alerts

    days = np.arange(np.datetime64("2024-01-01"), np.datetime64("2025-07-01"))
    days = days[np.is_busday(days)]
    n = days.shape[0]
    rng = np.random.default_rng(3)
    f = rng.normal([0.0004, 0.0, 0.0], [0.01, 0.006, 0.006], (n, 3))
    beta = np.array([[1.0, 0.1, 0.6], [1.1, -0.1, -0.4], [1.0, 0.9, 0.2]])
    r = 0.0001 + f @ beta.T + rng.normal(0, 0.002, (n, 3))
    r[0] = 0.0
    prices = 100 * np.cumprod(1 + r, axis=0)
    path = tmp_path / "F-F_Research_Data_Factors_daily.CSV"
    path.write_text("\n".join(
        ["Made by a test in the library's layout.", "", ",Mkt-RF,SMB,HML,RF",
         *(f"{str(d).replace('-', '')}," + ",".join(f"{100 * x:.6f}" for x in row) + ",0.01"
           for d, row in zip(days, f, strict=True)), "", "Copyright 2026 a test"]) + "\n")
    m = MarketData(dates=days, assets=("VAL", "GRO", "SML"), prices=prices)
    table = read_french(path)

    def house(val: float, gro: float, sml: float):
        return household_from_dict({
            "as_of": "2025-06-30", "household": {"name": "style", "filing_status": "single"},
            "accounts": [{"id": "roth", "type": "roth", "whole_shares": False}],
            "securities": [{"symbol": s, "price_usd": 10.0, "asset_class": s}
                           for s in ("VAL", "GRO", "SML")],
            "targets": {"classes": {"VAL": 0.4, "GRO": 0.4, "SML": 0.2}},
            "lots": [{"account": "roth", "symbol": s, "quantity": q}
                     for s, q in (("VAL", val), ("GRO", gro), ("SML", sml))]})

    # 55/25/20 against 40/40/20: HML drift ≈ 0.15 × 0.6 + (−0.15) × (−0.4) = +0.15 > 0.05
    tilted = house(5_500, 2_500, 2_000)
    (a,) = factor_alerts(tilted, class_market(tilted, m), table, {"HML": 0.05}, window=250)
    assert a.key == "factor_drift:HML" and a.severity.value == "action"
    assert a.figures["drift"] == pytest.approx(0.15, abs=0.02)  # the loadings are estimates
    assert a.message.startswith(f"HML style drift {a.figures['drift']:+.3f} is beyond its "
                                "band ±0.05 (loadings regressed on 250 rows up to 2025-06-30)")
    # 41/39/20: drift ≈ 0.01 × 0.6 + 0.01 × 0.4 = 0.01, inside the band
    near = house(4_100, 3_900, 2_000)
    assert factor_alerts(near, class_market(near, m), table, {"HML": 0.05}, window=250) == []
    with pytest.raises(ConfigError, match="^--factor-bands names 'RMW'"):
        factor_alerts(near, class_market(near, m), table, {"RMW": 0.05})
