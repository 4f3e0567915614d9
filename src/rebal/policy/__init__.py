"""Rebalancing policies: when to look (schedule), whether to trade (trigger),
how much (sizing, scope); :func:`decide` gives the decision on one day, and
:data:`REGISTRY` holds every :class:`PolicyKind` once. See :mod:`rebal.policy.policy`;
the state-dependent triggers (volatility-scaled bands, VIX and correlation regimes,
the multi-factor score, tiers, calendar-or-band) are documented in
``docs/policies.md``."""

from rebal.policy.bands import BREACH_TOL, AbsoluteBand, RelativeBand, half_widths
from rebal.policy.combine import EitherFires, calendar_threshold
from rebal.policy.context import Context, build_context
from rebal.policy.decide import Decision, PolicyState, ScoreInputs, decide, state_from_compiled
from rebal.policy.dynamic import DynamicPolicy, RuleSet
from rebal.policy.kinds import ALL_KINDS, PolicyKind, kind_of, require_kind
from rebal.policy.parse import parse_policy
from rebal.policy.policy import CompiledPolicy, Policy
from rebal.policy.regimes import (
    ADAPTIVE_TABLE,
    CORRELATION_TABLE,
    VIX_BAND_TABLE,
    AdaptiveFrequency,
    Closed,
    CorrelationRegime,
    RegimeRow,
    RegimeTable,
    VixTableBand,
    rolling_mean_correlation,
)
from rebal.policy.registry import REGISTRY, KindEntry
from rebal.policy.schedule import Calendar, period_end_mask
from rebal.policy.score import ScoreTrigger
from rebal.policy.spec import KINDS, policy_from_spec
from rebal.policy.target import target_array
from rebal.policy.tiers import CORE, SATELLITE, TACTICAL, TIER_PRESETS, Tier, Tiers
from rebal.policy.triggers import ALWAYS_TRADE, Always, BandTrigger, Never, Rule, Trigger
from rebal.policy.volatility import (
    LongRun,
    VolEstimator,
    VolScaledBand,
    VolSource,
    long_run_mean,
    realized_vol,
)
from rebal.types import Frequency, Scope, Sizing

__all__ = [
    "ADAPTIVE_TABLE",
    "ALL_KINDS",
    "ALWAYS_TRADE",
    "BREACH_TOL",
    "CORE",
    "CORRELATION_TABLE",
    "KINDS",
    "REGISTRY",
    "SATELLITE",
    "TACTICAL",
    "TIER_PRESETS",
    "VIX_BAND_TABLE",
    "AbsoluteBand",
    "AdaptiveFrequency",
    "Always",
    "BandTrigger",
    "Calendar",
    "Closed",
    "CompiledPolicy",
    "Context",
    "CorrelationRegime",
    "Decision",
    "DynamicPolicy",
    "EitherFires",
    "Frequency",
    "KindEntry",
    "LongRun",
    "Never",
    "Policy",
    "PolicyKind",
    "PolicyState",
    "RegimeRow",
    "RegimeTable",
    "RelativeBand",
    "Rule",
    "RuleSet",
    "Scope",
    "ScoreInputs",
    "ScoreTrigger",
    "Sizing",
    "Tier",
    "Tiers",
    "Trigger",
    "VixTableBand",
    "VolEstimator",
    "VolScaledBand",
    "VolSource",
    "build_context",
    "calendar_threshold",
    "decide",
    "half_widths",
    "kind_of",
    "long_run_mean",
    "parse_policy",
    "period_end_mask",
    "policy_from_spec",
    "realized_vol",
    "require_kind",
    "rolling_mean_correlation",
    "state_from_compiled",
    "target_array",
]
