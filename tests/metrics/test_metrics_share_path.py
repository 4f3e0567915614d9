"""compute_metrics reads a fresh result's share path instead of forming its weights: the
allocation precision equals a plain loop over the weights, and every metric equals the
same result's metrics once its weights are formed (bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest import CashFlows, CostModel, run_backtest
from rebal.data.market import MarketData
from rebal.metrics import compute_metrics
from rebal.policy import parse_policy
from rebal.types import Frequency


@pytest.fixture(scope="module")
def market() -> MarketData:
    rng = np.random.default_rng(5)
    n = 700
    dates = np.busday_offset("2015-01-02", np.arange(n), roll="forward")
    rets = rng.normal([0.0004, 0.0002, 0.0001], [0.012, 0.008, 0.003], (n, 3))
    rets[0] = 0.0
    return MarketData(dates=dates, assets=("A", "B", "C"),
                      prices=50 * np.cumprod(1 + rets, axis=0))


@pytest.mark.parametrize("policy_text", ["monthly", "band:abs=0.03", "buy-and-hold"])
def test_share_path_equals_formed_weights(market: MarketData, policy_text: str) -> None:
    target = {"A": 0.5, "B": 0.3, "C": 0.2}
    kwargs = dict(costs=CostModel(cost_bps=5.0, fixed_usd=1.0),
                  cash_flows=CashFlows(amount_usd=2000.0, frequency=Frequency.QUARTERLY))
    fresh = run_backtest(market, target, parse_policy(policy_text), **kwargs)
    assert fresh.weights_share_path is not None
    m_fresh = compute_metrics(fresh)
    assert fresh.weights_share_path is not None  # metrics did not form the weights

    # the weights by a plain loop over rows and share rows (no engine helper)
    share_row = 0
    total = 0.0
    w = np.array([target[a] for a in market.assets])
    for t in range(1, market.n_days):
        while share_row + 1 < len(fresh.share_days) and fresh.share_days[share_row + 1] <= t:
            share_row += 1
        for j in range(market.n_assets):
            weight = fresh.shares[share_row, j] * market.prices[t, j] / fresh.values[t]
            total += abs(weight - w[j])
    expected = total / ((market.n_days - 1) * market.n_assets)
    assert m_fresh.allocation_precision == pytest.approx(expected, rel=1e-12)

    formed = run_backtest(market, target, parse_policy(policy_text), **kwargs)
    formed.weights  # noqa: B018 - form them: compute_metrics then reads the weights
    assert formed.weights_share_path is None
    assert compute_metrics(formed).to_dict() == m_fresh.to_dict()
