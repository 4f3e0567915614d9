"""Drawdowns of a return series.

Conventions
-----------
A series of ``n`` period returns ``r[0..n-1]`` defines the *wealth path* of
``n + 1`` points: ``W[0] = 1`` (the start, before any return) and
``W[i] = (1 + r[0]) ··· (1 + r[i-1])``. Every index this module returns is an
index into that path, so for a backtest (whose row 0 is the purchase day and is
not a return) an index is directly a row of the backtest: pass
``result.returns[1:]`` and read ``result.dates[index]``.

The drawdown at ``i`` is ``W[i] / max(W[0..i]) - 1`` (≤ 0). The maximum
drawdown is its minimum; its *trough* is the first row where that minimum is
reached, its *peak* the last row at or before the trough where the wealth stood
at its running maximum (the high-water mark the decline started from), and its
*recovery* the first row after the trough where the wealth is back at or above
the peak's level (``None`` if it never is within the data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rebal.metrics._checks import as_returns, scalar_or_array
from rebal.types import FloatArray


@dataclass(frozen=True, slots=True)
class Drawdown:
    """The deepest peak-to-trough decline of a wealth path.

    Attributes
    ----------
    depth
        ``W[trough] / W[peak] - 1``: a fraction in ``[-1, 0]`` (``-0.25`` is a
        25 % fall). ``0.0`` when the wealth never falls below a previous high.
    peak, trough
        Indices into the wealth path (see the module docstring); ``None`` when
        ``depth == 0`` (there is no decline).
    recovery
        First index after ``trough`` with ``W >= W[peak]``; ``None`` if the
        wealth has not recovered by the end of the data, or there is no decline.
    """

    depth: float
    peak: int | None
    trough: int | None
    recovery: int | None

    @property
    def decline_periods(self) -> int | None:
        """Periods from peak to trough (``None`` without a decline)."""
        if self.peak is None or self.trough is None:
            return None
        return self.trough - self.peak

    @property
    def underwater_periods(self) -> int | None:
        """Periods from peak to recovery (``None`` if not recovered)."""
        if self.peak is None or self.recovery is None:
            return None
        return self.recovery - self.peak


def wealth_path(returns: Any) -> FloatArray:
    """Growth of 1 through ``returns``.

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple period returns (fractions).

    Returns
    -------
    FloatArray
        ``(n + 1,)`` or ``(n + 1, k)``: row 0 is 1, row ``i`` the wealth after
        the ``i``-th return.
    """
    r = as_returns(returns)
    start = np.ones((1, *r.shape[1:]))
    return np.concatenate([start, np.cumprod(1.0 + r, axis=0)], axis=0)


def drawdown_series(returns: Any) -> FloatArray:
    """Underwater curve ``W[i] / max(W[0..i]) - 1``.

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple period returns (fractions).

    Returns
    -------
    FloatArray
        ``(n + 1,)`` or ``(n + 1, k)`` fractions in ``[-1, 0]``; row 0 is 0.
    """
    wealth = wealth_path(returns)
    # The running maximum starts at W[0] = 1, so it is never 0 and the ratio is defined.
    return wealth / np.maximum.accumulate(wealth, axis=0) - 1.0


def max_drawdown_depth(returns: Any) -> float | FloatArray:
    """Depth of the maximum drawdown, column-wise for 2-D input.

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple period returns (fractions).

    Returns
    -------
    float or FloatArray
        Fraction in ``[-1, 0]`` (``(k,)`` for 2-D input).
    """
    return scalar_or_array(drawdown_series(returns).min(axis=0))


def max_drawdown(returns: Any) -> Drawdown:
    """The maximum drawdown of one return series, with its peak, trough and recovery.

    Parameters
    ----------
    returns
        ``(n,)`` simple period returns (fractions). For several series use
        :func:`max_drawdown_depth` or call this per column.

    Returns
    -------
    Drawdown
        Depth (negative fraction) and indices into the ``n + 1``-point wealth
        path (see the module docstring).

    Examples
    --------
    >>> dd = max_drawdown([0.1, -0.2, 0.05, 0.25])  # wealth 1, 1.1, 0.88, 0.924, 1.155
    >>> round(dd.depth, 12), dd.peak, dd.trough, dd.recovery
    (-0.2, 1, 2, 4)
    """
    r = as_returns(returns, allow_2d=False)
    dd = drawdown_series(r)
    trough = int(np.argmin(dd))
    depth = float(dd[trough])
    if depth == 0.0:
        return Drawdown(depth=0.0, peak=None, trough=None, recovery=None)
    # dd is exactly 0.0 wherever W equals its running maximum (the ratio of a
    # number to itself), so exact comparison is safe here.
    peak = int(np.flatnonzero(dd[: trough + 1] == 0.0)[-1])
    after = np.flatnonzero(dd[trough + 1 :] == 0.0)
    recovery = int(trough + 1 + after[0]) if after.size else None
    return Drawdown(depth=depth, peak=peak, trough=trough, recovery=recovery)
