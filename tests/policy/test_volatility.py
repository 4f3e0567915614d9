"""Volatility estimators and the volatility-scaled band, against plain loops and hand values."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from rebal.data import MarketData
from rebal.errors import ConfigError, DataError
from rebal.policy import (
    DynamicPolicy,
    LongRun,
    VolEstimator,
    VolScaledBand,
    long_run_mean,
    realized_vol,
)
from rebal.policy.context import Context, build_context


def _market(n=300, seed=1, aux=None):
    dates = np.arange(np.datetime64("2020-01-01"), np.datetime64("2022-01-01"))
    dates = dates[np.is_busday(dates)][:n]
    rng = np.random.default_rng(seed)
    rets = rng.normal(0.0003, 0.01, size=(n, 2))
    rets[150:] *= 3.0  # a turbulent second half
    prices = 100 * np.cumprod(1 + rets, axis=0)
    return MarketData(dates=dates, assets=("A", "B"), prices=prices, aux=aux or {})


def test_realized_vol_matches_a_plain_loop():
    rng = np.random.default_rng(0)
    r = rng.normal(0, 0.01, 40)
    got = realized_vol(r, 10, 252.0)
    for t in range(40):
        if t < 10:
            assert math.isnan(got[t])
        else:
            want = statistics.stdev(r[t - 9 : t + 1]) * math.sqrt(252)
            assert got[t] == pytest.approx(want, rel=1e-12)


def test_alternating_returns_have_closed_form_vol():
    # +a, -a, ... over an even window w: sample std = a * sqrt(w / (w - 1))
    a, w = 0.01, 20
    r = np.array([0.0] + [a if k % 2 else -a for k in range(60)])
    got = realized_vol(r, w, 252.0)
    assert got[w:] == pytest.approx(a * math.sqrt(w / (w - 1)) * math.sqrt(252), rel=1e-12)


def test_long_run_mean_expanding_and_trailing():
    x = np.array([np.nan, np.nan, 1.0, 2.0, 3.0, 4.0, 5.0])
    exp = long_run_mean(x, LongRun.EXPANDING, 2)
    np.testing.assert_allclose(exp, [np.nan, np.nan, np.nan, 1.5, 2.0, 2.5, 3.0])
    tr = long_run_mean(x, LongRun.TRAILING, 3)
    np.testing.assert_allclose(tr, [np.nan] * 4 + [2.0, 3.0, 4.0])


def test_aux_band_by_hand():
    # VIX 20, 20, 40, 10: expanding mean after a 1-row warm-up = 20, 20, 26.67, 22.5
    m = _market(n=4, aux={"VIX": np.array([20.0, 20.0, 40.0, 10.0])})
    trig = VolScaledBand(
        base=0.05, floor=0.02, cap=0.08,
        vol=VolEstimator(source="aux", aux="VIX", long_run="expanding", long_run_rows=1),
    )
    band, level = trig.band_series(Context(market=m, start=0), np.array([0.6, 0.4]))
    np.testing.assert_allclose(band, [0.05, 0.05, min(0.05 * 40 / (80 / 3), 0.08),
                                      0.05 * 10 / 22.5])
    np.testing.assert_allclose(level, [20, 20, 40, 10])


def test_cap_floor_and_warmup_use_base():
    m = _market()
    trig = VolScaledBand(base=0.05, floor=0.04, cap=0.06,
                         vol=VolEstimator(window_rows=21, long_run_rows=100))
    band, _ = trig.band_series(Context(market=m, start=0), np.array([0.6, 0.4]))
    # portfolio vol defined from row 21; expanding average needs 100 of them: row 120
    assert np.all(band[:120] == 0.05)
    assert band.min() >= 0.04 and band.max() <= 0.06
    assert band[200] == 0.06  # three times the vol: capped


def test_portfolio_vol_is_that_of_target_weight_returns():
    m = _market()
    target = np.array([0.6, 0.4])
    level = VolEstimator(window_rows=21).level(m, target)
    r = m.returns() @ target
    want = statistics.stdev(r[180:201]) * math.sqrt(252)
    assert level[200] == pytest.approx(want, rel=1e-12)


def test_history_warms_up_the_estimator():
    m = _market()
    target = np.array([0.6, 0.4])
    trig = VolScaledBand(vol=VolEstimator(window_rows=21, long_run_rows=50))
    tail = m.between(m.dates[100], None)
    with_history = trig.band_series(build_context(tail, m), target)[0]
    on_full = trig.band_series(Context(market=m, start=0), target)[0]
    np.testing.assert_allclose(with_history, on_full[100:], rtol=1e-12)
    alone = trig.band_series(Context(market=tail, start=0), target)[0]
    assert np.all(alone[:70] == 0.05)  # no history: warm-up inside the backtest


def test_bad_inputs():
    with pytest.raises(ConfigError, match=r"VolScaledBand.base must be > 0, got -0.01"):
        VolScaledBand(base=-0.01)
    with pytest.raises(ConfigError, match="floor <= base <= cap"):
        VolScaledBand(base=0.05, floor=0.06)
    with pytest.raises(ConfigError, match="asset is required"):
        VolEstimator(source="asset")
    m = _market(n=50)
    pol = DynamicPolicy(name="v", rules=VolScaledBand(vol=VolEstimator(source="aux")))
    with pytest.raises(ConfigError, match="no aux series 'VIX'"):
        pol.compile(m, np.array([0.6, 0.4]))
    vix = np.full(50, 20.0)
    vix[30] = np.nan
    m2 = _market(n=50, aux={"VIX": vix})
    with pytest.raises(DataError, match=str(m2.dates[30])):
        pol.compile(m2, np.array([0.6, 0.4]))
    with pytest.raises(ConfigError, match="window_rows must be at most the 49 returns"):
        DynamicPolicy(name="v", rules=VolScaledBand(vol=VolEstimator(window_rows=60))).compile(
            m, np.array([0.6, 0.4]))
