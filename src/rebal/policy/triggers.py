"""Whether to trade on a check day: triggers.

A trigger compiles, against the market rows and the target, into per-row,
per-asset band half-widths (weight fractions), the form the kernel reads —
``(n_days, n_assets)``, or ``(1, n_assets)`` when the widths never change:

- a non-negative half-width: trade when some asset drifts strictly beyond it;
- a negative half-width (:data:`ALWAYS_TRADE`): trade on every check day
  (a calendar policy).

Later triggers (volatility-scaled bands, VIX regimes …) only need to produce a
different ``(n_days, n_assets)`` array, so the kernel does not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy.bands import AbsoluteBand, RelativeBand, half_widths, widths_label
from rebal.policy.kinds import PolicyKind
from rebal.types import FloatArray

__all__ = ["ALWAYS_TRADE", "Always", "BandTrigger", "Never", "Rule", "Trigger"]

ALWAYS_TRADE = -1.0
"""Half-width meaning "no band: trade on every check day"."""


class Rule(IntEnum):
    """Which rule fired a rebalance (recorded per rebalance in the result)."""

    CALENDAR = 1
    BAND = 2
    SCORE = 3  # multi-factor score reached its threshold
    TIER = 4  # a tier's band was breached on its look day and still on its action day
    VOL_BAND = 5  # volatility-scaled band
    VIX_TABLE = 6  # band from a VIX-regime table
    ADAPTIVE = 7  # adaptive frequency: look calendar and band from the VIX regime
    CORRELATION = 8  # look calendar and band from the correlation regime
    EITHER = 9  # calendar OR band, whichever fires (regime 1 = a calendar day)
    FACTOR_BAND = 10  # a factor's style drift left its band (rebal.policy.factor_band)


@runtime_checkable
class Trigger(Protocol):
    """Decides whether a check day trades; see the module docstring."""

    @property
    def rule(self) -> Rule:
        """The :class:`Rule` recorded when this trigger fires."""
        ...

    def bands(self, market: MarketData, target: FloatArray) -> FloatArray | None:
        """``(n_days | 1, n_assets)`` half-widths, or ``None`` for "never trade"."""
        ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Always:
    """Trade on every check day (a calendar policy)."""

    rule: ClassVar[Rule] = Rule.CALENDAR
    kind: ClassVar[PolicyKind] = PolicyKind.CALENDAR

    def bands(self, market: MarketData, target: FloatArray) -> FloatArray | None:
        out = np.empty((1, target.shape[0]))
        out.fill(ALWAYS_TRADE)  # np.full's Python wrapper costs more than the fill
        return out

    @property
    def label(self) -> str:
        return "always"


@dataclass(frozen=True, slots=True)
class Never:
    """Never trade after the initial purchase (buy-and-hold)."""

    rule: ClassVar[Rule] = Rule.CALENDAR
    kind: ClassVar[PolicyKind] = PolicyKind.BUY_AND_HOLD

    def bands(self, market: MarketData, target: FloatArray) -> FloatArray | None:
        return None

    @property
    def label(self) -> str:
        return "never"


@dataclass(frozen=True, slots=True, kw_only=True)
class BandTrigger:
    """Trade when any asset drifts strictly beyond its band.

    Parameters
    ----------
    absolute
        ±width in weight (0.05 = 5 percentage points), or ``None``.
    relative
        ±width as a fraction of each target (0.25 = 25 %), or ``None``.
        With both, the smaller half-width binds (``min(abs, rel * target)``).
    """

    absolute: AbsoluteBand | None = None
    relative: RelativeBand | None = None
    rule: ClassVar[Rule] = Rule.BAND
    kind: ClassVar[PolicyKind] = PolicyKind.BAND

    def __post_init__(self) -> None:
        if self.absolute is None and self.relative is None:
            raise ConfigError("BandTrigger needs absolute=, relative= or both")
        if self.absolute is not None and not isinstance(self.absolute, AbsoluteBand):
            raise ConfigError(
                f"BandTrigger.absolute must be an AbsoluteBand, got {type(self.absolute).__name__}"
            )
        if self.relative is not None and not isinstance(self.relative, RelativeBand):
            raise ConfigError(
                f"BandTrigger.relative must be a RelativeBand, got {type(self.relative).__name__}"
            )

    def bands(self, market: MarketData, target: FloatArray) -> FloatArray | None:
        return half_widths(target, self.absolute, self.relative)[None, :]

    @property
    def label(self) -> str:
        return "band:" + widths_label(self.absolute, self.relative)
