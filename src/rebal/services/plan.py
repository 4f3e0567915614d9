"""Service ``plan``: a household's tax-aware trades (and, when asked, a multi-month
schedule, broker orders and an HTML report)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rebal.household import Household
from rebal.planner import Schedule, TradePlan

__all__ = ["Household", "PlanRequest", "PlanRun", "Schedule", "TradePlan", "load_household",
           "plan", "plan_household"]


def load_household(path: str | Path, *, base: str | None = None,
                   fx: str | Path | None = None) -> Household:
    """A household file (YAML/JSON; ``docs/household.md``), validated; ``base`` and ``fx``
    override its base currency and FX table (``--base``, ``--fx``)."""
    from rebal.household import load_household as load

    return load(path, base_currency=base, fx_file=fx)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRequest:
    """What to plan, as plain data.

    Attributes
    ----------
    household
        Path of the household file (YAML/JSON).
    mode
        ``balanced`` (default), ``tax_budget``, ``tax_free`` or ``full_rebalance``
        (:class:`rebal.planner.PlanMode`).
    tax_budget_usd
        Most extra tax this year, dollars (with ``mode="tax_budget"``).
    min_trade_usd
        Smallest order, dollars (or one share where whole shares are traded); an
        account's own ``min_trade_usd`` wins.
    tidy
        Also trade to move in-band classes closer to target.
    carryforward_value
        Value of a dollar of loss carried to later years (dollars per dollar), used in
        the objective and in the comparison with the naive plan.
    time_limit_s
        Solver time limit per solve, seconds.
    months, monthly_contribution_usd
        Also a schedule over this many months (0: none) with this much new money a month.
    orders, report
        Where to write the broker orders (CSV) and the HTML report (``None``: not written).
    base, fx
        Show values in this currency (default: the file's ``base_currency``), and convert
        with this FX table (default: the file's ``fx_file`` or the shipped ECB rates).
    """

    household: str
    mode: str = "balanced"
    tax_budget_usd: float | None = None
    min_trade_usd: float = 100.0
    tidy: bool = False
    carryforward_value: float = 0.05
    time_limit_s: float = 10.0
    months: int = 0
    monthly_contribution_usd: float = 0.0
    orders: str | None = None
    report: str | None = None
    base: str | None = None
    fx: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class PlanRun:
    """The plan, the schedule (when asked) and the files written."""

    plan: TradePlan
    schedule: Schedule | None = None
    orders: Path | None = None
    report: Path | None = None

    @property
    def hit_time_limit(self) -> bool:
        """True when a solve (the plan's, or a month's of the schedule) stopped at the
        solver's time limit: feasible, possibly not optimal (the CLI exits 3)."""
        from rebal.planner.settings import SolveStatus

        plans = [self.plan]
        if self.schedule is not None:
            plans += [m.plan for m in self.schedule.months]
        return any(p.stats.status is SolveStatus.TIME_LIMIT for p in plans)

    def to_dict(self) -> dict[str, Any]:
        """``rebal plan --json``: the plan, and ``schedule`` when one was asked."""
        payload = self.plan.to_dict()
        if self.schedule is not None:
            payload["schedule"] = self.schedule.to_dict()
        return payload


def plan_household(
    household: Household,
    *,
    mode: str = "balanced",
    tax_budget_usd: float | None = None,
    min_trade_usd: float = 100.0,
    tidy: bool = False,
    carryforward_value: float = 0.05,
    time_limit_s: float = 10.0,
    months: int = 0,
    monthly_contribution_usd: float = 0.0,
    orders: str | Path | None = None,
    report: str | Path | None = None,
) -> PlanRun:
    """Plan a loaded household (the options of :class:`PlanRequest`)."""
    from rebal.planner import PlanMode, PlanSettings, schedule, write_orders_csv
    from rebal.planner import plan as make_plan
    from rebal.services.outputs import check_outputs

    check_outputs({"--orders": orders, "--report": report})
    settings = PlanSettings(mode=PlanMode.parse(mode, field="mode"),
                            tax_budget_usd=tax_budget_usd, min_trade_usd=min_trade_usd,
                            tidy=tidy, carryforward_value=carryforward_value,
                            time_limit_s=time_limit_s)
    result = make_plan(household, settings)
    sched = None
    if months:
        sched = schedule(household, months, monthly_contribution_usd, settings=settings)
    orders_path = None if orders is None else write_orders_csv(result, orders)
    report_path = None
    if report is not None:
        from rebal.reports import plan_report

        report_path = plan_report(result, report, schedule=sched)
    return PlanRun(plan=result, schedule=sched, orders=orders_path, report=report_path)


def _check_plan_flags(request: PlanRequest) -> None:
    """Refuse, naming the flag, plan options that cannot mean anything."""
    import math

    from rebal.errors import ConfigError

    amounts = {"--tax-budget": request.tax_budget_usd, "--min-trade": request.min_trade_usd,
               "--monthly-contribution": request.monthly_contribution_usd}
    for flag, value in amounts.items():
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise ConfigError(f"{flag} must be a finite amount >= 0 dollars, got {value:g}")
    if request.months < 0:
        raise ConfigError(f"--months must be >= 0, got {request.months}")
    if request.monthly_contribution_usd and not request.months:
        raise ConfigError("--monthly-contribution needs --months (the schedule it funds)")


def plan(request: PlanRequest) -> PlanRun:
    """Load the household of ``request`` and plan its trades (see :class:`PlanRequest`)."""
    from rebal.services.outputs import check_outputs

    check_outputs({"--orders": request.orders, "--report": request.report})
    _check_plan_flags(request)
    return plan_household(
        load_household(request.household, base=request.base, fx=request.fx),
        mode=request.mode,
        tax_budget_usd=request.tax_budget_usd, min_trade_usd=request.min_trade_usd,
        tidy=request.tidy, carryforward_value=request.carryforward_value,
        time_limit_s=request.time_limit_s,
        months=request.months, monthly_contribution_usd=request.monthly_contribution_usd,
        orders=request.orders, report=request.report,
    )
