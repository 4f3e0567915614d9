"""BacktestResult: views, export, rebalance log, metrics hook."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rebal.backtest import CashFlows, CostModel, run_arrays, run_backtest
from rebal.policy import Policy, Rule, parse_policy
from rebal.types import Frequency


@pytest.fixture(scope="module")
def band_result(etf4, target4):
    return run_backtest(
        etf4, target4, parse_policy("band:abs=0.05,rel=0.25"),
        costs=CostModel(cost_bps=5.0),
        cash_flows=CashFlows(amount_usd=2_000.0, frequency=Frequency.MONTHLY),
    )


def test_arrays_are_read_only_and_shaped(band_result, etf4):
    r = band_result
    n, k = etf4.n_days, etf4.n_assets
    assert r.values.shape == (n,) and r.weights.shape == (n, k) and r.holdings_usd.shape == (n, k)
    assert r.returns[0] == 0.0
    with pytest.raises(ValueError):
        r.values[0] = 1.0
    assert r.final_value == r.values[-1]
    assert r.n_rebalances == len(r.rebalance_days) > 0


def test_rebalance_log_records_rule_and_state(band_result):
    rb = band_result.rebalances
    assert set(rb.rule.tolist()) == {int(Rule.BAND)}
    # the rule fired because the largest drift was strictly beyond the band in force
    assert (rb.drift > rb.band).all()
    assert (rb.n_breached >= 1).all()
    # band in force for 5/25 is min(0.05, 0.25 * target): 0.05 for SPY/AGG/EFA, 0.025 VNQ
    expected = np.array([0.05, 0.05, 0.05, 0.025])[rb.asset]
    np.testing.assert_allclose(rb.band, expected, rtol=1e-15)


def test_calendar_log_has_no_band(etf4, target4):
    r = run_backtest(etf4, target4, Policy.calendar("quarterly"))
    assert set(r.rebalances.rule.tolist()) == {int(Rule.CALENDAR)}
    assert np.isnan(r.rebalances.band).all()


def test_to_dict_is_json_serialisable(band_result):
    d = json.loads(json.dumps(band_result.to_dict()))
    assert d["n_rebalances"] == band_result.n_rebalances
    assert d["final_value"] == band_result.final_value
    assert len(d["trades"]["date"]) == len(band_result.trades)
    assert set(d["trades"]["reason"]) == {"rebalance", "flow"}


def test_frames(band_result):
    df = band_result.to_frame()
    assert list(df.columns[:4]) == ["value_usd", "return", "flow_usd", "cost_usd"]
    assert df.shape == (band_result.n_days, 4 + 4)
    tf = band_result.trades_frame()
    assert len(tf) == len(band_result.trades)
    assert tf["cost_usd"].sum() == pytest.approx(band_result.total_costs_usd, rel=1e-12)
    rf = band_result.rebalances_frame()
    assert (rf["rule"] == "band").all()


def test_run_arrays_equals_run_backtest(etf4, target4):
    policy = parse_policy("band:rel=0.2,check=weekly,to=halfway")
    costs = CostModel(cost_bps=7.0, fixed_usd=2.0)
    full = run_backtest(etf4, target4, policy, costs=costs)
    target = np.array([target4[a] for a in etf4.assets])
    compiled = policy.compile(etf4, target)
    raw = run_arrays(None, target, compiled, prices=etf4.prices,
                     cost_rates=costs.rates(etf4.assets), fixed_usd=2.0)
    np.testing.assert_array_equal(raw.values, full.values)
    np.testing.assert_array_equal(raw.trades.value_usd, full.trades.value_usd)
    np.testing.assert_array_equal(raw.holdings_usd, full.holdings_usd)
    # from returns: the kernel chains them into a price index (a few ulps off the prices)
    from_returns = run_arrays(etf4.returns(), target, compiled,
                              cost_rates=costs.rates(etf4.assets), fixed_usd=2.0)
    np.testing.assert_allclose(from_returns.values, full.values, rtol=1e-13, atol=0)
    assert from_returns.rebalances.day.tolist() == full.rebalances.day.tolist()


def test_metrics_hook_delegates_to_rebal_metrics(band_result, etf4, target4):
    bh = run_backtest(etf4, target4, Policy.buy_and_hold())
    m = band_result.metrics(bh)
    assert m is band_result.metrics(bh)  # cached
    assert band_result.metrics() is not None


def test_per_row_bands_are_read_row_by_row(etf4, target4):
    """The slot later triggers use: a (n_days, n_assets) band array."""
    from rebal.policy import CompiledPolicy

    target = np.array([target4[a] for a in etf4.assets])
    const = parse_policy("band:abs=0.03").compile(etf4, target)
    full = np.repeat(const.band, etf4.n_days, axis=0)
    same = CompiledPolicy(name="x", check=const.check, band=full, sizing=0, scope=0, rule=2)
    a = run_arrays(None, target, const, prices=etf4.prices)
    b = run_arrays(None, target, same, prices=etf4.prices)
    np.testing.assert_array_equal(a.values, b.values)
    half = etf4.n_days // 2
    full[:half] = 0.99  # no breach possible in the first half
    wide = CompiledPolicy(name="x", check=const.check, band=full, sizing=0, scope=0, rule=2)
    c = run_arrays(None, target, wide, prices=etf4.prices)
    assert c.rebalances.day.min() >= half
    np.testing.assert_allclose(c.rebalances.band, 0.03)
