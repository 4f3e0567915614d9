"""``decide`` agrees with the backtest engine: act, breached assets and desired weights.

Two independent checks of the policy's plain-NumPy decision:
- the engine's own sizing kernel (:func:`rebal.backtest.kernels.desired_weights`) on
  random weight vectors;
- :func:`rebal.backtest.run_backtest` on a two-row price path built so that the
  weights at row 1 are a chosen vector: what the engine trades to (costless) and
  logs is what ``decide`` said.
"""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest import kernels, run_backtest
from rebal.data import MarketData
from rebal.policy import Policy, ScoreTrigger
from rebal.policy.bands import AbsoluteBand, RelativeBand, half_widths
from rebal.policy.decide import (
    PolicyState,
    ScoreInputs,
    decide,
    project_to_band_box,
    state_from_compiled,
)
from rebal.policy.policy import SIZING_CODE, CompiledPolicy
from rebal.types import Scope, Sizing

N_CASES = 60


def _random_case(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    target = rng.dirichlet(np.ones(n))
    target = np.maximum(target, 0.02)
    target /= target.sum()
    noise = rng.normal(0.0, 0.06, n)
    weights = np.maximum(target + noise, 0.001)
    return weights / weights.sum(), target


BANDS = {
    "abs": (AbsoluteBand(0.05), None),
    "rel": (None, RelativeBand(0.25)),
    "5/25": (AbsoluteBand(0.05), RelativeBand(0.25)),
}


@pytest.mark.parametrize("band", list(BANDS))
@pytest.mark.parametrize("sizing", list(Sizing))
@pytest.mark.parametrize("scope", list(Scope))
def test_decide_matches_the_engines_sizing_kernel(band, sizing, scope) -> None:
    rng = np.random.default_rng(12)
    for _ in range(N_CASES):
        n = int(rng.integers(2, 8))
        w, t = _random_case(rng, n)
        hw = half_widths(t, *BANDS[band])
        d = decide(PolicyState(weights=w, target_weights=t, half_widths=hw,
                               sizing=sizing, scope=scope))
        expect_breached = np.abs(w - t) > hw + 1e-12
        np.testing.assert_array_equal(d.breached, expect_breached)
        assert d.act is bool(expect_breached.any())
        if not d.act:
            np.testing.assert_array_equal(d.desired_weights, w)
            continue
        sized = np.ones(n, np.bool_) if scope is Scope.ALL else expect_breached
        ws, lo, hi, tmp = (np.empty(n) for _ in range(4))
        kernels.desired_weights(w, t, hw, SIZING_CODE[sizing], sized, ws, lo, hi, tmp)
        np.testing.assert_allclose(d.desired_weights, ws, rtol=0, atol=1e-12)
        assert d.desired_weights.sum() == pytest.approx(1.0, abs=1e-12)


def test_projection_onto_the_band_box_matches_the_kernels() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(2, 10))
        w, t = _random_case(rng, n)
        hw = rng.uniform(0.0, 0.1, n)
        lo, hi = np.maximum(t - hw, 0.0), np.minimum(t + hw, 1.0)
        out = np.empty(n)
        kernels.project_to_band(w, lo, hi, out, np.empty(2 * n))
        np.testing.assert_allclose(project_to_band_box(w, lo, hi), out, rtol=0, atol=1e-12)


# ------------------------------------------------------- the engine on a 2-row path

ASSETS = ("A", "B", "C", "D")


def _two_rows(weights: np.ndarray, target: np.ndarray) -> MarketData:
    """Row 0 buys ``target``; row 1's prices turn it into ``weights``."""
    prices = np.vstack([np.ones_like(target), weights / target])
    dates = np.array(["2024-01-30", "2024-01-31"], dtype="datetime64[D]")
    return MarketData(dates=dates, assets=ASSETS, prices=prices)


def _engine(compiled: CompiledPolicy, weights: np.ndarray, target: np.ndarray):
    market = _two_rows(weights, target)

    class Fixed:
        name = compiled.name

        def compile(self, market, target):
            return compiled

    res = run_backtest(market, dict(zip(ASSETS, target, strict=True)), Fixed())
    return res.weights[1], res.rebalances


