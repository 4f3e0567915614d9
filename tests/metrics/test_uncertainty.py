"""Paired stationary bootstrap of policy differences (rebal.sweep.uncertainty)."""

from __future__ import annotations

import numpy as np
import pytest

from rebal import datasets
from rebal.backtest import CostModel, run_backtest
from rebal.data import MarketData
from rebal.metrics.bootstrap import stationary_bootstrap_indices
from rebal.policy import Policy
from rebal.sweep.uncertainty import (
    bootstrap_alpha,
    bootstrap_policies,
    default_block_length,
    resample_market_paths,
)


def _market(prices, start="2001-01-01"):
    dates = np.busday_offset(np.datetime64(start), np.arange(prices.shape[0]), roll="forward")
    assets = tuple(f"A{i}" for i in range(prices.shape[1]))
    return MarketData(dates=dates, assets=assets, prices=prices)


def test_indices_are_a_stationary_bootstrap_with_the_chosen_mean_block():
    n, b = 5000, 12.0
    idx = stationary_bootstrap_indices(n, 20, b, seed=5)
    assert idx.shape == (20, n) and idx.min() >= 0 and idx.max() < n
    # a block continues with the next row (wrapping); a new one starts anywhere
    cont = idx[:, 1:] == (idx[:, :-1] + 1) % n
    starts = 1 + (~cont).sum(axis=1)
    mean_len = n / starts.mean()
    assert mean_len == pytest.approx(b, rel=0.08)
    again = stationary_bootstrap_indices(n, 20, b, seed=5)
    np.testing.assert_array_equal(idx, again)


def test_resampled_paths_compound_the_chosen_rows():
    m = datasets.load("us_daily").select(["US_MKT", "UST_INT"])
    m = m.between(m.dates[0], m.dates[300])
    idx = stationary_bootstrap_indices(m.n_days - 1, 3, 5.0, seed=1)
    paths, rf, _ = resample_market_paths(m, idx)
    r = m.prices[1:] / m.prices[:-1] - 1.0
    got = paths[1, 1:] / paths[1, :-1] - 1.0
    np.testing.assert_allclose(got, r[idx[1]], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(paths[:, 0], np.broadcast_to(m.prices[0], (3, 2)))
    assert rf is not None and (rf[:, 1:] == m.risk_free[1:][idx]).all()


def test_identical_policies_differ_by_exactly_zero():
    m = datasets.load("us_daily")
    m = m.between(np.datetime64("2005-01-01"), np.datetime64("2012-12-31"))
    target = {"US_MKT": 0.6, "UST_INT": 0.4}
    res = bootstrap_policies(
        m,
        target,
        [
            ("A", Policy.band(absolute=0.05)),
            ("B", Policy.band(absolute=0.05)),
            ("Q", Policy.calendar("quarterly")),
        ],
        costs=CostModel(cost_bps=5),
        n_samples=50,
        seed=2,
    )
    for metric in ("cagr", "annual_volatility", "max_drawdown", "sharpe"):
        d = res.difference("A", "B", metric)
        assert d.estimate == 0.0 and d.low == 0.0 and d.high == 0.0 and d.p_better == 0.5
        assert np.array_equal(res.samples[metric][:, 0], res.samples[metric][:, 1])
    # the real-data column is the ordinary backtest
    r = run_backtest(m, target, Policy.calendar("quarterly"), costs=CostModel(cost_bps=5))
    assert res.actual["cagr"][2] == pytest.approx(r.metrics().cagr, rel=1e-10)
    assert res.block >= 1.0 and res.n_samples == 50
    # reproducible
    again = bootstrap_policies(
        m,
        target,
        [
            ("A", Policy.band(absolute=0.05)),
            ("B", Policy.band(absolute=0.05)),
            ("Q", Policy.calendar("quarterly")),
        ],
        costs=CostModel(cost_bps=5),
        n_samples=50,
        seed=2,
    )
    np.testing.assert_array_equal(again.samples["sharpe"], res.samples["sharpe"])


def test_bootstrap_alpha_from_a_tuple():
    m = datasets.load("us_daily").between(np.datetime64("2005-01-01"), np.datetime64("2010-12-31"))
    out = bootstrap_alpha(
        (m, {"US_MKT": 0.6, "UST_INT": 0.4}, [("Annual", Policy.calendar("annual"))], CostModel()),
        n_samples=40,
        seed=1,
    )
    a = out["Annual"]
    assert a.low <= a.high and 0.0 <= a.p_positive <= 1.0 and a.confidence == 0.9


def test_interval_covers_the_true_cagr_at_about_the_nominal_rate():
    """IID daily log-normal returns of two assets, rebalanced to 50/50 every day without
    costs: the portfolio's true CAGR is exp(252 E[log(w·G)]) − 1, computed by
    Gauss–Hermite quadrature. The 90 % percentile interval (block 1: i.i.d. data)
    must cover it in about 90 % of 120 independent histories."""
    mu = np.array([0.0004, 0.0001])
    sd = np.array([0.012, 0.005])
    rho = 0.2
    w = np.array([0.5, 0.5])
    x, wt = np.polynomial.hermite_e.hermegauss(80)
    wt = wt / wt.sum()
    z1, z2 = np.meshgrid(x, x, indexing="ij")
    l1 = mu[0] + sd[0] * z1
    l2 = mu[1] + sd[1] * (rho * z1 + np.sqrt(1 - rho * rho) * z2)
    elog = float(np.sum(np.outer(wt, wt) * np.log(w[0] * np.exp(l1) + w[1] * np.exp(l2))))
    true_cagr = np.exp(252 * elog) - 1.0

    rng = np.random.default_rng(11)
    n_days, trials, hits = 750, 120, 0
    cov = np.array([[sd[0] ** 2, rho * sd[0] * sd[1]], [rho * sd[0] * sd[1], sd[1] ** 2]])
    chol = np.linalg.cholesky(cov)
    for _ in range(trials):
        lr = mu + rng.standard_normal((n_days - 1, 2)) @ chol.T
        prices = np.vstack([np.ones((1, 2)), np.exp(np.cumsum(lr, axis=0))])
        m = _market(prices)
        res = bootstrap_policies(
            m,
            {"A0": 0.5, "A1": 0.5},
            [("daily", Policy.calendar("daily"))],
            n_samples=200,
            seed=int(rng.integers(1 << 30)),
            block=1.0,
        )
        lo, hi = np.quantile(res.samples["cagr"][:, 0], [0.05, 0.95])
        hits += lo <= true_cagr <= hi
    assert 0.80 <= hits / trials <= 0.97, hits / trials


def test_default_block_length_rule():
    m = datasets.load("us_daily").select(["US_MKT", "UST_INT"])
    b = default_block_length(m.prices)
    assert 1.0 <= b <= 3 * np.sqrt(m.n_days)
