"""Tax-loss harvesting: the settings and the one rule "is this loss worth harvesting".

The rule (used by the taxable backtest, the planner's model, its explanations and its
outcome): a loss of ``loss_usd`` dollars on a lot with basis ``basis_usd`` dollars is
worth harvesting when

    loss_usd > 0  and  loss_usd >= min_loss_usd  and  loss_usd >= min_loss_frac × basis_usd

(both thresholds inclusive). Its inverse, the highest price at which a lot of ``q`` shares
and basis ``b`` qualifies, is ``min(b/q × (1 − min_loss_frac), b/q − min_loss_usd / q)``
(:func:`harvest_trigger_price`). A harvest sale is still subject to the wash-sale rule
(:mod:`rebal.tax.washsale`); this module only says whether the loss is big enough.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from rebal.errors import ConfigError
from rebal.types import reduce_frozen

__all__ = ["HarvestSettings", "harvest_trigger_price", "worth_harvesting"]


def worth_harvesting(
    loss_usd: float, basis_usd: float, min_loss_usd: float, min_loss_frac: float
) -> bool:
    """True when a loss is big enough to harvest (the module docstring's rule).

    Parameters
    ----------
    loss_usd
        Unrealized loss of the lot (or of the part sold), dollars; > 0 is a loss.
    basis_usd
        Cost basis of the same shares, dollars.
    min_loss_usd
        Smallest loss worth harvesting, dollars (inclusive).
    min_loss_frac
        Smallest loss worth harvesting as a fraction of ``basis_usd`` (0.05 = 5 %,
        inclusive).
    """
    return loss_usd > 0.0 and loss_usd >= min_loss_usd and loss_usd >= min_loss_frac * basis_usd


def harvest_trigger_price(
    basis_usd: float, quantity: float, min_loss_usd: float, min_loss_frac: float
) -> float:
    """The highest price per share (dollars) at which a lot of ``quantity`` shares and
    basis ``basis_usd`` is worth harvesting (:func:`worth_harvesting`); may be <= 0 when
    no positive price qualifies.

    Exact algebra; callers scanning prices against it should allow for float rounding
    and confirm with :func:`worth_harvesting` on dollars.
    """
    bps = basis_usd / quantity
    return min(bps * (1.0 - min_loss_frac), bps - min_loss_usd / quantity)


@dataclass(frozen=True, slots=True, kw_only=True)
class HarvestSettings:
    """When to harvest a loss, and (in a backtest) what to buy instead.

    Used by the household (its ``harvest`` section; substitutes there are named per
    security) and by the taxable backtest (which needs ``substitutes``).

    Attributes
    ----------
    enabled
        Harvest at all (the household's switch; a backtest without harvesting passes no
        settings).
    min_loss_usd
        Smallest loss worth harvesting, dollars, >= 0 (inclusive).
    min_loss_frac
        Smallest loss worth harvesting as a fraction of the lot's basis, in [0, 1)
        (0.05 = 5 %, inclusive).
    substitutes
        Backtest only: primary asset -> substitute (the substitute counts toward the
        primary's class and must not be in its wash-sale group); each asset in at most one
        pair. Empty for a household.
    swap_back
        Backtest only: sell the substitute and buy the primary back on the first row at
        least 31 calendar days after the harvest sale.
    """

    enabled: bool = True
    min_loss_usd: float = 1000.0
    min_loss_frac: float = 0.05
    substitutes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    swap_back: bool = True

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return reduce_frozen(self)

    def __hash__(self) -> int:
        return hash((self.enabled, self.min_loss_usd, self.min_loss_frac,
                     tuple(sorted(self.substitutes.items())), self.swap_back))

    def __post_init__(self) -> None:
        for name in ("enabled", "swap_back"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"HarvestSettings.{name} must be True or False")
        try:
            frac = float(self.min_loss_frac)
            usd = float(self.min_loss_usd)
        except (TypeError, ValueError):
            raise ConfigError(
                "HarvestSettings.min_loss_frac and min_loss_usd must be numbers, got "
                f"{self.min_loss_frac!r}, {self.min_loss_usd!r}"
            ) from None
        if not math.isfinite(frac) or not 0.0 <= frac < 1.0:
            raise ConfigError(
                f"HarvestSettings.min_loss_frac must be a fraction in [0, 1), got "
                f"{self.min_loss_frac!r}"
            )
        if not math.isfinite(usd) or usd < 0:
            raise ConfigError(f"HarvestSettings.min_loss_usd must be >= 0, got {usd!r}")
        object.__setattr__(self, "min_loss_frac", frac)
        object.__setattr__(self, "min_loss_usd", usd)
        subs = {str(k): str(v) for k, v in dict(self.substitutes).items()}
        for k, v in subs.items():
            if k == v:
                raise ConfigError(f"HarvestSettings.substitutes: {k!r} cannot substitute itself")
        if len(set(subs.values())) != len(subs) or set(subs) & set(subs.values()):
            raise ConfigError("HarvestSettings.substitutes: each asset in at most one pair")
        object.__setattr__(self, "substitutes", MappingProxyType(subs))

    def worth_harvesting(self, loss_usd: float, basis_usd: float) -> bool:
        """``enabled`` and :func:`worth_harvesting` with these thresholds."""
        return self.enabled and worth_harvesting(
            loss_usd, basis_usd, self.min_loss_usd, self.min_loss_frac
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "min_loss_usd": self.min_loss_usd,
            "min_loss_frac": self.min_loss_frac,
            "substitutes": dict(sorted(self.substitutes.items())),
            "swap_back": self.swap_back,
        }
