"""The hedging overlay: a hand-worked example, a plain reference loop (equal to 1e-10),
value conserved row by row (hypothesis), hedge ratios checked, the dynamic ratio equal to
a hand loop of the realized-vol rule and free of look-ahead."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.backtest import CostModel, run_backtest
from rebal.currency import DynamicHedge, HedgeSpec, run_overlay
from rebal.currency.overlay import NO_CARRY, hedge_overlay
from rebal.data import MarketData
from rebal.data.fx import FxTable
from rebal.errors import ConfigError
from rebal.policy import policy_from_spec


def _days(n, start="2021-01-01"):
    d = np.arange(np.datetime64(start), np.datetime64(start) + 4 * n)
    return d[np.is_busday(d)][:n]


def test_hand_worked_month():
    # one euro asset; spot $/EUR 1.10, 1.21 (month end: roll), 1.00; exposure 1000, 1100, 900
    dates = np.array(["2024-01-30", "2024-01-31", "2024-02-01"], dtype="datetime64[D]")
    spec = HedgeSpec(exposures={"DAX": {"EUR": 1.0}}, ratio=1.0, band=1.0, cost_bps=10)
    out = hedge_overlay(dates, ("DAX",), np.array([[1000.0], [1100.0], [900.0]]),
                        np.array([[1.10], [1.21], [1.00]]), spec)
    n_eur = 1000 / 1.10  # euros sold forward on day 0
    # day 0: open at 1000 $ notional, 10 bps = 1 $
    # day 1: settle −N × (1.21 − 1.10) = −100 $, 10 bps of it = 0.10 $; reopen at 1.21
    # day 2: unrealized −N × (1.00 − 1.21) = +190.909 $; actual ratio 909.09/900 in band
    np.testing.assert_allclose(out.settled, [0, -100.0, 0], atol=1e-10)
    np.testing.assert_allclose(out.costs, [1.0, 0.1, 0], atol=1e-12)
    np.testing.assert_allclose(out.account, [-1.0, -101.1, -101.1], atol=1e-10)
    np.testing.assert_allclose(out.unrealized, [0, 0, n_eur * 0.21], atol=1e-10)
    np.testing.assert_allclose(out.total, [999.0, 998.9, 900 - 101.1 + n_eur * 0.21],
                               atol=1e-10)
    np.testing.assert_allclose(out.actual[:, 0], [1.0, 1.0, n_eur / 900], atol=1e-12)
    np.testing.assert_allclose(out.traded, [1000, 0, 0], atol=1e-10)
    np.testing.assert_allclose(out.rolled, [0, 1100, 0], atol=1e-10)
    assert out.notes == (NO_CARRY,) and not out.carry_modelled


# ------------------------------------------------------------------ reference loop
def reference(dates, assets, holdings, spot, currencies, weights, ratio, band, bps, rf, diff,
              targets=None):
    """The hedged portfolio by hand: each currency alone, its cash flows per row; the
    account compounds them at the risk-free rate afterwards."""
    n = len(dates)
    months = [int(str(d)[:4]) * 12 + int(str(d)[5:7]) for d in dates]
    is_roll = [t < n - 1 and months[t] != months[t + 1] for t in range(n)]
    flows = [0.0] * n
    open_pnl = [0.0] * n
    for j, ccy in enumerate(currencies):
        units, contract, carry = 0.0, spot[0][j], 0.0
        for t in range(n):
            expo = sum(holdings[t][i] * weights[a].get(ccy, 0.0) for i, a in enumerate(assets))
            h = ratio if targets is None else targets[t][j]
            if t > 0:
                carry += units * contract * diff[t][j]
            if expo > 0:
                resize = t == 0 or abs(units * spot[t][j] / expo - h) > band + 1e-12
            else:
                resize = t == 0 or units != 0
            if t > 0 and (is_roll[t] or resize):
                pnl = carry - units * (spot[t][j] - contract)
                flows[t] += pnl - bps / 1e4 * abs(pnl)
                contract, carry = spot[t][j], 0.0
            if resize:
                new = h * expo / spot[t][j] if expo > 0 else 0.0
                flows[t] -= bps / 1e4 * abs(new - units) * spot[t][j]
                units, contract = new, spot[t][j]
            open_pnl[t] += carry - units * (spot[t][j] - contract)
    account, cash = [], 0.0
    for t in range(n):
        cash = cash * (1 + (rf[t] if t > 0 else 0.0)) + flows[t]
        account.append(cash)
    return [sum(holdings[t]) + account[t] + open_pnl[t] for t in range(n)]


def _case(seed, n=140, band=0.05, bps=3.0, carry=True):
    rng = np.random.default_rng(seed)
    dates = _days(n)
    assets = ("US", "EU", "INTL")
    holdings = 1000 * np.cumprod(1 + rng.normal(0, 0.012, (n, 3)), axis=0)
    spot = np.column_stack([1.1 * np.cumprod(1 + rng.normal(0, 0.006, n)),
                            0.0075 * np.cumprod(1 + rng.normal(0, 0.007, n))])
    weights = {"US": {"USD": 1.0}, "EU": {"EUR": 1.0}, "INTL": {"EUR": 0.4, "JPY": 0.5}}
    rf = np.full(n, 0.0001)
    rates = {"USD": np.full(n, 2e-4), "EUR": np.full(n, 1e-4), "JPY": np.zeros(n)}
    spec = HedgeSpec(exposures=weights, ratio=0.7, band=band, cost_bps=bps)
    diff = np.column_stack([rates["USD"] - rates["EUR"], rates["USD"] - rates["JPY"]])
    if not carry:
        rates, diff = None, np.zeros((n, 2))
    return dates, assets, holdings, spot, weights, rf, rates, diff, spec


@pytest.mark.parametrize(("band", "bps", "carry"), [(0.05, 3.0, True), (0.0, 10.0, False),
                                                    (0.02, 0.0, True), (1.0, 5.0, False)])
def test_engine_equals_the_reference_loop(band, bps, carry):
    dates, assets, holdings, spot, weights, rf, rates, diff, spec = _case(7, band=band, bps=bps,
                                                                          carry=carry)
    assert spec.currencies == ("EUR", "JPY")
    out = hedge_overlay(dates, assets, holdings, spot, spec, risk_free=rf, short_rates=rates)
    ref = reference(dates, assets, holdings.tolist(), spot.tolist(), spec.currencies, weights,
                    0.7, band, bps, rf.tolist(), diff.tolist())
    np.testing.assert_allclose(out.total, ref, rtol=0, atol=1e-10 * holdings.sum(axis=1).max())
    assert out.carry_modelled is carry
    if band == 0.05:
        assert 0 < out.n_resizes < 2 * len(dates)  # the band binds sometimes, not always
    assert np.all(np.abs(out.actual - 0.7)[1:] <= band + 1e-12)  # after decisions


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), band=st.sampled_from([0.0, 0.03, 0.2]),
       bps=st.floats(0, 50), ratio=st.floats(0, 1))
def test_value_is_conserved_row_by_row(seed, band, bps, ratio):
    """total_t − total_{t−1} = portfolio change + account interest + forward P&L of the
    row (−Σ N (S_t − S_{t−1}) + carry) − costs: nothing appears or vanishes."""
    dates, assets, holdings, spot, weights, rf, _, _, _ = _case(seed, n=60)
    spec = HedgeSpec(exposures=weights, ratio=ratio, band=band, cost_bps=bps)
    out = hedge_overlay(dates, assets, holdings, spot, spec, risk_free=rf)  # no carry
    units = out.notional / spot  # N after each row's decisions
    fwd = -(units[:-1] * (spot[1:] - spot[:-1])).sum(axis=1)
    interest = out.account[:-1] * rf[1:]
    np.testing.assert_allclose(np.diff(out.total),
                               np.diff(out.portfolio) + interest + fwd - out.costs[1:],
                               atol=1e-9)
    assert math.isclose(out.total[0], out.portfolio[0] - out.costs[0], abs_tol=1e-9)
    # the account is the settlements less costs, with interest
    acc = 0.0
    for t in range(len(dates)):
        acc = acc * (1 + (rf[t] if t else 0)) + out.settled[t] - out.costs[t]
    assert math.isclose(acc, out.account[-1], rel_tol=1e-12, abs_tol=1e-9)
    assert np.all(out.costs >= 0)
    # every settlement and trade pays bps (two currencies' settlements may offset in a row)
    assert out.costs.sum() >= bps / 1e4 * (np.abs(out.settled).sum() + out.traded.sum()) - 1e-9


def test_no_exposure_closes_the_forward_and_then_does_nothing():
    dates = _days(5)
    spec = HedgeSpec(exposures={"X": {"EUR": 1.0}}, ratio=1.0, band=0.2, cost_bps=10)
    held = np.array([[100.0], [110.0], [0.0], [0.0], [0.0]])  # sold out on day 2
    out = hedge_overlay(dates, ("X",), held, np.full((5, 1), 1.2), spec)
    assert out.resized[:, 0].tolist() == [True, False, True, False, False]
    np.testing.assert_allclose(out.notional[:, 0], [100, 100, 0, 0, 0])
    np.testing.assert_allclose(out.traded, [100, 0, 100, 0, 0])
    assert out.n_resizes == 1


def test_hedge_ratio_and_band_are_checked():
    ex = {"DAX": {"EUR": 1.0}}
    with pytest.raises(ConfigError, match=r"^hedge.ratio must be in \[0, 1\] \(a hedge ratio\), "
                                          r"got 1.5$"):
        HedgeSpec(exposures=ex, ratio=1.5)
    with pytest.raises(ConfigError, match=r"^hedge.ratio.EUR must be in \[0, 1\]"):
        HedgeSpec(exposures=ex, ratio={"EUR": -0.1})
    with pytest.raises(ConfigError, match=r"^hedge.ratio: no ratio for JPY"):
        HedgeSpec(exposures={"X": {"EUR": 0.5, "JPY": 0.5}}, ratio={"EUR": 1})
    with pytest.raises(ConfigError, match=r"^hedge.exposures.X: currency weights sum to 1.2"):
        HedgeSpec(exposures={"X": {"EUR": 0.7, "JPY": 0.5}})
    with pytest.raises(ConfigError, match=r"^hedge.dynamic.cap must be in \[0, 1\]"):
        DynamicHedge(cap=1.2)
    with pytest.raises(ConfigError, match=r"^hedge.band must be >= 0"):
        HedgeSpec(exposures=ex, band=-0.01)


def test_dynamic_ratio_is_the_vol_rule_by_hand():
    n, window, warm = 80, 5, 10
    rng = np.random.default_rng(3)
    spot = 1.1 * np.cumprod(1 + rng.normal(0, 0.006, n) * np.linspace(0.3, 3, n))
    dyn = DynamicHedge(floor=0.2, cap=1.0, window_rows=window, long_run_rows=warm)
    got = dyn.ratios(0.5, _days(n), "EUR", spot, 252.0)
    rets = [spot[t] / spot[t - 1] - 1 for t in range(1, n)]
    vols = [statistics.stdev(rets[t - window:t]) * math.sqrt(252) if t >= window else None
            for t in range(n)]
    for t in range(n):
        seen = [v for v in vols[: t + 1] if v is not None]
        if len(seen) < warm:
            want = 0.5
        else:
            want = min(max(0.5 * vols[t] / (sum(seen) / len(seen)), 0.2), 1.0)
        assert math.isclose(got[t], want, rel_tol=1e-9), t
    assert got.max() > 0.5 > got[warm + window:].min()  # it does move both ways


def test_dynamic_hedge_does_not_look_ahead():
    """Replacing every FX rate and price after row CUT changes no hedge ratio, resize or
    value up to CUT (as the triggers' test does for bands)."""
    n, cut = 400, 250
    rng = np.random.default_rng(11)
    dates = _days(n)
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.01, (n, 2)), axis=0)
    usd = 1.1 * np.cumprod(1 + rng.normal(0, 0.006, n))
    other_p, other_u = prices.copy(), usd.copy()
    other_p[cut + 1:] = prices[cut] * np.cumprod(1 + rng.normal(0, 0.04, (n - cut - 1, 2)),
                                                 axis=0)
    other_u[cut + 1:] = usd[cut] * np.cumprod(1 + rng.normal(0, 0.03, n - cut - 1))
    spec = HedgeSpec(exposures={"EU": {"EUR": 1.0}}, ratio=0.5, band=0.02, cost_bps=2,
                     dynamic=DynamicHedge(floor=0.1, cap=1.0, window_rows=21,
                                          long_run_rows=60))
    outs = []
    for p, u in ((prices, usd), (other_p, other_u)):
        market = MarketData(dates=dates, assets=("US", "EU"), prices=p)
        fx = FxTable(dates=dates, currencies=("USD",), rates=u[:, None], anchor="EUR",
                     source="fx")
        result = run_backtest(market, {"US": 0.6, "EU": 0.4}, policy_from_spec(
            {"kind": "band", "abs": 0.05}, name="band"), costs=CostModel(cost_bps=2))
        outs.append(run_overlay(result, spec, fx))
    a, b = outs
    for name in ("target", "actual", "notional", "resized", "costs", "account"):
        np.testing.assert_array_equal(getattr(a, name)[: cut + 1], getattr(b, name)[: cut + 1],
                                      err_msg=name)
    assert not np.array_equal(a.target[cut + 1:], b.target[cut + 1:])  # not vacuous
    assert a.target[:cut].std() > 0  # the ratio does move before the cut
