"""Views of the store for the web app (``rebal serve``, ``docs/web.md``): the households
list, one household, one stored plan. Read-only; every figure comes from the same
functions the CLI prints (the household's drift check, its lot gains, the planner's
do-not-buy list, the stored plan itself).

Every function takes ``db`` like :mod:`rebal.services.store`, and returns plain JSON
types (strings, numbers, lists, dicts) so the web app's HTML pages and its JSON API show
the same values.
"""

from __future__ import annotations

import math
import re
from typing import Any

from rebal.errors import ConfigError

__all__ = ["SORT_KEYS", "STATUSES", "error_status", "history_chart", "household_detail",
           "households_page", "plan_detail", "plan_report", "plotly_js"]

SORT_KEYS = ("name", "value", "drift", "alerts", "status", "as_of")
"""Columns the households list can be sorted by."""

STATUSES = ("action needed", "within bands", "never checked")
"""Drift statuses the households list can be filtered by."""


def _status(action_needed: bool | None) -> str:
    return ("never checked" if action_needed is None
            else "action needed" if action_needed else "within bands")


def households_page(db: str | None, *, sort: str = "name", descending: bool = False,
                    status: str | None = None, query: str = "", page: int = 1,
                    per_page: int = 50) -> dict[str, Any]:
    """One page of the households list, sorted and filtered.

    Parameters
    ----------
    sort
        One of :data:`SORT_KEYS`; ties are broken by name.
    status
        Only households of this drift status (:data:`STATUSES`), ``None``: all.
    query
        Only households whose name contains this text (case-insensitive).
    page, per_page
        1-based page number (past the last page: the last page) and rows per page (1–500).

    Returns
    -------
    dict
        ``rows`` (name, as_of, status, max_abs_drift in weight units, value_usd in dollars or
        ``None``, open_alerts, last_plan_id, last_plan_status), ``total`` (after the
        filter), ``page``, ``pages``, ``per_page``, ``sort``, ``descending``, ``status``,
        ``query``.
    """
    from rebal.services.store import open_store
    from rebal.store.overview import household_overview

    if sort not in SORT_KEYS:
        raise ConfigError(f"sort: unknown column {sort!r}; choose one of {', '.join(SORT_KEYS)}")
    if status is not None and status not in STATUSES:
        raise ConfigError(f"status: unknown status {status!r}; choose one of "
                          f"{', '.join(STATUSES)}")
    if not 1 <= per_page <= 500:
        raise ConfigError(f"per_page: must be between 1 and 500, got {per_page}")
    if page < 1:
        raise ConfigError(f"page: must be 1 or more, got {page}")
    store = open_store(db, create=False)
    with store, store.read() as conn:
        rows = household_overview(conn)
    needle = query.strip().lower()
    out = []
    for r in rows:
        st = _status(r["action_needed"])
        if status is not None and st != status:
            continue
        if needle and needle not in r["name"].lower():
            continue
        out.append({"name": r["name"], "as_of": r["as_of"].isoformat(), "status": st,
                    "max_abs_drift": r["max_abs_drift"], "value_usd": r["value_usd"],
                    "open_alerts": r["open_alerts"], "last_plan_id": r["last_plan_id"],
                    "last_plan_status": r["last_plan_status"]})
    keys = {"name": lambda r: (0, ""),
            "value": lambda r: (r["value_usd"] is None, r["value_usd"] or 0.0),
            "drift": lambda r: (r["max_abs_drift"] is None, r["max_abs_drift"] or 0.0),
            "alerts": lambda r: (False, r["open_alerts"]),
            "status": lambda r: (False, STATUSES.index(r["status"])),
            "as_of": lambda r: (False, r["as_of"])}
    out.sort(key=lambda r: r["name"])
    out.sort(key=keys[sort], reverse=descending)
    pages = max(1, math.ceil(len(out) / per_page))
    page = min(page, pages)
    start = (page - 1) * per_page
    return {"rows": out[start:start + per_page], "total": len(out), "page": page,
            "pages": pages, "per_page": per_page, "sort": sort, "descending": descending,
            "status": status, "query": query}


