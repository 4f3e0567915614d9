"""The tax-aware household planner: one optimization (HiGHS), trades with reasons.

Public API::

    plan(household, settings=PlanSettings(...)) -> TradePlan
    naive_plan(household) -> TradePlan
    schedule(household, months, monthly_contribution_usd, ...) -> Schedule
    check(household) -> CheckResult
    write_orders_csv(plan, path)

See docs/planner.md. Only ``planner/solver.py`` imports the solver.
"""

from rebal.planner.check import CheckResult, ClassCheck, TierCheck, check
from rebal.planner.naive import naive_plan
from rebal.planner.plan import do_not_buy, plan
from rebal.planner.result import (
    AccountAllocation,
    ClassAllocation,
    DoNotBuyEntry,
    LotRelief,
    PlannedTrade,
    SolveStats,
    TaxSummary,
    TradePlan,
    write_orders_csv,
)
from rebal.planner.schedule import MonthPlan, Schedule, schedule
from rebal.planner.settings import PlanMode, PlanSettings, Step

__all__ = [
    "AccountAllocation",
    "CheckResult",
    "ClassAllocation",
    "ClassCheck",
    "DoNotBuyEntry",
    "LotRelief",
    "MonthPlan",
    "PlanMode",
    "PlanSettings",
    "PlannedTrade",
    "Schedule",
    "SolveStats",
    "Step",
    "TaxSummary",
    "TierCheck",
    "TradePlan",
    "check",
    "do_not_buy",
    "naive_plan",
    "plan",
    "schedule",
    "write_orders_csv",
]
