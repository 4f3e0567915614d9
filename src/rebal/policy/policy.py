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

import math
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy.kinds import PolicyKind, kind_of
from rebal.policy.schedule import Calendar
from rebal.policy.triggers import Always, BandTrigger, Never, Trigger
from rebal.types import BoolArray, FloatArray, Frequency, IntArray, Scope, Sizing

__all__ = [
    "BUILTIN_TRIGGERS",
    "SCOPE_CODE",
    "SIZING_CODE",
    "CompiledPolicy",
    "Policy",
    "parse_options",
]

SIZING_CODE = {Sizing.TO_TARGET: 0, Sizing.TO_EDGE: 1, Sizing.HALFWAY: 2}
SCOPE_CODE = {Scope.ALL: 0, Scope.BREACHED: 1}
BUILTIN_TRIGGERS = (Always, BandTrigger, Never)
"""The triggers of the plain kinds (calendar, band, buy-and-hold)."""
_ONE_GROUP_CODES = tuple(np.array([k], dtype=np.int64) for k in range(3))


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class CompiledPolicy:
    """A policy as the kernel sees it on one market (contract v2, ``docs/conventions.md``).

    Attributes
    ----------
    name
        The policy's name.
    check
        LOOK days: ``(n_days, n_groups)`` bool per group, or ``(n_days,)`` for one
        group; never row 0.
    band
        ``(n_days, n_assets)`` float64 half-widths (weight fractions) in force on
        each row, or ``(1, n_assets)`` for widths that never change; negative
        means "trade on every look day" (no band).
    sizing
        Per group (``(n_groups,)`` or one int for all): 0 = to target, 1 = to
        edge, 2 = halfway (:data:`SIZING_CODE`).
    scope
        Per group (``(n_groups,)`` or one int): 0 = every asset of the group,
        1 = its breached assets only (:data:`SCOPE_CODE`).
    rule
        :class:`Rule` code recorded for each rebalance this policy makes.
    group
        ``(n_assets,)`` int group (tier) of each asset, ``0 … n_groups - 1``;
        ``None`` = all 0.
    act
        ACTION days ``(n_days, n_groups)`` (same shape as ``check``), or ``None``
        to act on look days. A hit on a look day sets the group's pending flag;
        on an action day with the flag set the trigger is evaluated again on the
        current weights, the group rebalances if it still fires, and the flag is
        cleared.
    trigger_kind
        0 = band/calendar (a group fires when one of its assets is strictly
        beyond its band); 1 = score (one group; every band must be > 0).
    score_weights
        ``(w_drift, w_time)`` of the score.
    score_horizon_rows
        Rows after which the time factor reaches 100.
    score_threshold
        The score fires when ``score >= score_threshold``.
    market_factor
        ``(n_days,)`` precomputed market part of the score (``None`` = zeros).
    regime
        ``(n_days,)`` state logged with each rebalance (NaN allowed), or ``None``.
    regime_label
        What ``regime`` is (``"VIX"``, ``"avg corr"`` …).

    The score at a look day ``t`` (kind 1)::

        score = w_drift * 100 * max_i |w_i - target_i| / band[t, i]
                + market_factor[t]
                + w_time * 100 * (t - last rebalance row) / score_horizon_rows

    (the last rebalance row is 0 before the first rebalance).
    """

    name: str
    check: BoolArray
    band: FloatArray
    sizing: int | IntArray
    scope: int | IntArray
    rule: int
    group: IntArray | None = None
    act: BoolArray | None = None
    trigger_kind: int = 0
    score_weights: tuple[float, float] = (1.0, 0.0)
    score_horizon_rows: float = 252.0
    score_threshold: float = 100.0
    market_factor: FloatArray | None = None
    regime: FloatArray | None = None
    regime_label: str = ""
    # the kernel's forms, derived once here: (n_days, n_groups) looks, per-group codes
    kernel_check: BoolArray = field(init=False, repr=False)
    kernel_sizing: IntArray = field(init=False, repr=False)
    kernel_scope: IntArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        check = np.ascontiguousarray(self.check, dtype=np.bool_)
        band = np.ascontiguousarray(self.band, dtype=np.float64)
        if check.ndim not in (1, 2) or band.ndim != 2 or band.shape[0] not in (1, check.shape[0]):
            raise ConfigError(
                f"CompiledPolicy: check (n_days[, n_groups]) and band (n_days, n_assets) "
                f"disagree: {check.shape} vs {band.shape}"
            )
        n_days, n_assets = check.shape[0], band.shape[1]
        check2 = check.reshape(n_days, -1) if check.ndim == 1 else check
        n_groups = check2.shape[1]
        if n_groups < 1:
            raise ConfigError("CompiledPolicy.check needs at least one group column")
        if n_days and (check2[0, 0] if n_groups == 1 else check2[0].any()):
            raise ConfigError("CompiledPolicy.check: row 0 is the initial purchase, never a check")
        if np.isnan(band.min()):  # one reduction: NaN propagates through min
            raise ConfigError("CompiledPolicy.band must not contain NaN")
        codes = {}
        for fname, top in (("sizing", 2), ("scope", 1)):
            raw = getattr(self, fname)
            if isinstance(raw, (int, np.integer)) and not isinstance(raw, bool):
                ok = 0 <= raw <= top
                arr = np.array([raw] * n_groups, dtype=np.int64)
            else:
                arr = np.array(raw, dtype=np.int64, ndmin=1)
                if arr.shape == (1,):
                    arr = np.repeat(arr, n_groups)
                ok = arr.shape == (n_groups,) and bool((arr >= 0).all() and (arr <= top).all())
            if not ok:
                raise ConfigError(
                    f"CompiledPolicy.{fname} must be 0…{top} per group "
                    f"({n_groups} groups), got {raw!r}"
                )
            codes[fname] = arr
        if self.group is None:
            group = np.zeros(n_assets, dtype=np.int64)
        else:
            group = np.ascontiguousarray(self.group, dtype=np.int64)
            if group.shape != (n_assets,) or (group < 0).any() or (group >= n_groups).any():
                raise ConfigError(
                    f"CompiledPolicy.group must be ({n_assets},) ints in 0…{n_groups - 1}, "
                    f"got {self.group!r}"
                )
        act = None
        if self.act is not None:
            act = np.ascontiguousarray(self.act, dtype=np.bool_)
            act = act.reshape(n_days, -1) if act.ndim == 1 else act
            if act.shape != check2.shape:
                raise ConfigError(
                    f"CompiledPolicy.act must have the shape of check {check2.shape}, "
                    f"got {act.shape}"
                )
            if n_days and act[0].any():
                raise ConfigError(
                    "CompiledPolicy.act: row 0 is the initial purchase, never an action"
                )
        if self.trigger_kind not in (0, 1):
            raise ConfigError(
                f"CompiledPolicy.trigger_kind must be 0 or 1, got {self.trigger_kind!r}"
            )
        market_factor = None
        if self.market_factor is not None:
            market_factor = np.ascontiguousarray(self.market_factor, dtype=np.float64)
            if market_factor.shape != (n_days,) or not np.isfinite(market_factor).all():
                raise ConfigError(
                    f"CompiledPolicy.market_factor must be ({n_days},) finite values, "
                    f"got shape {market_factor.shape}"
                )
        try:
            w_drift, w_time = (float(v) for v in self.score_weights)
            horizon, threshold = float(self.score_horizon_rows), float(self.score_threshold)
        except (TypeError, ValueError):
            raise ConfigError(
                "CompiledPolicy.score_weights must be (w_drift, w_time) and the score horizon "
                "and threshold numbers"
            ) from None
        if self.trigger_kind == 1:
            if n_groups != 1:
                raise ConfigError(
                    f"CompiledPolicy: the score trigger takes one group, got {n_groups}"
                )
            if not (band > 0).all():
                raise ConfigError(
                    "CompiledPolicy.band must be > 0 everywhere for the score trigger"
                )
            finite = all(math.isfinite(v) for v in (w_drift, w_time, threshold))
            if not (finite and 0 < horizon < math.inf):
                raise ConfigError(
                    f"CompiledPolicy: score weights ({w_drift}, {w_time}) and threshold "
                    f"{threshold} must be finite and score_horizon_rows > 0, got {horizon}"
                )
        regime = None
        if self.regime is not None:
            regime = np.ascontiguousarray(self.regime, dtype=np.float64)
            if regime.shape != (n_days,):
                raise ConfigError(
                    f"CompiledPolicy.regime must have shape ({n_days},), got {regime.shape}"
                )
        sa = object.__setattr__
        sa(self, "check", check)
        sa(self, "band", band)
        sa(self, "group", group)
        sa(self, "act", act)
        sa(self, "score_weights", (w_drift, w_time))
        sa(self, "score_horizon_rows", horizon)
        sa(self, "score_threshold", threshold)
        sa(self, "market_factor", market_factor)
        sa(self, "regime", regime)
        sa(self, "regime_label", str(self.regime_label))
        sa(self, "kernel_check", check2)
        sa(self, "kernel_sizing", codes["sizing"])
        sa(self, "kernel_scope", codes["scope"])

    @classmethod
    def _trusted(
        cls, *, name: str, check: BoolArray, band: FloatArray, sizing: int, scope: int,
        rule: int,
    ) -> CompiledPolicy:
        """The constructor of compilers that build the arrays themselves (one group,
        no action days, band/calendar trigger): no validation.

        The caller guarantees what ``__post_init__`` would check: ``check``
        ``(n_days,)`` contiguous bool with row 0 False; ``band`` ``(1 | n_days,
        n_assets)`` contiguous float64 without NaN; ``sizing`` in 0…2, ``scope`` in
        0…1 (plain ints). User-built policies go through the validating constructor.
        """
        self = object.__new__(cls)
        sa = object.__setattr__
        sa(self, "name", name)
        sa(self, "check", check)
        sa(self, "band", band)
        sa(self, "sizing", sizing)
        sa(self, "scope", scope)
        sa(self, "rule", rule)
        sa(self, "group", np.zeros(band.shape[1], dtype=np.int64))
        sa(self, "act", None)
        sa(self, "trigger_kind", 0)
        sa(self, "score_weights", (1.0, 0.0))
        sa(self, "score_horizon_rows", 252.0)
        sa(self, "score_threshold", 100.0)
        sa(self, "market_factor", None)
        sa(self, "regime", None)
        sa(self, "regime_label", "")
        sa(self, "kernel_check", check.reshape(check.shape[0], 1))
        # fresh (writeable) copies of the one-group code arrays: the kernel's types
        sa(self, "kernel_sizing", _ONE_GROUP_CODES[sizing].copy())
        sa(self, "kernel_scope", _ONE_GROUP_CODES[scope].copy())
        return self

    @property
    def n_days(self) -> int:
        return int(self.check.shape[0])

    @property
    def n_assets(self) -> int:
        return int(self.band.shape[1])

    @property
    def n_groups(self) -> int:
        return int(self.kernel_check.shape[1])


