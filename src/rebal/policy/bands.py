"""Drift bands around target weights.

Weights are fractions of the portfolio. An :class:`AbsoluteBand` of 0.05 allows
±5 percentage points; a :class:`RelativeBand` of 0.25 allows ±25 % of the
target weight (±15 pp on a 60 % target). When both are given ("5/25") the
half-width of asset ``i`` is ``min(abs, rel * target_i)`` — the smaller band binds,
so a breach of either one triggers.

An asset is breached when ``|w_i - target_i| > half_width_i + BREACH_TOL``
(strictly beyond the band): the one rule is :mod:`rebal.policy.breach`, whose
tolerance is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rebal.checks import positive
from rebal.errors import ConfigError
from rebal.policy.breach import BREACH_TOL
from rebal.types import FloatArray

__all__ = ["BREACH_TOL", "AbsoluteBand", "RelativeBand", "half_widths", "widths_label"]


@dataclass(frozen=True, slots=True)
class AbsoluteBand:
    """±``width`` weight (fraction of the portfolio, 0.05 = 5 percentage points)."""

    width: float

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "width", positive("AbsoluteBand.width", self.width, below_one=True)
        )


@dataclass(frozen=True, slots=True)
class RelativeBand:
    """±``width`` × target weight (0.25 = 25 % of each asset's target)."""

    width: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", positive("RelativeBand.width", self.width))


def half_widths(
    target: FloatArray, absolute: AbsoluteBand | None, relative: RelativeBand | None
) -> FloatArray:
    """``(n_assets,)`` band half-widths (weight fractions) per asset.

    ``min(abs, rel * target)`` when both bands are given, else the one given.
    """
    target = np.asarray(target, dtype=np.float64)
    if absolute is None and relative is None:
        raise ConfigError("a band needs an absolute width, a relative width, or both")
    out = np.full(target.shape, np.inf)
    if absolute is not None:
        out = np.minimum(out, absolute.width)
    if relative is not None:
        out = np.minimum(out, relative.width * target)
    return out


def widths_label(absolute: AbsoluteBand | None, relative: RelativeBand | None) -> str:
    """The bands of a policy label: ``"abs=0.05"``, ``"rel=0.25"`` or both, comma-joined."""
    parts = []
    if absolute is not None:
        parts.append(f"abs={absolute.width:g}")
    if relative is not None:
        parts.append(f"rel={relative.width:g}")
    return ",".join(parts)
