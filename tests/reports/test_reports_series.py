"""The numbers behind the charts, against hand-computed values and the metrics."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from rebal.reports import series as S


def test_rolling_stats_hand_computed():
    # window = round(periods_per_year) = 2 rows
    res = SimpleNamespace(returns=np.array([0.0, 0.1, -0.1, 0.2, 0.05]), periods_per_year=2.0)
    st = S.rolling_stats(res)
    assert st.window == 2
    assert np.isnan(st.total_return[:2]).all() and np.isnan(st.volatility[:2]).all()
    # 1.1 * 0.9 - 1, 0.9 * 1.2 - 1, 1.2 * 1.05 - 1
    np.testing.assert_allclose(st.total_return[2:], [-0.01, 0.08, 0.26], rtol=1e-12)
    # stdev of each pair (ddof=1) × √2: |a − b| / √2 × √2 = |a − b|
    np.testing.assert_allclose(st.volatility[2:], [0.2, 0.3, 0.15], rtol=1e-12)


def test_chart_rows_keeps_all_or_week_ends():
    dates = np.busday_offset(np.datetime64("2024-01-01"), np.arange(10))  # Mon 1 … Fri 12 Jan
    np.testing.assert_array_equal(S.chart_rows(dates, max_rows=10), np.arange(10))
    np.testing.assert_array_equal(S.chart_rows(dates, max_rows=5), [0, 4, 9])


def test_min_by_bucket_keeps_troughs():
    series = np.array([0, -1, -3, -2, 0, -5, -1, 0, 0, -2], dtype=float)
    np.testing.assert_array_equal(S.min_by_bucket(series, np.array([0, 4, 9])), [0, -3, -5])


def test_growth_path_is_values_without_flows(results):
    for r in results:
        np.testing.assert_allclose(S.growth_path(r), r.values, rtol=1e-10)
        assert S.growth_path(r)[0] == r.initial_usd


def test_drawdown_path_minimum_is_max_drawdown(results):
    for r in results:
        assert S.drawdown_path(r).min() == pytest.approx(r.metrics().max_drawdown, abs=1e-12)


def test_pre_rebalance_weights_match_the_log(results):
    band = results[2]  # band:abs=0.05
    log = band.rebalances
    assert len(log) > 0
    before = S.pre_rebalance_weights(band, log.day)
    drift = np.abs(before[np.arange(len(log)), log.asset] - band.target[log.asset])
    np.testing.assert_allclose(drift, log.drift, rtol=1e-9)
    assert (drift > 0.05).all()  # strictly beyond the 5 pp band before trading
    np.testing.assert_allclose(before.sum(axis=1), 1.0, rtol=1e-12)


def test_yearly_trading_adds_up_to_the_metrics(results):
    for r in results:
        yt = S.yearly_trading(r)
        m = r.metrics()
        np.testing.assert_array_equal(yt.years, [2015, 2016, 2017, 2018])
        assert yt.turnover.sum() / m.years == pytest.approx(m.annual_turnover, rel=1e-12, abs=1e-15)
        assert yt.costs_usd.sum() == pytest.approx(m.costs_total_usd, rel=1e-12, abs=1e-12)


def test_policy_bands(results, policies):
    assert S.policy_bands(results[0], policies[0]) is None  # buy-and-hold
    assert S.policy_bands(results[1], policies[1]) is None  # monthly: no band
    fixed = S.policy_bands(results[2], policies[2])
    assert fixed.shape == (len(results[2].dates), 2) and (fixed == 0.05).all()
    rel = S.policy_bands(results[3], policies[3])
    np.testing.assert_allclose(rel[0], [0.15, 0.10])  # 25 % of 60 % and of 40 %
    vol = S.policy_bands(results[5], policies[5])
    assert np.nanmax(vol) > np.nanmin(vol)  # the vol-scaled band moves


def test_advanced_series(results):
    assert S.advanced_series(results[2]).empty
    score = S.advanced_series(results[4])
    assert score.score is not None and np.isfinite(score.score).any()
    assert score.regime_label


def test_covers_and_window_returns(core_results):
    dates = core_results[0].dates
    assert not S.covers(dates, "2015-01-01", "2015-06-30")  # no close before the start
    assert S.covers(dates, "2016-01-01", "2016-12-31")
    assert not S.covers(dates, "2017-06-01", "2018-12-31")  # runs past the data
    got = S.window_returns(core_results, "2016-01-01", "2016-12-31")
    d = np.asarray(dates)
    for k, r in enumerate(core_results):
        rows = (d >= np.datetime64("2016-01-01")) & (d <= np.datetime64("2016-12-31"))
        expected = np.prod(1 + r.returns[rows]) - 1  # every return ending in 2016
        assert got[k] == pytest.approx(expected, rel=1e-12)
