"""Regime tables, correlation, the VIX table and adaptive frequency."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rebal.data import MarketData
from rebal.errors import ConfigError
from rebal.policy import (
    ADAPTIVE_TABLE,
    CORRELATION_TABLE,
    VIX_BAND_TABLE,
    AdaptiveFrequency,
    CorrelationRegime,
    DynamicPolicy,
    RegimeRow,
    RegimeTable,
    VixTableBand,
    period_end_mask,
    rolling_mean_correlation,
)
from rebal.types import Frequency


def _market(n=260, vix=None, k=2, seed=2):
    dates = np.arange(np.datetime64("2019-01-01"), np.datetime64("2021-01-01"))
    dates = dates[np.is_busday(dates)][:n]
    rng = np.random.default_rng(seed)
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.01, size=(n, k)), axis=0)
    aux = {} if vix is None else {"VIX": np.asarray(vix, dtype=float)}
    return MarketData(dates=dates, assets=tuple("ABCD"[:k]), prices=prices, aux=aux)


def test_vix_band_table_boundaries_are_right_closed():
    x = np.array([5, 12, 15, 15.0001, 16, 25, 25.01, 35, 35.01, 80, np.nan])
    bands = VIX_BAND_TABLE.bands[VIX_BAND_TABLE.index(x)]
    np.testing.assert_array_equal(
        bands, [0.03, 0.03, 0.03, 0.05, 0.05, 0.05, 0.08, 0.08, 0.12, 0.12, 0.05]
    )


def test_left_closed_table():
    t = RegimeTable(rows=VIX_BAND_TABLE.rows, closed="left")
    np.testing.assert_array_equal(t.bands[t.index(np.array([14.99, 15, 25, 35]))],
                                  [0.03, 0.05, 0.08, 0.12])


def test_adaptive_and_correlation_presets():
    idx = ADAPTIVE_TABLE.index(np.array([10, 20, 30, 40]))
    assert [ADAPTIVE_TABLE.rows[i].check for i in idx] == [
        Frequency.QUARTERLY, Frequency.MONTHLY, Frequency.BIWEEKLY, Frequency.WEEKLY]
    np.testing.assert_array_equal(ADAPTIVE_TABLE.bands[idx], [0.03, 0.04, 0.06, 0.08])
    idx = CORRELATION_TABLE.index(np.array([-0.5, 0.3, 0.5, 0.8, 0.95, np.nan]))
    assert idx.tolist() == [0, 0, 1, 2, 3, 0]


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ((), "at least one row"),
        ((RegimeRow(upto=15, band=0.03), RegimeRow(upto=10, band=0.05),
          RegimeRow(band=0.1)), r"rows\[1\].upto must be > rows\[0\].upto"),
        ((RegimeRow(upto=15, band=0.03), RegimeRow(upto=20, band=0.05)), "open-ended"),
    ],
)
def test_bad_tables(rows, match):
    with pytest.raises(ConfigError, match=match):
        RegimeTable(rows=rows)


def test_bad_row():
    with pytest.raises(ConfigError, match=r"RegimeRow.band must be > 0, got -0.01"):
        RegimeRow(upto=1, band=-0.01)


def test_rolling_correlation_matches_corrcoef():
    rng = np.random.default_rng(5)
    r = rng.normal(0, 0.01, size=(80, 3))
    r[:, 1] += 0.5 * r[:, 0]
    got = rolling_mean_correlation(r, 20)
    assert np.isnan(got[:20]).all()
    for t in (20, 45, 79):
        c = np.corrcoef(r[t - 19 : t + 1].T)
        assert got[t] == pytest.approx((c[0, 1] + c[0, 2] + c[1, 2]) / 3, abs=1e-13)
    two = rolling_mean_correlation(r[:, :2], 20)
    assert two[50] == pytest.approx(np.corrcoef(r[31:51, 0], r[31:51, 1])[0, 1], abs=1e-13)


def test_vix_table_compiles_band_per_row():
    vix = np.r_[np.full(100, 12.0), np.full(100, 30.0), np.full(60, 50.0)]
    m = _market(vix=vix)
    cp = DynamicPolicy(name="v", rules=VixTableBand()).compile(m, np.array([0.6, 0.4]))
    band = np.asarray(cp.band)
    assert band.shape == (260, 2)
    np.testing.assert_array_equal(band[:100], 0.03)
    np.testing.assert_array_equal(band[100:200], 0.08)
    np.testing.assert_array_equal(band[200:], 0.12)
    np.testing.assert_array_equal(cp.regime, vix)
    daily = period_end_mask(m.dates, Frequency("daily"))
    np.testing.assert_array_equal(np.asarray(cp.check).ravel(), daily)


def test_adaptive_look_days_follow_the_regime_in_force():
    vix = np.r_[np.full(130, 10.0), np.full(130, 40.0)]
    m = _market(vix=vix)
    cp = DynamicPolicy(name="a", rules=AdaptiveFrequency()).compile(m, np.array([0.6, 0.4]))
    check = np.asarray(cp.check).ravel()
    quarterly = period_end_mask(m.dates, Frequency("quarterly"))
    np.testing.assert_array_equal(check[:130], quarterly[:130])
    np.testing.assert_array_equal(check[130:], period_end_mask(m.dates, Frequency("weekly"))[130:])
    np.testing.assert_array_equal(np.asarray(cp.band)[:130], 0.03)
    np.testing.assert_array_equal(np.asarray(cp.band)[130:], 0.08)


def test_vix_equivalent_from_realized_vol():
    m = _market()
    rules = VixTableBand(signal=__import__("rebal.policy", fromlist=["VolEstimator"])
                         .VolEstimator(source="asset", asset="A", window_rows=21))
    cp = DynamicPolicy(name="v", rules=rules).compile(m, np.array([0.6, 0.4]))
    r = m.returns()[:, 0]
    want = 100 * np.std(r[80:101], ddof=1) * math.sqrt(252)
    assert cp.regime[100] == pytest.approx(want, rel=1e-12)
    assert np.asarray(cp.band)[0, 0] == 0.05  # warm-up: the default (5 %) row


def test_correlation_regime_and_window_errors():
    m = _market(k=3)
    target = np.array([0.4, 0.3, 0.3])
    rules = CorrelationRegime(window_rows=30)
    cp = DynamicPolicy(name="c", rules=rules).compile(m, target)
    corr = rolling_mean_correlation(m.returns(), 30)
    np.testing.assert_allclose(cp.regime, corr, equal_nan=True)
    # independent random walks: near-zero correlation -> the normal (quarterly 5 %) regime
    np.testing.assert_array_equal(np.asarray(cp.check).ravel(),
                                  period_end_mask(m.dates, Frequency("quarterly")))
    msg = r"CorrelationRegime.window_rows must be at most the 259 returns.*got 300"
    with pytest.raises(ConfigError, match=msg):
        DynamicPolicy(name="c", rules=CorrelationRegime(window_rows=300)).compile(m, target)
    with pytest.raises(ConfigError, match="check is required"):
        CorrelationRegime(table=VIX_BAND_TABLE)


def test_correlated_assets_go_daily():
    m0 = _market(k=2)
    p = m0.prices.copy()
    p[:, 1] = p[:, 0] * (1 + 1e-4 * np.sin(np.arange(260)))  # B ~ A: correlation ~ 1
    m = MarketData(dates=m0.dates, assets=m0.assets, prices=p)
    cp = DynamicPolicy(name="c", rules=CorrelationRegime(window_rows=20)).compile(
        m, np.array([0.5, 0.5]))
    assert np.nanmin(cp.regime[20:]) > 0.9
    check = np.asarray(cp.check).ravel()
    assert check[20:].all()
    np.testing.assert_array_equal(np.asarray(cp.band)[20:], 0.03)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(
    edges=st.lists(st.floats(-50, 50), min_size=1, max_size=5, unique=True),
    x=st.lists(st.floats(-100, 100), min_size=1, max_size=20),
    closed=st.sampled_from(["right", "left"]),
)
def test_every_value_falls_in_exactly_its_row(edges, x, closed):
    edges = sorted(edges)
    rows = tuple(RegimeRow(upto=u, band=0.01 * (j + 1)) for j, u in enumerate(edges))
    table = RegimeTable(rows=(*rows, RegimeRow(band=0.5)), closed=closed)
    bounds = [-math.inf, *edges, math.inf]
    for value, j in zip(x, table.index(np.array(x)), strict=True):
        lo, hi = bounds[j], bounds[j + 1]
        if closed == "right":
            assert lo < value <= hi
        else:
            assert lo <= value < hi
