"""The trend overlay of the tactical tier: a target that tilts with trailing returns.

Rule (for the assets of one tier, on row ``t``, using closes up to ``t`` only):

1. ``s_i = +1`` if asset ``i``'s trailing return over ``lookback`` rows,
   ``P_i,t / P_i,t−lookback − 1``, is above 0, else ``−1`` (also ``−1`` at exactly 0);
2. the raw tilt is ``h · s_i`` with ``h = strength × band`` (``strength`` ≤ 0.5 by
   default 0.5); the tier's mean raw tilt is subtracted so the tier's total target
   is unchanged: ``tilt_i = h · (s_i − mean_j s_j)``;
3. ``|tilt_i| ≤ 2h ≤ band``: the tilted target stays inside the tier's band around
   the strategic target; a tilted target below 0 is set to 0 and the tier's other
   assets give up the difference in proportion to their tilted targets (so the
   tier total still holds).

Before ``lookback`` rows exist the target is the strategic one. A tier of one asset
cannot tilt (its tilt is always 0: the tier total is fixed). This is the article's
"trend-following adjustments" for the tactical tier; it is a target schedule, the
rebalancing rule that follows it is the tier's own.
"""

from __future__ import annotations

import numpy as np

from rebal.checks import positive, positive_int
from rebal.errors import ConfigError
from rebal.types import FloatArray

__all__ = ["trend_tilt"]


def trend_tilt(
    prices: FloatArray,
    target: FloatArray,
    tier: np.ndarray,
    *,
    band: float,
    lookback: int = 252,
    strength: float = 0.5,
) -> FloatArray:
    """``(n_days, n_assets)`` tilted target weights (module docstring).

    Parameters
    ----------
    prices
        ``(n_days, n_assets)`` total-return prices.
    target
        ``(n_assets,)`` strategic target weights (fractions summing to 1).
    tier
        ``(n_assets,)`` bool: the tactical tier's assets (the others keep their target).
    band
        The tier's band half-width (weight fraction).
    lookback
        Rows of the trailing return (252 = a year of trading days, 12 = of months).
    strength
        ``h = strength × band``; must be in (0, 0.5] so the tilt stays within the band.
    """
    p = np.asarray(prices, dtype=np.float64)
    w = np.asarray(target, dtype=np.float64)
    mask = np.asarray(tier, dtype=bool)
    band = positive("trend.band", band, below_one=True)
    lookback = positive_int("trend.lookback", lookback)
    strength = positive("trend.strength", strength)
    if strength > 0.5:
        raise ConfigError(f"trend.strength must be <= 0.5 (tilt within the band), got {strength}")
    n, a = p.shape
    if w.shape != (a,) or mask.shape != (a,):
        raise ConfigError(f"trend: target and tier must be ({a},), got {w.shape}, {mask.shape}")
    out = np.tile(w, (n, 1))
    idx = np.flatnonzero(mask)
    if idx.size < 2 or lookback >= n:
        return out
    h = strength * band
    trailing = p[lookback:, idx] / p[:-lookback, idx] - 1.0  # row t-lookback -> t
    s = np.where(trailing > 0, 1.0, -1.0)
    tilt = h * (s - s.mean(axis=1, keepdims=True))
    tilted = w[idx] + tilt
    total = w[idx].sum()
    neg = tilted < 0
    if neg.any():
        tilted = np.maximum(tilted, 0.0)
        sums = tilted.sum(axis=1, keepdims=True)
        tilted = np.where(sums > 0, tilted * (total / np.where(sums > 0, sums, 1.0)), w[idx])
    out[lookback:, idx] = tilted
    return out
