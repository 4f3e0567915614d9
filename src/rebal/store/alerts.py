"""The monitor's alerts in the store: deduplicated across runs.

An alert is identified by ``(household, key)`` (:attr:`rebal.monitor.Alert.key`). A run
that finds an alert whose key is open (not resolved) for that household updates its
``last_seen_at``, message, severity and figures; a key not open yet is a new row (first
seen now); an open key the run no longer finds is resolved now. So the same situation
seen on ten daily runs is one row, first seen on day 1 and last seen on day 10.

Writes are batched (one statement per kind of change per 500 households), so a run over
10,000 households writes in seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from rebal.store import schema as t

__all__ = ["fingerprints", "household_ids", "open_alerts", "private_looks", "set_fingerprints",
           "sync_alerts"]

_CHUNK = 500


def _chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def household_ids(conn: sa.Connection) -> dict[str, int]:
    """``{name: id}`` of every stored household."""
    h = t.households.c
    return {name: hid for hid, name in conn.execute(sa.select(h.id, h.name))}


def sync_alerts(
    conn: sa.Connection, found: Mapping[int, Sequence[Mapping[str, Any]]], at: dt.datetime,
) -> tuple[list[Mapping[str, Any]], int]:
    """Record one run's alerts of some households at time ``at``.

    Parameters
    ----------
    found
        Household id → the alerts the run found for it (plain data: kind, severity, key,
        message, figures); a household with none found maps to an empty list (its open
        alerts are then resolved).

    Returns
    -------
    (new, resolved)
        The alerts not open before this run (in ``found``'s order), and how many open
        ones were resolved.
    """
    a = t.alerts.c
    hids = list(found)
    open_rows: dict[tuple[int, str], int] = {}
    for part in _chunks(hids):
        for row in conn.execute(sa.select(a.id, a.household_id, a.key).where(
                a.household_id.in_(list(part)), a.resolved_at.is_(None))):
            open_rows[(row.household_id, row.key)] = row.id
    new: list[Mapping[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for hid, alerts in found.items():
        for alert in alerts:
            key = (hid, str(alert["key"]))
            if key in seen:
                continue
            seen.add(key)
            values = {"kind": alert["kind"], "severity": alert["severity"],
                      "message": str(alert["message"])[:1000],
                      "figures": dict(alert.get("figures") or {}), "last_seen_at": at}
            if key in open_rows:
                updates.append({"row_id": open_rows[key], **values})
            else:
                inserts.append({"household_id": hid, "key": key[1], "created_at": at, **values})
                new.append(alert)
    if inserts:
        conn.execute(t.alerts.insert(), inserts)
    if updates:
        conn.execute(
            t.alerts.update().where(a.id == sa.bindparam("row_id")).values(
                kind=sa.bindparam("kind"), severity=sa.bindparam("severity"),
                message=sa.bindparam("message"), figures=sa.bindparam("figures"),
                last_seen_at=sa.bindparam("last_seen_at")),
            updates)
    gone = [i for k, i in open_rows.items() if k not in seen]
    for part in _chunks(gone):
        conn.execute(t.alerts.update().where(a.id.in_(list(part))).values(resolved_at=at))
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


def private_looks(conn: sa.Connection) -> dict[int, dict[str, Any]]:
    """``{household id: what the last evaluation saw of its private classes}`` (only
    households with private funds)."""
    m = t.monitor_state.c
    return {hid: look for hid, look in conn.execute(
        sa.select(m.household_id, m.private_look).where(m.private_look.is_not(None)))}


def set_fingerprints(conn: sa.Connection, prints: Mapping[int, str], at: dt.datetime,
                     looks: Mapping[int, Mapping[str, Any] | None] | None = None) -> None:
    """Remember what the monitor evaluated for these households (and, for those with
    private funds, what it saw of them: ``looks``)."""
    m = t.monitor_state.c
    hids = list(prints)
    looks = looks or {}
    for part in _chunks(hids):
        conn.execute(t.monitor_state.delete().where(m.household_id.in_(list(part))))
    if hids:
        conn.execute(t.monitor_state.insert(), [
            {"household_id": h, "fingerprint": prints[h], "evaluated_at": at,
             "private_look": looks.get(h)} for h in hids])
