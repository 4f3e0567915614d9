"""Commitment pacing against hand-worked years."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.alternatives import PrivateFund, TAParams
from rebal.alternatives.pacing import pace
from rebal.errors import ConfigError

# RC 50 % a year, RD = t/10 (B 1, Y 0), no growth: every number below is done by hand
SIMPLE = TAParams((0.5,), bow=1.0, growth=0.0, yield_rate=0.0, life_years=10.0)


def test_four_years_by_hand():
    plan = pace(target_weight=0.10, liquid_usd=1000.0, liquid_growth=0.0, start_year=2005,
                years=4, params=SIMPLE, lookahead_years=1)
    # No growth anywhere, so the total stays 1000 and the target NAV is 100.
    # 2005: a new fund's year-1 NAV is half its commitment (C = 0.5 K, D = 0): K = 100/0.5 = 200
    # fund 2005 then: 2006 C = 0.5*100 = 50, D = 0.2*100 = 20, NAV 130  -> over 100: commit 0
    #                 2007 C = 25, D = 0.3*130 = 39, NAV 116             -> commit 0
    #                 2008 C = 12.5, D = 0.4*116 = 46.4, NAV 82.1        -> K = (100-82.1)/0.5
    np.testing.assert_allclose(plan.commitments_usd, [200.0, 0.0, 0.0, 35.8], atol=1e-9)
    y = plan.years
    # 2008's NAV: fund 2005's 82.1 plus the 2008 fund's 0.5 * 35.8 = 17.9 -> exactly 100
    np.testing.assert_allclose([r.private_nav_usd for r in y], [100, 130, 116, 100], atol=1e-9)
    np.testing.assert_allclose([r.total_usd for r in y], [1000] * 4, atol=1e-9)
    np.testing.assert_allclose([r.calls_usd for r in y], [100, 50, 25, 12.5 + 17.9], atol=1e-9)
    np.testing.assert_allclose([r.distributions_usd for r in y], [0, 20, 39, 46.4], atol=1e-9)
    # liquid: 1000 - 100 = 900; 900 - 50 + 20 = 870; 870 - 25 + 39 = 884; 884 - 30.4 + 46.4 = 900
    np.testing.assert_allclose([r.liquid_usd for r in y], [900, 870, 884, 900], atol=1e-9)
    # unfunded: 2005 fund 100, 50, 25, 12.5; plus the 2008 fund's 35.8 - 17.9 = 17.9
    np.testing.assert_allclose([r.unfunded_usd for r in y], [100, 50, 25, 30.4], atol=1e-9)
    assert y[0].private_weight == pytest.approx(0.10)
    assert "nothing committed" in y[1].why and "13.0%" in y[1].why  # 130 / 1000
    assert "brings the private weight to 10.0% by the end of 2008" in y[3].why


def test_growth_lookahead_and_cap_by_hand():
    # liquid grows 10 %: the year-1 total is 1100 whatever K (a call moves money from liquid
    # to NAV), so K = 0.1 * 1100 / 0.5 = 220
    plan = pace(target_weight=0.10, liquid_usd=1000.0, liquid_growth=0.10, start_year=2005,
                years=1, params=SIMPLE, lookahead_years=1)
    assert plan.commitments_usd[0] == pytest.approx(220.0)
    # lookahead 2: K committed in 2005 and again in 2006; at the end of 2006 the 2005 dollar's
    # NAV is 0.5 + 0.25 - 0.2 * 0.5 = 0.65 and the 2006 dollar's 0.5 -> K = 100 / 1.15
    plan = pace(target_weight=0.10, liquid_usd=1000.0, liquid_growth=0.0, start_year=2005,
                years=2, params=SIMPLE, lookahead_years=2)
    k1 = 100 / 1.15
    assert plan.commitments_usd[0] == pytest.approx(k1)
    assert "committed each year to 2006, brings the private weight to 10.0%" in plan.years[0].why
    # 2006 aims at the end of 2007 with the 2005 fund in place. That fund per dollar:
    # end-2006 NAV 0.65, unfunded 0.25; 2007: C = 0.5 * 0.25 = 0.125, D = 0.3 * 0.65 = 0.195,
    # NAV 0.65 + 0.125 - 0.195 = 0.58. K2 (in 2006 and 2007) adds 0.65 + 0.5 = 1.15 per dollar
    assert plan.commitments_usd[1] == pytest.approx((100 - 0.58 * k1) / 1.15)
    capped = pace(target_weight=0.10, liquid_usd=1000.0, liquid_growth=0.0, start_year=2005,
                  years=1, params=SIMPLE, lookahead_years=1, max_commitment_usd=50.0)
    assert capped.commitments_usd[0] == 50.0 and "capped at 50" in capped.years[0].why


def test_held_funds_count():
    held = PrivateFund(id="a", name="A", asset_class="pe", commitment_usd=200.0, vintage=2005,
                       called_usd=0.0, distributed_usd=0.0, nav_usd=None, nav_as_of=None,
                       remaining_life_years=10.0, model=SIMPLE)
    plan = pace(target_weight=0.10, liquid_usd=1000.0, liquid_growth=0.0, start_year=2005,
                years=1, params=SIMPLE, lookahead_years=1, funds=(held,))
    # the held fund alone calls 100 in 2005 and reaches the target: nothing more
    assert plan.commitments_usd[0] == 0.0
    assert plan.years[0].private_nav_usd == pytest.approx(100.0)


def test_pacing_refuses_bad_input():
    kw = dict(liquid_usd=1000.0, liquid_growth=0.0, start_year=2005, years=2, params=SIMPLE)
    with pytest.raises(ConfigError, match="target_weight must be < 1"):
        pace(target_weight=1.2, **kw)
    with pytest.raises(ConfigError, match="lookahead_years must be >= 1"):
        pace(target_weight=0.1, lookahead_years=0, **kw)
    with pytest.raises(ConfigError, match="liquid_growth must be > -1"):
        pace(target_weight=0.1, **{**kw, "liquid_growth": -1.0})


def test_contribution_and_unpayable_calls_by_hand():
    # a year-end contribution of 100 makes the total 1100 whatever K: K = 0.1 * 1100 / 0.5
    plan = pace(target_weight=0.10, liquid_usd=1000.0, liquid_growth=0.0, start_year=2005,
                years=1, params=SIMPLE, lookahead_years=1, contribution_usd=100.0)
    assert plan.commitments_usd[0] == pytest.approx(220.0)
    assert plan.years[0].liquid_usd == pytest.approx(1000 - 110 + 100)
    # target 90 %: K = 900 / 0.5 = 1800, 2005 calls 900 (liquid 100); 2006: C = 450,
    # D = 0.2 * 900 = 180, liquid 100 - 450 + 180 = -170: the plan says it cannot be paid
    plan = pace(target_weight=0.90, liquid_usd=1000.0, liquid_growth=0.0, start_year=2005,
                years=2, params=SIMPLE, lookahead_years=1)
    assert plan.commitments_usd.tolist() == pytest.approx([1800.0, 0.0])
    assert plan.years[1].liquid_usd == pytest.approx(-170.0)
    assert plan.notes == ("2006: calls exceed the liquid part by 170 USD; the plan cannot be "
                          "paid as modelled",)


@settings(max_examples=20, deadline=None)
@given(target=st.floats(0.05, 0.5), growth=st.floats(-0.2, 0.2), rc=st.floats(0.1, 1.0),
       bow=st.floats(0.5, 3.0), g_fund=st.floats(-0.1, 0.2), years=st.integers(1, 8))
def test_lookahead_one_hits_the_target_every_year_it_commits(target, growth, rc, bow, g_fund,
                                                              years):
    params = TAParams((rc,), bow=bow, growth=g_fund, yield_rate=0.0, life_years=10.0)
    plan = pace(target_weight=target, liquid_usd=1e6, liquid_growth=growth, start_year=2000,
                years=years, params=params, lookahead_years=1)
    for row in plan.years:
        assert row.commitment_usd >= 0
        if row.commitment_usd > 0:  # later commitments cannot move an earlier year-end
            assert row.private_weight == pytest.approx(target, rel=1e-9)
        else:  # nothing committed: the funds held already reach the target
            assert row.private_weight >= target - 1e-12
