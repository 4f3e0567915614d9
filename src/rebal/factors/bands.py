"""Factor targets with bands, and what "style drift exceeds 10 %" means.

The **target exposure** to factor ``k`` on row ``t`` is the exposure the target
weights would have under that row's loadings, ``e*_k,t = Σ_i w*_i β_ik,t``; the
portfolio's exposure is ``e_k,t = Σ_i w_i,t β_ik,t``. The **style drift** is
``d_k,t = e_k,t − e*_k,t = Σ_i (w_i,t − w*_i) β_ik,t`` — it moves only when the
weights drift from their targets, so a rebalance to target always closes it.

A factor's band half-width (in loading units) is ``abs``, or ``rel × |e*_k,t|``,
or the smaller of the two when both are given (as for weight bands,
:mod:`rebal.policy.bands`). The band is breached when ``|d_k,t| > half-width``.

**"Rebalance when style drift exceeds 10 %"** is ``HML: abs = 0.10``: the portfolio's
value-minus-growth loading has moved more than 0.10 from its targets' — it now
behaves as if 10 % of its value more (or less) were held in the long-short HML
portfolio than the targets imply. A relative reading (10 % of the target loading)
is available as ``rel = 0.10`` but is degenerate for a target loading near 0,
which a blend of value and growth funds often has; hence the absolute default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rebal.checks import positive
from rebal.errors import ConfigError
from rebal.types import FloatArray

__all__ = ["FactorBand", "FactorBands", "exposure_drift"]


@dataclass(frozen=True, slots=True)
class FactorBand:
    """The band of one factor: ``abs`` and/or ``rel`` half-width (module docstring)."""

    factor: str
    absolute: float | None = None
    relative: float | None = None

    def __post_init__(self) -> None:
        if self.absolute is None and self.relative is None:
            raise ConfigError(f"factor band {self.factor!r}: abs is required (or rel, or both)")
        if self.absolute is not None:
            object.__setattr__(self, "absolute",
                               positive(f"bands.{self.factor}.abs", self.absolute))
        if self.relative is not None:
            object.__setattr__(self, "relative",
                               positive(f"bands.{self.factor}.rel", self.relative))

    def width(self, target_exposure: FloatArray | float) -> FloatArray:
        """Half-width(s) in loading units for the target exposure(s) ``e*``."""
        e = np.abs(np.asarray(target_exposure, dtype=np.float64))
        w = np.full(e.shape, np.inf)
        if self.absolute is not None:
            w = np.minimum(w, self.absolute)
        if self.relative is not None:
            w = np.minimum(w, self.relative * e)
        return w

    @property
    def label(self) -> str:
        parts = []
        if self.absolute is not None:
            parts.append(f"±{self.absolute:g}")
        if self.relative is not None:
            parts.append(f"±{self.relative:.0%} of target")
        return f"{self.factor} {' and '.join(parts)}"


@dataclass(frozen=True, slots=True)
class FactorBands:
    """Bands on several factors (each factor once)."""

    bands: tuple[FactorBand, ...]

    def __post_init__(self) -> None:
        if not self.bands:
            raise ConfigError("factor bands: give at least one factor band")
        names = [b.factor for b in self.bands]
        if len(set(names)) != len(names):
            raise ConfigError(f"factor bands: a factor is named twice in {names}")

    @property
    def factors(self) -> tuple[str, ...]:
        return tuple(b.factor for b in self.bands)

    def widths(self, target_exposure: FloatArray) -> FloatArray:
        """``(..., n_factors)`` half-widths for target exposures ``(..., n_factors)``."""
        e = np.asarray(target_exposure, dtype=np.float64)
        return np.stack([b.width(e[..., j]) for j, b in enumerate(self.bands)], axis=-1)

    @property
    def label(self) -> str:
        return ", ".join(b.label for b in self.bands)


def exposure_drift(weights: FloatArray, target: FloatArray, beta: FloatArray) -> FloatArray:
    """``(n_factors,)`` style drift ``Σ_i (w_i − w*_i) β_ik`` (loading units).

    ``weights``, ``target``: ``(n_assets,)`` fractions; ``beta``: ``(n_assets, n_factors)``.
    A NaN loading of an asset with no weight and no target does not count.
    """
    d = np.asarray(weights, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    b = np.where((d != 0)[:, None], b, 0.0)
    return d @ b
