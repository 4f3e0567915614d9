"""The multi-factor score: factor scales by hand, and the engine firing on them."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest import run_backtest
from rebal.data import MarketData
from rebal.errors import ConfigError
from rebal.policy import DynamicPolicy, ScoreTrigger, VolEstimator
from rebal.policy.context import Context


def _market(n=400, vix=None, seed=3):
    dates = np.arange(np.datetime64("2019-01-01"), np.datetime64("2021-12-31"))
    dates = dates[np.is_busday(dates)][:n]
    rng = np.random.default_rng(seed)
    prices = 100 * np.cumprod(1 + rng.normal(0.0002, 0.01, size=(n, 2)), axis=0)
    aux = {} if vix is None else {"VIX": np.asarray(vix, dtype=float)}
    return MarketData(dates=dates, assets=("A", "B"), prices=prices, aux=aux)


TARGET = {"A": 0.6, "B": 0.4}


def test_market_factor_by_hand():
    vix = np.array([20.0, 20.0, 40.0, 10.0])
    m = _market(n=4, vix=vix)
    trig = ScoreTrigger(w_drift=0.5, w_vol=0.5, w_corr=0.0, w_time=0.0,
                        vol=VolEstimator(source="aux", long_run_rows=1))
    mf = trig.market_factor(Context(market=m, start=0), np.array([0.6, 0.4]))
    # 0.5 * 100 * VIX / expanding mean: 1, 1, 40/26.67, 10/22.5
    np.testing.assert_allclose(mf, [50.0, 50.0, 50 * 40 / (80 / 3), 50 * 10 / 22.5])


def test_corr_factor_by_hand():
    m0 = _market(n=100)
    p = m0.prices.copy()
    p[:, 1] = p[:, 0]  # identical assets: correlation exactly 1
    m = MarketData(dates=m0.dates, assets=m0.assets, prices=p)
    trig = ScoreTrigger(w_drift=0.0, w_vol=0.0, w_corr=0.5, w_time=0.0, corr_window=20,
                        corr_ref=0.8)
    mf = trig.market_factor(Context(market=m, start=0), np.array([0.5, 0.5]))
    np.testing.assert_allclose(mf[:20], 0.0)  # warm-up: 0 points
    np.testing.assert_allclose(mf[20:], 0.5 * 100 * 1.0 / 0.8, rtol=1e-12)


def test_time_only_score_rebalances_every_horizon():
    # score = 100 * rows since last rebalance / 63 >= 100  <=>  63 rows have passed
    m = _market()
    pol = DynamicPolicy(name="s", rules=ScoreTrigger(w_drift=0, w_vol=0, w_corr=0, w_time=1,
                                                      horizon_rows=63))
    res = run_backtest(m, TARGET, pol)
    assert res.rebalance_days.tolist() == [63, 126, 189, 252, 315, 378]
    assert res.score is not None
    assert res.score[62] == pytest.approx(100 * 62 / 63)
    np.testing.assert_allclose(res.rebalances.score, 100.0)


def test_vol_only_score_fires_when_vix_is_above_average():
    vix = np.r_[np.full(200, 20.0), np.full(200, 30.0)]
    m = _market(vix=vix)
    trig = ScoreTrigger(w_drift=0, w_vol=1, w_corr=0, w_time=0,
                        vol=VolEstimator(source="aux", long_run_rows=1))
    res = run_backtest(m, TARGET, DynamicPolicy(name="s", rules=trig))
    # at VIX = its average the score is exactly 100 (>= threshold): every look day fires
    # until VIX jumps, after which the ratio stays > 1 too
    assert res.rebalance_days.tolist() == list(range(1, 400))


def test_drift_only_score_equals_a_band_of_the_same_width():
    m = _market()
    score = DynamicPolicy(name="s", rules=ScoreTrigger(band=0.02, w_drift=1, w_vol=0, w_corr=0,
                                                        w_time=0, threshold=100.0 + 1e-9))
    from rebal.policy import Policy

    band = run_backtest(m, TARGET, Policy.band(absolute=0.02))
    res = run_backtest(m, TARGET, score)
    assert len(band.rebalance_days) > 0
    assert res.rebalance_days.tolist() == band.rebalance_days.tolist()


def test_bad_parameters():
    with pytest.raises(ConfigError, match="must not all be 0"):
        ScoreTrigger(w_drift=0, w_vol=0, w_corr=0, w_time=0)
    with pytest.raises(ConfigError, match=r"ScoreTrigger.w_vol must be >= 0, got -1"):
        ScoreTrigger(w_vol=-1)
    with pytest.raises(ConfigError, match=r"ScoreTrigger.band must be > 0"):
        ScoreTrigger(band=0)
