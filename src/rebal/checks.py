"""Validation of single numbers, shared by every layer (it imports only :mod:`rebal.errors`).

Each function converts ``value`` with ``float()`` (or checks an int) and raises a
:class:`~rebal.errors.ConfigError` naming the parameter, with the project's one
wording for each failure:

- ``"{name} must be a number, got {value!r}"``   (``float(value)`` fails)
- ``"{name} must be > 0, got {value!r}"``        (:func:`positive`)
- ``"{name} must be >= 0, got {value!r}"``       (:func:`non_negative`)
- ``"{name} must be < 1 (a fraction), got {value!r}"`` (``positive(..., below_one=True)``)
- ``"{name} must be <= {upper:g}, got {value!r}"`` (``non_negative(..., upper=...)``)
- ``"{name} must be >= {minimum}, got {value!r}"`` (:func:`positive_int`)

``name`` is the full name the message shows (e.g. ``"CostModel.cost_bps"``).
NaN and ±inf fail the range checks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rebal.errors import ConfigError

__all__ = ["as_number", "non_negative", "positive", "positive_int"]


def as_number(name: str, value: Any) -> float:
    """``float(value)``, or a ConfigError ``"{name} must be a number, got {value!r}"``."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None


def positive(name: str, value: Any, *, below_one: bool = False) -> float:
    """``value`` as a finite float > 0 (and < 1 when ``below_one``), else ConfigError."""
    x = as_number(name, value)
    if not math.isfinite(x) or x <= 0:
        raise ConfigError(f"{name} must be > 0, got {value!r}")
    if below_one and x >= 1:
        raise ConfigError(f"{name} must be < 1 (a fraction), got {value!r}")
    return x


def non_negative(name: str, value: Any, *, upper: float = math.inf) -> float:
    """``value`` as a finite float >= 0 (and <= ``upper``), else ConfigError."""
    x = as_number(name, value)
    if not math.isfinite(x) or x < 0:
        raise ConfigError(f"{name} must be >= 0, got {value!r}")
    if x > upper:
        raise ConfigError(f"{name} must be <= {upper:g}, got {value!r}")
    return x


def positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (a whole float is accepted), else ConfigError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ConfigError(f"{name} must be a whole number of rows, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)
