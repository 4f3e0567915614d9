"""Rolling factor loadings by ordinary least squares, and portfolio exposures.

For asset ``i`` and row ``t`` the loadings are the OLS coefficients of

    r_i,s − rf_s = α_i + Σ_k β_ik · F_k,s + ε_i,s ,   s = t − window + 1 … t

(excess simple returns per row on the factor returns, both fractions per row).
Row ``t``'s return runs from close ``t−1`` to close ``t``, so the loadings on row
``t`` use data up to close ``t`` only. With ``X`` the ``window × (1 + K)`` design
matrix (a column of ones, then the factors), ``p = 1 + K``:

- ``b = (XᵀX)⁻¹ Xᵀy`` (``numpy.linalg.lstsq``);
- standard errors ``se_j = sqrt(s² · [(XᵀX)⁻¹]_jj)``, ``s² = SSR / (window − p)``
  (the classical homoskedastic OLS errors, in loading units);
- ``R² = 1 − SSR / Σ (y − ȳ)²``.

A row whose window holds a NaN (before an asset's first price, or a factor the
table lacks) has NaN loadings for that asset. The **portfolio exposure** to factor
``k`` is the value-weighted loading ``Σ_i w_i β_ik`` (a fund's loading already
looks through its holdings: it is estimated from the fund's own returns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rebal.checks import positive_int
from rebal.data.french import FactorReturns, align_factors
from rebal.data.market import MarketData
from rebal.errors import ConfigError, InputError
from rebal.types import FloatArray

__all__ = ["Loadings", "factor_returns_for", "portfolio_exposure", "rolling_loadings"]


@dataclass(frozen=True, slots=True, eq=False)  # arrays: identity
class Loadings:
    """Rolling OLS loadings of each asset on each factor (module docstring).

    Attributes
    ----------
    assets, factors
        Names of the assets (rows of the regressions) and the factors.
    window
        Rows per regression.
    beta, se
        ``(n_days, n_assets, n_factors)`` loadings (unitless: 1.0 = one-for-one with
        the factor's return) and their standard errors; NaN before a full window.
    alpha, alpha_se
        ``(n_days, n_assets)`` intercepts (fraction of return per row) and their errors.
    r2
        ``(n_days, n_assets)`` R² of each regression (0…1).
    """

    assets: tuple[str, ...]
    factors: tuple[str, ...]
    window: int
    beta: FloatArray
    se: FloatArray
    alpha: FloatArray
    alpha_se: FloatArray
    r2: FloatArray

    def at(self, row: int) -> FloatArray:
        """``(n_assets, n_factors)`` the loadings on ``row``."""
        return self.beta[row]


def rolling_loadings(
    excess: FloatArray,
    factors: FloatArray,
    window: int,
    *,
    assets: tuple[str, ...],
    names: tuple[str, ...],
    rows: np.ndarray | None = None,
    source: str | None = None,
) -> Loadings:
    """OLS loadings of ``excess`` on ``factors`` over a trailing ``window`` of rows.

    Parameters
    ----------
    excess
        ``(n_days, n_assets)`` excess returns per row (fractions; NaN = unknown).
    factors
        ``(n_days, n_factors)`` factor returns per row (fractions; NaN = unknown).
    window
        Rows per regression (``> n_factors + 1``, ``<= n_days``).
    assets, names
        Asset and factor names.
    rows
        Rows to estimate (default: all); the others stay NaN.
    source
        The factor file, named in the error when the window is longer than the data.

    Raises
    ------
    InputError / ConfigError
        A window longer than the data (naming the file) or too short for the factors.
    """
    y_all = np.asarray(excess, dtype=np.float64)
    x_all = np.asarray(factors, dtype=np.float64)
    n, a = y_all.shape
    k = x_all.shape[1]
    if x_all.shape[0] != n:
        raise ConfigError(f"factors have {x_all.shape[0]} rows, returns {n}")
    window = positive_int("window", window, minimum=2)
    if window <= k + 1:
        raise ConfigError(
            f"window must exceed the {k + 1} coefficients (intercept + {k} factors), got {window}"
        )
    usable = n - 1  # row 0 carries no return
    if window > usable:
        msg = f"window of {window} rows is longer than the {usable} returns of the data"
        if source is not None:
            raise InputError(msg, file=source, field="window")
        raise ConfigError(msg)
    p = k + 1
    beta = np.full((n, a, k), np.nan)
    se = np.full((n, a, k), np.nan)
    alpha = np.full((n, a), np.nan)
    alpha_se = np.full((n, a), np.nan)
    r2 = np.full((n, a), np.nan)
    todo = np.arange(window, n) if rows is None else np.asarray(rows, dtype=np.int64)
    for t in todo:
        if t < window:
            continue
        lo = t - window + 1
        x = x_all[lo : t + 1]
        if not np.isfinite(x).all():
            continue
        y = y_all[lo : t + 1]
        ok = np.isfinite(y).all(axis=0)
        if not ok.any():
            continue
        design = np.empty((window, p))
        design[:, 0] = 1.0
        design[:, 1:] = x
        yy = y[:, ok]
        coef, _res, rank, _sv = np.linalg.lstsq(design, yy, rcond=None)
        if rank < p:
            continue  # a factor constant over the window: loadings not identified
        resid = yy - design @ coef
        ssr = (resid * resid).sum(axis=0)
        dev = yy - yy.mean(axis=0)
        sst = (dev * dev).sum(axis=0)
        inv = np.linalg.inv(design.T @ design)
        s2 = ssr / (window - p)
        errs = np.sqrt(np.outer(np.diag(inv), s2))  # (p, n_ok)
        cols = np.flatnonzero(ok)
        alpha[t, cols] = coef[0]
        alpha_se[t, cols] = errs[0]
        beta[t, cols] = coef[1:].T
        se[t, cols] = errs[1:].T
        with np.errstate(divide="ignore", invalid="ignore"):
            r2[t, cols] = np.where(sst > 0, 1.0 - ssr / sst, np.nan)
    return Loadings(assets=tuple(assets), factors=tuple(names), window=window, beta=beta,
                    se=se, alpha=alpha, alpha_se=alpha_se, r2=r2)


def factor_returns_for(
    market: MarketData, table: FactorReturns, names: tuple[str, ...] | None = None
) -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    """The factor returns and the assets' excess returns on ``market``'s rows.

    Parameters
    ----------
    market
        The prices.
    table
        A French-library table (:func:`rebal.data.french.read_french`).
    names
        The factors to use (default: every factor column of the table); a name the
        table lacks is an :class:`InputError` naming the file and the column.

    Returns
    -------
    (factors, excess, names)
        ``(n_days, n_factors)`` factor returns and ``(n_days, n_assets)`` excess returns
        (asset return − the table's RF), fractions per row; row 0 is NaN.
    """
    if names is None:
        names = table.names
    chosen = table.select(tuple(names))
    f, rf = align_factors(chosen, market.dates)
    excess = market.returns() - rf[:, None]
    excess[0] = np.nan
    f[0] = np.nan
    return f, excess, tuple(names)


def portfolio_exposure(weights: FloatArray, beta: FloatArray) -> FloatArray:
    """Value-weighted loadings ``Σ_i w_i β_ik``.

    Parameters
    ----------
    weights
        ``(n_assets,)`` or ``(n_days, n_assets)`` portfolio weights (fractions).
    beta
        ``(n_assets, n_factors)`` or ``(n_days, n_assets, n_factors)`` loadings.

    Returns
    -------
    ``(n_factors,)`` or ``(n_days, n_factors)`` exposures (NaN where a held asset's
    loading is NaN; an asset with zero weight does not count).
    """
    w = np.asarray(weights, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    held = w != 0
    b = np.where(held[..., None], b, 0.0)
    return np.einsum("...a,...ak->...k", w, b)
