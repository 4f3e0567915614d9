"""PrivateFund's checks, the Takahashi–Alexander projection against hand-worked years of
the published equations, and the exposure views."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.alternatives import (
    TA_PRESETS,
    ExposureView,
    PrivateFund,
    TAParams,
    fund_exposure,
    params_for,
    project,
    projected_calls,
)
from rebal.errors import ConfigError


def _fund(**over) -> PrivateFund:
    base = dict(id="pe1", name="Buyout I", asset_class="private_equity", commitment_usd=100.0,
                vintage=2020, called_usd=0.0, distributed_usd=0.0, nav_usd=None,
                nav_as_of=None, remaining_life_years=12.0)
    base.update(over)
    return PrivateFund(**base)


# ---------------------------------------------------------------- the fund's checks
@pytest.mark.parametrize(("over", "field"), [
    ({"called_usd": 120.0}, "called_usd must be <= commitment_usd"),
    ({"called_usd": -1.0}, "called_usd must be >= 0"),
    ({"commitment_usd": 0.0}, "commitment_usd must be > 0"),
    ({"distributed_usd": "x"}, "distributed_usd must be a number"),
    ({"distributed_usd": 5.0}, "distributed_usd is 5.00 but nothing is called"),
    ({"nav_usd": 10.0}, "nav_as_of is required"),
    ({"nav_as_of": date(2021, 3, 31)}, "nav_usd is required"),
    ({"nav_usd": 10.0, "nav_as_of": date(2019, 12, 31)}, "nav_as_of .* before the vintage"),
    ({"nav_usd": -1.0, "nav_as_of": date(2021, 3, 31)}, "nav_usd must be >= 0"),
    ({"remaining_life_years": -1}, "remaining_life_years must be >= 0"),
    ({"id": " "}, "id must be a non-empty text"),
    ({"vintage": 1800}, "vintage must be a year from 1900 to 2200, got 1800"),
    ({"vintage": "2020"}, r"vintage must be a year \(a whole number\), got '2020'"),
])
def test_bad_funds_are_refused_naming_the_field(over, field):
    with pytest.raises(ConfigError, match=field):
        _fund(**over)
    with pytest.raises(ValueError):  # ConfigError is a ValueError, as the API promises
        _fund(**over)


def test_fund_properties_and_nav_date():
    f = _fund(called_usd=40.0, distributed_usd=5.0, nav_usd=50.0, nav_as_of=date(2021, 6, 30))
    assert f.unfunded_usd == 60.0
    assert f.nav_or_cost_usd == 50.0
    assert _fund(called_usd=40.0, distributed_usd=5.0).nav_or_cost_usd == 35.0  # cost stand-in
    assert _fund(called_usd=40.0, distributed_usd=50.0).nav_or_cost_usd == 0.0  # floored
    f.check_nav_date(date(2021, 6, 30))
    with pytest.raises(ConfigError, match=r"nav_as_of \(2021-06-30\) is after the valuation"):
        f.check_nav_date(date(2021, 6, 29))
    assert f.age_years(date(2022, 1, 1)) == 2.0
    assert f.age_years(date(2020, 7, 2)) == pytest.approx(183 / 366)  # 2020 is a leap year


# ---------------------------------------------------------------- the model, by hand
def test_venture_example_three_years_by_hand():
    """TA 2002's venture set: RC 25 %, 33.3 %, 50 %; B 2.5; G 13 %; Y 0; L 12; CC 100."""
    p = project(_fund(model=TA_PRESETS["venture"]), date(2020, 1, 1), 3, steps_per_year=1)
    # year 1: C = 0.25 * 100 = 25; NAV_0 = 0 so D = 0; NAV = 0 + 25 - 0 = 25
    # year 2: C = (1/3) * (100 - 25) = 25; RD = (2/12)^2.5; D = RD * 25 * 1.13 = RD * 28.25
    rd2 = (2 / 12) ** 2.5  # 0.0113402
    d2 = rd2 * 28.25  # 0.320361
    nav2 = 28.25 + 25 - d2  # 52.929639
    # year 3: C = 0.5 * (100 - 50) = 25; RD = (3/12)^2.5 = 0.03125; D = 0.03125 * NAV2 * 1.13
    d3 = 0.03125 * nav2 * 1.13
    nav3 = nav2 * 1.13 + 25 - d3
    np.testing.assert_allclose(p.calls_usd, [25.0, 25.0, 25.0], rtol=1e-12)
    np.testing.assert_allclose(p.distributions_usd, [0.0, d2, d3], rtol=1e-12)
    np.testing.assert_allclose(p.nav_usd, [25.0, nav2, nav3], rtol=1e-12)
    np.testing.assert_allclose(p.unfunded_usd, [75.0, 50.0, 25.0], rtol=1e-12)
    assert d2 == pytest.approx(0.320361, abs=1e-6) and nav3 == pytest.approx(82.9414, abs=1e-4)
    assert p.dates.tolist() == [date(2021, 1, 1), date(2022, 1, 1), date(2023, 1, 1)]


