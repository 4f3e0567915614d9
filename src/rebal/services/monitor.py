"""Service ``monitor``: every household checked by the monitor's rules, alerts
collected, and the new ones posted to a URL.

Households come from files (``rebal monitor H1.yaml H2.yaml``) or, with a store, from
the store (every household, or those named). They are evaluated as independent jobs on
an executor (a household that fails to load fails alone and is counted). With a store,
alerts are deduplicated across runs there (first seen, last seen, resolved) and only the
new ones are posted; without one, every alert of this run is new.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rebal.executor import ExecutorSpec, JobOutcome

__all__ = ["MonitorRequest", "MonitorRun", "monitor", "monitor_file", "post_alerts"]

NOTIFY_TIMEOUT_S = 10.0
"""Seconds to wait for the ``--notify`` URL (s)."""


def monitor_file(path: str) -> dict[str, Any]:
    """One household file through the rules; the result's plain data."""
    from rebal.household import load_household
    from rebal.monitor import evaluate

    return evaluate(load_household(path)).to_dict()


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorRequest:
    """What to monitor, as plain data.

    Attributes
    ----------
    households
        Household files.
    notify
        A URL to POST the new alerts to as JSON (``None``: none).
    executor
        Where the households are evaluated (``None``: serially here).
    """

    households: Sequence[str] = field(default_factory=tuple)
    notify: str | None = None
    executor: ExecutorSpec | None = None


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class MonitorRun:
    """Each household's outcome, the alerts that are new, and the notification's fate.

    Attributes
    ----------
    names
        The households, in request order.
    outcomes
        Per household: its :class:`~rebal.monitor.MonitorResult` as plain data, or the
        error that stopped it.
    new_alerts
        Alerts not seen before (every alert without a store), plain data.
    notified
        How many alerts were posted to the ``notify`` URL.
    notify_error
        Why posting failed (``None``: posted or not asked).
    """

    names: tuple[str, ...]
    outcomes: tuple[JobOutcome[dict[str, Any]], ...]
    new_alerts: tuple[dict[str, Any], ...]
    notified: int = 0
    notify_error: str | None = None

    @property
    def n_failed(self) -> int:
        return sum(not o.ok for o in self.outcomes)

    @property
    def action_needed(self) -> bool:
        """Any household with an alert of severity ``action``."""
        return any(o.ok and o.value and o.value["action_needed"] for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """2 = a household failed or the notification could not be sent; else 10 = action
        needed somewhere; else 0."""
        if self.n_failed or self.notify_error:
            return 2
        return 10 if self.action_needed else 0

    def to_dict(self) -> dict[str, Any]:
        """``rebal monitor --json``."""
        rows = []
        for name, o in zip(self.names, self.outcomes, strict=True):
            row: dict[str, Any] = {"source": name, "status": "ok" if o.ok else "failed"}
            if o.ok and o.value is not None:
                row.update(o.value)
            else:
                row["error"] = o.error
            rows.append(row)
        return {"n_households": len(self.names), "n_failed": self.n_failed,
                "action_needed": self.action_needed, "exit_code": self.exit_code,
                "new_alerts": list(self.new_alerts), "notified": self.notified,
                "notify_error": self.notify_error, "households": rows}


def post_alerts(url: str, alerts: Sequence[dict[str, Any]],
                timeout_s: float = NOTIFY_TIMEOUT_S) -> str | None:
    """POST ``{"alerts": [...]}`` as JSON to ``url``; ``None`` on a 2xx answer, else why
    not in one line."""
    import urllib.error
    import urllib.request

    if not url.startswith(("http://", "https://")):
        return f"--notify: {url[:80]!r} is not an http(s) URL"
    body = json.dumps({"alerts": list(alerts)}).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310
            if not 200 <= resp.status < 300:
                return f"--notify: {url} answered HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return f"--notify: {url} answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"--notify: could not reach {url} ({reason})"
    return None


def monitor(
    request: MonitorRequest, *, progress: Callable[[int, int], None] | None = None
) -> MonitorRun:
    """Evaluate every household of ``request``, then post the new alerts if asked."""
    from rebal.executor import open_executor, settle

    paths = list(request.households)

    def step(done: int, total: int, _index: int) -> None:
        if progress is not None:
            progress(done, total)

    with open_executor(request.executor, preload=("rebal.monitor",)) as ex:
        outcomes = ex.map(settle(monitor_file), paths, progress=step)
    new = tuple(a for o in outcomes if o.ok and o.value for a in o.value["alerts"])
    notified, error = 0, None
    if request.notify and new:
        error = post_alerts(request.notify, new)
        notified = 0 if error else len(new)
    return MonitorRun(names=tuple(paths), outcomes=tuple(outcomes), new_alerts=new,
                      notified=notified, notify_error=error)
