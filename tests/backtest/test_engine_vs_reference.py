"""The engine agrees with the plain-Python reference to 1e-12 on real data."""

from __future__ import annotations

import pytest

from rebal.backtest import CashFlows, CostModel, run_backtest
from rebal.policy import parse_policy
from rebal.types import Frequency
from reference_sim import reference_from_policy

RTOL = 1e-12

POLICIES = [
    "buy-and-hold",
    "daily",
    "weekly",
    "biweekly",
    "monthly",
    "quarterly",
    "semiannual",
    "annual",
    "band:abs=0.05",
    "band:rel=0.25",
    "band:abs=0.05,rel=0.25",
    "band:abs=0.03,check=monthly",
    "band:abs=0.02,rel=0.2,check=monthly",
    "band:abs=0.03,to=edge",
    "band:rel=0.15,to=edge",
    "band:abs=0.03,to=halfway",
    "band:abs=0.03,scope=breached",
    "band:abs=0.02,to=edge,scope=breached",
    "band:rel=0.1,to=halfway,scope=breached,check=weekly",
]

COSTS = {
    "free": None,
    "bps": CostModel(cost_bps=10.0),
    "per_asset_bps": CostModel(cost_bps={"SPY": 2.0, "AGG": 5.0, "EFA": 12.0, "VNQ": 25.0}),
    "fixed": CostModel(cost_bps=5.0, fixed_usd=20.0),
    "min_trade": CostModel(cost_bps=5.0, fixed_usd=1.0, min_trade_usd=2_500.0),
}


def assert_agree(res, ref, *, rtol: float = RTOL) -> None:
    """Values, weights, costs and every trade agree to ``rtol`` (relative to the value)."""
    n = res.n_days
    assert len(ref.values) == n
    worst = 0.0
    for t in range(n):
        v = ref.values[t]
        worst = max(worst, abs(res.values[t] - v) / v)
        for j, a in enumerate(res.assets):
            assert abs(res.weights[t, j] - ref.holdings[t][a] / v) <= rtol, (t, a)
        assert abs(res.costs_usd[t] - ref.costs[t]) <= rtol * v, t
    assert worst <= rtol, worst
    assert list(res.rebalance_days) == ref.rebalance_days
    assert len(res.trades) == len(ref.trades)
    for k, (day, asset, value, cost, reason) in enumerate(ref.trades):
        assert res.trades.day[k] == day
        assert res.assets[res.trades.asset[k]] == asset
        scale = ref.values[day]
        assert abs(res.trades.value_usd[k] - value) <= rtol * scale, (k, day, asset)
        assert abs(res.trades.cost_usd[k] - cost) <= rtol * scale, (k, day, asset)
        assert res.trades.reason[k] == reason


@pytest.mark.parametrize("policy_text", POLICIES)
def test_every_policy_matches_reference_with_costs(etf4, target4, policy_text):
    policy = parse_policy(policy_text)
    costs = COSTS["fixed"]
    res = run_backtest(etf4, target4, policy, costs=costs)
    ref = reference_from_policy(etf4, target4, policy, costs=costs)
    assert_agree(res, ref)


@pytest.mark.parametrize("cost_name", list(COSTS))
@pytest.mark.parametrize(
    "policy_text", ["monthly", "band:abs=0.05,rel=0.25", "band:abs=0.02,to=edge,scope=breached"]
)
def test_every_cost_setting_matches_reference(etf4, target4, policy_text, cost_name):
    policy = parse_policy(policy_text)
    costs = COSTS[cost_name]
    res = run_backtest(etf4, target4, policy, costs=costs)
    ref = reference_from_policy(etf4, target4, policy, costs=costs)
    assert_agree(res, ref)


@pytest.mark.parametrize("cost_name", ["free", "per_asset_bps", "fixed"])
@pytest.mark.parametrize(
    ("policy_text", "flows"),
    [
        ("buy-and-hold", CashFlows(amount_usd=5_000.0, frequency=Frequency.MONTHLY)),
        ("buy-and-hold", CashFlows(amount_usd=-4_000.0, frequency=Frequency.MONTHLY)),
        ("quarterly", CashFlows(amount_usd=10_000.0, frequency=Frequency.MONTHLY)),
        ("band:abs=0.04", CashFlows(amount_usd=-1_000.0, frequency=Frequency.WEEKLY)),
        (
            "band:rel=0.2,to=edge",
            CashFlows(dated={"2008-10-10": 250_000.0, "2009-03-09": -400_000.0,
                             "2020-03-21": 100_000.0}),
        ),
    ],
)
def test_cash_flows_match_reference(etf4, target4, policy_text, flows, cost_name):
    policy = parse_policy(policy_text)
    costs = COSTS[cost_name]
    res = run_backtest(etf4, target4, policy, costs=costs, cash_flows=flows)
    ref = reference_from_policy(etf4, target4, policy, costs=costs, cash_flows=flows)
    assert_agree(res, ref)


def test_cash_flow_only_policy_matches_reference(etf4, target4):
    from rebal.policy import Policy

    policy = Policy(name="flows only", cash_flow_only=True)
    flows = CashFlows(amount_usd=20_000.0, frequency=Frequency.MONTHLY)
    costs = COSTS["bps"]
    res = run_backtest(etf4, target4, policy, costs=costs, cash_flows=flows)
    ref = reference_from_policy(etf4, target4, policy, costs=costs, cash_flows=flows)
    assert_agree(res, ref)
    assert res.n_rebalances == 0
    assert set(res.trades.reason.tolist()) == {"flow"}


def test_depleting_withdrawals_fail_in_both_on_the_same_date(etf4, target4):
    from rebal.errors import DataError
    from reference_sim import ReferenceError_

    policy = parse_policy("band:abs=0.04")
    flows = CashFlows(amount_usd=-3_000.0, frequency=Frequency.WEEKLY)
    with pytest.raises(DataError, match=r"cash flow on 2013-05-24: withdrawal of \$3,000.00"):
        run_backtest(etf4, target4, policy, cash_flows=flows)
    with pytest.raises(ReferenceError_, match="2013-05-24"):
        reference_from_policy(etf4, target4, policy, cash_flows=flows)