def test_yield_floor_and_end_of_life_by_hand():
    """RC 50 %, B 2, G 0, Y 10 %, L 4: the yield floors RD until (t/L)^B passes it."""
    params = TAParams((0.5,), bow=2.0, growth=0.0, yield_rate=0.10, life_years=4.0)
    p = project(_fund(remaining_life_years=4.0), date(2020, 1, 1), 5, steps_per_year=1,
                params=params)
    # y1: C 50, D 0, NAV 50 | y2: C 25, RD = max(.1, (2/4)^2 = .25) = .25, D 12.5, NAV 62.5
    # y3: C 12.5, RD (3/4)^2 = .5625, D 35.15625, NAV 62.5 + 12.5 - 35.15625 = 39.84375
    # y4: age 3 < L: C 6.25, RD (4/4)^2 = 1, D 39.84375, NAV 6.25
    # y5: age 4 >= L: the fund is over: no call, RD = 1, D 6.25, NAV 0, unfunded lapses
    np.testing.assert_allclose(p.calls_usd, [50, 25, 12.5, 6.25, 0])
    np.testing.assert_allclose(p.distributions_usd, [0, 12.5, 35.15625, 39.84375, 6.25])
    np.testing.assert_allclose(p.nav_usd, [50, 62.5, 39.84375, 6.25, 0])
    np.testing.assert_allclose(p.unfunded_usd, [50, 25, 12.5, 6.25, 0])
    low = TAParams((0.5,), bow=2.0, growth=0.0, yield_rate=0.10, life_years=10.0)
    q = project(_fund(remaining_life_years=10.0), date(2020, 1, 1), 2, steps_per_year=1,
                params=low)
    # y2: RD = max(0.10, (2/10)^2 = 0.04) = 0.10 -> D = 0.1 * 50 = 5
    assert q.distributions_usd[1] == pytest.approx(5.0)


def test_held_fund_starts_from_its_statement():
    """A 2018 fund on 1 Jan 2020 is in fund year 3: called 60 of 100, NAV 70."""
    f = _fund(vintage=2018, called_usd=60.0, distributed_usd=0.0, nav_usd=70.0,
              nav_as_of=date(2019, 12, 31), remaining_life_years=10.0,
              model=TAParams((0.25, 0.3, 0.5), bow=2.0, growth=0.10, yield_rate=0.0,
                             life_years=12.0))
    p = project(f, date(2020, 1, 1), 1, steps_per_year=1)
    # L = age 2 + remaining 10 = 12; year 3: C = 0.5 * 40 = 20; RD = (3/12)^2 = 0.0625
    # D = 0.0625 * 70 * 1.1 = 4.8125; NAV = 77 + 20 - 4.8125 = 92.1875
    assert p.calls_usd[0] == pytest.approx(20.0)
    assert p.distributions_usd[0] == pytest.approx(4.8125)
    assert p.nav_usd[0] == pytest.approx(92.1875)


def test_monthly_steps_call_the_annual_amount_and_compound_to_annual_nav():
    f = _fund(model=TA_PRESETS["venture"])
    m = project(f, date(2020, 1, 1), 2, steps_per_year=12)
    # a year's calls are exactly the annual equation's: 25 then 25
    assert m.calls_usd[:12].sum() == pytest.approx(25.0, rel=1e-12)
    assert m.calls_usd[12:].sum() == pytest.approx(25.0, rel=1e-12)
    assert m.dates[0] == np.datetime64("2020-02-01") and m.dates[-1] == np.datetime64("2022-01-01")
    # fully called fund, no calls in the year: 12 monthly steps give the annual NAV exactly
    full = _fund(vintage=2015, called_usd=100.0, nav_usd=100.0, nav_as_of=date(2019, 12, 31),
                 remaining_life_years=7.0, model=TA_PRESETS["venture"])
    year = project(full, date(2020, 1, 1), 1, steps_per_year=1)
    months = project(full, date(2020, 1, 1), 1, steps_per_year=12)
    # fund year 6, L = 5 + 7 = 12: NAV = 100 * 1.13 * (1 - (6/12)^2.5)
    assert year.nav_usd[0] == pytest.approx(113 * (1 - 0.5 ** 2.5), rel=1e-12)
    assert months.nav_usd[-1] == pytest.approx(year.nav_usd[0], rel=1e-12)


