"""Kernel contract v2: tiers (per-group look/act calendars, sizing, scope) and the
score trigger, against the plain-Python reference and hand-worked numbers."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_vs_reference import assert_agree

from realdata import load_etfs
from rebal.backtest import CashFlows, CostModel, run_backtest
from rebal.data import MarketData
from rebal.errors import ConfigError
from rebal.policy import CompiledPolicy
from rebal.policy.schedule import period_end_mask
from rebal.types import Frequency
from reference_sim import check_days, reference_backtest

ASSETS = ("SPY", "IEF", "EFA", "VNQ", "GLD")
TARGET = {"SPY": 0.35, "IEF": 0.25, "EFA": 0.15, "VNQ": 0.10, "GLD": 0.15}
GROUP = {"SPY": 0, "IEF": 0, "EFA": 1, "VNQ": 1, "GLD": 2}  # core / satellite / tactical
SIZING_NAMES = ("target", "edge", "halfway")
SCOPE_NAMES = ("all", "breached")


@pytest.fixture(scope="module")
def etf5() -> MarketData:
    """SPY/IEF/EFA/VNQ/GLD daily from 2005 (GLD's first full year), about 5,200 rows."""
    return load_etfs(ASSETS, start="2005-01-03")


@dataclass(frozen=True)
class Compiled:
    """A test 'policy': run_backtest accepts anything with name + compile()."""

    name: str
    compiled: CompiledPolicy

    def compile(self, market: MarketData, target: np.ndarray) -> CompiledPolicy:
        return self.compiled


def tier_policy(market, *, look, act, band, sizing, scope, rule=4, regime=None):
    """Engine side: calendars from rebal's schedule, per-group codes."""
    check = np.column_stack([period_end_mask(market.dates, f) for f in look])
    acts = None if act is None else np.column_stack(
        [period_end_mask(market.dates, f) for f in act])
    return CompiledPolicy(
        name="tiers", check=check, act=acts, band=band,
        group=np.array([GROUP[a] for a in market.assets]),
        sizing=np.array([SIZING_NAMES.index(s) for s in sizing]),
        scope=np.array([SCOPE_NAMES.index(s) for s in scope]),
        rule=rule, regime=regime, regime_label="row" if regime is not None else "",
    )


def reference_tiers(market, *, look, act, band, sizing, scope, costs=None, flows=None,
                    regime=None):
    """Reference side: its own calendars (datetime), dict bands, per-group strings."""
    dates = [str(d) for d in market.dates]
    bps = 0.0 if costs is None else costs.cost_bps
    cash = {}
    if flows is not None:
        for t in check_days(dates, flows.frequency.value):
            cash[t] = flows.amount_usd
    return reference_backtest(
        dates, list(market.assets), market.prices.tolist(), TARGET,
        check=[check_days(dates, f.value) for f in look],
        act=None if act is None else [check_days(dates, f.value) for f in act],
        band=band, sizing=list(sizing), scope=list(scope), groups=GROUP,
        cost_bps=dict.fromkeys(market.assets, bps),
        fixed_usd=0.0 if costs is None else costs.fixed_usd,
        min_trade_usd=0.0 if costs is None else costs.min_trade_usd,
        flows=cash, regime=None if regime is None else regime.tolist(),
    )


M, Q, S, A, W = (Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.SEMIANNUAL,
                 Frequency.ANNUAL, Frequency.WEEKLY)

TIER_CASES = {
    # the preset: core ±3 % look monthly act quarterly to target; satellite ±5 %
    # quarterly/semiannual to edge; tactical ±8 % semiannual/annual to edge
    "preset": dict(look=(M, Q, S), act=(Q, S, A), widths=(0.03, 0.05, 0.08),
                   sizing=("target", "edge", "edge"), scope=("all", "all", "all")),
    # tight bands so every tier trades often; breached-only and halfway sizing
    "tight": dict(look=(W, M, Q), act=(M, Q, S), widths=(0.01, 0.015, 0.02),
                  sizing=("target", "halfway", "edge"), scope=("all", "breached", "breached")),
    # act on look days (act=None), every tier weekly
    "immediate": dict(look=(W, W, W), act=None, widths=(0.01, 0.01, 0.01),
                      sizing=("edge", "target", "halfway"), scope=("breached", "all", "all")),
}


@pytest.mark.parametrize("case", list(TIER_CASES))
@pytest.mark.parametrize("cost_name", ["free", "fixed", "min_trade"])
def test_tiers_match_reference(etf5, case, cost_name):
    spec = TIER_CASES[case]
    costs = {"free": None, "fixed": CostModel(cost_bps=5.0, fixed_usd=20.0),
             "min_trade": CostModel(cost_bps=5.0, fixed_usd=1.0, min_trade_usd=2_500.0)}[cost_name]
    widths = {a: spec["widths"][GROUP[a]] for a in ASSETS}
    band = np.array([[widths[a] for a in etf5.assets]])
    policy = tier_policy(etf5, look=spec["look"], act=spec["act"], band=band,
                         sizing=spec["sizing"], scope=spec["scope"])
    res = run_backtest(etf5, TARGET, Compiled("tiers", policy), costs=costs)
    ref = reference_tiers(etf5, look=spec["look"], act=spec["act"], band=widths,
                          sizing=spec["sizing"], scope=spec["scope"], costs=costs)
    assert res.n_rebalances > 3
    assert_agree(res, ref)
    assert [(d, g) for d, g, _, _ in ref.log] == list(zip(res.rebalances.day.tolist(),
                                                          res.rebalances.group.tolist(),
                                                          strict=True))
    assert set(res.rebalances.rule.tolist()) == {4}
    # a tier acts only on its own action days
    for g, freq in enumerate(spec["act"] or spec["look"]):
        days = res.rebalances.day[res.rebalances.group == g]
        assert period_end_mask(etf5.dates, freq)[days].all()


def test_tiers_with_row_bands_flows_and_regime_match_reference(etf5):
    spec = TIER_CASES["tight"]
    n = etf5.n_days
    scale = 1.0 + 0.5 * np.sin(np.arange(n) / 40.0)  # bands that change every row
    base = np.array([spec["widths"][GROUP[a]] for a in etf5.assets])
    band = scale[:, None] * base[None, :]
    regime = np.round(20.0 + 10.0 * np.cos(np.arange(n) / 90.0), 3)
    flows = CashFlows(amount_usd=-3_000.0, frequency=Frequency.MONTHLY)
    costs = CostModel(cost_bps=8.0, fixed_usd=2.0)
    policy = tier_policy(etf5, look=spec["look"], act=spec["act"], band=band,
                         sizing=spec["sizing"], scope=spec["scope"], regime=regime)
    res = run_backtest(etf5, TARGET, Compiled("tiers", policy), costs=costs, cash_flows=flows)
    ref = reference_tiers(
        etf5, look=spec["look"], act=spec["act"],
        band=lambda t: {a: float(band[t, j]) for j, a in enumerate(etf5.assets)},
        sizing=spec["sizing"], scope=spec["scope"], costs=costs, flows=flows, regime=regime)
    assert_agree(res, ref)
    np.testing.assert_array_equal(res.rebalances.regime, regime[res.rebalances.day])
    assert [r for _, _, _, r in ref.log] == res.rebalances.regime.tolist()
    np.testing.assert_array_equal(res.regime, regime)
    assert res.regime_label == "row" and res.score is None
    assert np.isnan(res.rebalances.score).all()


def test_pending_breach_waits_for_the_action_day_and_is_dropped_if_healed():
    """Hand-worked: one asset pair, look every row, act only on rows 3 and 6."""
    # A doubles on row 1 (breach seen), comes back on row 2 (healed), so the action day
    # 3 finds nothing; A doubles again on row 4 and stays: the action on row 6 trades.
    pa = [1.0, 2.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]
    prices = np.column_stack([pa, np.ones(8)])
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-09"))
    m = MarketData(dates=dates, assets=("A", "B"), prices=prices)
    check = np.ones(8, bool)
    check[0] = False
    act = np.zeros(8, bool)
    act[[3, 6]] = True
    policy = CompiledPolicy(name="x", check=check, act=act, band=np.full((1, 2), 0.05),
                            sizing=0, scope=0, rule=4)
    res = run_backtest(m, {"A": 0.5, "B": 0.5}, Compiled("x", policy), initial_usd=100.0)
    assert res.rebalance_days.tolist() == [6]
    # rows 4-5 hold 100 A / 50 B (150); row 6 sells A 25, buys B 25 -> 75 / 75
    np.testing.assert_allclose(res.holdings_usd[5], [100.0, 50.0], rtol=1e-15)
    np.testing.assert_allclose(res.holdings_usd[6], [75.0, 75.0], rtol=1e-15)
    np.testing.assert_allclose(res.trades.value_usd, [-25.0, 25.0], rtol=1e-15)


def test_tier_funding_moves_only_the_tier_and_absorbs_pro_rata():
    """Group 0 = A (to target), group 1 = B, C: the cash A frees goes to B and C in
    proportion to their weights; B/C's own band never fires."""
    prices = np.array([[1.0, 1.0, 1.0], [1.5, 1.0, 1.0], [1.5, 1.0, 1.0]])
    dates = np.array(["2024-01-30", "2024-01-31", "2024-02-01"], dtype="datetime64[D]")
    m = MarketData(dates=dates, assets=("A", "B", "C"), prices=prices)
    check = np.zeros((3, 2), bool)
    check[1] = True
    policy = CompiledPolicy(name="x", check=check, band=np.array([[0.05, 0.9, 0.9]]),
                            group=np.array([0, 1, 1]), sizing=[0, 0], scope=[0, 0], rule=4)
    res = run_backtest(m, {"A": 0.5, "B": 0.3, "C": 0.2}, Compiled("x", policy),
                       initial_usd=100.0)
    # close 1: 75 / 30 / 20 = 125; A -> 0.5 * 125 = 62.5; B, C share 62.5 as 30:20
    np.testing.assert_allclose(res.holdings_usd[1], [62.5, 37.5, 25.0], rtol=1e-15)
    assert res.rebalances.group.tolist() == [0]
    assert res.rebalances.asset.tolist() == [0]
    assert res.rebalances.n_breached.tolist() == [1]


# ---------------------------------------------------------------- score trigger


def score_policy(n_days, *, band, w_drift, w_time, horizon, threshold, market_factor,
                 check=None):
    if check is None:
        check = np.ones(n_days, bool)
        check[0] = False
    return CompiledPolicy(
        name="score", check=check, band=band, sizing=0, scope=0, rule=3, trigger_kind=1,
        score_weights=(w_drift, w_time), score_horizon_rows=horizon,
        score_threshold=threshold, market_factor=market_factor,
    )


def two_asset_market(n_days: int) -> MarketData:
    # A gains 1 % a row, B is flat: every rebalance trades
    pa = 1.01 ** np.arange(n_days)
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + n_days)
    return MarketData(dates=dates, assets=("A", "B"), prices=np.column_stack(
        [pa, np.ones(n_days)]))


