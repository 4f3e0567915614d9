"""Return and risk-adjusted-return metrics of a series of period returns.

All functions take *genuine* period returns: ``n`` simple returns, fractions
per period (``0.01`` is 1 %). For a backtest result, whose row 0 is the purchase
day and not a return, pass ``result.returns[1:]``. 2-D input ``(n, k)`` is
treated column by column (one series per column) and gives ``(k,)`` output.

Years are ``n / periods_per_year``. Statistics that are undefined for the input
(a standard deviation from fewer than two returns, a zero standard deviation or
downside deviation, a zero drawdown in Calmar's denominator) are ``nan``; they
are never replaced by 0 or infinity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rebal.metrics._checks import as_ppy, as_returns, as_risk_free, excess, scalar_or_array
from rebal.metrics.drawdown import max_drawdown_depth
from rebal.types import FloatArray

#: A standard deviation at or below this fraction of the series' largest
#: absolute value is rounding noise of a constant series, i.e. zero. Relative,
#: so ratios stay invariant to scaling the returns.
ZERO_STD_RTOL = 1e-12


def total_return(returns: Any) -> float | FloatArray:
    """Compounded return ``prod(1 + r) - 1`` (fraction).

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple period returns (fractions).
    """
    r = as_returns(returns)
    return scalar_or_array(np.prod(1.0 + r, axis=0) - 1.0)


def cagr(returns: Any, periods_per_year: float) -> float | FloatArray:
    """Compound annual growth rate (fraction per year).

    ``CAGR = (prod(1 + r)) ** (1 / years) - 1`` with ``years = n / periods_per_year``.
    A total loss (a return of -1) gives -1.

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple period returns (fractions).
    periods_per_year
        Periods per year (252 for trading days, 12 for months).
    """
    r = as_returns(returns)
    ppy = as_ppy(periods_per_year)
    years = r.shape[0] / ppy
    # expm1(Σ log1p(r) / years) is (Π(1 + r))^(1/years) − 1 without the cancellation of
    # "growth − 1" for small returns (1e-8 a day lost 8 of 16 digits); log1p(−1) = −inf
    # gives −1 for a total loss.
    with np.errstate(divide="ignore"):
        log_growth = np.sum(np.log1p(r), axis=0)
    return scalar_or_array(np.expm1(log_growth / years))


def annual_volatility(returns: Any, periods_per_year: float) -> float | FloatArray:
    """Annualised volatility: sample standard deviation (``ddof=1``) × sqrt(periods_per_year).

    Fraction per year; ``nan`` with fewer than two returns.

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple period returns (fractions).
    periods_per_year
        Periods per year.
    """
    r = as_returns(returns)
    ppy = as_ppy(periods_per_year)
    if r.shape[0] < 2:
        return scalar_or_array(np.full(r.shape[1:], np.nan))
    return scalar_or_array(np.std(r, axis=0, ddof=1) * np.sqrt(ppy))


def _std_or_nan(x: FloatArray) -> FloatArray:
    """Sample std (``ddof=1``) per column, ``nan`` where it is zero up to rounding."""
    if x.shape[0] < 2:
        return np.full(x.shape[1:], np.nan)
    sd = np.atleast_1d(np.std(x, axis=0, ddof=1))
    scale = np.atleast_1d(np.max(np.abs(x), axis=0))
    sd = np.where(sd <= ZERO_STD_RTOL * scale, np.nan, sd)
    return sd.reshape(x.shape[1:])


def _downside_rms(e: FloatArray) -> FloatArray:
    """``sqrt(mean(min(e, 0) ** 2))`` per column, scaled so tiny losses do not underflow to 0."""
    below = np.minimum(e, 0.0)
    scale = np.max(np.abs(below), axis=0)
    safe = np.where(scale == 0.0, 1.0, scale)
    ratio = below / safe
    rms = safe * np.sqrt(np.mean(ratio * ratio, axis=0)) * (scale > 0)
    return np.asarray(rms, dtype=np.float64)


def sharpe(
    returns: Any, risk_free: Any = None, periods_per_year: float = 252.0
) -> float | FloatArray:
    """Annualised Sharpe ratio of excess returns.

    ``e = r - rf``; ``Sharpe = mean(e) / std(e, ddof=1) × sqrt(periods_per_year)``.
    ``nan`` when fewer than two returns or when ``std(e)`` is zero (a constant
    excess return has no defined Sharpe ratio).

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple period returns (fractions).
    risk_free
        Risk-free return per period (fraction): ``None`` for zero (state it
        wherever the result is shown), a scalar, or an ``(n,)`` array aligned
        with ``returns`` rows (the same for every column).
    periods_per_year
        Periods per year.
    """
    r = as_returns(returns)
    ppy = as_ppy(periods_per_year)
    e = excess(r, as_risk_free(risk_free, r.shape[0]))
    sd = _std_or_nan(e)
    return scalar_or_array(np.mean(e, axis=0) / sd * np.sqrt(ppy))


def downside_deviation(
    returns: Any, risk_free: Any = None, periods_per_year: float = 252.0
) -> float | FloatArray:
    """Annualised downside deviation below the risk-free rate (Sortino–Price).

    ``DD = sqrt(mean(min(r - rf, 0) ** 2)) × sqrt(periods_per_year)``: a root mean
    square over **all** ``n`` periods, periods above the target counting as 0.
    Fraction per year. Parameters as :func:`sharpe`.
    """
    r = as_returns(returns)
    ppy = as_ppy(periods_per_year)
    e = excess(r, as_risk_free(risk_free, r.shape[0]))
    return scalar_or_array(_downside_rms(e) * np.sqrt(ppy))


def sortino(
    returns: Any, risk_free: Any = None, periods_per_year: float = 252.0
) -> float | FloatArray:
    """Annualised Sortino ratio with the risk-free rate as the target return.

    ``e = r - rf``; ``Sortino = mean(e) × ppy / DD`` where ``DD`` is the annualised
    :func:`downside_deviation` (root mean square of ``min(e, 0)`` over all
    periods), i.e. ``mean(e) / sqrt(mean(min(e, 0)**2)) × sqrt(ppy)``.
    ``nan`` when no period is below the target (zero downside deviation).
    Parameters as :func:`sharpe`.
    """
    r = as_returns(returns)
    ppy = as_ppy(periods_per_year)
    e = excess(r, as_risk_free(risk_free, r.shape[0]))
    dd = np.atleast_1d(_downside_rms(e))
    dd = np.where(dd == 0.0, np.nan, dd).reshape(e.shape[1:])
    return scalar_or_array(np.mean(e, axis=0) / dd * np.sqrt(ppy))


def calmar(returns: Any, periods_per_year: float) -> float | FloatArray:
    """Calmar ratio ``CAGR / |max drawdown|`` over the whole series.

    ``nan`` when the series has no drawdown. Parameters as :func:`cagr`.
    """
    r = as_returns(returns)
    growth = np.atleast_1d(cagr(r, periods_per_year))
    depth = np.abs(np.atleast_1d(max_drawdown_depth(r)))
    depth = np.where(depth == 0.0, np.nan, depth)
    return scalar_or_array((growth / depth).reshape(r.shape[1:]))
