"""Factor exposures: rolling loadings of securities on factor returns, portfolio
exposures, factor bands and the trend overlay (``docs/factors.md``).

Layer: below the policy/tax/metrics rules (the ``factor_band`` policy uses it), above
the datasets and data packages (it reads :mod:`rebal.data.french` tables).
"""

from rebal.factors.bands import FactorBand, FactorBands, exposure_drift
from rebal.factors.loadings import (
    Loadings,
    factor_returns_for,
    portfolio_exposure,
    rolling_loadings,
)
from rebal.factors.trend import trend_tilt

__all__ = [
    "FactorBand",
    "FactorBands",
    "Loadings",
    "exposure_drift",
    "factor_returns_for",
    "portfolio_exposure",
    "rolling_loadings",
    "trend_tilt",
]