def parse_options(obj: Any, owner: str, *frequencies: str) -> None:
    """Parse a policy's option fields into their enums, in place (a frozen dataclass).

    Each field named in ``frequencies`` (``"check"``, ``"calendar"`` …) becomes a
    :class:`Frequency`, then ``sizing`` a :class:`Sizing` and ``scope`` a
    :class:`Scope`, in that order; a bad value raises :class:`ConfigError` naming
    ``{owner}.{field}``.
    """
    for name in frequencies:
        object.__setattr__(obj, name, Frequency.parse(getattr(obj, name), field=f"{owner}.{name}"))
    object.__setattr__(obj, "sizing", Sizing.parse(obj.sizing, field=f"{owner}.sizing"))
    object.__setattr__(obj, "scope", Scope.parse(obj.scope, field=f"{owner}.scope"))


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
        parse_options(self, "Policy")
        if not isinstance(self.cash_flow_only, bool):
            raise ConfigError(
                f"Policy.cash_flow_only must be True or False, got {self.cash_flow_only!r}"
            )

    @property
    def kind(self) -> PolicyKind:
        """The policy's :class:`PolicyKind`: buy-and-hold when it trades only through
        cash flows, else its trigger's kind (:attr:`PolicyKind.CUSTOM` for a trigger
        without one)."""
        if self.cash_flow_only:
            return PolicyKind.BUY_AND_HOLD
        return kind_of(self.trigger)

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
            check = self.schedule.market_mask(market)
        sizing = SIZING_CODE[self.sizing]  # type: ignore[index]
        scope = SCOPE_CODE[self.scope]  # type: ignore[index]
        rule = int(self.trigger.rule)
        if (
            type(self.schedule) is Calendar
            and type(self.trigger) in BUILTIN_TRIGGERS
            and bands.ndim == 2
            and bands.flags.c_contiguous
            and (type(self.trigger) is not BandTrigger or not np.isnan(bands.min()))
        ):
            # our own arrays (contiguous float64 bands, NaN only from a NaN target,
            # checked; the calendar mask never looks at row 0): the trusted
            # constructor skips the rest of the validation
            return CompiledPolicy._trusted(
                name=self.name, check=check, band=bands, sizing=sizing, scope=scope, rule=rule
            )
        return CompiledPolicy(
            name=self.name, check=check, band=bands, sizing=sizing, scope=scope, rule=rule
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