@pytest.mark.parametrize(("horizon", "market_factor", "every"), [(10.0, 0.0, 10),
                                                                 (10.0, 40.0, 6),
                                                                 (7.0, 0.0, 7)])
def test_time_factor_alone_rebalances_every_horizon_rows(horizon, market_factor, every):
    """w_drift = 0, w_time = 1, threshold 100: score = mf + 100 k / horizon with k the
    rows since the last rebalance, so it fires when k >= (100 - mf) horizon / 100."""
    n = 61
    m = two_asset_market(n)
    policy = score_policy(n, band=np.full((1, 2), 0.05), w_drift=0.0, w_time=1.0,
                          horizon=horizon, threshold=100.0,
                          market_factor=np.full(n, market_factor))
    res = run_backtest(m, {"A": 0.5, "B": 0.5}, Compiled("score", policy))
    assert res.rebalance_days.tolist() == list(range(every, n, every))
    k = np.arange(n) % every
    k[k == 0] = every  # on a rebalance row the score counts from the previous one
    expected = market_factor + 100.0 * k / horizon
    expected[0] = np.nan
    np.testing.assert_allclose(res.score, expected, rtol=1e-15, equal_nan=True)
    np.testing.assert_allclose(res.rebalances.score, expected[res.rebalance_days],
                               rtol=1e-15)
    assert set(res.rebalances.rule.tolist()) == {3}
    d = json.loads(json.dumps(res.to_dict()))  # NaN off look days -> null
    assert d["score"][0] is None and d["score"][every] == pytest.approx(expected[every])
    assert d["rebalances"]["rule"] == ["score"] * res.n_rebalances
    frame = res.rebalances_frame()
    assert list(frame.columns) == ["date", "rule", "group", "asset", "drift", "band",
                                   "n_breached", "score", "regime"]


