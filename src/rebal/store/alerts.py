"""The monitor's alerts in the store: deduplicated across runs.

An alert is identified by ``(household, key)`` (:attr:`rebal.monitor.Alert.key`). A run
that finds an alert whose key is open (not resolved) for that household updates its
``last_seen_at``, message, severity and figures; a key not open yet is a new row (first
seen now); an open key the run no longer finds is resolved now. So the same situation
seen on ten daily runs is one row, first seen on day 1 and last seen on day 10.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from rebal.store import schema as t

__all__ = ["fingerprints", "open_alerts", "set_fingerprint", "sync_alerts"]


def sync_alerts(
    conn: sa.Connection, household_id: int, alerts: Sequence[Mapping[str, Any]],
    at: dt.datetime,
) -> tuple[list[Mapping[str, Any]], int]:
    """Record one run's ``alerts`` (plain data: kind, severity, key, message, figures) of
    a household at time ``at``.

    Returns
    -------
    (new, resolved)
        The alerts not open before this run, and how many open ones were resolved.
    """
    a = t.alerts.c
    open_rows = {row.key: row.id for row in conn.execute(
        sa.select(a.id, a.key).where(a.household_id == household_id, a.resolved_at.is_(None)))}
    new: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for alert in alerts:
        key = str(alert["key"])
        if key in seen:
            continue
        seen.add(key)
        values = {"kind": alert["kind"], "severity": alert["severity"],
                  "message": str(alert["message"])[:1000],
                  "figures": dict(alert.get("figures") or {}), "last_seen_at": at}
        if key in open_rows:
            conn.execute(t.alerts.update().where(a.id == open_rows[key]).values(**values))
        else:
            conn.execute(t.alerts.insert().values(household_id=household_id, key=key,
                                                  created_at=at, **values))
            new.append(alert)
    gone = [i for k, i in open_rows.items() if k not in seen]
    if gone:
        conn.execute(t.alerts.update().where(a.id.in_(gone)).values(resolved_at=at))
    return new, len(gone)


def open_alerts(conn: sa.Connection, household_id: int | None = None) -> list[dict[str, Any]]:
    """Open alerts (of one household, or all), oldest first, with the household's name."""
    a, h = t.alerts.c, t.households.c
    q = (sa.select(h.name, a.key, a.kind, a.severity, a.message, a.figures, a.created_at,
                   a.last_seen_at)
         .join(t.households, h.id == a.household_id)
         .where(a.resolved_at.is_(None)).order_by(a.created_at, a.id))
    if household_id is not None:
        q = q.where(a.household_id == household_id)
    return [{"household": r.name, "key": r.key, "kind": r.kind, "severity": r.severity,
             "message": r.message, "figures": r.figures or {},
             "first_seen": r.created_at.isoformat(timespec="seconds"),
             "last_seen": None if r.last_seen_at is None
             else r.last_seen_at.isoformat(timespec="seconds")}
            for r in conn.execute(q)]


def fingerprints(conn: sa.Connection) -> dict[int, str]:
    """``{household id: fingerprint}`` of the monitor's last evaluation of each."""
    m = t.monitor_state.c
    return {hid: fp for hid, fp in conn.execute(sa.select(m.household_id, m.fingerprint))}


def set_fingerprint(conn: sa.Connection, household_id: int, fingerprint: str,
                    at: dt.datetime) -> None:
    """Remember what the monitor evaluated for a household."""
    m = t.monitor_state.c
    done = conn.execute(t.monitor_state.update().where(m.household_id == household_id)
                        .values(fingerprint=fingerprint, evaluated_at=at)).rowcount
    if not done:
        conn.execute(t.monitor_state.insert().values(household_id=household_id,
                                                     fingerprint=fingerprint,
                                                     evaluated_at=at))
