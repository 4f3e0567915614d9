"""Households in the store: save the canonical file form into the tables, read it back.

The store keeps what a household file says in normalised tables (``docs/store.md``);
:func:`save_household` takes the canonical dict (:meth:`rebal.household.Household.to_dict`,
already validated) and :func:`household_data` gives back the same dict, which the caller
validates again with :func:`rebal.household.household_from_dict`. Prices stored with
``rebal prices import`` replace a security's stated price (the latest close on or before
the household's date); ``recent_trades`` are the stored buy/sell transactions of all
accounts from 30 days before the household's date (the wash-sale window) on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from rebal.store import schema as t
from rebal.store.errors import StoreError

__all__ = [
    "WASH_WINDOW_DAYS",
    "HouseholdRow",
    "delete_household",
    "household_data",
    "household_id",
    "households_data",
    "list_households",
    "mask_number",
    "record_check",
    "record_checks",
    "save_household",
    "transaction_fingerprint",
]

WASH_WINDOW_DAYS = 30
"""Days before the household's date whose buys and sells become ``recent_trades``
(IRC §1091: 30 days either side of a loss sale)."""


def now() -> dt.datetime:
    """Current UTC time, naive (the store's DateTime columns hold UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def mask_number(number: str | None) -> str | None:
    """An account number as shown anywhere: ``…1234`` (last four characters only)."""
    if not number:
        return None
    digits = number.strip()
    return "…" + digits[-4:] if len(digits) > 4 else "…" + digits[-1:]


def household_id(conn: sa.Connection, name: str) -> int:
    """The id of household ``name`` (``StoreError`` naming the known ones if absent)."""
    hid = conn.execute(sa.select(t.households.c.id).where(t.households.c.name == name)).scalar()
    if hid is None:
        known = conn.execute(
            sa.select(t.households.c.name).order_by(t.households.c.name).limit(10)
        ).scalars().all()
        hint = f"; households: {', '.join(known)}" if known else "; the store has no household"
        raise StoreError(f"no household {name!r} in the store{hint} (rebal household list)")
    return int(hid)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def transaction_fingerprint(row: Mapping[str, Any], ordinal: int = 0) -> str:
    """A stable id of a transaction's content (date, kind, symbol, quantity, price,
    amount, fees) and its ``ordinal`` among identical rows of one file: importing the
    same rows twice adds nothing, two identical real trades on one day stay two."""
    key = json.dumps(
        [str(row["date"]), row["kind"], row.get("symbol"),
         None if row.get("quantity") is None else round(float(row["quantity"]), 6),
         None if row.get("price_usd") is None else round(float(row["price_usd"]), 6),
         round(float(row.get("amount_usd") or 0.0), 4),
         round(float(row.get("fees_usd") or 0.0), 4), ordinal],
        separators=(",", ":"),
    )
    return hashlib.sha256(key.encode()).hexdigest()


def save_household(
    conn: sa.Connection,
    data: Mapping[str, Any],
    *,
    replace: bool = False,
    accounts_meta: Mapping[str, Mapping[str, Any]] | None = None,
) -> int:
    """Store a household given in canonical file form; returns its id.

    Parameters
    ----------
    data
        :meth:`Household.to_dict` of a validated household.
    replace
        An existing household of that name is updated: settings, tax year, accounts,
        securities and the lots of the accounts named are replaced; a changed target set
        is stored as a new version effective from the household's date (the old one is
        kept); stored transactions, plans and history stay.
    accounts_meta
        Optional ``{account id: {"broker": …, "number": …}}``.
    """
    hh = data["household"]
    name = hh["name"]
    as_of = _date(data["as_of"])
    stamp = now()
    settings: dict[str, Any] = {k: hh[k] for k in ("harvest", "realize_zero_bracket_gains",
                                                   "hold_for_step_up", "wash_sale",
                                                   "fx_rates_usd", "fx_cost_bps") if k in hh}
    base = hh.get("base_currency", "USD")
    alternatives = {k: data[k] for k in ("exposure_view", "call_reserve") if k in data}
    if alternatives:  # top-level keys of the file, kept with the settings (migration 0003)
        settings[_ALTERNATIVES] = alternatives
    existing = conn.execute(
        sa.select(t.households.c.id).where(t.households.c.name == name)
    ).scalar()
    if existing is not None and not replace:
        raise StoreError(f"household {name!r} is already in the store (id {existing}); "
                         f"use --replace to update it")
    if existing is None:
        hid = conn.execute(t.households.insert().values(
            name=name, as_of=as_of, settings=settings, created_at=stamp, updated_at=stamp,
            base_currency=base,
        )).inserted_primary_key[0]
    else:
        hid = existing
        conn.execute(t.households.update().where(t.households.c.id == hid).values(
            as_of=as_of, settings=settings, updated_at=stamp, base_currency=base))
    _save_tax(conn, hid, hh, as_of)
    ids = _save_accounts(conn, hid, data["accounts"], as_of, accounts_meta or {})
    _save_securities(conn, hid, data["securities"], hh.get("fx_rates_usd", {}))
    _save_targets(conn, hid, data["targets"], as_of)
    _save_private_funds(conn, hid, data.get("private_funds", ()))
    by_account: dict[str, list[Mapping[str, Any]]] = {a["id"]: [] for a in data["accounts"]}
    for lot in data.get("lots", ()):
        by_account[lot["account"]].append(lot)
    for key, rows in by_account.items():
        replace_lots(conn, ids[key], rows, import_id=None)
    trades = [
        {"account_id": ids[tr["account"]], "date": _date(tr["date"]), "kind": tr["side"],
         "symbol": tr["symbol"], "quantity": float(tr["quantity"]),
         "price_usd": float(tr["price_usd"]),
         "amount_usd": (-1.0 if tr["side"] == "buy" else 1.0)
         * float(tr["quantity"]) * float(tr["price_usd"]),
         "fees_usd": 0.0, "description": "from the household file"}
        for tr in data.get("recent_trades", ())
    ]
    add_transactions(conn, trades, import_id=None)
    return int(hid)


def _save_tax(conn: sa.Connection, hid: int, hh: Mapping[str, Any], as_of: dt.date) -> None:
    year = hh.get("tax_year") or as_of.year
    values = dict(
        filing_status=hh["filing_status"],
        ordinary_income_usd=hh.get("ordinary_income_usd", 0.0),
        investment_income_usd=hh.get("investment_income_usd"),
        qualified_dividends_usd=hh.get("qualified_dividends_usd", 0.0),
        state_rate=hh.get("state_rate", 0.0),
        carryforward_st_usd=hh["loss_carryforward_usd"]["short_term"],
        carryforward_lt_usd=hh["loss_carryforward_usd"]["long_term"],
        realized_st_usd=hh["realized_this_year_usd"]["short_term"],
        realized_lt_usd=hh["realized_this_year_usd"]["long_term"],
    )
    row = conn.execute(sa.select(t.tax_settings.c.id).where(
        t.tax_settings.c.household_id == hid, t.tax_settings.c.tax_year == year)).scalar()
    if row is None:
        conn.execute(t.tax_settings.insert().values(household_id=hid, tax_year=year, **values))
    else:
        conn.execute(t.tax_settings.update().where(t.tax_settings.c.id == row).values(**values))


def _save_accounts(conn: sa.Connection, hid: int, accounts: Sequence[Mapping[str, Any]],
                   as_of: dt.date, meta: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    have = dict(conn.execute(sa.select(t.accounts.c.key, t.accounts.c.id).where(
        t.accounts.c.household_id == hid)).all())
    ids: dict[str, int] = {}
    for pos, a in enumerate(accounts):
        extra = meta.get(a["id"], {})
        values = dict(name=a.get("name") or a["id"], type=a["type"], owner=a["owner"],
                      min_cash_usd=a["min_cash_usd"], pending_flow_usd=a["pending_flow_usd"],
                      whole_shares=a["whole_shares"], lot_method=a["lot_method"], position=pos,
                      fx_cost_bps=a.get("fx_cost_bps"))
        values.update({k: extra[k] for k in ("broker", "number") if k in extra})
        if a["id"] in have:
            aid = have[a["id"]]
            conn.execute(t.accounts.update().where(t.accounts.c.id == aid).values(**values))
        else:
            aid = conn.execute(t.accounts.insert().values(
                household_id=hid, key=a["id"], **values)).inserted_primary_key[0]
        ids[a["id"]] = int(aid)
        set_cash(conn, int(aid), as_of, float(a["cash_usd"]))
    return ids


def set_cash(conn: sa.Connection, account_id: int, as_of: dt.date, amount_usd: float) -> None:
    """Record the account's cash on ``as_of`` (dollars), replacing that day's figure."""
    conn.execute(t.cash.delete().where(t.cash.c.account_id == account_id,
                                       t.cash.c.as_of == as_of))
    conn.execute(t.cash.insert().values(account_id=account_id, as_of=as_of,
                                        amount_usd=amount_usd))


def _save_securities(conn: sa.Connection, hid: int, secs: Sequence[Mapping[str, Any]],
                     usd_per: Mapping[str, float]) -> None:
    conn.execute(t.securities.delete().where(t.securities.c.household_id == hid))
    rows = []
    for pos, s in enumerate(secs):
        ccy = s.get("currency", "USD")
        # a non-USD security keeps its local price; price_usd is it at the as_of rate
        price_usd = s["price_usd"] if ccy == "USD" else s["price"] * usd_per[ccy]
        rows.append(dict(
            household_id=hid, symbol=s["symbol"], name=s.get("name"),
            asset_class=s.get("asset_class"), look_through=s.get("look_through"),
            wash_group=s.get("wash_group") or s["symbol"],
            substitutes=list(s.get("substitutes", ())), tradable=s.get("tradable", True),
            cost_bps=s.get("cost_bps", 0.0), expense_ratio=s.get("expense_ratio"),
            price_usd=price_usd, position=pos, currency=ccy,
            price_local=None if ccy == "USD" else s["price"],
            currency_mix=s.get("currency_mix"), foreign_tax=s.get("foreign_tax"),
            country=s.get("country")))
    if rows:
        conn.execute(t.securities.insert(), rows)


_ALTERNATIVES = "alternatives"
"""Key of the settings JSON holding the file's ``exposure_view`` and ``call_reserve``."""

_FUND_COLUMNS = ("name", "asset_class", "commitment_usd", "vintage", "called_usd",
                 "distributed_usd", "nav_usd", "remaining_life_years", "proxy",
                 "proxy_price_at_nav_usd", "model")


def _save_private_funds(conn: sa.Connection, hid: int,
                        funds: Sequence[Mapping[str, Any]]) -> None:
    conn.execute(t.private_funds.delete().where(t.private_funds.c.household_id == hid))
    rows = [dict(household_id=hid, fund_key=f["id"], nav_as_of=_date(f.get("nav_as_of")),
                 account_key=f.get("account"), position=pos,
                 **{k: f.get(k) for k in _FUND_COLUMNS})
            for pos, f in enumerate(funds)]
    if rows:
        conn.execute(t.private_funds.insert(), rows)


def _fund_form(r: Mapping[str, Any] | sa.RowMapping) -> dict[str, Any]:
    return {"id": r["fund_key"], **{k: r[k] for k in _FUND_COLUMNS},
            "nav_as_of": _iso(r["nav_as_of"]), "account": r["account_key"]}


def _target_rows(targets: Mapping[str, Any]) -> list[dict[str, Any]]:
    location = targets.get("location") or {}
    return [
        dict(asset_class=cls, weight=spec["weight"], tier=spec["tier"],
             band_abs=spec.get("band_abs"), band_rel=spec.get("band_rel"),
             location=list(location.get(cls, ())), position=pos,
             liquid_substitute=spec.get("liquid_substitute"))
        for pos, (cls, spec) in enumerate(targets["classes"].items())
    ]


def _latest_targets(conn: sa.Connection, hid: int, on: dt.date | None = None
                    ) -> tuple[dt.date | None, list[dict[str, Any]]]:
    c = t.targets.c
    q = sa.select(sa.func.max(c.effective_from)).where(c.household_id == hid)
    if on is not None:
        q = q.where(c.effective_from <= on)
    when = conn.execute(q).scalar()
    if when is None:
        return None, []
    rows = conn.execute(
        sa.select(c.asset_class, c.weight, c.tier, c.band_abs, c.band_rel, c.location,
                  c.position, c.liquid_substitute)
        .where(c.household_id == hid, c.effective_from == when).order_by(c.position)
    ).mappings().all()
    return when, [dict(r) for r in rows]


def _save_targets(conn: sa.Connection, hid: int, targets: Mapping[str, Any],
                  as_of: dt.date) -> None:
    new = _target_rows(targets)
    when, old = _latest_targets(conn, hid)
    if old == new:
        return  # unchanged: keep the version in force
    if when is not None and when > as_of:
        raise StoreError(f"targets of this household are already set from {when}, after "
                         f"the file's date {as_of}; cannot store an older version")
    conn.execute(t.targets.delete().where(t.targets.c.household_id == hid,
                                          t.targets.c.effective_from == as_of))
    conn.execute(t.targets.insert(), [dict(household_id=hid, effective_from=as_of, **r)
                                      for r in new])


def replace_lots(conn: sa.Connection, account_id: int, lots: Iterable[Mapping[str, Any]],
                 *, import_id: int | None, batch: int = 5000) -> int:
    """Make ``lots`` the account's lots (the old ones are deleted); returns the count.

    Each lot: ``id``, ``symbol``, ``quantity``, ``cost_basis_usd``, ``acquired``,
    ``holding_start`` and optionally ``unknown_acquired`` (or the household file's
    ``date_known: false``).
    """
    conn.execute(t.lots.delete().where(t.lots.c.account_id == account_id))
    rows = [
        dict(account_id=account_id, lot_key=lot["id"], symbol=lot["symbol"],
             quantity=float(lot["quantity"]), cost_basis_usd=lot.get("cost_basis_usd"),
             acquired=_date(lot.get("acquired")), holding_start=_date(lot.get("holding_start")),
             unknown_acquired=bool(lot.get("unknown_acquired", False))
             or lot.get("date_known") is False, import_id=import_id,
             position=pos)
        for pos, lot in enumerate(lots)
    ]
    for start in range(0, len(rows), batch):
        insert_batch(conn, t.lots, rows[start:start + batch])
    return len(rows)


def insert_batch(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """One executemany of ``rows`` into ``table`` (a seam the atomicity test pauses in)."""
    if rows:
        conn.execute(table.insert(), rows)


def fingerprinted(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows with their ``fingerprint`` (content + ordinal among identical rows)."""
    seen: dict[tuple[int, str], int] = {}
    out: list[dict[str, Any]] = []
    for row in rows:
        base = transaction_fingerprint(row)
        n = seen.get((row["account_id"], base), 0)
        seen[(row["account_id"], base)] = n + 1
        out.append({**row, "fingerprint": base if n == 0 else transaction_fingerprint(row, n)})
    return out


def stored_fingerprints(conn: sa.Connection,
                        rows: Sequence[Mapping[str, Any]]) -> set[tuple[int, str]]:
    """``(account_id, fingerprint)`` of those of ``rows`` already stored."""
    by_account: dict[int, set[str]] = {}
    for r in rows:
        by_account.setdefault(r["account_id"], set()).add(r["fingerprint"])
    stored: set[tuple[int, str]] = set()
    for aid, fps in by_account.items():
        for chunk in _chunks(sorted(fps), 500):
            stored.update((aid, fp) for fp in conn.execute(
                sa.select(t.transactions.c.fingerprint).where(
                    t.transactions.c.account_id == aid,
                    t.transactions.c.fingerprint.in_(chunk))).scalars())
    return stored


def add_transactions(conn: sa.Connection, rows: Sequence[Mapping[str, Any]], *,
                     import_id: int | None) -> tuple[int, int]:
    """Add transactions not already stored (by fingerprint, per account).

    Returns ``(added, already stored)``.
    """
    fresh = [{**r, "import_id": import_id} for r in fingerprinted(rows)]
    stored = stored_fingerprints(conn, fresh)
    new = [r for r in fresh if (r["account_id"], r["fingerprint"]) not in stored]
    for start in range(0, len(new), 5000):
        insert_batch(conn, t.transactions, new[start:start + 5000])
    return len(new), len(fresh) - len(new)


def _chunks(items: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def delete_household(conn: sa.Connection, name: str) -> None:
    """Remove a household and everything it owns."""
    conn.execute(t.households.delete().where(t.households.c.id == household_id(conn, name)))


# -- reading -------------------------------------------------------------------


def household_data(conn: sa.Connection, name: str) -> dict[str, Any]:
    """The canonical file form of stored household ``name`` (validate it with
    :func:`rebal.household.household_from_dict`)."""
    household_id(conn, name)  # StoreError naming the known ones when absent
    return households_data(conn, [name])[name]


_CHUNK = 500
"""Household ids per ``IN (...)`` of a bulk read (inside every database's parameter limit)."""


def households_data(conn: sa.Connection, names: Sequence[str] | None = None
                    ) -> dict[str, dict[str, Any]]:
    """The canonical file form of many stored households at once (every household when
    ``names`` is ``None``), in a fixed number of queries per 500 households rather than
    per household: what the monitor, ``plan --all`` and the web app's lists read.

    Each value equals what :func:`household_data` gives for that name (one definition:
    :func:`household_data` calls this). Unknown names are left out.
    """
    hc = t.households.c
    q = sa.select(hc.id, hc.name, hc.as_of, hc.settings, hc.base_currency).order_by(hc.name)
    if names is not None:
        wanted = list(dict.fromkeys(names))
        rows = [r for part in _chunks(wanted, _CHUNK)
                for r in conn.execute(q.where(hc.name.in_(list(part)))).mappings()]
    else:
        rows = list(conn.execute(q).mappings())
    out: dict[str, dict[str, Any]] = {}
    for part in _chunks(rows, _CHUNK):
        out.update(_households_part(conn, list(part)))
    return out


def _households_part(conn: sa.Connection, heads: list[Mapping[str, Any]]
                     ) -> dict[str, dict[str, Any]]:
    ids = [h["id"] for h in heads]
    latest_year = max(h["as_of"].year for h in heads)
    tc_, ac, cc, sc, gc, lc, xc = (t.tax_settings.c, t.accounts.c, t.cash.c, t.securities.c,
                                   t.targets.c, t.lots.c, t.transactions.c)
    taxes: dict[int, list[Mapping[str, Any]]] = {}
    for r in conn.execute(sa.select(t.tax_settings).where(
            tc_.household_id.in_(ids), tc_.tax_year <= latest_year)
            .order_by(tc_.tax_year)).mappings():
        taxes.setdefault(r["household_id"], []).append(r)
    accounts: dict[int, list[Mapping[str, Any]]] = {}
    for r in conn.execute(sa.select(t.accounts).where(ac.household_id.in_(ids))
                          .order_by(ac.household_id, ac.position)).mappings():
        accounts.setdefault(r["household_id"], []).append(r)
    account_ids = [a["id"] for rows in accounts.values() for a in rows]
    owner = {a["id"]: hid for hid, rows in accounts.items() for a in rows}
    as_of = {h["id"]: h["as_of"] for h in heads}
    cash: dict[int, float] = {}
    lots: dict[int, list[tuple[Any, ...]]] = {}
    trades: dict[int, list[tuple[Any, ...]]] = {}
    for part in _chunks(account_ids, _CHUNK):
        for aid, amount, on in conn.execute(
                sa.select(cc.account_id, cc.amount_usd, cc.as_of)
                .where(cc.account_id.in_(list(part))).order_by(cc.as_of, cc.id)):
            if on <= as_of[owner[aid]]:
                cash[aid] = amount
        for r in conn.execute(
                sa.select(lc.account_id, lc.lot_key, lc.symbol, lc.quantity, lc.cost_basis_usd,
                          lc.acquired, lc.holding_start, lc.unknown_acquired)
                .where(lc.account_id.in_(list(part))).order_by(lc.account_id, lc.position)):
            lots.setdefault(r[0], []).append(tuple(r))
        earliest = min(as_of.values()) - dt.timedelta(days=WASH_WINDOW_DAYS)
        for r in conn.execute(
                sa.select(xc.account_id, xc.date, xc.kind, xc.symbol, xc.quantity,
                          xc.price_usd)
                .where(xc.account_id.in_(list(part)), xc.kind.in_(("buy", "sell")),
                       xc.date >= earliest).order_by(xc.date, xc.id)):
            hid = owner[r[0]]
            if as_of[hid] - dt.timedelta(days=WASH_WINDOW_DAYS) <= r[1] <= as_of[hid]:
                trades.setdefault(hid, []).append(tuple(r))
    secs: dict[int, list[Mapping[str, Any]]] = {}
    for r in conn.execute(sa.select(t.securities).where(sc.household_id.in_(ids))
                          .order_by(sc.household_id, sc.position)).mappings():
        secs.setdefault(r["household_id"], []).append(r)
    targets: dict[int, list[Mapping[str, Any]]] = {}
    for r in conn.execute(
            sa.select(gc.household_id, gc.effective_from, gc.asset_class, gc.weight, gc.tier,
                      gc.band_abs, gc.band_rel, gc.location, gc.position,
                      gc.liquid_substitute)
            .where(gc.household_id.in_(ids)).order_by(gc.household_id, gc.position)).mappings():
        targets.setdefault(r["household_id"], []).append(r)
    funds: dict[int, list[dict[str, Any]]] = {}  # file form of each fund
    pc = t.private_funds.c
    for r in conn.execute(sa.select(t.private_funds).where(pc.household_id.in_(ids))
                          .order_by(pc.household_id, pc.position)).mappings():
        funds.setdefault(r["household_id"], []).append(_fund_form(r))
    # the latest close on or before each household's date: one query per distinct date
    prices: dict[dt.date, dict[str, float]] = {}
    for day in sorted(set(as_of.values())):
        symbols = sorted({s["symbol"] for h in heads if h["as_of"] == day
                          for s in secs.get(h["id"], ())})
        prices[day] = latest_prices(conn, symbols, day)

    out: dict[str, dict[str, Any]] = {}
    for h in heads:
        hid, day = h["id"], h["as_of"]
        tax = next((r for r in reversed(taxes.get(hid, [])) if r["tax_year"] <= day.year), None)
        if tax is None:
            raise StoreError(f"household {h['name']!r} has no tax settings for {day.year} "
                             "or before")
        accts = accounts.get(hid, [])
        key_of = {a["id"]: a["key"] for a in accts}
        versions = [r["effective_from"] for r in targets.get(hid, ())
                    if r["effective_from"] <= day]
        when = max(versions, default=None)
        in_force = sorted((r for r in targets.get(hid, ()) if r["effective_from"] == when),
                          key=lambda r: r["position"])
        out[h["name"]] = _file_form(
            h, tax, accts, {a: cash[a] for a in key_of if a in cash},
            [_security(s, prices[day].get(s["symbol"])) for s in secs.get(hid, ())],
            in_force, [lot for a in accts for lot in lots.get(a["id"], ())],
            trades.get(hid, []), key_of, funds.get(hid, []))
    return out


def _file_form(h: Mapping[str, Any], tax: Mapping[str, Any],
               accounts: Sequence[Mapping[str, Any]], cash: Mapping[int, float],
               securities: list[dict[str, Any]], targets: Sequence[Mapping[str, Any]],
               lots: Sequence[tuple[Any, ...]], trades: Sequence[tuple[Any, ...]],
               key_of: Mapping[int, str], funds: Sequence[Mapping[str, Any]] = (),
               ) -> dict[str, Any]:
    settings = dict(h["settings"])
    alternatives = settings.pop(_ALTERNATIVES, {})
    private: dict[str, Any] = dict(alternatives)
    if funds:
        private["private_funds"] = list(funds)
    return {
        "as_of": h["as_of"].isoformat(),
        "household": {
            "name": h["name"],
            "filing_status": tax["filing_status"],
            "tax_year": tax["tax_year"],
            "ordinary_income_usd": tax["ordinary_income_usd"],
            "investment_income_usd": tax["investment_income_usd"],
            "qualified_dividends_usd": tax["qualified_dividends_usd"],
            "state_rate": tax["state_rate"],
            "loss_carryforward_usd": {"short_term": tax["carryforward_st_usd"],
                                      "long_term": tax["carryforward_lt_usd"]},
            "realized_this_year_usd": {"short_term": tax["realized_st_usd"],
                                       "long_term": tax["realized_lt_usd"]},
            **settings,
            **({} if h.get("base_currency", "USD") == "USD"
               else {"base_currency": h["base_currency"]}),
        },
        "accounts": [
            {"id": r["key"], "type": r["type"], "name": r["name"], "owner": r["owner"],
             "cash_usd": cash.get(r["id"], 0.0), "min_cash_usd": r["min_cash_usd"],
             "pending_flow_usd": r["pending_flow_usd"], "whole_shares": r["whole_shares"],
             "lot_method": r["lot_method"],
             **({} if r.get("fx_cost_bps") is None else {"fx_cost_bps": r["fx_cost_bps"]})}
            for r in accounts
        ],
        "securities": securities,
        "targets": {
            "classes": {r["asset_class"]: {"weight": r["weight"], "tier": r["tier"],
                                           "band_abs": r["band_abs"], "band_rel": r["band_rel"],
                                           **({"liquid_substitute": r["liquid_substitute"]}
                                              if r["liquid_substitute"] else {})}
                        for r in targets},
            "location": {r["asset_class"]: list(r["location"]) for r in targets
                         if r["location"]},
        },
        "lots": [
            {"id": key, "account": key_of[aid], "symbol": sym, "quantity": qty,
             "cost_basis_usd": basis, "acquired": acq, "holding_start": hs,
             # a lot built from a position: the planner's conservative treatment
             **({"date_known": False} if unknown else {})}
            for aid, key, sym, qty, basis, acq, hs, unknown in lots
        ],
        "recent_trades": [
            {"date": d.isoformat(), "account": key_of[aid], "symbol": sym, "side": kind,
             "quantity": qty, "price_usd": price}
            for aid, d, kind, sym, qty, price in trades
        ],
        **private,
    }


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _security(s: Mapping[str, Any], stored_price: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {"symbol": s["symbol"],
                           "price_usd": s["price_usd"] if stored_price is None else stored_price}
    ccy = s.get("currency") or "USD"
    if ccy != "USD":
        # stored closes are US dollars: a non-USD security keeps its stated local price
        # (converted at the household's rate on load)
        del out["price_usd"]
        out.update(currency=ccy, price=s["price_local"])
    if s["asset_class"] is not None:
        out["asset_class"] = s["asset_class"]
    else:
        out["look_through"] = dict(s["look_through"])
    out.update(wash_group=s["wash_group"], substitutes=list(s["substitutes"]),
               tradable=s["tradable"], cost_bps=s["cost_bps"],
               expense_ratio=s["expense_ratio"], name=s["name"])
    out.update({k: s[k] for k in ("currency_mix", "foreign_tax", "country")
                if s.get(k) is not None})
    return out


def latest_prices(conn: sa.Connection, symbols: Sequence[str], on: dt.date) -> dict[str, float]:
    """``{symbol: close}`` of the latest stored price on or before ``on``."""
    if not symbols:
        return {}
    p = t.prices.c
    last = (sa.select(p.symbol, sa.func.max(p.date).label("d"))
            .where(p.symbol.in_(list(symbols)), p.date <= on).group_by(p.symbol).subquery())
    q = sa.select(p.symbol, p.close).join(last, sa.and_(p.symbol == last.c.symbol,
                                                        p.date == last.c.d))
    return {sym: float(close) for sym, close in conn.execute(q)}


class HouseholdRow(dict):
    """One line of :func:`list_households` (a dict: name, as_of, accounts, lots,
    checked_at, action_needed, max_abs_drift)."""


def list_households(conn: sa.Connection) -> list[HouseholdRow]:
    """Every household with its latest recorded drift check (``None`` when never checked)."""
    h, d = t.households.c, t.drift_checks.c
    latest = (sa.select(d.household_id, sa.func.max(d.id).label("last"))
              .group_by(d.household_id).subquery())
    q = (sa.select(h.name, h.as_of, t.drift_checks.c.at, d.action_needed, d.max_abs_drift)
         .select_from(t.households.outerjoin(latest, latest.c.household_id == h.id)
                      .outerjoin(t.drift_checks, d.id == latest.c.last))
         .order_by(h.name))
    return [HouseholdRow(name=name, as_of=as_of, checked_at=at, action_needed=act,
                         max_abs_drift=drift)
            for name, as_of, at, act, drift in conn.execute(q)]


def record_check(conn: sa.Connection, hid: int, *, as_of: dt.date, action_needed: bool,
                 max_abs_drift: float, summary: Mapping[str, Any]) -> None:
    """Store one drift check of a household (the latest is what ``household list`` shows)."""
    record_checks(conn, [{"household_id": hid, "as_of": as_of, "action_needed": action_needed,
                          "max_abs_drift": max_abs_drift, "summary": summary}])


def record_checks(conn: sa.Connection, checks: Sequence[Mapping[str, Any]]) -> None:
    """Store many drift checks at once (``household_id``, ``as_of``, ``action_needed``,
    ``max_abs_drift``, ``summary`` each), all at the current time."""
    if not checks:
        return
    stamp = now()
    conn.execute(t.drift_checks.insert(), [
        {"household_id": c["household_id"], "at": stamp, "as_of": c["as_of"],
         "action_needed": c["action_needed"], "max_abs_drift": c["max_abs_drift"],
         "summary": dict(c["summary"])} for c in checks])


def unknown_date_lots(conn: sa.Connection, hid: int) -> list[str]:
    """Keys of the household's lots imported from positions (no acquisition date)."""
    lc, ac = t.lots.c, t.accounts.c
    return list(conn.execute(
        sa.select(lc.lot_key).join(t.accounts, ac.id == lc.account_id)
        .where(ac.household_id == hid, lc.unknown_acquired.is_(True))).scalars())


def account_row(conn: sa.Connection, hid: int, key: str) -> dict[str, Any]:
    """The stored account ``key`` of household ``hid`` (``StoreError`` listing the known ones)."""
    rows = conn.execute(sa.select(t.accounts).where(t.accounts.c.household_id == hid)
                        .order_by(t.accounts.c.position)).mappings().all()
    for r in rows:
        if r["key"] == key:
            return dict(r)
    raise StoreError(f"--account: the household has no account {key!r}; accounts: "
                     f"{', '.join(r['key'] for r in rows)}")


def account_lots(conn: sa.Connection, account_id: int) -> list[dict[str, Any]]:
    """The account's stored lots in order (``id`` is the lot key)."""
    lc = t.lots.c
    return [
        {"id": r.lot_key, "symbol": r.symbol, "quantity": r.quantity,
         "cost_basis_usd": r.cost_basis_usd, "acquired": r.acquired,
         "holding_start": r.holding_start, "unknown_acquired": r.unknown_acquired}
        for r in conn.execute(sa.select(lc.lot_key, lc.symbol, lc.quantity, lc.cost_basis_usd,
                                        lc.acquired, lc.holding_start, lc.unknown_acquired)
                              .where(lc.account_id == account_id).order_by(lc.position))
    ]


def latest_cash(conn: sa.Connection, account_id: int) -> float | None:
    """The account's latest stored cash, dollars (``None``: never stated)."""
    return conn.execute(sa.select(t.cash.c.amount_usd).where(t.cash.c.account_id == account_id)
                        .order_by(t.cash.c.as_of.desc()).limit(1)).scalar()


def find_import(conn: sa.Connection, account_id: int, kind: str,
                sha256: str) -> dict[str, Any] | None:
    """The earlier import of the same file (same bytes) into this account, if any."""
    row = conn.execute(sa.select(t.imports).where(
        t.imports.c.account_id == account_id, t.imports.c.kind == kind,
        t.imports.c.sha256 == sha256)).mappings().first()
    return None if row is None else dict(row)


def record_import(conn: sa.Connection, hid: int, account_id: int, *, kind: str, fmt: str,
                  filename: str, sha256: str, n_rows: int) -> int:
    """Note that a file was imported (its hash makes the next import of it a no-op)."""
    return int(conn.execute(t.imports.insert().values(
        household_id=hid, account_id=account_id, kind=kind, format=fmt, filename=filename,
        sha256=sha256, n_rows=n_rows, created_at=now())).inserted_primary_key[0])


def move_as_of(conn: sa.Connection, hid: int, on: dt.date) -> None:
    """Move the household's date forward to ``on`` (never back)."""
    conn.execute(t.households.update().where(t.households.c.id == hid,
                                             t.households.c.as_of < on)
                 .values(as_of=on, updated_at=now()))


def household_as_of(conn: sa.Connection, hid: int) -> dt.date:
    """The household's date."""
    return conn.execute(sa.select(t.households.c.as_of)
                        .where(t.households.c.id == hid)).scalar_one()


def save_prices(conn: sa.Connection, rows: Sequence[tuple[str, dt.date, float]], *,
                total_return: bool = False) -> int:
    """Store closes ``(symbol, date, close)``, replacing those already stored for the
    same symbol and date; returns how many rows were written."""
    if not rows:
        return 0
    rows = [(s, d, c) for (s, d), c in {(s, d): c for s, d, c in rows}.items()]
    p = t.prices.c
    keys = {(s, d) for s, d, _ in rows}
    symbols = sorted({s for s, _ in keys})
    for chunk in _chunks(symbols, 500):
        existing = conn.execute(sa.select(p.id, p.symbol, p.date).where(
            p.symbol.in_(chunk))).all()
        stale = [i for i, s, d in existing if (s, d) in keys]
        for ids in _chunks(stale, 500):
            conn.execute(t.prices.delete().where(p.id.in_(ids)))
    insert_batch(conn, t.prices, [dict(symbol=s, date=d, close=float(c),
                                       total_return=total_return) for s, d, c in rows])
    return len(rows)


def plan_fills(conn: sa.Connection, plan_id: int) -> list[tuple[str, str, str, float]]:
    """``(account key, symbol, side, shares)`` of the stored fills of plan ``plan_id``."""
    tc, ac = t.transactions.c, t.accounts.c
    return [(k, s, side, float(q)) for k, s, side, q in conn.execute(
        sa.select(ac.key, tc.symbol, tc.kind, tc.quantity)
        .join(t.accounts, ac.id == tc.account_id)
        .where(tc.plan_id == plan_id).order_by(tc.id))]


def cash_around(conn: sa.Connection, account_id: int, first: dt.date, last: dt.date
                ) -> tuple[float | None, float | None]:
    """The account's stored cash on the latest date before ``first`` and on the earliest
    date on or after ``last`` (``None`` where none is stored): the balances a span of
    transactions must lead from and to."""
    c = t.cash.c
    opening = conn.execute(sa.select(c.amount_usd).where(c.account_id == account_id,
                                                         c.as_of < first)
                           .order_by(c.as_of.desc()).limit(1)).scalar()
    closing = conn.execute(sa.select(c.amount_usd).where(c.account_id == account_id,
                                                         c.as_of >= last)
                           .order_by(c.as_of).limit(1)).scalar()
    return opening, closing
