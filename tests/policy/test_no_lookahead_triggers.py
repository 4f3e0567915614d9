"""No trigger looks ahead: replacing every price and aux value after row t changes
nothing in the compiled arrays up to t, nor the trades up to t."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest import CostModel, run_backtest
from rebal.data import MarketData
from rebal.policy import policy_from_spec

N, CUT = 700, 450


def _market(prices, vix, dates):
    return MarketData(dates=dates, assets=("EQ", "BOND", "ALT"), prices=prices,
                      aux={"VIX": vix})


@pytest.fixture(scope="module")
def pair():
    dates = np.arange(np.datetime64("2016-01-01"), np.datetime64("2020-01-01"))
    dates = dates[np.is_busday(dates)][:N]
    rng = np.random.default_rng(21)
    prices = 100 * np.cumprod(1 + rng.normal(0.0003, 1, (N, 3)) * [0.015, 0.004, 0.02], axis=0)
    vix = 12 + 30 * np.abs(np.sin(np.arange(N) / 40.0))
    other_p, other_v = prices.copy(), vix.copy()
    # rows after CUT: unrelated random walks and VIX levels
    other_p[CUT + 1 :] = prices[CUT] * np.cumprod(
        1 + rng.normal(0, 0.05, (N - CUT - 1, 3)), axis=0)
    other_v[CUT + 1 :] = rng.uniform(9, 80, N - CUT - 1)
    return _market(prices, vix, dates), _market(other_p, other_v, dates)


SPECS = {
    "vol_band portfolio": {"kind": "vol_band", "vol": {"window": 21, "long_run_window": 60}},
    "vol_band asset trailing": {"kind": "vol_band", "vol": {"source": "asset", "asset": "EQ",
                                                            "long_run": "trailing",
                                                            "long_run_window": 120}},
    "vol_band vix": {"kind": "vol_band", "vol": {"source": "aux", "long_run_window": 20}},
    "vix_table": {"kind": "vix_table"},
    "vix_table realized": {"kind": "vix_table", "vix": {"source": "portfolio"}},
    "adaptive": {"kind": "adaptive"},
    "correlation": {"kind": "correlation", "window": 40},
    "score": {"kind": "score", "band": 0.03, "vol": {"source": "aux", "long_run_window": 20},
              "corr_window": 30, "threshold": 90},
    "tiers": {"kind": "tiers", "assign": {"EQ": "core", "BOND": "satellite", "ALT": "tactical"}},
    "either": {"kind": "either", "calendar": "quarterly", "abs": 0.03},
}
TARGET = {"EQ": 0.5, "BOND": 0.3, "ALT": 0.2}


def _rows(a, upto):
    if a is None:
        return None
    a = np.asarray(a)
    return a if a.shape[0] == 1 else a[: upto + 1]


@pytest.mark.parametrize("name", list(SPECS))
def test_future_does_not_change_the_past(pair, name):
    a_mkt, b_mkt = pair
    policy = policy_from_spec(SPECS[name], name=name)
    w = np.array([0.5, 0.3, 0.2])
    ca, cb = policy.compile(a_mkt, w), policy.compile(b_mkt, w)
    for field in ("check", "act", "band", "market_factor", "regime"):
        fa, fb = _rows(getattr(ca, field), CUT), _rows(getattr(cb, field), CUT)
        if fa is None:
            assert fb is None
        else:
            np.testing.assert_array_equal(fa, fb, err_msg=field)
    # the future does differ (the test is not vacuous for the state-dependent ones)
    if ca.regime is not None and name != "either":
        fa, fb = np.asarray(ca.regime)[CUT + 1 :], np.asarray(cb.regime)[CUT + 1 :]
        assert not np.array_equal(fa, fb, equal_nan=True)
    costs = CostModel(cost_bps=5.0)
    ra = run_backtest(a_mkt, TARGET, policy, costs=costs)
    rb = run_backtest(b_mkt, TARGET, policy, costs=costs)
    ka, kb = ra.trades.day <= CUT, rb.trades.day <= CUT
    np.testing.assert_array_equal(ra.trades.day[ka], rb.trades.day[kb])
    np.testing.assert_array_equal(ra.trades.value_usd[ka], rb.trades.value_usd[kb])
    np.testing.assert_array_equal(ra.values[: CUT + 1], rb.values[: CUT + 1])


def test_history_rows_are_past_only(pair):
    """A policy warmed up on history gives the same arrays whatever follows the cut."""
    a_mkt, b_mkt = pair
    policy = policy_from_spec(SPECS["vol_band portfolio"], name="v")
    w = np.array([0.5, 0.3, 0.2])
    tail_a, tail_b = a_mkt.between(a_mkt.dates[200], None), b_mkt.between(b_mkt.dates[200], None)
    ca = policy.with_history(a_mkt).compile(tail_a, w)
    cb = policy.with_history(b_mkt).compile(tail_b, w)
    np.testing.assert_array_equal(np.asarray(ca.band)[: CUT - 200 + 1],
                                  np.asarray(cb.band)[: CUT - 200 + 1])
    full = policy.compile(a_mkt, w)
    np.testing.assert_allclose(np.asarray(ca.band), np.asarray(full.band)[200:], rtol=1e-12)
