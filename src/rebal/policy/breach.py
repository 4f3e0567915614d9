"""The one definition of "this weight is outside its band".

A weight breaches its band when it lies strictly beyond the band's half-width:
``|weight − target| > half_width + BREACH_TOL``. A negative half-width is the
kernels' encoding of "always act" (an asset whose band is forced, e.g. a
calendar rule's look day sized to target), so it breaches whatever the drift.

The same function serves the numba kernels (engine, sweep, taxable) and plain
Python (drift views, ``rebal check``, the planner's bands): it is compiled with
``inline="always"`` so the kernels pay no call, and calling it from Python runs
the same compiled code. The tolerance keeps float noise on the edge (rounding of
``1e-16`` relative) from triggering trades.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["BREACH_TOL", "breached_mask", "breaches", "drift_breaches"]

BREACH_TOL = 1e-12
"""Drift must exceed the half-width by more than this (weight units) to breach."""


@njit(cache=True, inline="always")
def drift_breaches(drift_abs: float, half_width: float) -> bool:  # pragma: no cover - numba
    """True when an absolute drift ``|w − target|`` (weight fraction) is beyond
    ``half_width`` (weight fraction) by more than :data:`BREACH_TOL`, or when
    ``half_width < 0`` (the "always act" encoding)."""
    return half_width < 0.0 or drift_abs > half_width + BREACH_TOL


@njit(cache=True, inline="always")
def breaches(weight: float, target: float, half_width: float) -> bool:  # pragma: no cover
    """True when ``weight`` is outside ``target ± half_width`` (all weight fractions);
    see :func:`drift_breaches`."""
    return half_width < 0.0 or abs(weight - target) > half_width + BREACH_TOL


@njit(cache=True)
def breached_mask(weights, target, half_widths):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``(n_assets,)`` bool: :func:`breaches` of every asset (all weight fractions;
    ``half_widths`` negative = always act)."""
    n = weights.shape[0]
    out = np.empty(n, np.bool_)
    for i in range(n):
        out[i] = breaches(weights[i], target[i], half_widths[i])
    return out
