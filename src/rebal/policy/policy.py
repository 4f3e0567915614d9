"""A rebalancing policy = when to look + whether to trade + how much.

``Policy(name=..., schedule=Calendar(Frequency.MONTHLY), trigger=BandTrigger(...),
sizing=Sizing.TO_TARGET, scope=Scope.ALL)`` compiles, against a market and a
target, into a :class:`CompiledPolicy` of plain arrays that the numba kernel
reads (see ``docs/conventions.md`` for the exact semantics):

- ``check`` ``(n_days,)`` bool — the rows where the trigger is evaluated;
- ``band`` ``(n_days, n_assets)`` float — half-widths in force on each row
  (negative = trade on every check day), or ``(1, n_assets)`` when constant;
- ``sizing`` / ``scope`` int codes.

Sizing (what a sized asset is moved to), with ``lo = max(target - hw, 0)`` and
``hi = min(target + hw, 1)`` (``hw`` = 0 for a calendar):

- ``TO_TARGET``: its target weight;
- ``TO_EDGE``: the nearest point of its band (the nearest edge for a breached asset);
- ``HALFWAY``: halfway between its target and that point.

Scope: ``ALL`` sizes every asset; ``BREACHED`` sizes only the breached ones and the
others absorb the residual weight in proportion to their current weights. When
every asset is sized under ``TO_EDGE``/``HALFWAY``, the per-asset points need not sum
to 1, so the edge point is the Euclidean projection of the current weights onto
``{lo <= w <= hi, sum(w) = 1}`` (the smallest move that puts every asset inside
its band). ``BREACHED`` falls back to that joint solution when the absorbers have
no weight or the sized assets already take more than the whole portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np

from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy.schedule import Calendar
from rebal.policy.triggers import Always, BandTrigger, Never, Trigger
from rebal.types import BoolArray, FloatArray, Frequency, Scope, Sizing

__all__ = ["SCOPE_CODE", "SIZING_CODE", "CompiledPolicy", "Policy"]

SIZING_CODE = {Sizing.TO_TARGET: 0, Sizing.TO_EDGE: 1, Sizing.HALFWAY: 2}
SCOPE_CODE = {Scope.ALL: 0, Scope.BREACHED: 1}


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class CompiledPolicy:
    """A policy as the kernel sees it on one market.

    Attributes
    ----------
    name
        The policy's name.
    check
        ``(n_days,)`` bool: rows where the trigger is evaluated (never row 0).
    band
        ``(n_days, n_assets)`` float64 half-widths (weight fractions) in force on
        each row, or ``(1, n_assets)`` for widths that never change; negative
        means "trade on every check day" (no band).
    sizing
        0 = to target, 1 = to edge, 2 = halfway (:data:`SIZING_CODE`).
    scope
        0 = all assets, 1 = breached only (:data:`SCOPE_CODE`).
    rule
        :class:`Rule` code recorded for each rebalance this policy makes.
    """

    name: str
    check: BoolArray
    band: FloatArray
    sizing: int
    scope: int
    rule: int

    def __post_init__(self) -> None:
        check = np.ascontiguousarray(self.check, dtype=np.bool_)
        band = np.ascontiguousarray(self.band, dtype=np.float64)
        if check.ndim != 1 or band.ndim != 2 or band.shape[0] not in (1, check.shape[0]):
            raise ConfigError(
                f"CompiledPolicy: check (n_days,) and band (n_days, n_assets) disagree: "
                f"{check.shape} vs {band.shape}"
            )
        if check.shape[0] and check[0]:
            raise ConfigError("CompiledPolicy.check: row 0 is the initial purchase, never a check")
        if np.any(np.isnan(band)):
            raise ConfigError("CompiledPolicy.band must not contain NaN")
        if self.sizing not in (0, 1, 2):
            raise ConfigError(f"CompiledPolicy.sizing must be 0, 1 or 2, got {self.sizing}")
        if self.scope not in (0, 1):
            raise ConfigError(f"CompiledPolicy.scope must be 0 or 1, got {self.scope}")
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "band", band)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """A rebalancing policy.

    Parameters
    ----------
    name
        Display name (``"5/25 monthly"``).
    schedule
        When to look; default every row after the first.
    trigger
        Whether to trade on a check day: :class:`Always` (calendar),
        :class:`Never` (buy-and-hold) or :class:`BandTrigger`.
    sizing
        How far to trade a sized asset (:class:`rebal.types.Sizing`).
    scope
        Which assets are sized (:class:`rebal.types.Scope`).
    cash_flow_only
        True: never trade except through cash flows (contributions buy the most
        underweight assets, withdrawals sell the most overweight).
    """

    name: str
    schedule: Calendar = field(default_factory=Calendar)
    trigger: Trigger = field(default_factory=Always)
    sizing: Sizing = Sizing.TO_TARGET
    scope: Scope = Scope.ALL
    cash_flow_only: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError(f"Policy.name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.schedule, Calendar):
            raise ConfigError(
                f"Policy.schedule must be a Calendar, got {type(self.schedule).__name__}"
            )
        if not isinstance(self.trigger, Trigger):
            raise ConfigError(
                f"Policy.trigger must be a trigger (Always, Never, BandTrigger), "
                f"got {type(self.trigger).__name__}"
            )
        object.__setattr__(self, "sizing", Sizing.parse(self.sizing, field="Policy.sizing"))
        object.__setattr__(self, "scope", Scope.parse(self.scope, field="Policy.scope"))
        if not isinstance(self.cash_flow_only, bool):
            raise ConfigError(
                f"Policy.cash_flow_only must be True or False, got {self.cash_flow_only!r}"
            )

    def compile(self, market: MarketData, target: FloatArray) -> CompiledPolicy:
        """The kernel arrays of this policy on ``market`` for ``target`` weights.

        Parameters
        ----------
        market
            The rows to run on.
        target
            ``(n_assets,)`` target weights in ``market.assets`` order.
        """
        target = np.asarray(target, dtype=np.float64)
        bands = None if self.cash_flow_only else self.trigger.bands(market, target)
        if bands is None:
            check = np.zeros(market.n_days, dtype=np.bool_)
            bands = np.zeros((1, target.shape[0]))
        else:
            check = self.schedule.mask(market.dates)
        return CompiledPolicy(
            name=self.name,
            check=check,
            band=bands,
            sizing=SIZING_CODE[self.sizing],  # type: ignore[index]
            scope=SCOPE_CODE[self.scope],  # type: ignore[index]
            rule=int(self.trigger.rule),
        )

    # ------------------------------------------------------------ presets
    @classmethod
    def buy_and_hold(cls, name: str = "buy-and-hold") -> Policy:
        """Buy at the first close and never trade again (except cash flows)."""
        return cls(name=name, trigger=Never(), cash_flow_only=True)

    @classmethod
    def calendar(cls, frequency: Frequency | str, name: str | None = None) -> Policy:
        """Rebalance to target on the last row of every period."""
        freq = cast(Frequency, Frequency.parse(frequency, field="frequency"))
        return cls(name=name or str(freq.value), schedule=Calendar(freq), trigger=Always())

    @classmethod
    def band(
        cls,
        *,
        absolute: float | None = None,
        relative: float | None = None,
        check: Frequency | str = Frequency.DAILY,
        sizing: Sizing | str = Sizing.TO_TARGET,
        scope: Scope | str = Scope.ALL,
        name: str | None = None,
    ) -> Policy:
        """A drift-band policy (``absolute`` / ``relative`` widths as fractions)."""
        from rebal.policy.bands import AbsoluteBand, RelativeBand

        trig = BandTrigger(
            absolute=None if absolute is None else AbsoluteBand(absolute),
            relative=None if relative is None else RelativeBand(relative),
        )
        freq = cast(Frequency, Frequency.parse(check, field="check"))
        if name is None:
            name = trig.label
            if freq is not Frequency.DAILY:
                name += f",check={freq.value}"
        return cls(
            name=name,
            schedule=Calendar(freq),
            trigger=trig,
            sizing=Sizing.parse(sizing, field="sizing"),  # type: ignore[arg-type]
            scope=Scope.parse(scope, field="scope"),  # type: ignore[arg-type]
        )
