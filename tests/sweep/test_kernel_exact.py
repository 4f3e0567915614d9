"""The batched sweep kernel against single ``run_backtest`` runs (independent engine path).

Every configuration's value path must equal its own backtest to 1e-12 relative, and
its metrics must equal ``compute_metrics`` of that backtest.
"""

from __future__ import annotations

import numpy as np
import pytest

from rebal import datasets
from rebal.backtest import CashFlows, CostModel, run_backtest
from rebal.policy import Policy, policy_from_spec
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


def test_shared_schedules_triggers_and_costs(market):
    """A grid whose configurations share band triggers, schedules and cost models
    (compiled once per distinct value) still runs each configuration exactly as
    its own backtest, including equal triggers built separately and a cash-flow-only
    policy whose trigger would otherwise trade."""
    from rebal.policy.triggers import Always

    target = {"US_MKT": 0.5, "UST_INT": 0.3, "UST_LONG": 0.2}
    flows = CashFlows(amount_usd=-3_000.0, frequency="quarterly")
    shared = CostModel(cost_bps=5.0, fixed_usd=1.0)
    jobs = []
    for width in (0.01, 0.04):
        for check in ("daily", "monthly"):
            for sizing in ("target", "edge"):
                pol = Policy.band(absolute=width, check=check, sizing=sizing)
                jobs.append(Job(policy=pol, costs=shared))
                jobs.append(Job(policy=pol, costs=CostModel(cost_bps=20.0, min_trade_usd=300.0)))
    jobs.append(Job(policy=Policy(name="cf", trigger=Always(), cash_flow_only=True), costs=shared))
    jobs.append(Job(policy=Policy.calendar("monthly"), costs=shared))
    jobs.append(Job(policy=Policy.buy_and_hold(), costs=shared))
    stats = run_configs(market, target, jobs, cash_flows=flows, keep_values=True, n_threads=2)
    assert (stats.status == 0).all()
    n_reb = []
    for j, job in enumerate(jobs):
        res = run_backtest(market, target, job.policy, costs=job.costs, cash_flows=flows)
        np.testing.assert_allclose(stats.values[0, j], res.values, rtol=1e-12, atol=0)
        assert stats.n_rebalances[0, j] == res.n_rebalances
        n_reb.append(res.n_rebalances)
    assert n_reb[-3] == 0 and n_reb[-1] == 0 and n_reb[0] > n_reb[8] > 0


def test_grid_inputs_are_shared(market):
    """3 widths x 3 schedules x 2 sizings compile to 3 look masks and 3 band rows;
    each configuration points at its own schedule's mask and its own width."""
    from rebal.sweep.runner import _Compiled

    target = np.array([0.5, 0.3, 0.2])
    m3 = market.select(["US_MKT", "UST_INT", "UST_LONG"])
    widths, checks = (0.02, 0.05, 0.08), ("daily", "weekly", "monthly")
    jobs = [
        Job(policy=Policy.band(absolute=w, check=c, sizing=s), costs=CostModel(cost_bps=5.0))
        for w in widths
        for c in checks
        for s in ("target", "edge")
    ]
    comp = _Compiled(m3, target, jobs, None)
    assert comp.checks.shape == (m3.n_days, 3)
    np.testing.assert_array_equal(comp.band_rows, np.repeat(np.array(widths)[:, None], 3, axis=1))
    for j in range(len(jobs)):
        w_i, c_i, s_i = j // 6, (j // 2) % 3, j % 2
        assert comp.band_rows[comp.cfg_bstart[j], 0] == widths[w_i]
        assert comp.sizing[j] == s_i and comp.scope[j] == 0 and not comp.cfg_brow[j]
        col = comp.checks[:, comp.cfg_mask[j]]
        if checks[c_i] == "daily":
            assert not col[0] and col[1:].all()
        else:
            # the last row of each Monday-based week / calendar month, never rows 0, n-1
            day = m3.dates.astype("datetime64[D]").astype(np.int64)
            month = m3.dates.astype("datetime64[M]").astype(np.int64)
            key = (day + 3) // 7 if checks[c_i] == "weekly" else month
            want = np.zeros(m3.n_days, np.bool_)
            want[:-1] = key[:-1] != key[1:]
            want[0] = False
            np.testing.assert_array_equal(col, want)
        np.testing.assert_allclose(comp.c_rows[j], 5e-4)
    assert sorted(comp.order.tolist()) == list(range(len(jobs)))
