"""Bond return construction against closed-form and brute-force values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.data.bonds import (
    accrual_returns,
    constant_maturity_returns,
    index_from_returns,
    par_bond_duration_convexity,
    year_fractions,
)
from rebal.errors import DataError


def bond_price(coupon: float, yld: float, years: float) -> float:
    """Plain loop: price per 1 of face, semiannual coupons."""
    n = round(2 * years)
    price = 0.0
    for k in range(1, n + 1):
        price += (coupon / 2) / (1 + yld / 2) ** k
    return price + 1 / (1 + yld / 2) ** n


@pytest.mark.parametrize(
    ("yld", "years"), [(0.05, 10), (0.02, 20), (0.08, 30), (0.03, 7), (0.045, 25), (0.001, 10)]
)
def test_duration_and_convexity_match_numeric_derivatives(yld, years):
    h = 1e-5
    p0 = bond_price(yld, yld, years)
    assert p0 == pytest.approx(1.0, abs=1e-12)  # par bond
    up, down = bond_price(yld, yld + h, years), bond_price(yld, yld - h, years)
    duration, convexity = par_bond_duration_convexity([yld], years)
    assert duration[0] == pytest.approx(-(up - down) / (2 * h) / p0, rel=1e-7)
    assert convexity[0] == pytest.approx((up - 2 * p0 + down) / h**2 / p0, rel=1e-4)


def test_known_values():
    # 10y par bond at 6 %: modified duration = (1 - 1.03**-20) / 0.06
    duration, _ = par_bond_duration_convexity([0.06], 10)
    assert duration[0] == pytest.approx((1 - 1.03**-20) / 0.06, rel=1e-14)
    # zero yield: duration = T, convexity = n(n+1)/4 (only the principal is left)
    duration, convexity = par_bond_duration_convexity([0.0], 10)
    assert duration[0] == pytest.approx(10.0, rel=1e-12)
    assert convexity[0] == pytest.approx(20 * 21 / 4, rel=1e-12)


def test_small_yields_are_continuous():
    d1, c1 = par_bond_duration_convexity([0.99e-6], 30)
    d2, c2 = par_bond_duration_convexity([1.01e-6], 30)
    assert d1[0] == pytest.approx(d2[0], rel=1e-6)
    assert c1[0] == pytest.approx(c2[0], rel=1e-6)


def test_constant_yield_earns_carry_only():
    dates = np.array(
        ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"], dtype="datetime64[D]"
    )
    dt = year_fractions(dates)
    np.testing.assert_allclose(dt, [0, 1 / 365, 3 / 365, 1 / 365])
    r = constant_maturity_returns(np.full(4, 0.04), dt, maturity_years=10)
    np.testing.assert_allclose(r, [0, 0.04 / 365, 0.12 / 365, 0.04 / 365], rtol=1e-15)


def test_one_month_yield_change_by_hand():
    y0, y1 = 0.05, 0.055
    d = (1 - 1.025**-40) / y0
    c = 2 / y0**2 * (1 - 1.025**-40) - 2 * 20 / y0 * 1.025**-41
    expected = y0 / 12 - d * 0.005 + 0.5 * c * 0.005**2
    r = constant_maturity_returns([y0, y1], [0, 1 / 12], maturity_years=20)
    assert r[1] == pytest.approx(expected, rel=1e-13)
    # and the approximation is close to exact repricing of the old bond at the new yield
    exact = bond_price(y0, y1, 20) - 1 + y0 / 12
    assert r[1] == pytest.approx(exact, abs=2e-4)


@settings(max_examples=60, deadline=None)
@given(
    y0=st.floats(0.005, 0.15),
    dy=st.floats(-0.003, 0.003),
    years=st.sampled_from([2, 5, 7, 10, 20, 25, 30]),
)
def test_second_order_error_is_third_order_small(y0, dy, years):
    r = constant_maturity_returns([y0, y0 + dy], [0, 0.0], maturity_years=years)
    exact = bond_price(y0, y0 + dy, years) - 1
    assert abs(r[1] - exact) <= years**3 * abs(dy) ** 3 + 1e-12


def test_accrual_and_index():
    r = accrual_returns([0.05, 0.07, 0.01], [0, 0.5, 0.25])
    np.testing.assert_allclose(r, [0, 0.025, 0.0175])
    np.testing.assert_allclose(index_from_returns(r), [1, 1.025, 1.025 * 1.0175])


def test_missing_yield_is_an_error():
    with pytest.raises(DataError, match="row 1"):
        constant_maturity_returns([0.05, np.nan, 0.05], [0, 1 / 12, 1 / 12], maturity_years=10)
    with pytest.raises(DataError, match=r"multiple of 0\.5"):
        par_bond_duration_convexity([0.05], 7.3)
