"""Tiered rebalancing: each asset belongs to a tier with its own band and calendars.

A tier looks on one calendar and acts on another: a breach seen on a look day
is remembered (pending) and, on the tier's next action day, the engine
rebalances the tier's assets if one of them is *still* outside its band (see
the CompiledPolicy contract, ``docs/policies.md``). Look and act on the same day
means immediately. Only the firing tier's assets are sized; the net cash comes
from (or goes to) the other assets in proportion to their current weights, so
trades in one tier are funded within the portfolio. The result's rebalance log
records the tier (``group``) that fired.

Presets (the article's):

==========  ======  ==============  ===============  ============
tier        band    look            act              sizing
==========  ======  ==============  ===============  ============
core        ±3 %    monthly         quarterly        to target
satellite   ±5 %    quarterly       semiannual       to band edge
tactical    ±8 %    semiannual      annual           to band edge
==========  ======  ==============  ===============  ============

Bands are absolute half-widths (weight fractions). Period ends of the coarser
calendar are period ends of the finer ones, so a core breach seen at a quarter's
last row acts that same row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from rebal.checks import positive
from rebal.errors import ConfigError
from rebal.policy.context import Context, compiled_policy
from rebal.policy.kinds import PolicyKind
from rebal.policy.policy import SCOPE_CODE, SIZING_CODE, CompiledPolicy, parse_options
from rebal.policy.schedule import period_end_mask
from rebal.policy.triggers import Rule
from rebal.types import FloatArray, Frequency, Scope, Sizing

__all__ = ["CORE", "SATELLITE", "TACTICAL", "TIER_PRESETS", "Tier", "Tiers"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Tier:
    """One tier.

    Parameters
    ----------
    name
        Tier name (``"core"``).
    band
        Absolute half-width (weight fraction, 0 < band < 1).
    look, act
        Look and action calendars.
    sizing
        How far a firing tier's assets trade.
    scope
        ``all`` (every asset of the tier) or ``breached`` (only its breached ones).
    """

    name: str
    band: float
    look: Frequency
    act: Frequency
    sizing: Sizing = Sizing.TO_TARGET
    scope: Scope = Scope.ALL

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError(f"Tier.name must be a non-empty string, got {self.name!r}")
        owner = f"Tier[{self.name!r}]"
        object.__setattr__(self, "band", positive(f"{owner}.band", self.band, below_one=True))
        parse_options(self, owner, "look", "act")


CORE = Tier(name="core", band=0.03, look=Frequency.MONTHLY, act=Frequency.QUARTERLY,
            sizing=Sizing.TO_TARGET)
SATELLITE = Tier(name="satellite", band=0.05, look=Frequency.QUARTERLY,
                 act=Frequency.SEMIANNUAL, sizing=Sizing.TO_EDGE)
TACTICAL = Tier(name="tactical", band=0.08, look=Frequency.SEMIANNUAL, act=Frequency.ANNUAL,
                sizing=Sizing.TO_EDGE)
TIER_PRESETS: Mapping[str, Tier] = MappingProxyType(
    {t.name: t for t in (CORE, SATELLITE, TACTICAL)}
)
"""The article's tiers by name."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tiers:
    """Assets assigned to tiers.

    Parameters
    ----------
    assign
        Asset → tier name; every asset of the portfolio needs a tier.
    tiers
        The tiers by name (default :data:`TIER_PRESETS`). Groups are numbered
        in this order among the tiers that hold an asset, and several tiers
        firing on one row are processed in that order.
    """

    assign: Mapping[str, str]
    tiers: Mapping[str, Tier] = field(default_factory=lambda: TIER_PRESETS)
    rule: ClassVar[Rule] = Rule.TIER
    kind: ClassVar[PolicyKind] = PolicyKind.TIERS

    def __post_init__(self) -> None:
        if not isinstance(self.assign, Mapping) or not self.assign:
            raise ConfigError("Tiers.assign must map each asset to a tier name")
        tiers = dict(self.tiers)
        for name, tier in tiers.items():
            if not isinstance(tier, Tier) or tier.name != name:
                raise ConfigError(f"Tiers.tiers[{name!r}] must be a Tier named {name!r}")
        for asset, tier_name in self.assign.items():
            if tier_name not in tiers:
                raise ConfigError(
                    f"Tiers.assign[{asset!r}]: unknown tier {tier_name!r}; choose one of "
                    f"{', '.join(tiers)}"
                )
        object.__setattr__(self, "assign", MappingProxyType(dict(self.assign)))
        object.__setattr__(self, "tiers", MappingProxyType(tiers))

    @property
    def label(self) -> str:
        return "tiers:" + ",".join(f"{a}={t}" for a, t in self.assign.items())

    def used(self, assets: tuple[str, ...]) -> list[Tier]:
        """The tiers holding at least one of ``assets``, in group order."""
        unknown = [a for a in self.assign if a not in assets]
        if unknown:
            raise ConfigError(
                f"Tiers.assign: unknown asset {unknown[0]!r}; the portfolio has {', '.join(assets)}"
            )
        missing = [a for a in assets if a not in self.assign]
        if missing:
            raise ConfigError(f"Tiers.assign: no tier for {', '.join(missing)}")
        names = set(self.assign[a] for a in assets)
        return [t for n, t in self.tiers.items() if n in names]

    def compile(self, ctx: Context, target: FloatArray, *, name: str) -> CompiledPolicy:
        assets = ctx.market.assets
        used = self.used(assets)
        gid = {t.name: g for g, t in enumerate(used)}
        group = np.array([gid[self.assign[a]] for a in assets], dtype=np.int64)
        look = np.stack([period_end_mask(ctx.dates, t.look) for t in used], axis=1)
        act = np.stack([period_end_mask(ctx.dates, t.act) for t in used], axis=1)
        band = np.array([[used[g].band for g in group]])
        return compiled_policy(
            name=name,
            group=group,
            check=look,
            act=act,
            band=band,
            sizing=np.array([SIZING_CODE[t.sizing] for t in used], dtype=np.int64),  # type: ignore[index]
            scope=np.array([SCOPE_CODE[t.scope] for t in used], dtype=np.int64),  # type: ignore[index]
            rule=int(Rule.TIER),
        )
