"""Closed-form and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest import CashFlows, CostModel, run_backtest
from rebal.data import MarketData
from rebal.policy import Policy, parse_policy
from rebal.types import Frequency


def market(prices, start="2024-01-29", assets=None):
    prices = np.asarray(prices, dtype=float)
    dates = np.arange(np.datetime64(start), np.datetime64(start) + prices.shape[0])
    assets = assets or tuple("ABCDEFG"[: prices.shape[1]])
    return MarketData(dates=dates, assets=assets, prices=prices)


@pytest.mark.parametrize("policy", ["buy-and-hold", "daily", "monthly", "band:abs=0.01"])
def test_one_asset_value_is_initial_times_price_ratio(etf4, policy):
    spy = etf4.select(["SPY"])
    res = run_backtest(spy, {"SPY": 1.0}, parse_policy(policy), initial_usd=250_000.0,
                       costs=CostModel(cost_bps=10, fixed_usd=5))
    expected = 250_000.0 * spy.prices[:, 0] / spy.prices[0, 0]
    np.testing.assert_allclose(res.values, expected, rtol=1e-12, atol=0)
    assert len(res.trades) == 0
    assert res.n_rebalances == 0
    assert res.total_costs_usd == 0.0


@pytest.mark.parametrize("policy", ["daily", "weekly", "monthly", "band:abs=0.01",
                                    "band:rel=0.01,to=edge"])
def test_two_assets_constant_prices_never_trade(policy):
    m = market(np.full((60, 2), 50.0))
    res = run_backtest(m, {"A": 0.7, "B": 0.3}, parse_policy(policy),
                       costs=CostModel(cost_bps=5, fixed_usd=1))
    assert res.n_rebalances == 0
    assert len(res.trades) == 0
    np.testing.assert_array_equal(res.values, np.full(60, 1_000_000.0))
    np.testing.assert_array_equal(res.weights, np.tile([0.7, 0.3], (60, 1)))


def test_one_rebalance_restores_target_hand_computed():
    # rows: 2024-01-30, 2024-01-31 (last row of January: the monthly check), 2024-02-01
    m = market([[100.0, 100.0], [120.0, 100.0], [120.0, 100.0]], start="2024-01-30")
    res = run_backtest(m, {"A": 0.5, "B": 0.5}, Policy.calendar("monthly"), initial_usd=100.0)
    # close 1: holdings 60 / 50 = 110 -> 55 / 55: sell 5 of A, buy 5 of B
    np.testing.assert_allclose(res.holdings_usd[1], [55.0, 55.0], rtol=1e-14)
    np.testing.assert_allclose(res.trades.value_usd, [-5.0, 5.0], rtol=1e-12)
    assert res.rebalance_days.tolist() == [1]
    np.testing.assert_allclose(res.returns, [0.0, 0.1, 0.0], atol=1e-15)


def test_rebalance_with_costs_hand_computed():
    m = market([[100.0, 100.0], [120.0, 100.0], [120.0, 100.0]], start="2024-01-30")
    res = run_backtest(m, {"A": 0.5, "B": 0.5}, Policy.calendar("monthly"), initial_usd=100.0,
                       costs=CostModel(cost_bps=100.0))
    # V' = 110 - 0.01 (|V'/2 - 60| + |V'/2 - 50|) = 110 - 0.01 * 10 = 109.9
    assert res.values[1] == pytest.approx(109.9, rel=1e-14)
    np.testing.assert_allclose(res.trades.value_usd, [-5.05, 4.95], rtol=1e-12)
    np.testing.assert_allclose(res.trades.cost_usd, [0.0505, 0.0495], rtol=1e-12)
    np.testing.assert_allclose(res.weights[1], [0.5, 0.5], rtol=1e-14)
    assert res.returns[1] == pytest.approx(0.099, rel=1e-12)


def test_fixed_cost_per_traded_asset_and_min_trade_hand_computed():
    # three assets 50/25/25 of $200: A +20 %, B +4 %, C -40 % -> 120 / 52 / 30 = 202
    m = market([[100.0, 100.0, 100.0], [120.0, 104.0, 60.0], [120.0, 104.0, 60.0]],
               start="2024-01-30")
    target = {"A": 0.5, "B": 0.25, "C": 0.25}
    res = run_backtest(m, target, Policy.calendar("monthly"), initial_usd=200.0,
                       costs=CostModel(fixed_usd=1.0))
    # every asset trades: V' = 202 - 3 = 199 -> 99.5 / 49.75 / 49.75
    np.testing.assert_allclose(res.holdings_usd[1], [99.5, 49.75, 49.75], rtol=1e-14)
    assert res.costs_usd[1] == 3.0
    # costless trades -19 / -1.5 / +20.5: with a $5 minimum B is not traded and A, C share
    # the rest in the ratio of their targets: V' = 202 - 2 = 200 -> A, C share 148
    res = run_backtest(m, target, Policy.calendar("monthly"), initial_usd=200.0,
                       costs=CostModel(fixed_usd=1.0, min_trade_usd=5.0))
    np.testing.assert_allclose(res.holdings_usd[1], [148 * 2 / 3, 52.0, 148 / 3], rtol=1e-14)
    assert res.costs_usd[1] == 2.0
    assert res.trades.asset.tolist() == [0, 2]
    # an asset exactly at target is not traded (and pays no fixed cost)
    m = market([[100.0, 100.0, 100.0], [120.0, 100.0, 60.0], [120.0, 100.0, 60.0]],
               start="2024-01-30")
    res = run_backtest(m, target, Policy.calendar("monthly"), initial_usd=200.0,
                       costs=CostModel(fixed_usd=1.0))
    np.testing.assert_allclose(res.holdings_usd[1], [198 * 2 / 3 - 50 * 2 / 3, 50.0,
                                                     148 / 3], rtol=1e-14)
    assert res.costs_usd[1] == 2.0


def test_costs_charged_equal_value_lost(etf4, target4):
    costs = CostModel(cost_bps={"SPY": 3.0, "AGG": 7.0, "EFA": 15.0, "VNQ": 30.0}, fixed_usd=4.0)
    free = run_backtest(etf4, target4, parse_policy("band:abs=0.03"))
    paid = run_backtest(etf4, target4, parse_policy("band:abs=0.03"), costs=costs)
    assert paid.total_costs_usd > 0
    assert paid.trades.cost_usd.sum() == pytest.approx(paid.total_costs_usd, rel=1e-12)
    # at each close: value before trading (grown holdings) - value after = costs of the close
    grown = (paid.holdings_usd[:-1] * (1.0 + etf4.returns()[1:])).sum(axis=1)
    np.testing.assert_allclose(grown - paid.values[1:], paid.costs_usd[1:], rtol=0,
                               atol=1e-9 * paid.values.max())
    # and every cost is |trade| * bps / 1e4 + fixed
    rates = np.array([3.0, 7.0, 15.0, 30.0])[paid.trades.asset] / 1e4
    np.testing.assert_allclose(paid.trades.cost_usd,
                               np.abs(paid.trades.value_usd) * rates + 4.0, rtol=1e-12)
    assert paid.final_value < free.final_value


def test_contribution_fills_largest_shortfalls_first_hand_computed():
    m = market([[100.0, 100.0, 100.0], [120.0, 100.0, 60.0], [120.0, 100.0, 60.0]],
               start="2024-01-30")
    target = {"A": 0.5, "B": 0.25, "C": 0.25}
    # 120 / 50 / 30, +30 -> V1 = 230: shortfalls -5, 7.5, 27.5 -> level 2.5: buy B 5, C 25
    res = run_backtest(m, target, Policy.buy_and_hold(), initial_usd=200.0,
                       cash_flows=CashFlows(dated={"2024-01-31": 30.0}))
    np.testing.assert_allclose(res.holdings_usd[1], [120.0, 55.0, 55.0], rtol=1e-12)
    np.testing.assert_allclose(res.trades.value_usd, [5.0, 25.0], rtol=1e-12)
    assert set(res.trades.reason.tolist()) == {"flow"}
    assert res.n_rebalances == 0
    # time-weighted: the flow is not a return
    assert res.returns[1] == pytest.approx(0.0, abs=1e-15)
    assert res.flows_usd[1] == 30.0


def test_withdrawal_sells_largest_excess_first_hand_computed():
    m = market([[100.0, 100.0, 100.0], [120.0, 100.0, 60.0], [120.0, 100.0, 60.0]],
               start="2024-01-30")
    target = {"A": 0.5, "B": 0.25, "C": 0.25}
    # 120 / 50 / 30, -40 -> V1 = 160: excess 40, 10, -10 -> level 5: sell A 35, B 5
    res = run_backtest(m, target, Policy.buy_and_hold(), initial_usd=200.0,
                       cash_flows=CashFlows(dated={"2024-01-31": -40.0}))
    np.testing.assert_allclose(res.holdings_usd[1], [85.0, 45.0, 30.0], rtol=1e-12)
    np.testing.assert_allclose(res.trades.value_usd, [-35.0, -5.0], rtol=1e-12)


def test_contribution_with_costs_pays_its_own_costs():
    m = market([[100.0, 100.0, 100.0], [120.0, 100.0, 60.0], [120.0, 100.0, 60.0]],
               start="2024-01-30")
    target = {"A": 0.5, "B": 0.25, "C": 0.25}
    res = run_backtest(m, target, Policy.buy_and_hold(), initial_usd=200.0,
                       costs=CostModel(fixed_usd=1.0),
                       cash_flows=CashFlows(dated={"2024-01-31": 30.0}))
    # B and C buy; $2 of fixed costs: V' = 228, level k: buys at equal distance below target
    # B: 57 - 50 - k, C: 57 - 30 - k, sum = 28 -> k = 3: buy B 4, C 24
    np.testing.assert_allclose(res.holdings_usd[1], [120.0, 54.0, 54.0], rtol=1e-12)
    assert res.values[1] == pytest.approx(228.0, rel=1e-14)
    assert res.returns[1] == pytest.approx(-2.0 / 200.0, rel=1e-12)


def test_periodic_flows_land_on_calendar_rows(etf4, target4):
    flows = CashFlows(amount_usd=1_000.0, frequency=Frequency.QUARTERLY)
    res = run_backtest(etf4, target4, Policy.buy_and_hold(), cash_flows=flows)
    quarterly = run_backtest(etf4, target4, Policy.calendar("quarterly"))
    assert np.flatnonzero(res.flows_usd).tolist() == quarterly.rebalance_days.tolist()
