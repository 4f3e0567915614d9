"""Service ``fills``: executions of a stored plan into the store (``rebal fills import``).

The fills (a generic fills file, or the trades of any broker's transactions file, read by
:mod:`rebal.brokers`) are replayed through the tax engine's :class:`rebal.tax.ledger.Ledger`
after the household's lots and its recent purchases, so that sales relieve the lots they
name (or the account's method), realize their gains, and a loss sale with a replacement
bought within 30 days has its loss disallowed and added to the replacement's basis, with
the holding period tacked (IRC §1091). The household's lots, cash and realized gains of the
year become what the ledger says; the fills are stored as transactions; the plan becomes
``executed`` when every planned order is filled, else ``partially_executed``. One
transaction: all of it or nothing; the same file twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rebal.errors import ConfigError, InputError

__all__ = ["FillsImported", "import_fills"]

_FILL_TOL = 1e-6
"""Shares: a planned order counts as filled when at most this much is missing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FillsImported:
    """What ``rebal fills import`` recorded.

    Attributes
    ----------
    fills
        Executions read.
    status
        The plan's status after them.
    unfilled
        Planned orders not (fully) filled, one sentence each.
    realized_st_usd, realized_lt_usd
        Gains (losses < 0) the fills realized in taxable accounts, dollars, after
        wash-sale disallowance.
    disallowed_usd
        Losses disallowed as wash sales (added to the replacements' basis), dollars.
    fees_usd
        Commissions and fees paid, dollars.
    """

    plan_id: int
    household: str
    fills: int
    status: str
    already_imported: bool = False
    unfilled: tuple[str, ...] = ()
    unplanned: tuple[str, ...] = ()
    realized_st_usd: float = 0.0
    realized_lt_usd: float = 0.0
    disallowed_usd: float = 0.0
    fees_usd: float = 0.0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        out = asdict(self)
        out["unfilled"], out["unplanned"] = list(self.unfilled), list(self.unplanned)
        out["notes"] = list(self.notes)
        return out


