"""Service ``check``: a household's drift against its bands today (exit 0 / 10 for cron)."""

from __future__ import annotations

from dataclasses import dataclass

from rebal.household import Household
from rebal.planner import CheckResult

__all__ = ["CheckRequest", "CheckResult", "check", "check_household"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRequest:
    """The household file to check (YAML/JSON path)."""

    household: str


def check_household(household: Household) -> CheckResult:
    """Drift, band and trigger state of a loaded household (:func:`rebal.planner.check`;
    ``result.exit_code`` 0 = within bands, 10 = act)."""
    from rebal.planner import check as check_planner

    return check_planner(household)


def check(request: CheckRequest) -> CheckResult:
    """:func:`check_household` of the household file of ``request``."""
    from rebal.services.plan import load_household

    return check_household(load_household(request.household))