@pytest.mark.parametrize("band", list(BANDS))
@pytest.mark.parametrize("sizing", [Sizing.TO_TARGET, Sizing.TO_EDGE, Sizing.HALFWAY])
@pytest.mark.parametrize("scope", list(Scope))
def test_decide_matches_a_backtest_of_a_band_policy(band, sizing, scope) -> None:
    rng = np.random.default_rng(5)
    absolute, relative = BANDS[band]
    policy = Policy.band(absolute=None if absolute is None else absolute.width,
                         relative=None if relative is None else relative.width,
                         sizing=sizing, scope=scope)
    for _ in range(12):
        w, t = _random_case(rng, len(ASSETS))
        compiled = policy.compile(_two_rows(w, t), t)
        d = decide(state_from_compiled(compiled, 1, w, t))
        after, log = _engine(compiled, w, t)
        assert d.look
        assert d.act is (len(log) == 1)
        if d.act:
            assert log.n_breached[0] == d.n_breached
        np.testing.assert_allclose(after, d.desired_weights, rtol=0, atol=1e-9)


def test_decide_matches_a_backtest_of_a_calendar() -> None:
    rng = np.random.default_rng(8)
    w, t = _random_case(rng, len(ASSETS))
    compiled = Policy.calendar("daily").compile(_two_rows(w, t), t)
    d = decide(state_from_compiled(compiled, 1, w, t))
    after, log = _engine(compiled, w, t)
    assert d.act and d.breached.all() and len(log) == 1
    np.testing.assert_allclose(after, t, rtol=0, atol=1e-12)
    np.testing.assert_allclose(d.desired_weights, t, rtol=0, atol=0)


def _tiers(look: list[bool], act: list[bool] | None) -> CompiledPolicy:
    return CompiledPolicy(
        name="tiers", group=np.array([0, 0, 1, 1]),
        check=np.array([[False, False], look]), band=np.array([[0.03, 0.03, 0.05, 0.08]]),
        act=None if act is None else np.array([[False, False], act]),
        sizing=np.array([0, 1]), scope=np.array([0, 1]), rule=4,
    )


@pytest.mark.parametrize(("look", "act"), [([True, True], None), ([True, True], [True, True]),
                                           ([True, False], None), ([True, True], [False, True])])
def test_decide_matches_a_backtest_of_tiers(look, act) -> None:
    rng = np.random.default_rng(9)
    compiled = _tiers(look, act)
    for _ in range(20):
        w, t = _random_case(rng, len(ASSETS))
        d = decide(state_from_compiled(compiled, 1, w, t))
        after, log = _engine(compiled, w, t)
        assert tuple(int(g) for g in log.group) == d.acting_groups
        np.testing.assert_allclose(after, d.desired_weights, rtol=0, atol=1e-9)
        # a group that looked and fired but may not act yet stays pending
        for g in range(2):
            fired = d.breached[compiled.group == g].any()
            acts = look[g] if act is None else act[g]
            assert d.pending[g] is bool(look[g] and fired and not acts)


def test_decide_matches_a_backtest_of_the_score() -> None:
    from rebal.policy import DynamicPolicy

    rng = np.random.default_rng(11)
    policy = DynamicPolicy(name="s", rules=ScoreTrigger(band=0.05, w_drift=1.0, w_vol=0.0,
                                                         w_corr=0.0, w_time=0.0))
    seen = set()
    for _ in range(20):
        w, t = _random_case(rng, len(ASSETS))
        compiled = policy.compile(_two_rows(w, t), t)
        d = decide(state_from_compiled(compiled, 1, w, t))
        after, log = _engine(compiled, w, t)
        assert d.score is not None
        assert d.act is (len(log) == 1)
        seen.add(d.act)
        np.testing.assert_allclose(after, d.desired_weights, rtol=0, atol=1e-9)
    assert seen == {True, False}


def test_a_pending_breach_acts_on_the_action_day_only_if_still_breached() -> None:
    t = np.array([0.5, 0.5])
    hw = np.array([0.05, 0.05])
    inside = np.array([0.52, 0.48])
    outside = np.array([0.6, 0.4])
    kw = dict(target_weights=t, half_widths=hw, look=False, act=True, pending=True)
    assert not decide(PolicyState(weights=inside, **kw)).act
    d = decide(PolicyState(weights=outside, **kw))
    assert d.act and d.pending == (False,)
    np.testing.assert_array_equal(d.desired_weights, t)
    assert not decide(PolicyState(weights=outside, target_weights=t, half_widths=hw,
                                  look=False)).look


def test_score_inputs_fire_at_the_threshold() -> None:
    t = np.array([0.5, 0.5])
    hw = np.array([0.05, 0.05])
    w = np.array([0.55, 0.45])  # drift = the band: 100 points
    d = decide(PolicyState(weights=w, target_weights=t, half_widths=hw,
                           score=ScoreInputs(w_drift=1.0, threshold=100.0)))
    assert d.score == pytest.approx(100.0) and d.act
