"""The kinds of rebalancing policy, and which backtest loop runs which.

Every policy is of exactly one :class:`PolicyKind`: the kind names its trigger
family (buy-and-hold, calendar, band, volatility-scaled band, VIX table, adaptive
frequency, correlation regime, multi-factor score, tiers, calendar-or-band) —
the same word a study file writes as ``kind:`` and the CLI short form starts
with. :func:`kind_of` reads it off a policy (``Policy.kind``); the grammars that
build policies from text are registered once per kind in
:mod:`rebal.policy.registry`.

A backtest loop declares the kinds it runs as data, a ``frozenset`` of members
(e.g. ``rebal.backtest.engine.SUPPORTED_KINDS``), and calls :func:`require_kind`,
which refuses any other kind with one line naming the kind and the loop::

    the taxable backtest does not support policy kind 'score' (supported: ...)
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from rebal.errors import ConfigError

__all__ = ["ALL_KINDS", "PolicyKind", "kind_of", "require_kind", "unsupported_message"]


class PolicyKind(str, Enum):
    """A policy's trigger family; the value is its study-file ``kind``."""

    BUY_AND_HOLD = "buy_and_hold"
    CALENDAR = "calendar"
    BAND = "band"
    VOL_BAND = "vol_band"
    VIX_TABLE = "vix_table"
    ADAPTIVE = "adaptive"
    CORRELATION = "correlation"
    SCORE = "score"
    TIERS = "tiers"
    EITHER = "either"
    FACTOR_BAND = "factor_band"
    CUSTOM = "custom"
    """A user-built trigger, rule set or compiled policy outside the registry."""

    @property
    def short_name(self) -> str:
        """The CLI short form's spelling (``vol-band``, ``buy-and-hold``)."""
        return self.value.replace("_", "-")


ALL_KINDS: frozenset[PolicyKind] = frozenset(PolicyKind)
"""Every kind (what the plain engine runs)."""


def kind_of(policy: object) -> PolicyKind:
    """The :class:`PolicyKind` of ``policy``.

    Read from ``policy.kind`` (:attr:`rebal.policy.Policy.kind`); anything
    without one (a user's object with ``name`` and ``compile``) is
    :attr:`PolicyKind.CUSTOM`.
    """
    kind = getattr(policy, "kind", None)
    return kind if isinstance(kind, PolicyKind) else PolicyKind.CUSTOM


def _names(kinds: Iterable[PolicyKind]) -> str:
    return ", ".join(k.value for k in PolicyKind if k in set(kinds))


def unsupported_message(kind: PolicyKind, loop: str, supported: Iterable[PolicyKind]) -> str:
    """``"the <loop> does not support policy kind '<kind>' (supported: …)"``."""
    return (
        f"the {loop} does not support policy kind {kind.value!r} "
        f"(supported: {_names(supported)})"
    )


def require_kind(
    policy: object, supported: frozenset[PolicyKind], *, loop: str, name: str | None = None
) -> PolicyKind:
    """The kind of ``policy`` when ``loop`` supports it, else :class:`ConfigError`.

    Parameters
    ----------
    policy
        The policy (its kind by :func:`kind_of`).
    supported
        The loop's declared kinds.
    loop
        The loop's name in the message (``"taxable backtest"``).
    name
        The policy's name, prefixed to the message as ``policy 'name': `` when given.
    """
    kind = kind_of(policy)
    if kind not in supported:
        prefix = f"policy {name!r}: " if name is not None else ""
        raise ConfigError(prefix + unsupported_message(kind, loop, supported))
    return kind
