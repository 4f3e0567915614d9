"""Rebalancing policies: when to look (schedule), whether to trade (trigger),
how much (sizing, scope). See :mod:`rebal.policy.policy`."""

from rebal.policy.bands import BREACH_TOL, AbsoluteBand, RelativeBand, half_widths
from rebal.policy.parse import parse_policy
from rebal.policy.policy import CompiledPolicy, Policy
from rebal.policy.schedule import Calendar, period_end_mask
from rebal.policy.target import target_array
from rebal.policy.triggers import ALWAYS_TRADE, Always, BandTrigger, Never, Rule, Trigger
from rebal.types import Frequency, Scope, Sizing

__all__ = [
    "ALWAYS_TRADE",
    "BREACH_TOL",
    "AbsoluteBand",
    "Always",
    "BandTrigger",
    "Calendar",
    "CompiledPolicy",
    "Frequency",
    "Never",
    "Policy",
    "RelativeBand",
    "Rule",
    "Scope",
    "Sizing",
    "Trigger",
    "half_widths",
    "parse_policy",
    "period_end_mask",
    "target_array",
]
