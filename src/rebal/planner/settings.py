"""Planner settings: what the user trades off (tax budget, tax-free only, full rebalance).

Units: dollars for ``*_usd``; objective weights are dollars of penalty per dollar of
deviation (or of traded value), so they compare directly with dollars of tax.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

from rebal.errors import ConfigError
from rebal.tax.records import Record
from rebal.types import ParseEnum

__all__ = ["PlanMode", "PlanSettings", "SolveStatus", "Step"]


class PlanMode(ParseEnum):
    """The user's trade-off between staying on target and paying tax.

    ``BALANCED`` (default): deviation outside a band costs $1 per dollar, so the plan
    brings breached classes back to their band edge unless that is impossible; inside
    the band it trades only when (nearly) free. ``TAX_BUDGET``: the same, with at most
    ``tax_budget_usd`` of extra tax this year. ``TAX_FREE``: extra tax ≤ 0.
    ``FULL_REBALANCE``: every class inside its band after the plan (hard constraint),
    whatever the tax.
    """

    BALANCED = "balanced"
    TAX_BUDGET = "tax_budget"
    TAX_FREE = "tax_free"
    FULL_REBALANCE = "full_rebalance"


class SolveStatus(ParseEnum):
    """How a solve ended. The value is the text the CLI, HTML report and ``--json`` show.

    ``OPTIMAL``; ``TIME_LIMIT`` (a feasible, possibly sub-optimal point); ``INFEASIBLE``;
    ``UNBOUNDED``; ``ERROR``; ``NOT_RUN`` (``""``: no optimization, the naive plan).
    """

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"
    NOT_RUN = ""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def has_point(self) -> bool:
        """True for the statuses that come with a feasible point."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT)


class Step(IntEnum):
    """The article's five steps, used to label each trade."""

    NEW_MONEY = 1
    TAX_ADVANTAGED = 2
    HARVEST = 3
    GAIN_REALIZATION = 4
    REMAINING = 5

    @property
    def label(self) -> str:
        return {
            1: "invest new money",
            2: "trade inside tax-advantaged accounts",
            3: "harvest losses",
            4: "realize gains at 0% or against harvested losses",
            5: "other taxable trades",
        }[int(self)]


def _nonneg(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ConfigError(f"PlanSettings.{name} must be a finite number >= 0, got {value!r}")
    return v


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSettings(Record):
    """Options of :func:`rebal.planner.plan` (keyword-only, validated at once).

    Attributes
    ----------
    mode
        See :class:`PlanMode`.
    tax_budget_usd
        Most extra federal + state tax this year the plan may cause, dollars; required
        with (and only with) ``PlanMode.TAX_BUDGET``.
    min_trade_usd
        No order smaller than this many dollars, or than one share where the account
        trades whole shares (0 = no minimum; an account's own ``min_trade_usd`` in the
        household file wins). A sale may still empty a smaller position. Modelled with
        semi-continuous variables (0 or at least the minimum).
    tidy
        Also trade to move classes that are inside their band closer to target. Off by
        default: a sale then needs a reason of its own (a breached band, a cash need, a
        harvested loss, a gain at 0 %); new money still goes to the largest gaps.
    harvest
        Harvest losses; ``None`` = the household's ``harvest.enabled``.
    realize_zero_bracket_gains
        Realize long-term gains that fit in the 0 % bracket (sell and buy back);
        ``None`` = the household's setting.
    use_location
        Apply the household's asset-location preferences (small objective term).
    compare_naive
        Also build the naive plan and report the saving.
    band_slack_usd
        Extra dollars of deviation per class tolerated before the outside-band penalty
        applies (used by the multi-month schedule: future contributions will close it).
    outside_weight, inside_weight
        Penalty per dollar of class deviation outside the band, and base penalty per
        dollar inside it (three pieces weighted 1×, 2×, 3× so new money goes to the
        largest underweights first).
    location_weight
        Penalty per dollar of a class per rank step away from its preferred account type.
    carryforward_value
        Value of a dollar of loss carried to later years (objective only; the reported
        tax is this year's).
    zero_bracket_value
        Reward per dollar of long-term gain realized inside the 0 % room (basis step-up),
        when ``realize_zero_bracket_gains``.
    time_limit_s
        Solver time limit, seconds.
    mip_gap_usd
        Branch-and-bound stops once the plan's objective is proven within this many
        dollars of the optimum (> 0; a simulation of many months may accept $1).
    """

    mode: PlanMode = PlanMode.BALANCED
    tax_budget_usd: float | None = None
    min_trade_usd: float = 100.0
    tidy: bool = False
    harvest: bool | None = None
    realize_zero_bracket_gains: bool | None = None
    use_location: bool = True
    compare_naive: bool = True
    band_slack_usd: float = 0.0
    outside_weight: float = 1.0
    inside_weight: float = 0.002
    location_weight: float = 0.0005
    carryforward_value: float = 0.05
    zero_bracket_value: float = 0.02
    time_limit_s: float = 10.0
    mip_gap_usd: float = 0.05

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", PlanMode.parse(self.mode, field="PlanSettings.mode"))
        if self.mode is PlanMode.TAX_BUDGET:
            if self.tax_budget_usd is None:
                raise ConfigError("PlanSettings.tax_budget_usd is required with mode tax_budget")
            b = float(self.tax_budget_usd)
            if not math.isfinite(b):
                raise ConfigError(
                    f"PlanSettings.tax_budget_usd must be finite, got {self.tax_budget_usd!r}"
                )
            object.__setattr__(self, "tax_budget_usd", b)
        elif self.tax_budget_usd is not None:
            raise ConfigError(
                "PlanSettings.tax_budget_usd is only used with mode tax_budget, "
                f"not {self.mode.value}"
            )
        for name in ("min_trade_usd", "band_slack_usd", "outside_weight", "inside_weight",
                     "location_weight", "carryforward_value", "zero_bracket_value"):
            object.__setattr__(self, name, _nonneg(name, getattr(self, name)))
        if not (float(self.time_limit_s) > 0):
            raise ConfigError(f"PlanSettings.time_limit_s must be > 0, got {self.time_limit_s!r}")
        if not (math.isfinite(float(self.mip_gap_usd)) and float(self.mip_gap_usd) > 0):
            raise ConfigError(f"PlanSettings.mip_gap_usd must be > 0, got {self.mip_gap_usd!r}")
        if self.outside_weight <= self.inside_weight * 3:
            raise ConfigError("PlanSettings.outside_weight must exceed 3 × inside_weight")

    @property
    def tax_cap_usd(self) -> float | None:
        """The hard cap on extra tax implied by the mode (None = no cap)."""
        if self.mode is PlanMode.TAX_BUDGET:
            return self.tax_budget_usd
        if self.mode is PlanMode.TAX_FREE:
            return 0.0
        return None