def test_drift_factor_is_drift_in_percent_of_the_band():
    """w_time = 0: A +1 %/row from 50/50 -> drift after k rows is 1.01^k/(1.01^k+1) - 0.5;
    with a 0.05 band the score 100 * drift / 0.05 first reaches 100 when the drift
    reaches the band edge."""
    n = 40
    m = two_asset_market(n)
    policy = score_policy(n, band=np.full((1, 2), 0.05), w_drift=1.0, w_time=0.0,
                          horizon=1.0, threshold=100.0, market_factor=np.zeros(n))
    res = run_backtest(m, {"A": 0.5, "B": 0.5}, Compiled("score", policy))
    g = 1.01 ** np.arange(1, 25)
    drift = g / (g + 1.0) - 0.5
    first = int(np.argmax(100.0 * drift / 0.05 >= 100.0)) + 1  # rows after the purchase
    assert first == 21  # 1.01^21 = 1.2324: w_A = 0.5521 > 0.55
    np.testing.assert_allclose(res.score[1:first + 1], 100.0 * drift[:first] / 0.05,
                               rtol=1e-12)
    assert res.rebalance_days[0] == first
    assert res.rebalance_days.tolist() == list(range(first, n, first))


def test_score_series_equals_recomputation_from_the_weights(etf5):
    """On real data: the score on every look day, recomputed from the result's own
    post-trade holdings grown to the next close, the rebalance rows and the inputs."""
    n = etf5.n_days
    t = np.arange(n)
    band = np.full((1, 5), 0.04)
    mf = 30.0 * np.sin(t / 50.0)
    check = period_end_mask(etf5.dates, Frequency.WEEKLY)
    policy = score_policy(n, band=band, w_drift=0.8, w_time=0.6, horizon=126.0,
                          threshold=100.0, market_factor=mf, check=check)
    costs = CostModel(cost_bps=5.0)
    res = run_backtest(etf5, TARGET, Compiled("score", policy), costs=costs)
    assert 10 < res.n_rebalances < check.sum() / 2
    target = np.array([TARGET[a] for a in etf5.assets])
    p = etf5.prices
    grown = res.holdings_usd[:-1] * (p[1:] / p[:-1])  # before trading at each close
    w_pre = grown / grown.sum(axis=1, keepdims=True)
    drift = 100.0 * np.abs(w_pre - target).max(axis=1) / 0.04
    last = np.zeros(n, dtype=np.int64)  # last rebalance row strictly before each row
    for d in res.rebalance_days:
        last[d + 1:] = d
    expected = np.full(n, np.nan)
    rows = np.flatnonzero(check)
    expected[rows] = (0.8 * drift[rows - 1] + mf[rows]
                      + 0.6 * 100.0 * (rows - last[rows]) / 126.0)
    np.testing.assert_allclose(res.score, expected, rtol=1e-11, atol=1e-9, equal_nan=True)
    # and it fired exactly where the recomputed score reached the threshold
    assert res.rebalance_days.tolist() == rows[expected[rows] >= 100.0].tolist()


