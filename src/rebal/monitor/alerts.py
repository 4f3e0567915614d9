"""Alerts: what the monitor found on one household, in words and figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rebal.planner.check import ACTION_EXIT_CODE, CheckResult
from rebal.types import ParseEnum

__all__ = ["Alert", "AlertKind", "MonitorResult", "Severity"]


class Severity(ParseEnum):
    """How urgent an alert is: ``action`` needs a plan (exit 10); ``info`` is to know."""

    INFO = "info"
    ACTION = "action"


class AlertKind(ParseEnum):
    """What an alert is about."""

    BAND_BREACH = "band_breach"
    BAND_NEAR = "band_near"
    CASH_TO_INVEST = "cash_to_invest"
    CASH_SHORT = "cash_short"
    HARVEST = "harvest"
    HARVEST_BLOCKED = "harvest_blocked"
    SWAP_BACK = "swap_back"
    ZERO_LTCG_ROOM = "zero_ltcg_room"
    POLICY_ACTION = "policy_action"
    FACTOR_DRIFT = "factor_drift"
    CALL_RESERVE_SHORT = "call_reserve_short"
    NAV_STALE = "nav_stale"
    DENOMINATOR_EFFECT = "denominator_effect"


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """One finding.

    Attributes
    ----------
    household
        The household's name.
    kind, severity
        What and how urgent.
    key
        Stable identity across runs: the kind and what it concerns (``band_breach:bonds``,
        ``harvest:lot-7``); the same situation tomorrow has the same key.
    message
        One line for a person; every figure in it is in ``figures``.
    figures
        The numbers behind the message (dollars in ``*_usd``, weights as fractions).
    """

    household: str
    kind: AlertKind
    severity: Severity
    key: str
    message: str
    figures: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (``--json``, the store, ``--notify``)."""
        return {"household": self.household, "kind": self.kind.value,
                "severity": self.severity.value, "key": self.key, "message": self.message,
                "figures": dict(self.figures)}


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorResult:
    """One household's alerts on ``as_of`` and the band check they came from."""

    household: str
    as_of: str
    alerts: tuple[Alert, ...]
    check: CheckResult
    private_look: dict[str, Any] | None = None
    """What was seen of the private classes (:class:`rebal.monitor.private.PrivateLook` as
    plain data), kept by the store for the next run's denominator-effect rule."""

    @property
    def action_needed(self) -> bool:
        """Any alert of severity ``action``."""
        return any(a.severity is Severity.ACTION for a in self.alerts)

    @property
    def exit_code(self) -> int:
        """0 = nothing to do, 10 = action needed."""
        return ACTION_EXIT_CODE if self.action_needed else 0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (``rebal monitor --json``)."""
        return {"household": self.household, "as_of": self.as_of,
                "action_needed": self.action_needed,
                "max_abs_drift": max((abs(c.drift) for c in self.check.classes), default=0.0),
                "investable_usd": self.check.investable_usd,
                "alerts": [a.to_dict() for a in self.alerts],
                **({} if self.private_look is None else {"private_look": self.private_look})}
