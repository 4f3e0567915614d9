"""Derived views checked by hand on the tiny household (see conftest.py).

Tiny household on 2025-06-30:
  tx  (taxable): cash 1,000, reserve 500; A 10 sh × $100 = 1,000; BAL 20 sh × $50 = 1,000
  ira (traditional): B 50 sh × $20 = 1,000
  BAL looks through 60 % stocks / 40 % bonds → stocks 1,000 + 600 = 1,600; bonds 400 + 1,000 = 1,400
  total = 3,000 + 1,000 cash = 4,000; investable = 4,000 − 500 reserve = 3,500
  weights: stocks 1,600/3,500 = 0.457142857…, bonds 1,400/3,500 = 0.4, uninvested cash 500/3,500
  stocks: target 0.5, core ±0.03 → drift −0.042857 → breached
  bonds: target 0.5, band_rel 0.25 → ±0.125 → drift −0.1 → inside
"""

from __future__ import annotations

from datetime import date

import pytest

from rebal.household import household_from_dict
from rebal.household import views as v
from rebal.types import Term


def test_values_and_weights_by_hand(tiny):
    h = household_from_dict(tiny)
    assert v.security_values(h) == {"A": 1000.0, "A2": 0.0, "BAL": 1000.0, "B": 1000.0}
    assert v.class_values(h) == pytest.approx({"stocks": 1600.0, "bonds": 1400.0})
    assert v.class_values(h, "ira") == pytest.approx({"stocks": 0.0, "bonds": 1000.0})
    assert v.total_value_usd(h) == pytest.approx(4000.0)
    assert v.investable_value_usd(h) == pytest.approx(3500.0)
    assert v.uninvested_cash_usd(h) == pytest.approx(500.0)
    weights = v.class_weights(h)
    assert weights["stocks"] == pytest.approx(1600 / 3500, abs=1e-15)
    assert weights["bonds"] == pytest.approx(0.4, abs=1e-15)
    assert sum(weights.values()) + 500 / 3500 == pytest.approx(1.0, abs=1e-15)
    accounts = v.account_values(h)
    assert accounts["tx"].holdings_usd == pytest.approx(2000.0)
    assert accounts["tx"].total_usd == pytest.approx(3000.0)
    assert accounts["ira"].total_usd == pytest.approx(1000.0)


def test_drift_and_bands_by_hand(tiny):
    h = household_from_dict(tiny)
    stocks, bonds = v.drift(h)
    assert stocks.asset_class == "stocks" and stocks.half_width == pytest.approx(0.03)
    assert stocks.drift == pytest.approx(1600 / 3500 - 0.5)
    assert stocks.breached
    assert bonds.half_width == pytest.approx(0.125)  # 0.25 × 0.5
    assert bonds.drift == pytest.approx(-0.1)
    assert not bonds.breached
    assert (bonds.lower, bonds.upper) == pytest.approx((0.375, 0.625))
    assert v.needs_rebalance(h)


def test_band_edge_is_not_a_breach(tiny):
    # stocks exactly at 0.53 = target + 0.03: on the edge, not beyond it
    tiny["targets"]["classes"] = {"stocks": 0.43, "bonds": 0.57}  # ±0.03 core each
    tiny["accounts"][0]["min_cash_usd"] = 1000  # investable = 3,000 → stocks 1,600/3,000
    h = household_from_dict(tiny)
    stocks = v.drift(h)[0]
    assert stocks.weight == pytest.approx(1600 / 3000)
    assert stocks.breached  # 0.5333 > 0.46
    tiny["targets"]["classes"] = {"stocks": {"weight": 0.5, "band_abs": 1 / 30}, "bonds": 0.5}
    h = household_from_dict(tiny)
    assert not v.drift(h)[0].breached  # 1600/3000 − 0.5 = 1/30 exactly: on the edge


def test_both_bands_smaller_binds(tiny):
    tiny["targets"]["classes"] = {
        "stocks": {"weight": 0.6, "band_abs": 0.05, "band_rel": 0.25},  # min(0.05, 0.15)
        "bonds": {"weight": 0.4, "band_abs": 0.2, "band_rel": 0.25},  # min(0.2, 0.10)
    }
    h = household_from_dict(tiny)
    assert h.target("stocks").half_width == pytest.approx(0.05)
    assert h.target("bonds").half_width == pytest.approx(0.10)