def test_score_matches_reference(etf5):
    n = etf5.n_days
    t = np.arange(n)
    mf = 25.0 * np.cos(t / 70.0)
    band = np.array([[0.03, 0.03, 0.05, 0.05, 0.08]])
    check = period_end_mask(etf5.dates, Frequency.WEEKLY)
    policy = score_policy(n, band=band, w_drift=1.0, w_time=0.5, horizon=63.0,
                          threshold=100.0, market_factor=mf, check=check)
    costs = CostModel(cost_bps=5.0, fixed_usd=3.0)
    res = run_backtest(etf5, TARGET, Compiled("score", policy), costs=costs)
    dates = [str(d) for d in etf5.dates]
    ref = reference_backtest(
        dates, list(etf5.assets), etf5.prices.tolist(), TARGET,
        check=check_days(dates, "weekly"),
        band={a: float(band[0, j]) for j, a in enumerate(etf5.assets)},
        cost_bps=dict.fromkeys(etf5.assets, 5.0), fixed_usd=3.0,
        score=dict(w_drift=1.0, w_time=0.5, horizon=63.0, threshold=100.0,
                   market_factor=mf.tolist()),
    )
    assert res.n_rebalances > 5
    assert_agree(res, ref)
    assert sorted(ref.score) == np.flatnonzero(~np.isnan(res.score)).tolist()
    worst = max(abs(res.score[d] - s) / max(abs(s), 1.0) for d, s in ref.score.items())
    assert worst <= 1e-10
    np.testing.assert_allclose(res.rebalances.score, [s for _, _, s, _ in ref.log],
                               rtol=1e-10)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(group=np.array([0, 2])), r"group must be \(2,\) ints in 0…1"),
        (dict(act=np.zeros((5, 1), bool)), r"act must have the shape of check \(5, 2\)"),
        (dict(sizing=[0, 3]), r"sizing must be 0…2 per group \(2 groups\)"),
        (dict(scope=[0, 1, 1]), r"scope must be 0…1 per group"),
        (dict(trigger_kind=1), r"score trigger takes one group, got 2"),
        (dict(regime=np.zeros(4)), r"regime must have shape \(5,\)"),
        (dict(market_factor=np.full(5, np.inf)), r"market_factor must be \(5,\) finite"),
    ],
)
def test_compiled_policy_v2_validation(kwargs, pattern):
    base = dict(name="x", check=np.zeros((5, 2), bool), band=np.full((1, 2), 0.05),
                group=np.array([0, 1]), sizing=0, scope=0, rule=4)
    base.update(kwargs)
    with pytest.raises(ConfigError, match=pattern):
        CompiledPolicy(**base)


