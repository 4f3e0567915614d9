"""Validation of target weights."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from rebal.errors import ConfigError
from rebal.types import FloatArray

__all__ = ["WEIGHT_SUM_TOL", "target_array"]

WEIGHT_SUM_TOL = 1e-9
"""Target weights must sum to 1 within this tolerance."""


def target_array(target: Mapping[str, float], assets: Sequence[str]) -> FloatArray:
    """Target weights as a ``(n_assets,)`` array in ``assets`` order.

    Assets of the data missing from ``target`` get weight 0. Raises
    :class:`ConfigError` for an unknown asset (listing the known ones), a
    non-finite or negative weight, or a sum not within 1e-9 of 1.
    """
    if type(target) is dict and len(target) == len(assets):
        fast = _target_in_order(target, assets)
        if fast is not None:
            return fast
    if not isinstance(target, Mapping) or not target:
        raise ConfigError("target must be a non-empty mapping of asset -> weight")
    index = {name: i for i, name in enumerate(assets)}
    out = np.zeros(len(assets))
    for name, weight in target.items():
        if name not in index:
            raise ConfigError(
                f"target: unknown asset {name!r}; the data has {', '.join(assets)}"
            )
        try:
            value = float(weight)
        except (TypeError, ValueError):
            raise ConfigError(f"target[{name!r}] must be a number, got {weight!r}") from None
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"target[{name!r}] must be a finite weight >= 0, got {weight!r}")
        out[index[name]] = value
    total = float(out.sum())
    if abs(total - 1.0) > WEIGHT_SUM_TOL:
        raise ConfigError(f"target weights must sum to 1 (within 1e-9), got {total:.12g}")
    return out


def _target_in_order(target: dict[str, float], assets: Sequence[str]) -> FloatArray | None:
    """The common case: ``target`` names exactly ``assets`` with plain valid weights.

    Returns the array the general path would (same values, same sum), or ``None``
    when anything is off: the general path then raises its precise error.
    """
    try:
        values = [target[name] for name in assets]
    except (KeyError, TypeError):
        return None
    try:  # float(v) for each v, like the general path (which names a bad value)
        out = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if out.shape != (len(values),):
        return None
    # with every weight >= 0, a finite sum means finite weights (a NaN weight makes
    # the sum NaN, which fails the sum test)
    if not min(out.tolist()) >= 0.0:
        return None
    total = float(out.sum())
    if not abs(total - 1.0) <= WEIGHT_SUM_TOL:
        return None
    return out