def test_projection_refuses_bad_steps_and_unknown_classes():
    with pytest.raises(ConfigError, match="steps_per_year must be one of"):
        project(_fund(), date(2020, 1, 1), 1, steps_per_year=5)
    with pytest.raises(ConfigError, match="years must be > 0"):
        project(_fund(), date(2020, 1, 1), 0)
    with pytest.raises(ConfigError, match="no cash-flow model for asset class 'hedge'"):
        params_for(_fund(asset_class="hedge"))
    assert params_for(_fund(asset_class="private_real_estate")) is TA_PRESETS["real_estate"]
    with pytest.raises(ConfigError, match="bow must be > 0"):
        TAParams((0.5,), bow=0, growth=0.1, yield_rate=0, life_years=10)
    with pytest.raises(ConfigError, match=r"contribution_rates\[1\] must be <= 1"):
        TAParams((0.5, 1.5), bow=2, growth=0.1, yield_rate=0, life_years=10)


@settings(max_examples=25, deadline=None)
@given(
    called=st.floats(0, 1), nav=st.floats(0, 300), age=st.integers(0, 14),
    rc=st.floats(0, 1), bow=st.floats(0.5, 4), growth=st.floats(-0.3, 0.3),
    y=st.floats(0, 0.3), n=st.sampled_from([1, 4, 12]),
)
def test_invariants(called, nav, age, rc, bow, growth, y, n):
    params = TAParams((rc,), bow=bow, growth=growth, yield_rate=y, life_years=12)
    if age:  # a held fund with a statement
        f = _fund(vintage=2020 - age, called_usd=100 * called, nav_usd=nav,
                  nav_as_of=date(2019, 12, 31), remaining_life_years=max(12 - age, 0),
                  model=params)
    else:  # a fund starting now (NAV = its cost)
        f = _fund(called_usd=100 * called, model=params)
    p = project(f, date(2020, 1, 1), 15, steps_per_year=n)
    assert f.called_usd + p.calls_usd.sum() <= f.commitment_usd * (1 + 1e-12)
    assert (p.nav_usd >= 0).all() and (p.calls_usd >= 0).all() and (p.distributions_usd >= 0).all()
    assert (p.unfunded_usd >= 0).all() and (np.diff(p.unfunded_usd) <= 1e-12).all()
    if growth == 0:  # no growth: what is left is what came in less what went out
        assert p.nav_usd[-1] == pytest.approx(
            p.nav_start_usd + p.calls_usd.sum() - p.distributions_usd.sum(), abs=1e-9)


# ---------------------------------------------------------------- exposure views
def test_exposure_views():
    f = _fund(called_usd=40.0, nav_usd=50.0, nav_as_of=date(2021, 6, 30), proxy="IWM")
    assert fund_exposure(f, ExposureView.NAV) == 50.0
    assert fund_exposure(f, "nav_plus_unfunded") == 110.0  # 50 + (100 - 40)
    assert fund_exposure(f, ExposureView.PROXY_ROLLED, proxy_growth=0.10) == pytest.approx(55.0)
    with pytest.raises(ConfigError, match=r"needs the return of its proxy 'IWM' since 2021-06-30"):
        fund_exposure(f, ExposureView.PROXY_ROLLED)
    with pytest.raises(ConfigError, match="'pe1' has no proxy"):
        fund_exposure(_fund(), ExposureView.PROXY_ROLLED, proxy_growth=0.1)
    with pytest.raises(ConfigError, match="view must be one of"):
        fund_exposure(f, "gross")


def test_projected_calls_by_hand():
    f = _fund(model=TAParams((0.5,), bow=2, growth=0.0, yield_rate=0.0, life_years=10))
    # 6 months of year 1: 1 - (1 - 0.5)^(6/12) of 100 = 100 * (1 - sqrt(0.5))
    assert projected_calls(f, date(2020, 1, 1), 6) == pytest.approx(100 * (1 - 0.5 ** 0.5))
    # 24 months: year 1 calls 50, year 2 calls 25
    assert projected_calls(f, date(2020, 1, 1), 24) == pytest.approx(75.0)
    with pytest.raises(ConfigError, match="months must be a whole number"):
        projected_calls(f, date(2020, 1, 1), 0)


def test_fund_years_turn_on_first_january():
    """From 1 March, 10 monthly steps are in fund year 1 and the 11th is in year 2."""
    params = TAParams((0.5, 0.2), bow=2, growth=0.0, yield_rate=0.0, life_years=10)
    p = project(_fund(model=params), date(2020, 3, 1), 1, steps_per_year=12)
    year1 = 100 * (1 - 0.5 ** (10 / 12))  # Mar..Dec 2020 at RC 50 % a year
    # Jan, Feb 2021 at RC 20 % a year of what is left
    year2 = (100 - year1) * (1 - 0.8 ** (2 / 12))
    assert p.calls_usd[:10].sum() == pytest.approx(year1, rel=1e-12)
    assert p.calls_usd[10:].sum() == pytest.approx(year2, rel=1e-12)
