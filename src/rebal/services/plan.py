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


def load_household(path: str | Path) -> Household:
    """A household file (YAML/JSON; ``docs/household.md``), validated."""
    from rebal.household import load_household as load

    return load(path)


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
        Smallest order, dollars.
    months, monthly_contribution_usd
        Also a schedule over this many months (0: none) with this much new money a month.
    orders, report
        Where to write the broker orders (CSV) and the HTML report (``None``: not written).
    """

    household: str
    mode: str = "balanced"
    tax_budget_usd: float | None = None
    min_trade_usd: float = 0.0
    months: int = 0
    monthly_contribution_usd: float = 0.0
    orders: str | None = None
    report: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class PlanRun:
    """The plan, the schedule (when asked) and the files written."""

    plan: TradePlan
    schedule: Schedule | None = None
    orders: Path | None = None
    report: Path | None = None

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
    min_trade_usd: float = 0.0,
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
                            tax_budget_usd=tax_budget_usd, min_trade_usd=min_trade_usd)
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


def plan(request: PlanRequest) -> PlanRun:
    """Load the household of ``request`` and plan its trades (see :class:`PlanRequest`)."""
    from rebal.services.outputs import check_outputs

    check_outputs({"--orders": request.orders, "--report": request.report})
    return plan_household(
        load_household(request.household), mode=request.mode,
        tax_budget_usd=request.tax_budget_usd, min_trade_usd=request.min_trade_usd,
        months=request.months, monthly_contribution_usd=request.monthly_contribution_usd,
        orders=request.orders, report=request.report,
    )
