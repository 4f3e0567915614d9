"""Metrics of a policy relative to a baseline (normally buy-and-hold on the same data).

Every input is a scalar already computed on the same dates; see
:func:`rebal.metrics.compute_metrics`, which fills these in when given a
``benchmark``.
"""

from __future__ import annotations

import math

from rebal.errors import ConfigError


def rebalancing_alpha(cagr: float, cagr_baseline: float) -> float:
    """``CAGR − CAGR_baseline``: fraction per year (``0.004`` = 0.4 % a year better)."""
    return float(cagr) - float(cagr_baseline)


def sharpe_difference(sharpe: float, sharpe_baseline: float) -> float:
    """``Sharpe − Sharpe_baseline`` (``nan`` if either is undefined)."""
    return float(sharpe) - float(sharpe_baseline)


def drawdown_reduction(max_drawdown: float, max_drawdown_baseline: float) -> float:
    """``|MDD_baseline| − |MDD|``: fraction; positive when the policy's worst fall is shallower.

    Both drawdowns are depths as :func:`rebal.metrics.max_drawdown` reports them
    (negative fractions); a baseline falling 30 % and a policy 25 % give ``0.05``.
    """
    return abs(float(max_drawdown_baseline)) - abs(float(max_drawdown))


def alpha_per_turnover(alpha: float, annual_turnover: float) -> float:
    """Rebalancing alpha per unit of annual one-sided turnover (volatility-harvesting efficiency).

    ``alpha / annual_turnover``: fraction of return per year gained per
    portfolio-turnover per year. The policy's own turnover is the denominator
    (the buy-and-hold baseline has none). ``nan`` when the turnover is 0 — a
    policy that never trades has no efficiency to measure (its alpha is then 0
    against buy-and-hold, up to costs of cash flows).
    """
    if annual_turnover < 0 or math.isnan(annual_turnover):
        raise ConfigError(f"annual_turnover must be >= 0, got {annual_turnover}")
    if annual_turnover == 0.0:
        return math.nan
    return float(alpha) / float(annual_turnover)
