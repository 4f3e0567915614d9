"""The sweep kernel's own fast paths against the engine's functions and backtests.

The engine's sort-free ``project_to_band`` must equal the defining sort-and-scan
algorithm (written out here in plain Python) bit for bit, ``desired_weights_fast`` the
engine's ``desired_weights`` (the kernel's claim of identical trades rests on both), the
vector screen the per-lane screen, and a 20-asset grid whose narrow daily bands sized to
the edge trade on a large share of the rows must equal each configuration's
``run_backtest``.
"""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest.kernels import desired_weights, project_to_band

# the sweep's copy is folded into the engine's function: the kernels' form (scratch
# passed in) against the Python callers' form (scratch allocated)
from rebal.backtest.kernels import desired_weights as desired_weights_fast
from rebal.sweep.kernel import block_starts


def _clamped_sum(w, lo, hi, mu):
    s = 0.0
    for wi, li, hi_ in zip(w.tolist(), lo.tolist(), hi.tolist(), strict=True):
        s += min(max(wi - mu, li), hi_)
    return s


def sorted_projection(w, lo, hi):
    """The defining algorithm: sort the breakpoints ``w − hi``, ``w − lo``; the first
    ``b`` with ``f(b) <= 1`` and the one before it bracket ``mu``; interpolate."""
    bp = sorted([wi - h for wi, h in zip(w.tolist(), hi.tolist(), strict=True)]
                + [wi - li for wi, li in zip(w.tolist(), lo.tolist(), strict=True)])
    mu = bp[-1]
    f_prev = _clamped_sum(w, lo, hi, bp[0])
    if f_prev <= 1.0:
        mu = bp[0]
    else:
        for k in range(1, len(bp)):
            f_k = _clamped_sum(w, lo, hi, bp[k])
            if f_k <= 1.0:
                if f_prev == f_k:
                    mu = bp[k]
                else:
                    mu = bp[k - 1] + (f_prev - 1.0) / (f_prev - f_k) * (bp[k] - bp[k - 1])
                break
            f_prev = f_k
    return np.array([min(max(wi - mu, li), h) for wi, li, h in
                     zip(w.tolist(), lo.tolist(), hi.tolist(), strict=True)])


def _case(rng, n):
    target = rng.dirichlet(np.ones(n))
    w = np.abs(target + rng.normal(0.0, rng.choice([1e-4, 1e-3, 1e-2, 5e-2]), n))
    w /= w.sum()
    if rng.random() < 0.5:
        hw = rng.uniform(0.0, 0.1, n)
    else:
        hw = np.full(n, rng.choice([0.0, 0.005, 0.05, 0.4]))
    return target, w, hw


def test_projection_bit_for_bit():
    rng = np.random.default_rng(11)
    for _ in range(3000):
        n = int(rng.integers(1, 30))
        target, w, hw = _case(rng, n)
        lo = np.maximum(target - hw, 0.0)
        hi = np.minimum(target + hw, 1.0)
        if rng.random() < 0.1:  # ties between breakpoints
            w[: n // 2] = w[0]
            lo[: n // 2] = lo[0]
            hi[: n // 2] = hi[0]
        b = np.empty(n)
        project_to_band(w, lo, hi, b, np.empty(2 * n))
        assert np.array_equal(sorted_projection(w, lo, hi), b)


def test_desired_weights_bit_for_bit():
    rng = np.random.default_rng(12)
    for _ in range(3000):
        n = int(rng.integers(2, 25))
        target, w, hw = _case(rng, n)
        if rng.random() < 0.1:
            hw[rng.integers(n)] = -1.0  # an asset outside every band
        sizing = int(rng.integers(0, 3))
        sized = rng.random(n) < 0.6 if rng.random() < 0.4 else np.ones(n, np.bool_)
        a = [np.empty(n) for _ in range(4)]
        b = [np.empty(n) for _ in range(4)]
        desired_weights(w, target, hw, sizing, sized, *a)
        desired_weights_fast(w, target, hw, sizing, sized, *b, np.empty(2 * n))
        assert np.array_equal(a[0], b[0])


def test_twenty_assets_narrow_edge_bands_equal_their_backtests():
    from rebal.backtest import CostModel, run_backtest
    from rebal.data.market import MarketData
    from rebal.policy import Policy
    from rebal.sweep.runner import Job, run_configs

    rng = np.random.default_rng(5)
    n, days = 20, 700
    r = rng.normal(0.0003, 0.012, (days, n)) + rng.normal(0, 0.006, (days, 1))
    r[0] = 0.0
    dates = np.busday_offset(np.datetime64("2010-01-04"), np.arange(days), roll="forward")
    assets = tuple(f"A{i:02d}" for i in range(n))
    market = MarketData(dates=dates, assets=assets, prices=100 * np.cumprod(1 + r, axis=0),
                        source="synthetic")
    target = dict.fromkeys(assets, 1.0 / n)
    costs = CostModel(cost_bps=5.0, fixed_usd=1.0)
    jobs = [
        Job(policy=Policy.band(absolute=w, check=c, sizing=s), costs=costs)
        for w in (0.003, 0.01, 0.04)
        for c in ("daily", "weekly")
        for s in ("target", "edge", "halfway")
    ]
    jobs = jobs * 2 + jobs[:3]  # several blocks (block_starts), the last one short
    assert block_starts(len(jobs), 2).size > 2
    stats = run_configs(market, target, jobs, keep_values=True, n_threads=2)
    assert (stats.status == 0).all()
    assert stats.n_rebalances[0].max() > 100  # the hard case is exercised
    for j, job in enumerate(jobs):
        res = run_backtest(market, target, job.policy, costs=job.costs)
        np.testing.assert_allclose(stats.values[0, j], res.values, rtol=1e-12, atol=0)
        assert stats.n_rebalances[0, j] == res.n_rebalances
        assert stats.costs_usd[0, j] == pytest.approx(res.metrics().costs_total_usd, rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 7, 20])
def test_vector_screen_equals_the_per_lane_screen(n):
    """The all-lanes screen (asset pairs, selects, ``b − |d|`` as two sides) gives the
    per-lane screen's numbers bit for bit, an odd last asset included."""
    from rebal.sweep.kernel import _screen_row

    rng = np.random.default_rng(n)
    kb, days = 13, 4
    prices = rng.uniform(50.0, 150.0, (days, n))
    S = rng.uniform(0.0, 2e3, (n, kb))
    S[:, 0] = 0.0  # a lane holding nothing
    target = rng.dirichlet(np.ones(n))
    Bk = rng.choice([0.0, 0.003, 0.05, -1.0], (n, kb))
    for t in range(days):
        V = (S * prices[t][:, None]).sum(axis=0) * rng.uniform(0.9, 1.1, kb)
        mnum, mxh = np.empty(kb), np.empty(kb)
        _screen_row(prices, t, S, V, Bk, target, mnum, mxh)
        for k in range(kb):
            want_num, want_h = np.inf, 0.0
            for i in range(n):
                h = S[i, k] * prices[t, i]
                want_num = min(want_num, Bk[i, k] * V[k] - abs(h - target[i] * V[k]))
                want_h = max(want_h, h)
            assert mnum[k] == want_num and mxh[k] == want_h
