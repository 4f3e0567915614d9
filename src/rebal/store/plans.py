"""Stored plans and their status machine.

A plan is stored ``proposed`` with its inputs hash (the household and settings it was
made from), its readable summary (``TradePlan.to_dict()``: trades with lots, steps,
reasons, tax, naive tax) and the exact plan (``rebal.services.codec`` JSON). Each
change of status is an event with who and when:

    proposed → approved → sent → executed | partially_executed
    partially_executed → executed
    any state before executed → cancelled
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from rebal.store import schema as t
from rebal.store.errors import StoreError
from rebal.store.households import now

__all__ = ["TRANSITIONS", "find_plan", "get_plan", "plan_events", "save_plan", "set_status"]

TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"approved", "cancelled"}),
    "approved": frozenset({"sent", "executed", "partially_executed", "cancelled"}),
    "sent": frozenset({"executed", "partially_executed", "cancelled"}),
    "partially_executed": frozenset({"executed", "cancelled"}),
    "executed": frozenset(),
    "cancelled": frozenset(),
}
"""Allowed next statuses of each status."""


def save_plan(conn: sa.Connection, household_id: int, *, as_of: dt.date, inputs_hash: str,
              summary: Mapping[str, Any], payload: str, n_trades: int, tax_usd: float,
              naive_tax_usd: float | None, by: str) -> int:
    """Store a new plan as ``proposed``; returns its id."""
    stamp = now()
    pid = conn.execute(t.plans.insert().values(
        household_id=household_id, created_at=stamp, created_by=by, inputs_hash=inputs_hash,
        as_of=as_of, status="proposed", n_trades=n_trades, tax_usd=tax_usd,
        naive_tax_usd=naive_tax_usd, summary=dict(summary), payload=payload,
        updated_at=stamp, updated_by=by,
    )).inserted_primary_key[0]
    conn.execute(t.plan_events.insert().values(plan_id=pid, at=stamp, by=by, from_status=None,
                                               to_status="proposed", note=None))
    return int(pid)


def find_plan(conn: sa.Connection, household_id: int, inputs_hash: str) -> int | None:
    """The id of the household's latest plan made from ``inputs_hash``, if any (a batch
    that meets it again does not store the same plan twice)."""
    p = t.plans.c
    return conn.execute(
        sa.select(p.id).where(p.household_id == household_id, p.inputs_hash == inputs_hash)
        .order_by(p.id.desc()).limit(1)).scalar()


def get_plan(conn: sa.Connection, plan_id: int) -> dict[str, Any]:
    """The stored plan ``plan_id`` with its household's name (``StoreError`` if none)."""
    row = conn.execute(
        sa.select(t.plans, t.households.c.name.label("household"))
        .join(t.households, t.households.c.id == t.plans.c.household_id)
        .where(t.plans.c.id == plan_id)
    ).mappings().first()
    if row is None:
        raise StoreError(f"no plan {plan_id} in the store")
    return dict(row)


def plan_events(conn: sa.Connection, plan_id: int) -> list[dict[str, Any]]:
    """The plan's status changes, oldest first."""
    e = t.plan_events.c
    return [dict(r) for r in conn.execute(
        sa.select(e.at, e.by, e.from_status, e.to_status, e.note)
        .where(e.plan_id == plan_id).order_by(e.id)).mappings()]


def set_status(conn: sa.Connection, plan_id: int, status: str, *, by: str,
               note: str | None = None) -> str:
    """Move the plan to ``status`` if the machine allows it; returns the old status.

    Raises
    ------
    StoreError
        An unknown plan, or a move the machine does not allow (naming the allowed ones).
    """
    if status not in t.PLAN_STATUSES:
        raise StoreError(f"unknown plan status {status!r}; statuses: "
                         f"{', '.join(t.PLAN_STATUSES)}")
    old = conn.execute(sa.select(t.plans.c.status).where(t.plans.c.id == plan_id)).scalar()
    if old is None:
        raise StoreError(f"no plan {plan_id} in the store")
    if status not in TRANSITIONS[old]:
        allowed = ", ".join(sorted(TRANSITIONS[old])) or "none (it is final)"
        raise StoreError(f"plan {plan_id} is {old}; it cannot become {status} "
                         f"(next statuses: {allowed})")
    stamp = now()
    conn.execute(t.plans.update().where(t.plans.c.id == plan_id).values(
        status=status, updated_at=stamp, updated_by=by))
    conn.execute(t.plan_events.insert().values(plan_id=plan_id, at=stamp, by=by,
                                               from_status=old, to_status=status, note=note))
    return str(old)
