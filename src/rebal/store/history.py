"""What happened: daily snapshots of a household's value, its external flows, and the
fills of its executed plans (for ``rebal history`` and ``rebal attribution``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from rebal.store import schema as t

__all__ = ["EXTERNAL_FLOW_KINDS", "executed_plans", "external_flows", "latest_closes",
           "save_snapshot", "snapshot_totals"]

EXTERNAL_FLOW_KINDS = ("transfer_in", "transfer_out")
"""Transactions that move money into or out of the household (not returns)."""


def save_snapshot(conn: sa.Connection, hid: int, on: dt.date,
                  values: Mapping[tuple[str, str], float]) -> None:
    """The household's value on ``on`` by ``(account, class)`` (class ``cash`` for
    cash), dollars; replaces that day's snapshot."""
    s = t.snapshots.c
    conn.execute(t.snapshots.delete().where(s.household_id == hid, s.date == on))
    rows = [dict(household_id=hid, date=on, account_key=a, asset_class=c, value_usd=float(v))
            for (a, c), v in values.items()]
    if rows:
        conn.execute(t.snapshots.insert(), rows)


def snapshot_totals(conn: sa.Connection, hid: int) -> list[tuple[dt.date, float]]:
    """``(date, total value)`` of every snapshot, oldest first."""
    s = t.snapshots.c
    return [(d, float(v)) for d, v in conn.execute(
        sa.select(s.date, sa.func.sum(s.value_usd)).where(s.household_id == hid)
        .group_by(s.date).order_by(s.date))]


def external_flows(conn: sa.Connection, hid: int) -> list[tuple[dt.date, float]]:
    """``(date, dollars)`` of money moved into (+) or out of (-) the household's accounts."""
    tc, ac = t.transactions.c, t.accounts.c
    return [(d, float(a)) for d, a in conn.execute(
        sa.select(tc.date, tc.amount_usd).join(t.accounts, ac.id == tc.account_id)
        .where(ac.household_id == hid, tc.kind.in_(EXTERNAL_FLOW_KINDS))
        .order_by(tc.date, tc.id))]


def executed_plans(conn: sa.Connection, hid: int, since: dt.date | None = None
                   ) -> list[dict[str, Any]]:
    """The household's executed and partially executed plans (oldest first), each with
    its fills ``[(account, symbol, side, shares, price, fees, date)]``."""
    p, tc, ac = t.plans.c, t.transactions.c, t.accounts.c
    q = (sa.select(p.id, p.as_of, p.status, p.tax_usd, p.naive_tax_usd)
         .where(p.household_id == hid, p.status.in_(("executed", "partially_executed")))
         .order_by(p.as_of, p.id))
    if since is not None:
        q = q.where(p.as_of >= since)
    out = []
    for pid, as_of, status, tax, naive in conn.execute(q):
        fills = [tuple(r) for r in conn.execute(
            sa.select(ac.key, tc.symbol, tc.kind, tc.quantity, tc.price_usd, tc.fees_usd,
                      tc.date).join(t.accounts, ac.id == tc.account_id)
            .where(tc.plan_id == pid).order_by(tc.id))]
        out.append({"id": pid, "as_of": as_of, "status": status, "tax_usd": tax,
                    "naive_tax_usd": naive, "fills": fills})
    return out


def latest_closes(conn: sa.Connection, symbols: list[str]) -> dict[str, tuple[dt.date, float]]:
    """``{symbol: (date, close)}`` of the latest stored close of each symbol."""
    if not symbols:
        return {}
    pc = t.prices.c
    last = (sa.select(pc.symbol, sa.func.max(pc.date).label("d"))
            .where(pc.symbol.in_(symbols)).group_by(pc.symbol).subquery())
    q = sa.select(pc.symbol, pc.date, pc.close).join(
        last, sa.and_(pc.symbol == last.c.symbol, pc.date == last.c.d))
    return {s: (d, float(c)) for s, d, c in conn.execute(q)}
