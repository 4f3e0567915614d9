"""Combining a calendar and a band.

- **Calendar + threshold** (Daryanani's opportunistic rebalancing): look on a
  calendar, trade only if an asset is outside its band — that is a plain band
  policy with ``check=<calendar>``; :func:`calendar_threshold` builds it.
- **Either fires** (:class:`EitherFires`): rebalance on every period end of the
  calendar *and* whenever the band is breached on a band look day (default
  every close). On calendar rows the compiled band is negative ("always trade");
  the logged regime is 1 on calendar rows and 0 elsewhere, so the rebalance log
  says which of the two fired (a calendar row that was also breached logs 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from rebal.errors import ConfigError
from rebal.policy.bands import AbsoluteBand, RelativeBand, half_widths, widths_label
from rebal.policy.context import Context, compiled_policy
from rebal.policy.kinds import PolicyKind
from rebal.policy.policy import SCOPE_CODE, SIZING_CODE, CompiledPolicy, Policy, parse_options
from rebal.policy.schedule import period_end_mask
from rebal.policy.triggers import ALWAYS_TRADE, Rule
from rebal.types import FloatArray, Frequency, Scope, Sizing

__all__ = ["EitherFires", "calendar_threshold"]


def calendar_threshold(
    calendar: Frequency | str,
    *,
    absolute: float | None = None,
    relative: float | None = None,
    sizing: Sizing | str = Sizing.TO_TARGET,
    scope: Scope | str = Scope.ALL,
    name: str | None = None,
) -> Policy:
    """Look on ``calendar``; trade if outside the band (``Policy.band(check=calendar)``)."""
    return Policy.band(
        absolute=absolute, relative=relative, check=calendar, sizing=sizing, scope=scope, name=name
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class EitherFires:
    """Rebalance on the calendar OR when the band is breached.

    Parameters
    ----------
    calendar
        The calendar rule (always trades on its period ends).
    absolute, relative
        The band (fractions; at least one; with both the smaller binds).
    band_check
        When the band is looked at (default every close).
    sizing, scope
        As for a band policy (a calendar row sizes with a zero half-width, i.e.
        to target).
    """

    calendar: Frequency
    absolute: AbsoluteBand | None = None
    relative: RelativeBand | None = None
    band_check: Frequency = Frequency.DAILY
    sizing: Sizing = Sizing.TO_TARGET
    scope: Scope = Scope.ALL
    rule: ClassVar[Rule] = Rule.EITHER
    kind: ClassVar[PolicyKind] = PolicyKind.EITHER

    def __post_init__(self) -> None:
        owner = "EitherFires"
        if self.absolute is None and self.relative is None:
            raise ConfigError(f"{owner} needs absolute=, relative= or both")
        if self.absolute is not None and not isinstance(self.absolute, AbsoluteBand):
            object.__setattr__(self, "absolute", AbsoluteBand(self.absolute))  # type: ignore[arg-type]
        if self.relative is not None and not isinstance(self.relative, RelativeBand):
            object.__setattr__(self, "relative", RelativeBand(self.relative))  # type: ignore[arg-type]
        parse_options(self, owner, "calendar", "band_check")

    @property
    def label(self) -> str:
        bands = widths_label(self.absolute, self.relative)
        return f"either:calendar={self.calendar.value},{bands}"

    def compile(self, ctx: Context, target: FloatArray, *, name: str) -> CompiledPolicy:
        cal = period_end_mask(ctx.dates, self.calendar)  # type: ignore[arg-type]
        look = period_end_mask(ctx.dates, self.band_check)  # type: ignore[arg-type]
        hw = half_widths(target, self.absolute, self.relative)
        band = np.where(cal[:, None], ALWAYS_TRADE, hw[None, :])
        return compiled_policy(
            name=name,
            check=cal | look,
            band=band,
            sizing=SIZING_CODE[self.sizing],  # type: ignore[index]
            scope=SCOPE_CODE[self.scope],  # type: ignore[index]
            rule=int(Rule.EITHER),
            regime=cal.astype(np.float64),
            regime_label="calendar day (1) or band look (0)",
        )
