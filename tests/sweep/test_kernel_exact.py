"""The batched sweep kernel against single ``run_backtest`` runs (independent engine path).

Every configuration's value path must equal its own backtest to 1e-12 relative, and
its metrics must equal ``compute_metrics`` of that backtest.
"""

from __future__ import annotations

import numpy as np
import pytest

from rebal import datasets
from rebal.policy import Policy, policy_from_spec
from rebal.sim import CashFlows, CostModel, run_backtest
from rebal.sweep.runner import Job, run_configs


@pytest.fixture(scope="module")
def market():
    m = datasets.load("us_daily")
    return m.between(np.datetime64("2003-01-01"), np.datetime64("2010-12-31"))


def _random_jobs(rng, n_jobs):
    jobs = []
    freqs = ["daily", "weekly", "monthly", "quarterly", "annual"]
    for _ in range(n_jobs):
        kind = rng.integers(0, 4)
        if kind == 0:
            pol = Policy.calendar(freqs[rng.integers(1, 5)])
        elif kind == 1:
            pol = Policy.buy_and_hold()
        else:
            spec = {
                "kind": "band",
                "abs": float(rng.uniform(0.005, 0.12)),
                "check": freqs[rng.integers(0, 5)],
                "sizing": ["target", "edge", "halfway"][rng.integers(0, 3)],
                "scope": ["all", "breached"][rng.integers(0, 2)],
            }
            if rng.random() < 0.4:
                spec["rel"] = float(rng.uniform(0.05, 0.5))
            pol = policy_from_spec(spec, name="b")
        costs = CostModel(
            cost_bps=float(rng.choice([0.0, 2.0, 10.0, 50.0])),
            fixed_usd=float(rng.choice([0.0, 1.0, 25.0])),
            min_trade_usd=float(rng.choice([0.0, 0.0, 500.0])),
        )
        jobs.append(Job(policy=pol, costs=costs))
    return jobs


@pytest.mark.parametrize("flows", [None, CashFlows(amount_usd=5_000.0, frequency="monthly")])
def test_each_configuration_equals_its_backtest(market, flows):
    rng = np.random.default_rng(7 if flows is None else 8)
    target = {"US_MKT": 0.5, "UST_INT": 0.3, "UST_LONG": 0.2}
    jobs = _random_jobs(rng, 21)  # not a multiple of the block: padded lanes
    stats = run_configs(market, target, jobs, cash_flows=flows, keep_values=True, n_threads=2)
    assert (stats.status == 0).all()
    for j, job in enumerate(jobs):
        res = run_backtest(market, target, job.policy, costs=job.costs, cash_flows=flows)
        np.testing.assert_allclose(stats.values[0, j], res.values, rtol=1e-12, atol=0)
        m = res.metrics()
        assert stats.n_rebalances[0, j] == m.n_rebalances
        for name in (
            "cagr",
            "annual_volatility",
            "max_drawdown",
            "sharpe",
            "total_return",
            "annual_turnover",
            "cost_drag_annual",
        ):
            got, want = getattr(stats, name)[0, j], getattr(m, name)
            assert got == pytest.approx(want, rel=1e-9, abs=1e-13), (j, name)
        assert stats.costs_usd[0, j] == pytest.approx(m.costs_total_usd, rel=1e-12, abs=1e-9)
        assert stats.final_value_usd[0, j] == pytest.approx(res.final_value, rel=1e-12)


def test_dynamic_and_unsupported_policies(market):
    """A volatility-scaled band (per-row bands, kernel) and a score trigger (engine path)."""
    target = {"US_MKT": 0.6, "UST_INT": 0.4}
    specs = [
        {"kind": "vol_band", "base_band": 0.05, "vol": {"window": 21}},
        {"kind": "score", "band": 0.05},
        {"kind": "either", "calendar": "quarterly", "abs": 0.05},
    ]
    jobs = [
        Job(policy=policy_from_spec(s, name=s["kind"]), costs=CostModel(cost_bps=5.0))
        for s in specs
    ]
    stats = run_configs(market, target, jobs, keep_values=True)
    for j, job in enumerate(jobs):
        res = run_backtest(market, target, job.policy, costs=job.costs)
        np.testing.assert_allclose(stats.values[0, j], res.values, rtol=1e-12, atol=0)
        assert stats.n_rebalances[0, j] == res.n_rebalances
        assert stats.sharpe[0, j] == pytest.approx(res.metrics().sharpe, rel=1e-9)
