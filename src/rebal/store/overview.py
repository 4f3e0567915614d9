"""Read-only views of the store for the web app's pages: one query per page, so a list
of 10,000 households stays fast (``docs/web.md``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from rebal.store import schema as t

__all__ = ["drift_history", "household_overview", "household_plans"]


def household_overview(conn: sa.Connection) -> list[dict[str, Any]]:
    """Every household with its latest drift check, open-alert count and latest plan.

    Returns plain rows: ``name``, ``as_of`` (date), ``checked_at``, ``action_needed``
    (``None`` if never checked), ``max_abs_drift`` (weight units), ``value_usd`` (investable
    value at the latest check, dollars, ``None`` if that check did not record it),
    ``open_alerts`` (int), ``last_plan_id`` and ``last_plan_status`` (``None`` without plan).
    """
    h, d, a, p = t.households.c, t.drift_checks.c, t.alerts.c, t.plans.c
    latest = (sa.select(d.household_id, sa.func.max(d.id).label("last"))
              .group_by(d.household_id).subquery())
    alerts = (sa.select(a.household_id, sa.func.count().label("n"))
              .where(a.resolved_at.is_(None)).group_by(a.household_id).subquery())
    plans = (sa.select(p.household_id, sa.func.max(p.id).label("last"))
             .group_by(p.household_id).subquery())
    last_plan = t.plans.alias("last_plan")
    q = (sa.select(h.name, h.as_of, d.at, d.action_needed, d.max_abs_drift, d.summary,
                   alerts.c.n, plans.c.last, last_plan.c.status)
         .select_from(t.households
                      .outerjoin(latest, latest.c.household_id == h.id)
                      .outerjoin(t.drift_checks, d.id == latest.c.last)
                      .outerjoin(alerts, alerts.c.household_id == h.id)
                      .outerjoin(plans, plans.c.household_id == h.id)
                      .outerjoin(last_plan, last_plan.c.id == plans.c.last)))
    out = []
    for name, as_of, at, act, drift, summary, n, pid, status in conn.execute(q):
        value = (summary or {}).get("value_usd")
        out.append({"name": name, "as_of": as_of, "checked_at": at, "action_needed": act,
                    "max_abs_drift": drift,
                    "value_usd": None if value is None else float(value),
                    "open_alerts": int(n or 0), "last_plan_id": pid,
                    "last_plan_status": status})
    return out


def household_plans(conn: sa.Connection, household_id: int) -> list[dict[str, Any]]:
    """The household's stored plans, newest first (id, created, as_of, status, counts, tax)."""
    p = t.plans.c
    q = (sa.select(p.id, p.created_at, p.as_of, p.status, p.n_trades, p.tax_usd,
                   p.naive_tax_usd)
         .where(p.household_id == household_id).order_by(p.id.desc()))
    return [dict(r) for r in conn.execute(q).mappings()]


def drift_history(conn: sa.Connection, household_id: int) -> list[dict[str, Any]]:
    """Every recorded drift check of the household, oldest first (at, as_of,
    action_needed, max_abs_drift, value_usd or ``None``)."""
    d = t.drift_checks.c
    q = (sa.select(d.at, d.as_of, d.action_needed, d.max_abs_drift, d.summary)
         .where(d.household_id == household_id).order_by(d.id))
    out = []
    for at, as_of, act, drift, summary in conn.execute(q):
        value = (summary or {}).get("value_usd")
        out.append({"at": at, "as_of": as_of, "action_needed": act, "max_abs_drift": drift,
                    "value_usd": None if value is None else float(value)})
    return out
