"""Invariants of the exposure views on random funds (few examples: fast)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.alternatives.exposure import ExposureView
from rebal.household import household_from_dict
from rebal.household.views import class_weights, investable_value_usd, private_views

money = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(commitment=st.floats(min_value=1.0, max_value=1e6), called_frac=st.floats(0, 1),
       nav=money, cash=money, mark=st.floats(min_value=1.0, max_value=500.0))
def test_views_are_ordered_and_weights_add_up(commitment: float, called_frac: float,
                                              nav: float, cash: float, mark: float) -> None:
    data: dict[str, Any] = {
        "as_of": "2025-06-30",
        "household": {"filing_status": "single"},
        "accounts": [{"id": "a", "type": "roth", "cash_usd": cash}],
        "securities": [{"symbol": "X", "price_usd": 100.0, "asset_class": "stocks"}],
        "lots": [{"account": "a", "symbol": "X", "quantity": 50}],
        "targets": {"classes": {"stocks": 0.8, "pe": 0.2}},
        "private_funds": [{
            "id": "f", "asset_class": "pe", "model": "buyout", "commitment_usd": commitment,
            "vintage": 2020, "called_usd": commitment * called_frac, "nav_usd": nav,
            "nav_as_of": "2025-03-31", "remaining_life_years": 5, "proxy": "X",
            "proxy_price_at_nav_usd": mark}],
    }
    h = household_from_dict(data)
    unfunded = commitment - commitment * called_frac
    (v,) = private_views(h)
    w = v.weight
    # NAV + unfunded never counts less than NAV; the rolled NAV is NAV × price ratio
    assert w[ExposureView.NAV_PLUS_UNFUNDED] >= w[ExposureView.NAV] - 1e-12
    assert v.private_usd[ExposureView.PROXY_ROLLED] == pytest.approx(nav * 100.0 / mark)
    assert v.private_usd[ExposureView.NAV_PLUS_UNFUNDED] == pytest.approx(nav + unfunded)
    # under the NAV view, class weights + uninvested cash = 1 (the denominator is wealth)
    total = investable_value_usd(h)
    assert total == pytest.approx(5_000 + cash + nav)
    assert sum(class_weights(h).values()) + cash / total == pytest.approx(1.0)
