"""State-dependent policies: a :class:`Policy` whose arrays come from a rule set.

The triggers of :mod:`rebal.policy.volatility`, :mod:`~rebal.policy.regimes`,
:mod:`~rebal.policy.score`, :mod:`~rebal.policy.tiers` and
:mod:`~rebal.policy.combine` compile, against a :class:`Context` (backtest rows
plus optional history rows for their estimators), into a
:class:`CompiledPolicy` directly. :class:`DynamicPolicy` wraps one so that it
runs wherever a :class:`Policy` does (``run_backtest``, studies, monitoring).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

import numpy as np

from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy.context import Context, build_context
from rebal.policy.kinds import PolicyKind, kind_of
from rebal.policy.policy import CompiledPolicy, Policy
from rebal.types import FloatArray

__all__ = ["DynamicPolicy", "RuleSet"]


@runtime_checkable
class RuleSet(Protocol):
    """A trigger that compiles itself (vol band, regime tables, score, tiers, either)."""

    @property
    def label(self) -> str: ...

    def compile(self, ctx: Context, target: FloatArray, *, name: str) -> CompiledPolicy: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DynamicPolicy(Policy):
    """A policy compiled by a :class:`RuleSet`.

    Parameters
    ----------
    name
        Display name.
    rules
        The rule set (e.g. ``VolScaledBand(base=0.05)``).
    history
        Market data whose rows dated before the backtest's first row warm up the
        rule set's estimators (trailing vol, correlation, long-run averages);
        ``None`` = estimate from the backtest rows alone (warm-up inside it).
        Only past rows are used, never later ones.

    The inherited ``schedule``/``trigger``/``sizing``/``scope`` fields are not
    used: the rule set carries its own.
    """

    rules: RuleSet
    history: MarketData | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        Policy.__post_init__(self)
        if not isinstance(self.rules, RuleSet):
            raise ConfigError(
                f"DynamicPolicy.rules must be a rule set, got {type(self.rules).__name__}"
            )
        if self.history is not None and not isinstance(self.history, MarketData):
            raise ConfigError("DynamicPolicy.history must be MarketData or None")

    @property
    def kind(self) -> PolicyKind:
        """The rule set's :class:`PolicyKind` (:attr:`PolicyKind.CUSTOM` without one)."""
        return kind_of(self.rules)

    def compile(self, market: MarketData, target: FloatArray) -> CompiledPolicy:
        """The kernel arrays on ``market`` (the backtest rows) for ``target`` weights."""
        ctx = build_context(market, self.history)
        return self.rules.compile(ctx, np.asarray(target, dtype=np.float64), name=self.name)

    def with_history(self, history: MarketData | None) -> DynamicPolicy:
        """The same policy warming up on ``history``."""
        return replace(self, history=history)