def _replay(h: Any, trades: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    """The household's lots, its recent purchases and ``trades`` through one ledger.

    Returns ``({lot id: ledger Lot} of open lots, the trades' dispositions)``.
    """
    from rebal.household.taxview import wash_sale_settings
    from rebal.tax.ledger import Ledger
    from rebal.tax.lots import Trade
    from rebal.types import Side

    far = h.as_of - dt.timedelta(days=400)
    events: list[tuple[dt.date, int, Any]] = []
    for seq, lot in enumerate(h.lots):
        basis = lot.cost_basis_usd or 0.0
        events.append((lot.acquired or far, seq, Trade(
            date=lot.acquired or far, account=lot.account, symbol=lot.symbol, side=Side.BUY,
            quantity=lot.quantity, price_usd=basis / lot.quantity if basis > 0 else 1e-9,
            lot_id=lot.id)))
    # recent purchases that are not a lot themselves can be the replacement of a loss sale
    n = len(events)
    for i, t in enumerate(h.recent_trades):
        if t.side is Side.BUY and not any(
                lot.account == t.account and lot.symbol == t.symbol and lot.acquired == t.date
                and abs(lot.quantity - t.quantity) <= 1e-9 for lot in h.lots):
            events.append((t.date, n + i, Trade(
                date=t.date, account=t.account, symbol=t.symbol, side=Side.BUY,
                quantity=t.quantity, price_usd=t.price_usd, lot_id=f"__recent_{i}")))
    events.sort(key=lambda e: (e[0], e[1]))
    ledger = Ledger(h.accounts, wash_sale_settings(h))
    ledger.apply_all(e[2] for e in events)
    before = ledger.disposition_count
    ledger.apply_all(trades)
    ledger.flush()
    lots = {lot.id: lot for lot in ledger.open_lots() if not lot.id.startswith("__recent_")}
    return lots, list(ledger.dispositions()[before:])


def import_fills(path: str, plan_id: int, db: str | None, *, fmt: str = "generic",
                 account: str = "") -> FillsImported:
    """Record the executions in ``path`` for stored plan ``plan_id`` (module docstring).

    ``account``: the account of a transactions file that does not name it.
    """
    from rebal.brokers import read_fills
    from rebal.household import household_from_dict
    from rebal.services.codec import from_json
    from rebal.services.store import current_user, open_store, record_drift, stored_household
    from rebal.store import households as hs
    from rebal.store.plans import get_plan, set_status
    from rebal.tax.lots import Trade
    from rebal.types import Side

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None
    digest = hashlib.sha256(raw).hexdigest()
    fills = sorted(read_fills(path, fmt, account=account), key=lambda f: f.date)
    if not fills:
        raise InputError("no fills in the file", file=path)
    store = open_store(db, create=False)
    with store:
        with store.read() as conn:
            row = get_plan(conn, plan_id)
        name = row["household"]
        h = stored_household(store, name)
        known = {a.id for a in h.accounts}
        with store.read() as conn:
            hid = hs.household_id(conn, name)
            ids = {a.id: hs.account_row(conn, hid, a.id)["id"] for a in h.accounts}
            rows = hs.fingerprinted([_row(f, ids, plan_id) for f in fills if f.account in ids])
            stored = hs.stored_fingerprints(conn, rows)
        recorded = {(r["account_id"], r["fingerprint"]) for r in rows} & stored
        fills = [f for f, r in zip(fills, rows, strict=True)
                 if (r["account_id"], r["fingerprint"]) not in recorded] \
            if len(rows) == len(fills) else fills
        if not fills:
            return FillsImported(plan_id=plan_id, household=name, fills=0,
                                 status=row["status"], already_imported=True)
        if row["status"] not in ("approved", "sent", "partially_executed"):
            raise ConfigError(f"plan {plan_id} is {row['status']}: fills are recorded for an "
                              "approved, sent or partially executed plan")
        for f in fills:
            if f.account not in known:
                raise InputError(f"account {f.account!r} is not an account of {name!r} "
                                 f"({', '.join(sorted(known))})", file=path,
                                 row=f.source_line or None, field="account")
            if f.date < h.as_of:
                raise InputError(f"fill dated {f.date}, before the household's date "
                                 f"{h.as_of}", file=path, row=f.source_line or None,
                                 field="date")
        trades = [Trade(date=f.date, account=f.account, symbol=f.symbol, side=f.side,
                        quantity=f.quantity, price_usd=f.price_usd, fees=f.fees_usd,
                        lot_ids=f.lot_ids if f.side is Side.SELL else (),
                        lot_id=(f"{f.account}:{f.symbol}:{f.date}:{i + 1}"
                                if f.side is Side.BUY else None),
                        source_file=f.source_file or None, source_line=f.source_line or None)
                  for i, f in enumerate(fills)]
        lots, disps = _replay(h, trades)
        data = _after(h, lots, disps, fills)
        household_from_dict(data, source=f"store:{name}")  # valid before anything is written
        plan = from_json(row["payload"])
        with store.read() as conn:
            earlier = hs.plan_fills(conn, plan_id)
        unfilled, unplanned = _compare(plan, [*earlier, *(
            (f.account, f.symbol, f.side.value, f.quantity) for f in fills)])
        status = "executed" if not unfilled else "partially_executed"
        st = sum(d.recognized_usd for d in disps if not d.tax_advantaged and
                 d.term.value == "short")
        lt = sum(d.recognized_usd for d in disps if not d.tax_advantaged and
                 d.term.value == "long")
        result = dict(plan_id=plan_id, household=name, fills=len(fills), status=status,
                      notes=tuple(_unwashed(h, fills)),
                      unfilled=tuple(unfilled), unplanned=tuple(unplanned),
                      realized_st_usd=st, realized_lt_usd=lt,
                      disallowed_usd=sum(d.disallowed_usd for d in disps),
                      fees_usd=sum(f.fees_usd for f in fills))
        with store.write() as conn:
            first = hs.account_row(conn, hid, fills[0].account)
            previous = hs.find_import(conn, first["id"], "fills", digest)
            if previous is not None:
                return FillsImported(**{**result, "status": row["status"]},
                                     already_imported=True)
            hs.save_household(conn, data, replace=True)
            hs.add_transactions(conn, [_row(f, ids, plan_id) for f in fills], import_id=None)
            # money pending on the plan date arrived (or left) by the first fill: a flow
            hs.add_transactions(conn, [
                {"account_id": ids[a.id], "date": fills[0].date,
                 "kind": "transfer_in" if a.pending_flow_usd > 0 else "transfer_out",
                 "symbol": None, "quantity": None, "price_usd": None,
                 "amount_usd": a.pending_flow_usd, "fees_usd": 0.0,
                 "description": f"pending flow on plan {plan_id}'s date"}
                for a in h.accounts if a.pending_flow_usd], import_id=None)
            hs.record_import(conn, hid, first["id"], kind="fills", fmt=fmt,
                             filename=Path(path).name, sha256=digest, n_rows=len(fills))
            if status != row["status"]:
                set_status(conn, plan_id, status, by=current_user(),
                           note=f"{len(fills)} fills from {Path(path).name}")
            record_drift(conn, hid, household_from_dict(data, source=f"store:{name}"))
    return FillsImported(**result)


def _row(f: Any, ids: dict[str, int], plan_id: int) -> dict[str, Any]:
    """A fill as a stored transaction (cash: + for a sale, - for a purchase, net of fees)."""
    from rebal.types import Side

    return {"account_id": ids[f.account], "date": f.date, "kind": f.side.value,
            "symbol": f.symbol, "quantity": f.quantity, "price_usd": f.price_usd,
            "amount_usd": (-1.0 if f.side is Side.BUY else 1.0) * f.quantity * f.price_usd
            - f.fees_usd, "fees_usd": f.fees_usd, "description": f"fill of plan {plan_id}",
            "plan_id": plan_id}


def _after(h: Any, lots: dict[str, Any], disps: list[Any], fills: list[Any]) -> dict[str, Any]:
    """The household's canonical form after the fills."""
    from rebal.types import Side

    data = h.to_dict()
    old = {lot.id: lot for lot in h.lots}
    advantaged = {a.id for a in h.accounts if a.type.tax_advantaged}
    out = []
    for lot in lots.values():
        was = old.get(lot.id)
        if lot.account in advantaged and was is not None and was.cost_basis_usd is None:
            out.append({"id": lot.id, "account": lot.account, "symbol": lot.symbol,
                        "quantity": lot.quantity, "cost_basis_usd": None,
                        "acquired": None if was.acquired is None else was.acquired.isoformat(),
                        "holding_start": None})
            continue
        start = lot.holding_start if lot.holding_start != lot.acquired else None
        if was is not None and was.holding_start is not None and start is None:
            start = was.holding_start
        out.append({"id": lot.id, "account": lot.account, "symbol": lot.symbol,
                    "quantity": lot.quantity, "cost_basis_usd": round(lot.basis_usd, 6),
                    "acquired": lot.acquired.isoformat(),
                    "holding_start": None if start is None else start.isoformat()})
    order = {a.id: i for i, a in enumerate(h.accounts)}
    data["lots"] = sorted(out, key=lambda x: order[x["account"]])
    # money pending on the plan date (a contribution or a withdrawal) has arrived
    cash = {a.id: a.cash_usd + a.pending_flow_usd for a in h.accounts}
    for f in fills:
        gross = f.quantity * f.price_usd
        cash[f.account] += (-gross if f.side is Side.BUY else gross) - f.fees_usd
    for a in data["accounts"]:
        a["cash_usd"] = round(cash[a["id"]], 6)
        a["pending_flow_usd"] = 0.0
    last = max(f.date for f in fills)
    data["as_of"] = max(h.as_of, last).isoformat()
    tax = data["household"]
    for d in disps:
        if d.tax_advantaged:
            continue
        key = "short_term" if d.term.value == "short" else "long_term"
        tax["realized_this_year_usd"][key] = round(
            tax["realized_this_year_usd"][key] + d.recognized_usd, 6)
    # the fills become stored transactions (the source of every later plan's recent trades)
    return data


def _unwashed(h: Any, fills: list[Any]) -> list[str]:
    """Purchases within 30 days after a sale made before the plan date in the same
    wash-sale group: that sale's basis is not in the store, so a washed loss cannot be
    added to the purchase's basis here; say so."""
    from rebal.types import Side

    out = []
    for f in fills:
        if f.side is not Side.BUY:
            continue
        group = h.wash_group(f.symbol)
        for t in h.recent_trades:
            if (t.side is Side.SELL and h.wash_group(t.symbol) == group
                    and 0 <= (f.date - t.date).days <= 30
                    and not h.account(t.account).type.tax_advantaged):
                out.append(f"the purchase of {f.quantity:g} {f.symbol} on {f.date} is within 30 "
                           f"days of the sale of {t.quantity:g} {t.symbol} on {t.date}: if that "
                           "sale was at a loss, the loss is a wash sale; its basis is not in "
                           "the store, so adjust this lot's basis when the broker reports it")
    return out


def _compare(plan: Any, fills: list[tuple[str, str, str, float]]
             ) -> tuple[list[str], list[str]]:
    """Planned orders not fully filled, and fills of orders the plan did not have.

    ``fills``: ``(account, symbol, side, shares)`` of every fill of the plan so far."""
    planned: dict[tuple[str, str, str], float] = {}
    for t in plan.trades:
        key = (t.account, t.symbol, t.side.value)
        planned[key] = planned.get(key, 0.0) + t.shares
    done: dict[tuple[str, str, str], float] = {}
    for acc, sym, side, qty in fills:
        done[(acc, sym, side)] = done.get((acc, sym, side), 0.0) + qty
    unfilled = [f"{side} {qty - done.get((acc, sym, side), 0.0):g} of {qty:g} {sym} in {acc} "
                "not filled" for (acc, sym, side), qty in planned.items()
                if done.get((acc, sym, side), 0.0) < qty - _FILL_TOL]
    unplanned = [f"{side} {qty:g} {sym} in {acc} was not in the plan"
                 for (acc, sym, side), qty in done.items() if (acc, sym, side) not in planned]
    return unfilled, unplanned
