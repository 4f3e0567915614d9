"""Sizing and scope, hand-computed (see docs/conventions.md)."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest.kernels import desired_weights


def size(w, target, hw, sizing, scope, breached=None):
    w = np.asarray(w, float)
    target = np.asarray(target, float)
    hw = np.asarray(hw, float)
    if breached is None:
        breached = (hw < 0) | (np.abs(w - target) > hw + 1e-12)
    n = w.size
    ws, lo, hi, tmp = (np.empty(n) for _ in range(4))
    # one group: scope ALL sizes every asset, BREACHED the breached ones
    sized = np.ones(n, bool) if scope == ALL else np.asarray(breached, bool)
    desired_weights(w, target, hw, sizing, sized, ws, lo, hi, tmp)
    return ws


TARGET, EDGE, HALFWAY = 0, 1, 2
ALL, BREACHED = 0, 1


def test_two_assets_rel_band_edge_is_the_projection():
    # 60/40 with rel 25 %: bands A [0.45, 0.75], B [0.30, 0.50]; w = 0.76 / 0.24.
    # Both breached; their own nearest edges (0.75, 0.30) sum to 1.05, so the edge point
    # is the projection: clip(w - mu) = 1 -> mu = 0.06 -> 0.70 / 0.30.
    ws = size([0.76, 0.24], [0.6, 0.4], [0.15, 0.10], EDGE, ALL)
    np.testing.assert_allclose(ws, [0.70, 0.30], atol=1e-15)
    ws = size([0.76, 0.24], [0.6, 0.4], [0.15, 0.10], HALFWAY, ALL)
    np.testing.assert_allclose(ws, [0.65, 0.35], atol=1e-15)
    # all breached -> scope "breached" is the same joint solution
    ws = size([0.76, 0.24], [0.6, 0.4], [0.15, 0.10], EDGE, BREACHED)
    np.testing.assert_allclose(ws, [0.70, 0.30], atol=1e-15)


def test_breached_scope_absorbers_keep_their_proportions():
    # target 50/30/20, abs 5 %: w = 0.60 / 0.25 / 0.15 -> only A breached (B, C on the edge)
    w, t, hw = [0.60, 0.25, 0.15], [0.5, 0.3, 0.2], [0.05, 0.05, 0.05]
    # A to target 0.50; B, C share 0.50 as 0.25 : 0.15
    np.testing.assert_allclose(size(w, t, hw, TARGET, BREACHED), [0.5, 0.3125, 0.1875],
                               atol=1e-15)
    # A to its edge 0.55; B, C share 0.45 as 0.25 : 0.15
    np.testing.assert_allclose(size(w, t, hw, EDGE, BREACHED), [0.55, 0.28125, 0.16875],
                               atol=1e-15)
    # halfway between target and edge: 0.525
    np.testing.assert_allclose(size(w, t, hw, HALFWAY, BREACHED),
                               [0.525, 0.475 * 0.625, 0.475 * 0.375], atol=1e-15)
    # scope all, to target: everything to target
    np.testing.assert_allclose(size(w, t, hw, TARGET, ALL), t, atol=0)


def test_edge_all_with_one_breach_moves_everyone_the_same_amount():
    # projection: clip(w - mu): A capped at 0.55, B and C shift by the same -mu
    ws = size([0.60, 0.25, 0.15], [0.5, 0.3, 0.2], [0.05, 0.05, 0.05], EDGE, ALL)
    # 0.55 + (0.25 - mu) + (0.15 - mu) = 1 -> mu = -0.025
    np.testing.assert_allclose(ws, [0.55, 0.275, 0.175], atol=1e-15)


def test_calendar_edge_and_halfway_collapse_to_target():
    for sizing in (EDGE, HALFWAY):
        ws = size([0.7, 0.3], [0.6, 0.4], [-1.0, -1.0], sizing, ALL)
        np.testing.assert_allclose(ws, [0.6, 0.4], atol=1e-15)


def test_breached_scope_falls_back_when_absorbers_cannot_absorb():
    # targets 0.45 / 0.45 / 0.10 with rel 0.5 bands; A and B sized (breached flags given
    # directly), C is the only absorber and holds no weight, so it cannot absorb
    w, t, hw = [0.70, 0.30, 0.0], [0.45, 0.45, 0.10], [0.225, 0.225, 0.05]
    breached = [True, True, False]
    ws = size(w, t, hw, EDGE, BREACHED, breached)
    # no absorber weight -> the joint projection on the boxes [0.225, 0.675] x [0.225, 0.675]
    # x [0.05, 0.15]: clip(w - mu) = 1 -> A 0.675, B 0.275, C 0.05
    np.testing.assert_allclose(ws, [0.675, 0.275, 0.05], atol=1e-15)
    assert ws.sum() == pytest.approx(1.0, abs=1e-15)


def test_end_to_end_edge_rebalance_two_assets():
    from rebal.backtest import run_backtest
    from rebal.data import MarketData
    from rebal.policy import parse_policy

    # 60/40 of $100; A +50 %: 90 / 40 -> w_A = 0.6923 > 0.6 + 0.05 -> to edge 0.65 / 0.35
    dates = np.array(["2024-01-02", "2024-01-03", "2024-01-04"], dtype="datetime64[D]")
    m = MarketData(dates=dates, assets=("A", "B"),
                   prices=np.array([[100.0, 100.0], [150.0, 100.0], [150.0, 100.0]]))
    res = run_backtest(m, {"A": 0.6, "B": 0.4}, parse_policy("band:abs=0.05,to=edge"),
                       initial_usd=100.0)
    np.testing.assert_allclose(res.holdings_usd[1], [0.65 * 130, 0.35 * 130], rtol=1e-14)
    assert res.rebalance_days.tolist() == [1]
    assert res.rebalances.drift[0] == pytest.approx(90 / 130 - 0.6, rel=1e-14)
