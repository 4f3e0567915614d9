"""Helpers for the planner tests: small households from dicts."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from rebal.household import Household, household_from_dict

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "households"


def make(accounts: list[dict], securities: list[dict], lots: list[dict], classes: dict,
         *, household: dict | None = None, recent: list[dict] | None = None,
         location: dict | None = None, as_of: str = "2025-06-30") -> Household:
    """A household from plain dicts (file format); single filer, $100k income by default."""
    hh: dict[str, Any] = {"name": "test", "filing_status": "single",
                          "ordinary_income_usd": 100_000, "state_rate": 0.0}
    hh.update(household or {})
    data: dict[str, Any] = {
        "as_of": as_of, "household": hh, "accounts": copy.deepcopy(accounts),
        "securities": copy.deepcopy(securities), "lots": copy.deepcopy(lots),
        "targets": {"classes": classes},
    }
    if location:
        data["targets"]["location"] = location
    if recent:
        data["recent_trades"] = recent
    return household_from_dict(data)
