"""Property tests on generated markets, targets and policies."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.backtest import CostModel, run_backtest
from rebal.data import MarketData
from rebal.policy import Policy, half_widths
from rebal.types import Frequency, Scope, Sizing

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def cases(draw):
    n_assets = draw(st.integers(2, 5))
    n_days = draw(st.integers(20, 120))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    vol = draw(st.sampled_from([0.005, 0.02, 0.06]))
    rets = np.clip(rng.normal(0.0, vol, size=(n_days, n_assets)), -0.5, 0.5)
    prices = 100.0 * np.cumprod(1.0 + rets, axis=0)
    start = np.datetime64("2020-01-01") + draw(st.integers(0, 400))
    dates = start + np.cumsum(rng.integers(1, 4, size=n_days))
    parts = np.array(draw(st.lists(st.integers(1, 20), min_size=n_assets, max_size=n_assets)),
                     dtype=float)
    weights = parts / parts.sum()
    weights[-1] = 1.0 - weights[:-1].sum()
    assets = tuple(f"X{i}" for i in range(n_assets))
    market = MarketData(dates=dates, assets=assets, prices=prices)
    target = dict(zip(assets, weights.tolist(), strict=True))
    return market, target


@st.composite
def band_policies(draw):
    absolute = draw(st.one_of(st.none(), st.sampled_from([0.005, 0.02, 0.05])))
    relative = draw(st.sampled_from([0.05, 0.1, 0.3])) if absolute is None else draw(
        st.one_of(st.none(), st.sampled_from([0.05, 0.1, 0.3])))
    return Policy.band(
        absolute=absolute,
        relative=relative,
        check=draw(st.sampled_from([Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY])),
        sizing=draw(st.sampled_from(list(Sizing))),
        scope=draw(st.sampled_from(list(Scope))),
    )


@SETTINGS
@given(case=cases(), policy=band_policies())
def test_costless_rebalances_conserve_value_and_holdings_stay_valid(case, policy):
    market, target = case
    res = run_backtest(market, target, policy)
    grown = (res.holdings_usd[:-1] * (1.0 + market.returns()[1:])).sum(axis=1)
    np.testing.assert_allclose(res.values[1:], grown, rtol=1e-12)
    np.testing.assert_allclose(res.weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (res.holdings_usd >= 0).all()


@SETTINGS
@given(case=cases(), policy=band_policies(), bps=st.sampled_from([0.0, 5.0, 50.0]),
       fixed=st.sampled_from([0.0, 10.0]))
def test_with_costs_weights_sum_to_one_and_nothing_goes_negative(case, policy, bps, fixed):
    market, target = case
    res = run_backtest(market, target, policy, costs=CostModel(cost_bps=bps, fixed_usd=fixed))
    np.testing.assert_allclose(res.weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (res.holdings_usd >= 0).all()
    assert np.isfinite(res.values).all()
    assert res.total_costs_usd >= 0


@SETTINGS
@given(case=cases(), policy=band_policies(), bps=st.sampled_from([0.0, 20.0]))
def test_after_a_rebalance_sized_assets_are_inside_their_band(case, policy, bps):
    market, target = case
    res = run_backtest(market, target, policy, costs=CostModel(cost_bps=bps))
    hw = half_widths(res.target, policy.trigger.absolute, policy.trigger.relative)
    for day in res.rebalance_days:
        drift = np.abs(res.weights[day] - res.target)
        if policy.scope is Scope.ALL:
            # every asset is sized: to target, to the band (projection) or halfway
            assert (drift <= hw + 1e-9).all(), (day, drift, hw)
            if policy.sizing is Sizing.TO_TARGET:
                assert (drift <= 1e-12).all()


@SETTINGS
@given(case=cases(), freq=st.sampled_from(list(Frequency)))
def test_calendar_rebalances_only_on_last_rows_of_periods(case, freq):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from reference_sim import check_days

    market, target = case
    res = run_backtest(market, target, Policy.calendar(freq))
    expected = sorted(check_days([str(d) for d in market.dates], freq.value))
    assert res.rebalance_days.tolist() == expected
    if freq is not Frequency.DAILY:
        assert market.n_days - 1 not in res.rebalance_days.tolist()
    assert 0 not in res.rebalance_days.tolist()
