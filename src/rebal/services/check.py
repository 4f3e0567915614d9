"""Service ``check``: a household's drift against its bands today (exit 0 / 10 for cron)."""

from __future__ import annotations

from dataclasses import dataclass

from rebal.household import Household
from rebal.planner import CheckResult

__all__ = ["CheckRequest", "CheckResult", "check", "check_household"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRequest:
    """The household file to check (YAML/JSON path); ``base``: show values in this
    currency (default: the file's ``base_currency``); ``fx``: an FX table to convert with
    instead of the file's ``fx_file`` or the shipped ECB rates."""

    household: str
    base: str | None = None
    fx: str | None = None


def check_household(household: Household) -> CheckResult:
    """Drift, band and trigger state of a loaded household (:func:`rebal.planner.check`;
    ``result.exit_code`` 0 = within bands, 10 = act)."""
    from rebal.planner import check as check_planner

    return check_planner(household)


def check(request: CheckRequest) -> CheckResult:
    """:func:`check_household` of the household file of ``request``."""
    from rebal.services.plan import load_household

    return check_household(load_household(request.household, base=request.base,
                                          fx=request.fx))