def test_score_needs_positive_bands_and_horizon():
    base = dict(name="x", check=np.zeros(5, bool), band=np.full((1, 2), 0.05), sizing=0,
                scope=0, rule=3, trigger_kind=1)
    with pytest.raises(ConfigError, match="band must be > 0 everywhere"):
        CompiledPolicy(**{**base, "band": np.array([[0.05, -1.0]])})
    with pytest.raises(ConfigError, match="score_horizon_rows > 0"):
        CompiledPolicy(**base, score_horizon_rows=0.0)
    with pytest.raises(ConfigError, match="must be finite"):
        CompiledPolicy(**base, score_threshold=math.nan)


def test_one_dimensional_check_means_one_group():
    c = CompiledPolicy(name="x", check=np.array([False, True, True]),
                       band=np.full((1, 3), 0.05), sizing=1, scope=1, rule=2)
    assert c.n_groups == 1 and c.kernel_check.shape == (3, 1)
    assert c.kernel_sizing.tolist() == [1] and c.group.tolist() == [0, 0, 0]
    assert c.check.shape == (3,)  # as given


# ---------------------------------------------------------------- generated tiers


@st.composite
def tier_cases(draw):
    """Random markets, groups, look/act masks, bands, sizing and scope per group."""
    n_assets = draw(st.integers(2, 5))
    n_days = draw(st.integers(15, 80))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    vol = draw(st.sampled_from([0.01, 0.04]))
    prices = 100.0 * np.cumprod(1.0 + np.clip(rng.normal(0, vol, (n_days, n_assets)), -.5, .5),
                                axis=0)
    dates = np.datetime64("2021-01-04") + np.arange(n_days)
    assets = tuple(f"X{i}" for i in range(n_assets))
    parts = rng.integers(1, 10, n_assets).astype(float)
    weights = parts / parts.sum()
    weights[-1] = 1.0 - weights[:-1].sum()
    n_groups = draw(st.integers(1, 3))
    group = rng.integers(0, n_groups, n_assets)
    check = rng.random((n_days, n_groups)) < draw(st.sampled_from([0.2, 0.6]))
    act = None if draw(st.booleans()) else rng.random((n_days, n_groups)) < 0.3
    check[0] = False
    if act is not None:
        act[0] = False
    band = np.where(rng.random(n_assets) < 0.15, -1.0, rng.choice([0.005, 0.02, 0.05], n_assets))
    if draw(st.booleans()):  # bands that change by row
        band = band[None, :] * (1.0 + 0.5 * rng.random((n_days, 1)))
    else:
        band = band[None, :]
    sizing = rng.integers(0, 3, n_groups)
    scope = rng.integers(0, 2, n_groups)
    costs = draw(st.sampled_from([None, CostModel(cost_bps=10.0, fixed_usd=0.5),
                                  CostModel(cost_bps=5.0, min_trade_usd=500.0)]))
    market = MarketData(dates=dates, assets=assets, prices=prices)
    compiled = CompiledPolicy(name="g", check=check, act=act, band=band, group=group,
                              sizing=sizing, scope=scope, rule=4)
    return market, dict(zip(assets, weights.tolist(), strict=True)), compiled, costs


