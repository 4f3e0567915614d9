"""Stationary block bootstrap (Politis & Romano 1994) and its automatic block length.

Resampling *rows* (days) of the assets' joint returns with one index matrix, and
running every policy on the same resampled paths, keeps the comparison of two
policies paired: each resample is one alternative history seen by all of them.

References
----------
- D. N. Politis and J. P. Romano (1994), "The stationary bootstrap", JASA 89(428), 1303–1313.
- D. N. Politis and H. White (2004), "Automatic block-length selection for the
  dependent bootstrap", Econometric Reviews 23(1), 53–70; corrected by
  A. Patton, D. N. Politis and H. White (2009), Econometric Reviews 28(4), 372–375.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rebal.errors import ConfigError, DataError
from rebal.metrics._checks import as_returns
from rebal.metrics.performance import ZERO_STD_RTOL
from rebal.types import IntArray

#: Fewest observations for which the automatic block length is computed.
MIN_OBS_BLOCK_LENGTH = 16


def stationary_bootstrap_indices(
    n_obs: int,
    n_samples: int,
    mean_block: float,
    *,
    seed: int | np.random.Generator,
) -> IntArray:
    """Row indices of stationary-bootstrap resamples.

    Each resample is built from blocks of consecutive rows (wrapping from the
    last row to the first) whose lengths are geometric with mean
    ``mean_block``: every row starts a new block at a uniformly drawn row with
    probability ``1 / mean_block``, and otherwise continues the current block.
    The resampled series is stationary, unlike the moving-block bootstrap's.

    Parameters
    ----------
    n_obs
        Rows of the original series (≥ 2); each resample has as many.
    n_samples
        Number of resamples (≥ 1).
    mean_block
        Mean block length in rows (≥ 1; 1 is the i.i.d. bootstrap). See
        :func:`optimal_block_length`.
    seed
        An integer seed or a ``numpy.random.Generator``: the same seed gives the
        same indices.

    Returns
    -------
    IntArray
        ``(n_samples, n_obs)`` indices into the original rows: use
        ``returns[idx[s]]`` for resample ``s`` (all assets with the same index,
        so cross-asset correlation is kept).
    """
    if int(n_obs) != n_obs or n_obs < 2:
        raise ConfigError(f"n_obs must be an integer >= 2, got {n_obs!r}")
    if int(n_samples) != n_samples or n_samples < 1:
        raise ConfigError(f"n_samples must be an integer >= 1, got {n_samples!r}")
    if not (isinstance(mean_block, int | float) and math.isfinite(mean_block) and mean_block >= 1):
        raise ConfigError(f"mean_block must be a number >= 1, got {mean_block!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n, m = int(n_obs), int(n_samples)
    new_block = rng.random((m, n)) < 1.0 / float(mean_block)
    new_block[:, 0] = True
    block_start = rng.integers(0, n, size=(m, n))
    positions = np.arange(n)
    # Row of the latest block start at or before each position.
    opened_at = np.maximum.accumulate(np.where(new_block, positions, 0), axis=1)
    first_row = np.take_along_axis(block_start, opened_at, axis=1)
    out: IntArray = ((first_row + positions - opened_at) % n).astype(np.int64)
    return out


def _flat_top(t: np.ndarray) -> np.ndarray:
    """Politis–Romano trapezoidal flat-top lag window."""
    a = np.abs(t)
    return np.where(a <= 0.5, 1.0, np.where(a <= 1.0, 2.0 * (1.0 - a), 0.0))


def optimal_block_length(returns: Any) -> float:
    """Politis–White (2004, corrected 2009) mean block length for the stationary bootstrap.

    1. Sample autocorrelations ``ρ(k)`` (autocovariances divided by ``n``).
       ``m̂`` is the lag before the first run of ``K_n = max(5, ⌈√log10 n⌉)``
       consecutive lags with ``|ρ(k)| < 2 √(log10 n / n)``; the bandwidth is
       ``M = min(2 max(m̂, 1), ⌈√n⌉ + K_n)`` (``⌈√n⌉ + K_n`` if there is no such run).
    2. With the flat-top window ``λ(t)`` (1 for ``|t| ≤ ½``, ``2(1 − |t|)`` up to 1):
       ``G = Σ_{|k|≤M} λ(k/M) |k| R(k)`` and ``g = Σ_{|k|≤M} λ(k/M) R(k)``.
    3. ``b = (2 G² / D)^(1/3) n^(1/3)`` with ``D = 2 g²``, clipped to
       ``[1, ⌈min(3 √n, n / 3)⌉]``.

    For an AR(1) series with coefficient φ this tends to
    ``(2φ / (1 − φ²))^(2/3) n^(1/3)``; for white noise it is close to 1.

    Parameters
    ----------
    returns
        ``(n,)`` series (e.g. a portfolio's daily returns), ``n ≥ 16``.

    Returns
    -------
    float
        Mean block length in rows (not necessarily an integer).
    """
    x = as_returns(returns, allow_2d=False)
    n = x.shape[0]
    if n < MIN_OBS_BLOCK_LENGTH:
        raise DataError(f"the block length needs at least {MIN_OBS_BLOCK_LENGTH} returns, got {n}")
    d = x - x.mean()
    gamma0 = float(d @ d) / n
    # A constant series leaves only rounding noise around its mean.
    if math.sqrt(gamma0) <= ZERO_STD_RTOL * float(np.max(np.abs(x))):
        raise DataError("the series is constant: no block length can be estimated")
    k_n = max(5, math.ceil(math.sqrt(math.log10(n))))
    m_max = min(math.ceil(math.sqrt(n)) + k_n, n - 1)
    b_max = math.ceil(min(3.0 * math.sqrt(n), n / 3.0))
    acov = np.array([float(d[k:] @ d[: n - k]) / n for k in range(m_max + 1)])
    rho = np.abs(acov[1:] / gamma0)  # rho[k - 1] is lag k
    threshold = 2.0 * math.sqrt(math.log10(n) / n)
    m_hat = m_max
    run = 0
    for lag, value in enumerate(rho, start=1):
        run = run + 1 if value < threshold else 0
        if run == k_n:
            m_hat = lag - k_n  # the lag just before the run
            break
    bandwidth = min(2 * max(m_hat, 1), m_max)
    lags = np.arange(-bandwidth, bandwidth + 1)
    window = _flat_top(lags / bandwidth)
    r_k = acov[np.abs(lags)]
    big_g = float(np.sum(window * np.abs(lags) * r_k))
    g = float(np.sum(window * r_k))
    d_sb = 2.0 * g * g
    if d_sb == 0.0:
        return 1.0
    b = (2.0 * big_g * big_g / d_sb) ** (1.0 / 3.0) * n ** (1.0 / 3.0)
    return float(min(max(b, 1.0), b_max))


def paired_interval(
    estimate: float,
    samples: Any,
    *,
    confidence: float = 0.90,
    sense: int = 1,
) -> tuple[float, float, float]:
    """Centred basic-bootstrap interval of a (paired) difference, and P(better).

    Why not the percentile interval: a backtest statistic (a CAGR, a drawdown, a
    difference of two) is a *path-dependent*, non-linear function of the rows, so
    the resampled values are not centred on the value on the real rows. Buy-and-hold's
    final value, for one, is convex in the assets' cumulative returns: on resampled
    paths it is higher on average than on the real one (Jensen), so "rebalanced −
    buy-and-hold" is centred *below* the real-data estimate, and the 5th–95th
    percentiles of the resamples can exclude the estimate itself.

    The interval used here takes the bootstrap's *spread* around its *own* centre
    (the bootstrap world's "true" value is the resamples' mean ``m``) as the law of
    ``estimate − truth``: with ``q_lo, q_hi`` the resamples' ``(1 ∓ confidence)/2``
    quantiles,

    ``[estimate − (q_hi − m), estimate + (m − q_lo)]``

    (the basic bootstrap pivot ``θ* − m`` in place of ``θ* − estimate``). It contains
    the estimate whenever ``q_lo ≤ m ≤ q_hi`` (always in practice). ``P(better)`` is
    read from the same pivot: the share of resamples with
    ``sense · (estimate − (θ* − m)) > 0`` (ties count half), so a 90 % interval above 0
    goes with ``P ≥ 95 %``. Coverage is checked by simulation in the test suite (see
    docs/sweeps.md).

    Parameters
    ----------
    estimate
        The statistic on the real data (units as ``samples``).
    samples
        The statistic on each resample; non-finite values are dropped.
    confidence
        Two-sided level in (0, 1).
    sense
        ``+1`` if higher is better, ``−1`` if lower is better.

    Returns
    -------
    ``(low, high, p_better)``; NaNs when no finite sample is left.
    """
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be in (0, 1), got {confidence!r}")
    if sense not in (1, -1):
        raise ConfigError(f"sense must be +1 or -1, got {sense!r}")
    d = np.asarray(samples, dtype=np.float64).ravel()
    d = d[np.isfinite(d)]
    if d.size == 0 or not math.isfinite(estimate):
        return math.nan, math.nan, math.nan
    tail = (1.0 - confidence) / 2.0
    q_lo, q_hi = (float(v) for v in np.quantile(d, [tail, 1.0 - tail]))
    centre = float(d.mean())
    # Identical policies: every difference exactly 0 -> a zero-width interval at 0.
    low = estimate - (q_hi - centre)
    high = estimate + (centre - q_lo)
    implied = sense * (estimate - (d - centre))
    p_better = float(np.mean((implied > 0) + 0.5 * (implied == 0)))
    return float(low), float(high), p_better
