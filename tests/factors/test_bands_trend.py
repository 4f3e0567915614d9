"""Factor bands (what "style drift exceeds 10 %" means) and the trend overlay's rule."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.errors import ConfigError
from rebal.factors import FactorBand, FactorBands, exposure_drift, trend_tilt


def test_band_widths_abs_rel_and_both():
    assert FactorBand("HML", 0.10).width(0.3) == pytest.approx(0.10)
    assert FactorBand("HML", relative=0.10).width(-0.3) == pytest.approx(0.03)
    assert FactorBand("HML", 0.10, 0.5).width(0.1) == pytest.approx(0.05)  # smaller binds
    bands = FactorBands((FactorBand("SMB", 0.2), FactorBand("HML", relative=0.1)))
    np.testing.assert_allclose(bands.widths(np.array([0.5, -0.4])), [0.2, 0.04])
    assert bands.label == "SMB ±0.2, HML ±10% of target"
    with pytest.raises(ConfigError, match="abs is required"):
        FactorBand("HML")
    with pytest.raises(ConfigError, match="named twice"):
        FactorBands((FactorBand("HML", 0.1), FactorBand("HML", 0.2)))


def test_style_drift_by_hand():
    """60/40 value/growth targets drifted to 70/30, HML loadings 0.5 and −0.3:
    drift = (+0.1)·0.5 + (−0.1)·(−0.3) = 0.08; market loadings equal, no market drift."""
    beta = np.array([[1.0, 0.5], [1.0, -0.3]])  # columns Mkt-RF, HML
    d = exposure_drift([0.7, 0.3], [0.6, 0.4], beta)
    np.testing.assert_allclose(d, [0.0, 0.08], atol=1e-15)


def _prices():
    # asset 0 rises, 1 falls, 2 rises over the lookback; asset 3 is not in the tier
    steps = np.array([1.01, 0.99, 1.002, 1.0])
    return np.cumprod(np.tile(steps, (30, 1)), axis=0)


def test_trend_tilt_by_hand():
    target = np.array([0.3, 0.3, 0.2, 0.2])
    tier = np.array([True, True, True, False])
    out = trend_tilt(_prices(), target, tier, band=0.06, lookback=12)
    # h = 0.5 * 0.06 = 0.03; s = (+1, -1, +1), mean 1/3: tilts 0.03*(2/3, -4/3, 2/3)
    np.testing.assert_allclose(out[:12], np.tile(target, (12, 1)))
    np.testing.assert_allclose(out[20], [0.32, 0.26, 0.22, 0.2])
    assert np.abs(out - target).max() <= 0.06 + 1e-15
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_trend_tilt_uses_no_future_prices():
    p = _prices()
    q = p.copy()
    q[16:] *= np.linspace(0.5, 2.0, 4)  # rewrite every close after row 15
    target, tier = np.array([0.3, 0.3, 0.2, 0.2]), np.array([True, True, True, False])
    a = trend_tilt(p, target, tier, band=0.06, lookback=12)
    b = trend_tilt(q, target, tier, band=0.06, lookback=12)
    np.testing.assert_array_equal(a[:16], b[:16])
    assert not np.array_equal(a[16:], b[16:])


def test_trend_tilt_clips_at_zero_and_keeps_the_tier_total():
    target = np.array([0.01, 0.49, 0.3, 0.2])
    tier = np.array([True, True, True, False])
    p = _prices()[:, [1, 0, 2, 3]]  # the small asset falls
    out = trend_tilt(p, target, tier, band=0.1, lookback=12)
    assert (out >= 0).all()
    np.testing.assert_allclose(out[:, :3].sum(axis=1), 0.8)
    with pytest.raises(ConfigError, match=r"strength must be <= 0\.5"):
        trend_tilt(p, target, tier, band=0.1, strength=0.6)