@given(tier_cases())
@settings(max_examples=40, deadline=None)
def test_generated_tiers_match_reference_and_keep_invariants(case):
    market, target, compiled, costs = case
    res = run_backtest(market, target, Compiled("g", compiled), costs=costs,
                       initial_usd=100_000.0)
    dates = [str(d) for d in market.dates]
    n_groups = compiled.n_groups
    band = compiled.band
    ref = reference_backtest(
        dates, list(market.assets), market.prices.tolist(), target,
        check=[set(np.flatnonzero(compiled.kernel_check[:, g]).tolist())
               for g in range(n_groups)],
        act=None if compiled.act is None else [
            set(np.flatnonzero(compiled.act[:, g]).tolist()) for g in range(n_groups)],
        band=lambda t: {a: float(band[t if band.shape[0] > 1 else 0, j])
                        for j, a in enumerate(market.assets)},
        sizing=[SIZING_NAMES[k] for k in compiled.kernel_sizing],
        scope=[SCOPE_NAMES[k] for k in compiled.kernel_scope],
        groups={a: int(compiled.group[j]) for j, a in enumerate(market.assets)},
        initial_usd=100_000.0,
        cost_bps=dict.fromkeys(market.assets, 0.0 if costs is None else costs.cost_bps),
        fixed_usd=0.0 if costs is None else costs.fixed_usd,
        min_trade_usd=0.0 if costs is None else costs.min_trade_usd,
    )
    assert_agree(res, ref)
    assert [g for _, g, _, _ in ref.log] == res.rebalances.group.tolist()
    np.testing.assert_allclose(res.weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (res.holdings_usd >= -1e-9).all()
    # a group trades only on its own action days (look days when act is None)
    acts = compiled.kernel_check if compiled.act is None else compiled.act
    assert acts[res.rebalances.day, res.rebalances.group].all()
