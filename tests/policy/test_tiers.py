"""Tiers: compiled arrays, and where each tier's rebalances land."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest import run_backtest
from rebal.data import MarketData
from rebal.errors import ConfigError
from rebal.policy import (
    TIER_PRESETS,
    DynamicPolicy,
    EitherFires,
    Policy,
    Tier,
    Tiers,
    period_end_mask,
)
from rebal.policy.triggers import Rule
from rebal.types import Frequency


def _market(n=1000, seed=11):
    dates = np.arange(np.datetime64("2015-01-01"), np.datetime64("2020-01-01"))
    dates = dates[np.is_busday(dates)][:n]
    rng = np.random.default_rng(seed)
    vols = np.array([0.02, 0.005, 0.03])
    prices = 100 * np.cumprod(1 + rng.normal(0.0004, 1, size=(n, 3)) * vols, axis=0)
    return MarketData(dates=dates, assets=("EQ", "BOND", "ALT"), prices=prices)


TARGET = {"EQ": 0.5, "BOND": 0.3, "ALT": 0.2}
ASSIGN = {"EQ": "core", "BOND": "satellite", "ALT": "tactical"}


def test_presets():
    core, sat, tac = (TIER_PRESETS[k] for k in ("core", "satellite", "tactical"))
    assert (core.band, core.look, core.act, core.sizing.value) == (
        0.03, Frequency.MONTHLY, Frequency.QUARTERLY, "target")
    assert (sat.band, sat.look, sat.act, sat.sizing.value) == (
        0.05, Frequency.QUARTERLY, Frequency.SEMIANNUAL, "edge")
    assert (tac.band, tac.look, tac.act, tac.sizing.value) == (
        0.08, Frequency.SEMIANNUAL, Frequency.ANNUAL, "edge")


def test_compiled_arrays():
    m = _market()
    cp = DynamicPolicy(name="t", rules=Tiers(assign=ASSIGN)).compile(m, np.array([0.5, 0.3, 0.2]))
    assert np.asarray(cp.group).tolist() == [0, 1, 2]
    check, act = np.asarray(cp.check), np.asarray(cp.act)
    for g, (look, action) in enumerate([("monthly", "quarterly"), ("quarterly", "semiannual"),
                                        ("semiannual", "annual")]):
        np.testing.assert_array_equal(check[:, g], period_end_mask(m.dates, Frequency(look)))
        np.testing.assert_array_equal(act[:, g], period_end_mask(m.dates, Frequency(action)))
    np.testing.assert_array_equal(np.asarray(cp.band), [[0.03, 0.05, 0.08]])
    assert np.asarray(cp.sizing).tolist() == [0, 1, 1]
    assert cp.rule == int(Rule.TIER)


def test_each_tier_trades_on_its_action_days_and_sizes_only_itself():
    m = _market()
    res = run_backtest(m, TARGET, DynamicPolicy(name="t", rules=Tiers(assign=ASSIGN)))
    log = res.rebalances
    assert len(log) > 0 and set(log.group.tolist()) <= {0, 1, 2}
    assert (log.rule == int(Rule.TIER)).all()
    acts = {0: "quarterly", 1: "semiannual", 2: "annual"}
    w = res.weights
    target = np.array([0.5, 0.3, 0.2])
    for day, g, drift, band in zip(log.day, log.group, log.drift, log.band, strict=True):
        assert period_end_mask(m.dates, Frequency(acts[int(g)]))[day]
        assert drift > band  # still breached on the action day
        if (log.day == day).sum() > 1:
            continue  # a later tier on the same row moved this one's weights again
        if g == 0:  # core: to target
            assert w[day, 0] == pytest.approx(0.5, abs=1e-12)
        else:  # satellite / tactical: to the band edge
            i = int(g)
            hw = [0.03, 0.05, 0.08][i]
            assert abs(w[day, i] - target[i]) == pytest.approx(hw, abs=1e-12)
    assert {0, 1} <= set(log.group.tolist())


def test_tier_errors():
    m = _market(n=50)
    with pytest.raises(ConfigError, match="no tier for ALT"):
        DynamicPolicy(name="t", rules=Tiers(assign={"EQ": "core", "BOND": "core"})).compile(
            m, np.array([0.5, 0.3, 0.2]))
    with pytest.raises(ConfigError, match="unknown tier 'gold'"):
        Tiers(assign={"EQ": "gold"})
    with pytest.raises(ConfigError, match=r"Tier\['x'\].band must be > 0"):
        Tier(name="x", band=0.0, look="monthly", act="monthly")


def test_either_fires_on_every_calendar_day_and_on_breaches():
    m = _market()
    either = DynamicPolicy(name="e", rules=EitherFires(calendar=Frequency.ANNUAL, absolute=0.04))
    res = run_backtest(m, TARGET, either)
    annual = np.flatnonzero(period_end_mask(m.dates, Frequency.ANNUAL))
    days = res.rebalance_days
    assert set(annual) <= set(days.tolist())
    band_days = [d for d in days if d not in set(annual)]
    assert band_days, "the 4 % band should fire between year ends on this data"
    for d, drift, regime in zip(days, res.rebalances.drift, res.rebalances.regime, strict=True):
        if d in set(annual):
            assert regime == 1.0
        else:
            assert regime == 0.0 and drift > 0.04
    # a band that never binds: either == the calendar alone
    wide = DynamicPolicy(name="w", rules=EitherFires(calendar=Frequency.ANNUAL, absolute=0.9))
    assert run_backtest(m, TARGET, wide).rebalance_days.tolist() == \
        run_backtest(m, TARGET, Policy.calendar("annual")).rebalance_days.tolist()
