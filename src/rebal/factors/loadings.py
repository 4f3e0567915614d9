"""Rolling factor loadings by ordinary least squares, and portfolio exposures.

For asset ``i`` and row ``t`` the loadings are the OLS coefficients of

    r_i,s − rf_s = α_i + Σ_k β_ik · F_k,s + ε_i,s ,   s = t − window + 1 … t

(excess simple returns per row on the factor returns, both fractions per row).
Row ``t``'s return runs from close ``t−1`` to close ``t``, so the loadings on row
``t`` use data up to close ``t`` only. With ``X`` the ``window × (1 + K)`` design
matrix (a column of ones, then the factors), ``p = 1 + K``:

- ``b = (XᵀX)⁻¹ Xᵀy`` (the normal equations, solved for many rows at once; the
  residuals are then computed from the window's data, not from the cross products);
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
    todo = todo[(todo >= window) & (todo < n)]
    # a window is usable when all its factor rows (and, per asset, its returns) are finite;
    # counts of finite rows by cumulative sums
    x_ok = np.concatenate([[0], np.cumsum(np.isfinite(x_all).all(axis=1))])
    y_ok = np.concatenate([np.zeros((1, a)), np.cumsum(np.isfinite(y_all), axis=0)])
    todo = todo[x_ok[todo + 1] - x_ok[todo + 1 - window] == window]
    design = np.ones((n, p))
    design[:, 1:] = np.nan_to_num(x_all)
    y0 = np.nan_to_num(y_all)
    xw = np.lib.stride_tricks.sliding_window_view(design, window, axis=0)  # (n-w+1, p, w)
    yw = np.lib.stride_tricks.sliding_window_view(y0, window, axis=0)  # (n-w+1, a, w)
    for chunk in np.array_split(todo, max(1, todo.size // 256)):
        if chunk.size == 0:
            continue
        w0 = chunk - window + 1  # window start rows
        xc = xw[w0]  # (c, p, w)
        yc = yw[w0]  # (c, a, w)
        xct = np.ascontiguousarray(np.swapaxes(xc, 1, 2))  # (c, w, p)
        xtx = xc @ xct  # batched matrix products (BLAS)
        xty = xc @ np.swapaxes(yc, 1, 2)
        # a factor constant over the window leaves the loadings unidentified: skip the row
        ident = np.linalg.matrix_rank(xtx) == p
        coef = np.full((chunk.size, p, a), np.nan)
        inv = np.full((chunk.size, p, p), np.nan)
        if ident.any():
            inv[ident] = np.linalg.inv(xtx[ident])
            coef[ident] = inv[ident] @ xty[ident]
        resid = yc - np.swapaxes(coef, 1, 2) @ xc
        ssr = (resid * resid).sum(axis=2)  # (c, a)
        dev = yc - yc.mean(axis=2, keepdims=True)
        sst = (dev * dev).sum(axis=2)
        s2 = ssr / (window - p)
        diag = np.diagonal(inv, axis1=1, axis2=2)  # (c, p)
        errs = np.sqrt(diag[:, :, None] * s2[:, None, :])  # (c, p, a)
        ok = (y_ok[chunk + 1] - y_ok[chunk + 1 - window] == window) & ident[:, None]
        coef_t = np.where(ok[:, None, :], coef, np.nan)
        errs_t = np.where(ok[:, None, :], errs, np.nan)
        alpha[chunk] = coef_t[:, 0, :]
        alpha_se[chunk] = errs_t[:, 0, :]
        beta[chunk] = np.transpose(coef_t[:, 1:, :], (0, 2, 1))
        se[chunk] = np.transpose(errs_t[:, 1:, :], (0, 2, 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            r2[chunk] = np.where(ok & (sst > 0), 1.0 - ssr / sst, np.nan)
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
