"""Input normalisation shared by the metric functions (the edge of the package).

Every public metric passes its arrays through these once, so a NaN, an empty
series or a mis-shaped risk-free array fails with a :mod:`rebal.errors`
exception naming the argument and the offending row, never with a numpy warning
or a silently wrong number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rebal.checks import positive
from rebal.errors import ConfigError, DataError
from rebal.types import FloatArray


def _first_bad(mask: np.ndarray) -> str:
    """Index of the first True in ``mask`` written as ``[i]`` or ``[i, j]``."""
    idx = np.argwhere(mask)[0]
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def as_returns(returns: Any, *, name: str = "returns", allow_2d: bool = True) -> FloatArray:
    """Validate a series of simple period returns.

    Parameters
    ----------
    returns
        ``(n,)`` or ``(n, k)`` simple returns, fractions per period.
    name
        The argument's name, for error messages.
    allow_2d
        Whether ``(n, k)`` input (one column per series) is accepted.

    Returns
    -------
    FloatArray
        The returns as a float64 array (not copied when already one).

    Raises
    ------
    ConfigError
        Wrong number of dimensions.
    DataError
        Empty input, a non-finite value, or a return below -1 (a loss of more
        than everything).
    """
    try:
        arr = np.asarray(returns, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numbers: {exc}") from None
    allowed = (1, 2) if allow_2d else (1,)
    if arr.ndim not in allowed:
        shape = "(n,) or (n, k)" if allow_2d else "(n,)"
        raise ConfigError(f"{name} must have shape {shape}, got {arr.shape}")
    if arr.shape[0] == 0 or arr.size == 0:
        raise DataError(f"{name} is empty: at least one period return is needed")
    finite = np.isfinite(arr)
    if not finite.all():
        bad = arr[tuple(np.argwhere(~finite)[0])]
        raise DataError(f"{name}{_first_bad(~finite)} is {bad}: returns must be finite")
    below = arr < -1.0
    if below.any():
        where = _first_bad(below)
        raise DataError(
            f"{name}{where} = {float(arr[tuple(np.argwhere(below)[0])])!r} is below -1 "
            "(a loss of more than 100%)"
        )
    return arr


def as_ppy(periods_per_year: float, *, name: str = "periods_per_year") -> float:
    """Validate a number of periods per year (> 0, finite)."""
    return positive(name, periods_per_year)


def as_risk_free(risk_free: Any, n: int, *, name: str = "risk_free") -> FloatArray:
    """Risk-free return per period as an ``(n,)`` array.

    ``None`` means zero (no risk-free series: the caller should say so); a scalar
    is the same risk-free return every period; an array must have shape ``(n,)``
    and is matched row by row to the returns (and shared by every column of 2-D
    returns).
    """
    if risk_free is None:
        return np.zeros(n)
    try:
        arr = np.asarray(risk_free, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numbers: {exc}") from None
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ConfigError(
            f"{name} must be a scalar or have shape ({n},) like the returns, got {arr.shape}"
        )
    finite = np.isfinite(arr)
    if not finite.all():
        raise DataError(f"{name}{_first_bad(~finite)} is not finite")
    return arr


def excess(returns: FloatArray, risk_free: FloatArray) -> FloatArray:
    """Returns minus the risk-free rate, row by row (broadcast over columns)."""
    if returns.ndim == 2:
        return returns - risk_free[:, None]
    return returns - risk_free


def scalar_or_array(x: Any) -> float | FloatArray:
    """A 0-d result as a Python float, anything else as a float64 array."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr)
    return arr