def test_tier_default_bands(tiny):
    tiny["targets"]["classes"] = {
        "stocks": {"weight": 0.6, "tier": "satellite"},
        "bonds": {"weight": 0.4, "tier": "Tactical"},
    }
    h = household_from_dict(tiny)
    assert h.target("stocks").half_width == pytest.approx(0.05)
    assert h.target("bonds").half_width == pytest.approx(0.08)


def test_lot_gains_and_terms_by_hand(tiny):
    h = household_from_dict(tiny)
    gains = {g.lot_id: g for g in v.lot_gains(h)}
    assert set(gains) == {"tx:A:1", "tx:BAL:1"}  # the IRA position has no basis
    a, bal = gains["tx:A:1"], gains["tx:BAL:1"]
    assert a.gain_usd == pytest.approx(200.0) and a.term is Term.SHORT
    assert a.long_term_from == date(2025, 7, 1)
    assert a.gain_frac == pytest.approx(0.25)
    assert bal.gain_usd == pytest.approx(-200.0) and bal.term is Term.LONG


def test_zero_investable_gives_zero_weights(tiny):
    tiny["lots"] = []
    tiny["accounts"][0]["min_cash_usd"] = 1000
    h = household_from_dict(tiny)
    assert v.investable_value_usd(h) == 0.0
    assert v.class_weights(h) == {"stocks": 0.0, "bonds": 0.0}


@pytest.mark.parametrize(
    ("acquired", "sold", "long"),
    [
        # TAX_RULES.md §2: Jan 1, 2005 → Jan 1, 2006 short, Jan 2, 2006 long
        (date(2005, 1, 1), date(2006, 1, 1), False),
        (date(2005, 1, 1), date(2006, 1, 2), True),
        # J.K. Lasser: Sep 19, 2012 → long-term on or after Sep 20, 2013
        (date(2012, 9, 19), date(2013, 9, 19), False),
        (date(2012, 9, 19), date(2013, 9, 20), True),
        # bought 29 Feb 2024: long-term from 1 March 2025
        (date(2024, 2, 29), date(2025, 2, 28), False),
        (date(2024, 2, 29), date(2025, 3, 1), True),
        # across a leap day: 366 days held is not enough when the year contains 29 Feb
        (date(2023, 3, 1), date(2024, 3, 1), False),
        (date(2023, 3, 1), date(2024, 3, 2), True),
    ],
)
def test_holding_period_calendar_rule(acquired, sold, long):
    assert v.is_long_term(acquired, sold) is long


def test_holding_start_is_used_for_term(tiny):
    tiny["lots"][0]["acquired"] = "2025-06-06"
    tiny["lots"][0]["holding_start"] = "2024-05-01"  # tacked from a washed lot
    h = household_from_dict(tiny)
    gain = next(g for g in v.lot_gains(h) if g.lot_id == "tx:A:1")
    assert gain.term is Term.LONG


def test_drift_is_the_policys_decision(tiny):
    """The household's bands as a policy state: tiers are groups sized as their presets,
    and decide's breached classes, desired weights and acting tiers are the drift's."""
    import numpy as np

    from rebal.policy import decide
    from rebal.types import Sizing

    tiny["targets"]["classes"] = {
        "stocks": {"weight": 0.6, "tier": "satellite"},  # ±0.05, to the band edge
        "bonds": {"weight": 0.4, "tier": "core"},  # ±0.03, to target
    }
    h = household_from_dict(tiny)
    state = v.band_state(h)
    assert v.tier_groups(h) == ("core", "satellite")
    assert list(state.group) == [1, 0]
    assert state.sizing == (Sizing.TO_TARGET, Sizing.TO_EDGE)
    decision = decide(state)
    drift = v.drift(h)
    # stocks 0.457 is below 0.6 − 0.05; bonds 0.4 is on target
    assert [bool(d.breached) for d in drift] == list(decision.breached) == [True, False]
    assert decision.acting_groups == (1,)  # the satellite tier, to its band edge
    assert decision.desired_weights[0] == pytest.approx(0.55, abs=1e-15)
    assert np.isclose(decision.desired_weights.sum(), 1.0)
