"""The one definition of "this weight is outside its band".

A weight breaches its band when it lies strictly beyond the band's half-width:
``|weight − target| > half_width + BREACH_TOL``. A negative half-width is the
kernels' encoding of "always act" (an asset whose band is forced, e.g. a
calendar rule's look day sized to target), so it breaches whatever the drift.

One source serves the numba kernels (engine, sweep, taxable) and plain Python
(drift views, ``rebal check``, the planner's bands, :func:`rebal.policy.decide`):

- :func:`breach_rule` / :func:`drift_breach_rule` are the rule, plain Python;
  :func:`breached_mask` applies it to arrays;
- ``breaches`` / ``drift_breaches`` are the same two functions compiled by numba
  with ``inline="always"`` (the kernels pay no call). They are built on first
  access (PEP 562 module ``__getattr__``), so that Python callers — ``rebal check``
  from cron — do not import numba (about a second of start-up) for a comparison.

The tolerance keeps float noise on the edge (rounding of ``1e-16`` relative) from
triggering trades.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rebal.types import BoolArray, FloatArray

__all__ = [
    "BREACH_TOL",
    "breach_rule",
    "breached_mask",
    "breaches",  # noqa: F822 - built on first access by __getattr__
    "drift_breach_rule",
    "drift_breaches",  # noqa: F822 - likewise
]

BREACH_TOL = 1e-12
"""Drift must exceed the half-width by more than this (weight units) to breach."""


def drift_breach_rule(drift_abs: float, half_width: float) -> bool:
    """True when an absolute drift ``|w − target|`` (weight fraction) is beyond
    ``half_width`` (weight fraction) by more than :data:`BREACH_TOL`, or when
    ``half_width < 0`` (the "always act" encoding)."""
    return half_width < 0.0 or drift_abs > half_width + BREACH_TOL


def breach_rule(weight: float, target: float, half_width: float) -> bool:
    """True when ``weight`` is outside ``target ± half_width`` (all weight fractions);
    see :func:`drift_breach_rule`."""
    return half_width < 0.0 or abs(weight - target) > half_width + BREACH_TOL


def breached_mask(weights: FloatArray, target: FloatArray, half_widths: FloatArray) -> BoolArray:
    """``(n_assets,)`` bool: :func:`breach_rule` of every asset (all weight fractions;
    ``half_widths`` negative = always act)."""
    return np.fromiter(
        (breach_rule(w, t, hw) for w, t, hw in zip(weights.tolist(), target.tolist(),
                                                   half_widths.tolist(), strict=True)),
        dtype=np.bool_, count=len(weights),
    )


_COMPILED: dict[str, Any] = {}
_SOURCES = {"breaches": breach_rule, "drift_breaches": drift_breach_rule}


def __getattr__(name: str) -> Any:
    """``breaches`` / ``drift_breaches``: the rule compiled by numba (inlined in kernels)."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    compiled = _COMPILED.get(name)
    if compiled is None:
        from rebal.jit import njit_cached

        compiled = _COMPILED[name] = njit_cached(inline="always")(source)
    return compiled
