"""Total-return indices of constant-maturity bonds, built from their yields.

A yield series says what a freshly issued par bond of a fixed maturity pays; it
says nothing directly about what holding bonds earned. This module turns the
yield into a return with the standard second-order approximation used for
long bond-return histories (e.g. Swinkels, "Treasury bond return data starting
in 1962", *Data* 4(3), 2019):

.. math::

    r_t = y_{t-1}\\,\\Delta t_t \\;-\\; D(y_{t-1})\\,\\Delta y_t
          \\;+\\; \\tfrac12\\,C(y_{t-1})\\,\\Delta y_t^2

where

* :math:`y_{t-1}` is the previous row's yield (fraction, e.g. 0.045 for 4.5 %),
  :math:`\\Delta y_t = y_t - y_{t-1}`;
* :math:`\\Delta t_t` is the holding period in years: actual calendar days / 365
  for daily data, 1/12 for monthly data (the *carry*, i.e. the coupon accrued);
* :math:`D` and :math:`C` are the modified duration (years) and convexity
  (years²) of a par bond of maturity :math:`T` years with semiannual coupons,
  evaluated at the previous yield. With :math:`v = (1 + y/2)^{-1}` and
  :math:`n = 2T` coupon periods the closed forms are

  .. math::

      D(y) = \\frac{1 - v^{n}}{y}, \\qquad
      C(y) = \\frac{2}{y^{2}}\\,(1 - v^{n}) - \\frac{2T}{y}\\,v^{n+1}.

The strategy this represents: at each close, hold a newly issued par bond of
maturity ``T``; at the next close sell it (valued at the new yield) and buy the
new par bond. Roll-down (the bond being ``Δt`` shorter) and the spread between
the par yield and the yield of the aged bond are ignored, as in the reference
construction. T-bills are treated as pure accrual (carry only, no price term):
see :func:`accrual_returns`.

All yields are fractions per year (bond-equivalent); all returns are simple
returns per row as fractions. Row 0 of every returned array is 0 (nothing is
held before the first row).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rebal.errors import DataError
from rebal.types import DateArray, FloatArray

#: Coupon payments per year of the par bond the closed forms describe.
COUPONS_PER_YEAR = 2

# Below this |yield| the closed forms cancel catastrophically (and divide by 0 at
# y = 0); the exact cash-flow sums are used instead.
_SMALL_YIELD = 1e-6


def _periods(maturity_years: float) -> int:
    n = maturity_years * COUPONS_PER_YEAR
    if not np.isfinite(n) or n < 1 or abs(n - round(n)) > 1e-9:
        raise DataError(
            f"maturity_years must be a positive multiple of {1 / COUPONS_PER_YEAR} "
            f"(semiannual coupons), got {maturity_years}"
        )
    return round(n)


def _check_yields(yields: FloatArray, what: str) -> None:
    bad = np.flatnonzero(~np.isfinite(yields) | (yields <= -1.0))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{what}: yield at row {i} is {yields[i]!r}; yields must be finite fractions "
            f"above -1 (fill or drop missing yields before building returns)"
        )


def _yields_and_periods(
    yields: npt.ArrayLike, period_years: npt.ArrayLike, what: str
) -> tuple[FloatArray, FloatArray]:
    """``yields`` and ``period_years`` as equal-length 1-D float arrays, yields checked."""
    y = np.asarray(yields, dtype=np.float64)
    dt = np.asarray(period_years, dtype=np.float64)
    if y.ndim != 1 or dt.shape != y.shape:
        raise DataError(
            f"yields and period_years must be 1-D of equal length, got {y.shape}, {dt.shape}"
        )
    _check_yields(y, what)
    return y, dt


def _exact_duration_convexity(y: FloatArray, n: int) -> tuple[FloatArray, FloatArray]:
    """Duration and convexity from the cash-flow sums (any yield, incl. 0)."""
    k = np.arange(1, n + 1, dtype=np.float64)[None, :]
    v = 1.0 / (1.0 + y[:, None] / 2.0)
    coupon = y[:, None] / 2.0  # par bond: coupon rate = yield
    price = (coupon * v**k).sum(axis=1) + v[:, 0] ** n
    d_price = (coupon * (k / 2.0) * v ** (k + 1)).sum(axis=1) + (n / 2.0) * v[:, 0] ** (n + 1)
    d2_price = (coupon * (k * (k + 1) / 4.0) * v ** (k + 2)).sum(axis=1) + (n * (n + 1) / 4.0) * v[
        :, 0
    ] ** (n + 2)
    return d_price / price, d2_price / price


def par_bond_duration_convexity(
    yields: npt.ArrayLike, maturity_years: float
) -> tuple[FloatArray, FloatArray]:
    """Modified duration and convexity of a par bond with semiannual coupons.

    Parameters
    ----------
    yields
        ``(n,)`` yields to maturity, fractions per year (bond-equivalent,
        semiannual compounding), each > -1.
    maturity_years
        Maturity ``T`` in years, a multiple of 0.5.

    Returns
    -------
    duration, convexity
        ``(n,)`` modified duration in years and convexity in years², i.e.
        ``-P'(y)/P`` and ``P''(y)/P`` of the par bond's price ``P`` at ``y``.
    """
    y = np.atleast_1d(np.asarray(yields, dtype=np.float64))
    _check_yields(y, "par_bond_duration_convexity")
    n = _periods(maturity_years)
    small = np.abs(y) < _SMALL_YIELD
    y_safe = np.where(small, 1.0, y)  # placeholder, overwritten below
    # 1 - v**n without cancellation for small y
    one_minus_vn = -np.expm1(-n * np.log1p(y_safe / 2.0))
    v_n1 = np.exp(-(n + 1) * np.log1p(y_safe / 2.0))
    duration = one_minus_vn / y_safe
    convexity = 2.0 / y_safe**2 * one_minus_vn - 2.0 * maturity_years / y_safe * v_n1
    if np.any(small):
        d_small, c_small = _exact_duration_convexity(y[small], n)
        duration[small] = d_small
        convexity[small] = c_small
    return duration, convexity


def year_fractions(dates: DateArray) -> FloatArray:
    """Actual/365 holding periods between consecutive rows.

    Parameters
    ----------
    dates
        ``(n,)`` strictly increasing dates.

    Returns
    -------
    FloatArray
        ``(n,)`` years from row ``t-1`` to row ``t``; element 0 is 0.
    """
    d = np.asarray(dates, dtype="datetime64[D]").astype(np.int64)
    out = np.zeros(d.shape[0], dtype=np.float64)
    out[1:] = np.diff(d) / 365.0
    if np.any(out[1:] <= 0):
        raise DataError("dates must be strictly increasing")
    return out


def constant_maturity_returns(
    yields: npt.ArrayLike, period_years: npt.ArrayLike, *, maturity_years: float
) -> FloatArray:
    """Per-row total returns of a constant-maturity par bond from its yields.

    ``r[t] = y[t-1]·Δt[t] − D(y[t-1])·Δy[t] + ½·C(y[t-1])·Δy[t]²`` (see the
    module docstring), with ``r[0] = 0``.

    Parameters
    ----------
    yields
        ``(n,)`` par yields, fractions per year, finite on every row. Missing
        yields must be handled by the caller (rebal's builder carries the last
        published yield forward over bond-market holidays, so such a row earns
        carry only and the next row takes the whole move).
    period_years
        ``(n,)`` holding period of each row in years (``Δt``; element 0 is
        ignored): actual days / 365 for daily data, 1/12 for monthly data.
    maturity_years
        Maturity of the par bond, a multiple of 0.5 years.

    Returns
    -------
    FloatArray
        ``(n,)`` simple returns, fractions per row.
    """
    y, dt = _yields_and_periods(yields, period_years, "constant_maturity_returns")
    out = np.zeros_like(y)
    if y.shape[0] < 2:
        return out
    duration, convexity = par_bond_duration_convexity(y[:-1], maturity_years)
    dy = np.diff(y)
    out[1:] = y[:-1] * dt[1:] - duration * dy + 0.5 * convexity * dy**2
    return out


def accrual_returns(yields: npt.ArrayLike, period_years: npt.ArrayLike) -> FloatArray:
    """Per-row returns of a T-bill position as pure accrual: ``r[t] = y[t-1]·Δt[t]``.

    A 3-month bill's price moves by about 0.25 × Δy, a few hundredths of a
    basis point a day; treating the bill as a money-market account that earns
    the previous row's yield keeps the risk-free series free of that noise
    (the same convention as the French library's RF).

    Parameters
    ----------
    yields
        ``(n,)`` bill yields, fractions per year, finite.
    period_years
        ``(n,)`` holding period of each row in years (element 0 ignored).

    Returns
    -------
    FloatArray
        ``(n,)`` simple returns, fractions per row; element 0 is 0.
    """
    y, dt = _yields_and_periods(yields, period_years, "accrual_returns")
    out = np.zeros_like(y)
    out[1:] = y[:-1] * dt[1:]
    return out


def index_from_returns(returns: npt.ArrayLike) -> FloatArray:
    """Price index starting at 1 from per-row returns (element 0 ignored).

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple returns, fractions; row 0 is ignored.

    Returns
    -------
    FloatArray
        Same shape; row 0 is 1 and row ``t`` is ``prod(1 + r[1..t])``.
    """
    r = np.array(returns, dtype=np.float64)
    r[0] = 0.0
    out: FloatArray = np.cumprod(1.0 + r, axis=0, dtype=np.float64)
    return out