def household_detail(name: str, db: str | None) -> dict[str, Any]:
    """Everything the household page shows (JSON types; weights are fractions, money in
    dollars): ``check`` (the drift check :func:`rebal.services.check.check_household`
    prints: every class against target and band), ``accounts`` (each account's holdings by
    class, cash, total), ``lots`` (taxable lots: value, basis, unrealized gain, term,
    first long-term day and days until it), ``do_not_buy`` (wash-sale groups not to buy
    and the first safe day), ``alerts`` (open monitor alerts), ``plans`` (stored plans,
    newest first), ``history`` (investable value and largest drift at each recorded check).
    """
    from rebal.household.views import account_values, class_values, lot_gains
    from rebal.planner import do_not_buy
    from rebal.services.check import check_household
    from rebal.services.store import open_store, stored_household
    from rebal.store.alerts import open_alerts
    from rebal.store.households import household_id
    from rebal.store.overview import drift_history, household_plans

    store = open_store(db, create=False)
    with store:
        with store.read() as conn:
            hid = household_id(conn, name)
            alerts = open_alerts(conn, hid)
            plans = household_plans(conn, hid)
            history = drift_history(conn, hid)
        h = stored_household(store, name)
    check = check_household(h)
    values = account_values(h)
    accounts = []
    for a in h.accounts:
        v = values[a.id]
        accounts.append({"account": a.id, "name": a.name, "type": a.type.value,
                         "classes": {c: x for c, x in class_values(h, a.id).items()},
                         "holdings_usd": v.holdings_usd, "cash_usd": v.cash_usd,
                         "total_usd": v.total_usd})
    lots = [{"lot_id": g.lot_id, "account": g.account, "symbol": g.symbol,
             "quantity": g.quantity, "value_usd": g.value_usd,
             "cost_basis_usd": g.cost_basis_usd, "gain_usd": g.gain_usd,
             "term": g.term.value, "long_term_from": g.long_term_from.isoformat(),
             "days_to_long_term": max(0, (g.long_term_from - h.as_of).days)}
            for g in lot_gains(h)]
    return {
        "name": h.name, "as_of": h.as_of.isoformat(),
        "check": check.to_dict(),
        "status": "action needed" if check.action_needed else "within bands",
        "accounts": accounts, "lots": lots,
        "do_not_buy": [{"group": e.group, "symbols": list(e.symbols),
                        "until": e.until.isoformat(),
                        "first_safe_date": e.first_safe_date.isoformat(), "reason": e.reason}
                       for e in do_not_buy(h)],
        "alerts": alerts,
        "plans": [{**p, "created_at": p["created_at"].isoformat(timespec="seconds"),
                   "as_of": p["as_of"].isoformat()} for p in plans],
        "history": [{**r, "at": r["at"].isoformat(timespec="seconds"),
                     "as_of": r["as_of"].isoformat()} for r in history],
    }


def plan_detail(plan_id: int, db: str | None) -> dict[str, Any]:
    """A stored plan as the plan page shows it: ``status``, ``household``, ``events``
    (status changes) and ``plan`` (the plan's own ``to_dict()``: trades by step with
    their reasons, lots and estimated tax; the tax summary; the naive plan beside it)."""
    from rebal.services.codec import from_json
    from rebal.services.store import open_store
    from rebal.store.plans import get_plan, plan_events

    store = open_store(db, create=False)
    with store, store.read() as conn:
        row = get_plan(conn, plan_id)
        events = plan_events(conn, plan_id)
    plan = from_json(row["payload"])
    import json

    return {"plan_id": plan_id, "household": row["household"], "status": row["status"],
            "created_at": row["created_at"].isoformat(timespec="seconds"),
            "events": [{"at": e["at"].isoformat(timespec="seconds"), "by": e["by"],
                        "from": e["from_status"], "to": e["to_status"], "note": e["note"]}
                       for e in events],
            "plan": json.loads(json.dumps(plan.to_dict(), default=str))}


def plan_report(plan_id: int, db: str | None) -> str:
    """The stored plan's HTML report (the page ``rebal plan --report`` writes: classes
    against bands, trades by step with reasons, tax beside the naive plan, charts)."""
    from rebal.reports import plan_report_html
    from rebal.services.codec import from_json
    from rebal.services.store import open_store
    from rebal.store.plans import get_plan

    store = open_store(db, create=False)
    with store, store.read() as conn:
        row = get_plan(conn, plan_id)
    return plan_report_html(from_json(row["payload"]),
                            title=f"Plan {plan_id} of {row['household']} ({row['status']})")


def history_chart(history: list[dict[str, Any]]) -> str:
    """The value-history chart of :func:`household_detail`'s ``history`` (plotly ``<div>``;
    the page loads plotly.js from :func:`plotly_js`)."""
    from rebal.reports import household_history_html

    return household_history_html(history)


def plotly_js() -> str:
    """plotly.js (MIT licence), served once by the web app."""
    from rebal.reports import plotly_js as js

    return js()


def error_status(exc: Exception) -> int:
    """The HTTP status of a refused request: 404 for an unknown household or plan, 409
    for a move the plan's status does not allow (approved twice, fills of a proposed
    plan), 400 for any other bad input."""
    from rebal.store.errors import StoreError

    text = str(exc)
    if text.startswith(("no household ", "no plan ")):
        return 404
    if isinstance(exc, StoreError) or re.match(r"plan \d+ is \w+", text):
        return 409
    return 400
