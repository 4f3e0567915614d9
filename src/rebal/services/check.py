"""Service ``check``: a household's drift against its bands today (exit 0 / 10 for cron)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rebal.planner import CheckResult

__all__ = ["CheckRequest", "check"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRequest:
    """The household file to check (YAML/JSON path)."""

    household: str


def check(request: CheckRequest) -> CheckResult:
    """Drift, band and trigger state of the household of ``request``
    (:func:`rebal.planner.check`; ``result.exit_code`` 0 = within bands, 10 = act)."""
    from rebal.household import load_household
    from rebal.planner import check as check_household

    return check_household(load_household(request.household))
