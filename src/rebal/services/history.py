"""Services ``history`` and ``attribution``: what a stored household's value did, and what
its executed plans earned (``rebal history NAME``, ``rebal attribution NAME``).

**History.** The household's value on each snapshot date (a snapshot is stored, by
account and class, whenever the household is added, imported into, planned or filled)
and the money moved in or out between them (``transfer_in``/``transfer_out``
transactions). Time-weighted return: the product of ``(V1 - F) / V0`` over consecutive
snapshots, ``F`` the net flow after the first date up to the second (flows counted at the
end of the period). Money-weighted return: the annual rate ``r`` at which
``-V_first - Σ F_i (1+r)^-(t_i) + V_last (1+r)^-(t_last) = 0`` (t in years of 365 days).

**Attribution** of each executed plan against the counterfactual of not trading (holding
the pre-plan positions, same flows): the two differ exactly by the fills, so

- rebalancing return = ``Σ_fills ± shares × (latest close − fill price)`` (+ for buys),
- costs = the fills' fees,
- tax saved = the naive pro-rata plan's estimated tax − the plan's estimated tax (both as
  estimated when the plan was made; realized gains are in ``rebal fills import``'s report).

Dividends paid on traded shares after the trade are not included (said in the output).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

__all__ = ["AttributionResult", "HistoryResult", "attribution", "history",
           "money_weighted_return", "time_weighted_return"]


def time_weighted_return(values: list[tuple[dt.date, float]],
                         flows: list[tuple[dt.date, float]]) -> float | None:
    """Chain-linked return over the snapshots (fraction; ``None`` with < 2 snapshots)."""
    if len(values) < 2:
        return None
    growth = 1.0
    for (d0, v0), (d1, v1) in pairwise(values):
        f = sum(a for d, a in flows if d0 < d <= d1)
        if v0 <= 0:
            return None
        growth *= (v1 - f) / v0
    return growth - 1.0


def money_weighted_return(values: list[tuple[dt.date, float]],
                          flows: list[tuple[dt.date, float]]) -> float | None:
    """Annual internal rate of return of the value and flows (fraction; ``None`` with
    < 2 snapshots or no root between -99 % and +1,000 %)."""
    if len(values) < 2 or values[-1][0] <= values[0][0]:
        return None
    from scipy.optimize import brentq

    t0, v_first = values[0]
    t_last, v_last = values[-1]
    cash = [(0.0, -v_first)]
    cash += [((d - t0).days / 365.0, -a) for d, a in flows if t0 < d <= t_last]
    cash.append(((t_last - t0).days / 365.0, v_last))

    def npv(r: float) -> float:
        return sum(c * (1.0 + r) ** -y for y, c in cash)

    lo, hi = -0.99, 10.0
    if npv(lo) * npv(hi) > 0:
        return None
    return float(brentq(npv, lo, hi, xtol=1e-12))


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryResult:
    """A household's value over time and its returns (fractions; dollars)."""

    household: str
    values: tuple[tuple[str, float], ...]
    flows: tuple[tuple[str, float], ...]
    time_weighted: float | None
    money_weighted_annual: float | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"household": self.household,
                "values": [{"date": d, "value_usd": v} for d, v in self.values],
                "flows": [{"date": d, "amount_usd": a} for d, a in self.flows],
                "time_weighted_return": self.time_weighted,
                "money_weighted_return_annual": self.money_weighted_annual,
                "notes": list(self.notes)}


def history(name: str, db: str | None) -> HistoryResult:
    """Daily value (from snapshots), flows and returns of stored household ``name``."""
    from rebal.services.store import open_store
    from rebal.store.history import external_flows, snapshot_totals
    from rebal.store.households import household_id

    store = open_store(db, create=False)
    with store, store.read() as conn:
        hid = household_id(conn, name)
        values = snapshot_totals(conn, hid)
        flows = external_flows(conn, hid)
    notes = []
    if len(values) < 2:
        notes.append("fewer than two snapshots: no return yet (a snapshot is taken at each "
                     "add, import, plan and fill)")
    return HistoryResult(
        household=name, values=tuple((d.isoformat(), v) for d, v in values),
        flows=tuple((d.isoformat(), a) for d, a in flows),
        time_weighted=time_weighted_return(values, flows),
        money_weighted_annual=money_weighted_return(values, flows), notes=tuple(notes))


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanAttribution:
    """What one executed plan earned against not trading (dollars)."""

    plan_id: int
    as_of: str
    status: str
    traded_usd: float
    rebalancing_usd: float
    tax_saved_usd: float | None
    costs_usd: float
    priced_on: str

    @property
    def total_usd(self) -> float:
        return self.rebalancing_usd + (self.tax_saved_usd or 0.0) - self.costs_usd

    def to_dict(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "as_of": self.as_of, "status": self.status,
                "traded_usd": self.traded_usd, "rebalancing_usd": self.rebalancing_usd,
                "tax_saved_usd": self.tax_saved_usd, "costs_usd": self.costs_usd,
                "total_usd": self.total_usd, "priced_on": self.priced_on}


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributionResult:
    household: str
    plans: tuple[PlanAttribution, ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"household": self.household, "plans": [p.to_dict() for p in self.plans],
                "rebalancing_usd": sum(p.rebalancing_usd for p in self.plans),
                "tax_saved_usd": sum(p.tax_saved_usd or 0.0 for p in self.plans),
                "costs_usd": sum(p.costs_usd for p in self.plans),
                "total_usd": sum(p.total_usd for p in self.plans),
                "notes": list(self.notes)}


def attribution(name: str, db: str | None, *, since: dt.date | None = None
                ) -> AttributionResult:
    """What each executed plan of ``name`` (from ``since``) earned against not trading."""
    from rebal.services.store import open_store, stored_household
    from rebal.store.history import executed_plans, latest_closes
    from rebal.store.households import household_id

    store = open_store(db, create=False)
    with store:
        h = stored_household(store, name)
        with store.read() as conn:
            plans = executed_plans(conn, household_id(conn, name), since)
            symbols = sorted({f[1] for p in plans for f in p["fills"]})
            closes = latest_closes(conn, symbols)
    stated = {s.symbol: s.price_usd for s in h.securities}
    out = []
    for p in plans:
        gain = traded = fees = 0.0
        dates = []
        for _acct, sym, side, qty, price, fee, _d in p["fills"]:
            when, close = closes.get(sym, (h.as_of, stated.get(sym, price)))
            dates.append(when)
            sign = 1.0 if side == "buy" else -1.0
            gain += sign * qty * (close - price)
            traded += qty * price
            fees += fee
        naive = p["naive_tax_usd"]
        out.append(PlanAttribution(
            plan_id=p["id"], as_of=p["as_of"].isoformat(), status=p["status"],
            traded_usd=traded, rebalancing_usd=gain,
            tax_saved_usd=None if naive is None else naive - p["tax_usd"], costs_usd=fees,
            priced_on=max(dates).isoformat() if dates else h.as_of.isoformat()))
    notes = ["rebalancing return = the fills' shares × (latest close − fill price); tax "
             "saved = naive plan's estimated tax − the plan's (as estimated when planned); "
             "dividends on traded shares after the trade are not included"]
    if not plans:
        notes.append("no executed plan yet (rebal fills import … --plan ID)")
    return AttributionResult(household=name, plans=tuple(out), notes=tuple(notes))
