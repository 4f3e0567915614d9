"""The contract between the engine's BacktestResult and compute_metrics, on a small real run.

compute_metrics derives the value before each close's trades from returns and costs,
``V_{d-1} (1 + r_d) + cost_d``; the engine also stores flows and costs per day, so the same
value is ``V_d − flow_d + cost_d``. Turnover computed both ways must agree.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

sim = pytest.importorskip("rebal.backtest")
policy = pytest.importorskip("rebal.policy")

from rebal.data.market import MarketData  # noqa: E402
from rebal.metrics import RiskFreeSource, compute_metrics, total_return  # noqa: E402
from rebal.types import Frequency  # noqa: E402


@pytest.fixture(scope="module")
def market() -> MarketData:
    rng = np.random.default_rng(11)
    n = 600
    dates = np.busday_offset("2012-01-03", np.arange(n), roll="forward")
    rets = rng.normal([0.0004, 0.0001], [0.012, 0.004], (n, 2))
    rets[0] = 0.0
    rf = np.full(n, 0.00005)
    rf[0] = 0.0
    return MarketData(
        dates=dates, assets=("SPY", "IEF"), prices=100 * np.cumprod(1 + rets, axis=0), risk_free=rf
    )


@pytest.mark.parametrize("policy_text", ["monthly", "band:abs=0.05"])
def test_metrics_of_a_real_backtest(market: MarketData, policy_text: str) -> None:
    target = {"SPY": 0.6, "IEF": 0.4}
    costs = sim.CostModel(cost_bps=5.0, fixed_usd=1.0)
    flows = sim.CashFlows(amount_usd=5000.0, frequency=Frequency.QUARTERLY)
    res = sim.run_backtest(
        market, target, policy.parse_policy(policy_text), costs=costs, cash_flows=flows
    )
    bh = sim.run_backtest(
        market, target, policy.parse_policy("buy-and-hold"), costs=costs, cash_flows=flows
    )
    m = compute_metrics(res, benchmark=bh)
    json.dumps(m.to_dict(), allow_nan=False)
    assert m.risk_free_source is RiskFreeSource.DATA
    assert m.n_rebalances == len(res.rebalance_days) > 0
    assert m.costs_total_usd == pytest.approx(float(np.sum(res.costs_usd)), rel=1e-12)
    assert m.total_return == pytest.approx(total_return(res.returns[1:]), rel=1e-14)

    # Turnover from the engine's own flows and costs, by a plain loop.
    value_before = res.values - res.flows_usd + res.costs_usd
    reasons = np.asarray(res.trades.reason)
    turnover = 0.0
    for day, value, reason in zip(res.trades.day, res.trades.value_usd, reasons, strict=True):
        if reason == "rebalance":
            turnover += abs(value) / 2 / value_before[day]
    years = (market.n_days - 1) / 252
    assert m.annual_turnover == pytest.approx(turnover / years, rel=1e-10)
    assert m.alpha_per_turnover == pytest.approx(m.rebalancing_alpha / m.annual_turnover, rel=1e-12)
