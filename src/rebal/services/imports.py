"""Service ``import``: broker files into the store (``rebal import positions|lots|transactions``),
and ``rebal prices import``.

A file is read by :mod:`rebal.brokers` (every layout of ``docs/imports.md``), checked
against what the store holds (the reconciliation report), and written in ONE transaction:
wholly or not at all. Importing the same file (same bytes) into the same account again adds
nothing. After the write, the household is rebuilt from the store and validated like a
file inside the same transaction, so an import never leaves a household that cannot be
planned; ``dry_run`` does all of this and rolls back.

- positions: the account's holdings become the file's. A security whose stored lots already
  hold the position's quantity keeps its lots (they know their dates); any other position
  becomes one lot flagged "unknown acquisition date" at the average cost, treated as bought
  on the statement date (``docs/imports.md``); a security no longer held loses its lots.
  Cash lines set the account's cash; prices the file states are stored as closes.
- lots: the account's lots become the file's lots.
- transactions: added (a transaction already stored is recognised by its content and
  skipped); checked against the stored lots and cash (a sale with no lot, cash that does
  not add up: the cash stored before the first transaction plus their amounts against
  the cash stored on or after the last). Buys and sells within 30 days feed the wash-sale
  guard of every plan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rebal.errors import ConfigError, InputError

__all__ = ["IMPORT_KINDS", "ImportReport", "PricesImported", "import_file", "import_prices"]

IMPORT_KINDS = ("positions", "lots", "transactions")


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """What an import changed (or, with ``dry_run``, would change).

    Attributes
    ----------
    already_imported
        The same file was imported before (``previous``: when, import id): nothing added.
    lots_before, lots_after
        The account's lots, counted.
    added, removed, kept
        Lots added, removed, and kept as they were (positions import: a quantity that matches).
    unknown_dates
        Lots created from positions, without acquisition dates.
    transactions_added, transactions_skipped
        New transactions, and those already stored.
    cash_usd
        The account's cash after the import (``None``: not stated).
    issues
        The reconciliation's findings, one sentence each.
    """

    kind: str
    format: str
    file: str
    household: str
    account: str
    account_number: str | None
    dry_run: bool
    already_imported: bool = False
    previous: str | None = None
    rows: int = 0
    lots_before: int = 0
    lots_after: int = 0
    added: int = 0
    removed: int = 0
    kept: int = 0
    unknown_dates: int = 0
    transactions_added: int = 0
    transactions_skipped: int = 0
    cash_usd: float | None = None
    issues: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        out = asdict(self)
        out["issues"] = list(self.issues)
        out["notes"] = list(self.notes)
        return out

    def lines(self) -> list[str]:
        """The report in sentences (what the CLI prints)."""
        would = "would " if self.dry_run else ""
        head = (f"{self.kind} of {self.file} ({self.format}) into {self.household} / "
                f"{self.account}" + (f" ({self.account_number})" if self.account_number else ""))
        if self.already_imported:
            return [head, f"already imported ({self.previous}); nothing {would}added"]
        out = [head]
        if self.kind in ("positions", "lots"):
            out.append(f"lots: {self.lots_before} before, {self.lots_after} after; "
                       f"{self.added} {would}be added, {self.removed} removed, "
                       f"{self.kept} kept" if self.dry_run else
                       f"lots: {self.lots_before} before, {self.lots_after} after; "
                       f"{self.added} added, {self.removed} removed, {self.kept} kept")
            if self.unknown_dates:
                out.append(f"{self.unknown_dates} lot(s) have an unknown acquisition date "
                           "(built from positions at the average cost; treated as bought on "
                           "the statement date, short term, until real lots are imported)")
        else:
            out.append(f"transactions: {self.transactions_added} {would}be added, "
                       f"{self.transactions_skipped} already stored" if self.dry_run else
                       f"transactions: {self.transactions_added} added, "
                       f"{self.transactions_skipped} already stored")
        if self.cash_usd is not None:
            out.append(f"cash: ${self.cash_usd:,.2f}")
        out.extend(f"reconciliation: {i}" for i in self.issues)
        if not self.issues:
            out.append("reconciliation: no difference found")
        out.extend(f"note: {n}" for n in self.notes)
        if self.dry_run:
            out.append("dry run: nothing written")
        return out


def _read(kind: str, fmt: str, path: str) -> Any:
    from rebal import brokers

    reader = {"positions": brokers.read_positions, "lots": brokers.read_lots,
              "transactions": brokers.read_transactions}[kind]
    return reader(path, fmt)


def _lot_key(account: str, symbol: str, taken: set[str], ref: str = "") -> str:
    if ref and f"{account}:{ref}" not in taken:
        key = f"{account}:{ref}"
    else:
        n = 1
        while f"{account}:{symbol}:{n}" in taken:
            n += 1
        key = f"{account}:{symbol}:{n}"
    taken.add(key)
    return key


def _lot_dict(lot: Any, key: str, account: str, on: dt.date, taxable: bool) -> dict[str, Any]:
    held = lot.to_held_lot(lot_id=key, account=account, as_of=on, taxable=taxable)
    return {"id": held.id, "symbol": held.symbol, "quantity": held.quantity,
            "cost_basis_usd": held.cost_basis_usd, "acquired": held.acquired,
            "holding_start": held.holding_start, "unknown_acquired": not lot.date_known}


def import_file(kind: str, fmt: str, path: str, *, household: str, account: str,
                db: str | None, dry_run: bool = False,
                account_number: str | None = None) -> ImportReport:
    """Import one broker file into ``household``'s ``account`` (see the module docstring).

    Parameters
    ----------
    kind
        ``positions``, ``lots`` or ``transactions``.
    fmt
        ``generic``, ``fidelity``, ``schwab``, ``vanguard``, ``etrade`` or ``ibkr-flex``.
    account_number
        For a file holding several accounts (Fidelity positions): which one (its last
        digits suffice); it is stored with the account and shown masked.
    """
    from rebal.brokers import mask_account_number
    from rebal.services.store import open_store, record_drift
    from rebal.store import households as hs

    if kind not in IMPORT_KINDS:
        raise ConfigError(f"unknown import {kind!r}; choose one of {', '.join(IMPORT_KINDS)}")
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None
    digest = hashlib.sha256(raw).hexdigest()
    parsed = _read(kind, fmt, path)
    fmt_label = parsed.format.label
    store = open_store(db, create=False)
    result: dict[str, Any] = {}
    try:
        with store, store.write() as conn:
            hid = hs.household_id(conn, household)
            acct = hs.account_row(conn, hid, account)
            number = acct["number"]
            numbers: tuple[str, ...] = ()
            if kind == "positions":
                numbers = parsed.accounts
                if account in parsed.accounts:  # a generic file naming rebal's account ids
                    parsed = parsed.for_account(account)
                parsed, number = _one_account(parsed, account_number or number, path)
            base = dict(kind=kind, format=fmt_label, file=path, household=household,
                        account=account, account_number=mask_account_number(number)
                        if number else None, dry_run=dry_run)
            previous = hs.find_import(conn, acct["id"], kind, digest)
            if previous is not None:
                result["report"] = ImportReport(
                    **base, already_imported=True,
                    previous=f"import #{previous['id']} on "
                             f"{previous['created_at'].isoformat(timespec='seconds')} UTC")
                raise _DryRun  # nothing to write
            report = _apply(conn, kind, parsed, hid, acct, base, account_number=number)
            report = _masked(report, (*numbers, number or ""))
            n_rows = (len(parsed.positions) if kind == "positions" else
                      len(parsed.lots) if kind == "lots" else len(parsed.transactions))
            hs.record_import(conn, hid, acct["id"], kind=kind, fmt=fmt_label,
                             filename=Path(path).name, sha256=digest, n_rows=n_rows)
            record_drift(conn, hid, _validate(conn, household))
            result["report"] = report
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result["report"]


def _masked(report: ImportReport, numbers: tuple[str, ...]) -> ImportReport:
    """The report with every account number the file named masked (``****1234``)."""
    from dataclasses import replace

    from rebal.brokers import mask_account_number

    def mask(text: str) -> str:
        for n in numbers:
            if n and any(ch.isdigit() for ch in n):
                text = text.replace(n, mask_account_number(n))
        return text

    return replace(report, issues=tuple(mask(i) for i in report.issues),
                   notes=tuple(mask(n) for n in report.notes))


def _one_account(parsed: Any, number: str | None, path: str) -> tuple[Any, str | None]:
    # the generic layout's "account" column may hold rebal's account id: only a value
    # with a digit is taken for an account number
    accounts = tuple(a for a in parsed.accounts if any(ch.isdigit() for ch in a))
    if len(accounts) <= 1:
        own = parsed.account_number if any(ch.isdigit() for ch in parsed.account_number) \
            else None
        return parsed, number or (accounts[0] if accounts else own)
    from rebal.brokers import mask_account_number

    if not number:
        raise ConfigError(
            f"{path}: the file holds {len(accounts)} accounts "
            f"({', '.join(mask_account_number(a) for a in accounts)}); say which with "
            f"--account-number (its last digits)")
    digits = number.strip().lstrip("*.…")
    match = [a for a in accounts if a.endswith(digits) or digits.endswith(a.lstrip("*.…"))]
    if len(match) != 1:
        raise ConfigError(f"--account-number {mask_account_number(number)}: "
                          f"{'no' if not match else 'more than one'} account of the file "
                          f"matches ({', '.join(mask_account_number(a) for a in accounts)})")
    return parsed.for_account(match[0]), match[0]


def _apply(conn: Any, kind: str, parsed: Any, hid: int, acct: dict[str, Any],
           base: dict[str, Any], *, account_number: str | None) -> ImportReport:
    from rebal.brokers import ImportedLot, reconcile
    from rebal.store import households as hs

    key, aid = acct["key"], acct["id"]
    taxable = acct["type"] == "taxable"
    before = hs.account_lots(conn, aid)
    as_of = hs.household_as_of(conn, hid)
    issues: list[str] = []
    notes: list[str] = []
    stored_as_imported = [
        ImportedLot(symbol=lot["symbol"], quantity=lot["quantity"],
                    cost_basis_usd=lot["cost_basis_usd"], acquired=lot["acquired"],
                    date_known=not lot["unknown_acquired"])
        for lot in before
    ]
    if account_number and account_number != acct["number"]:
        from rebal.store import schema as t

        conn.execute(t.accounts.update().where(t.accounts.c.id == aid)
                     .values(number=account_number))
    if kind == "transactions":
        cash_before = hs.latest_cash(conn, aid)
        opening = closing = None
        if parsed.transactions:
            # cash stated before the first and after the last transaction: they must add up
            opening, closing = hs.cash_around(conn, aid,
                                              min(x.date for x in parsed.transactions),
                                              max(x.date for x in parsed.transactions))
        rec = reconcile(transactions=parsed.transactions, opening_lots=stored_as_imported,
                        opening_cash_usd=opening, closing_cash_usd=closing)
        issues = [i.message for i in rec.issues]
        rows = [_transaction_row(tx, aid) for tx in parsed.transactions]
        added, skipped = hs.add_transactions(conn, rows, import_id=None)
        return ImportReport(**base, rows=len(rows), lots_before=len(before),
                            lots_after=len(before), transactions_added=added,
                            transactions_skipped=skipped, cash_usd=cash_before,
                            issues=tuple(issues), notes=tuple(parsed.notes))
    on = getattr(parsed, "statement_date", None) or as_of
    if on > as_of:
        hs.move_as_of(conn, hid, on)
        notes.append(f"the household's date moves from {as_of} to the file's {on}")
    taken: set[str] = set()
    if kind == "lots":
        new = [_lot_dict(lot, _lot_key(key, lot.symbol, taken, lot.lot_ref), key, on, taxable)
               for lot in parsed.lots]
        kept = 0
        cash = hs.latest_cash(conn, aid)
    else:
        rec = reconcile(positions=parsed.positions, lots=stored_as_imported)
        issues = [i.message for i in rec.issues]
        held: dict[str, float] = {}
        for p in parsed.positions:
            if not p.is_cash:
                held[p.symbol] = held.get(p.symbol, 0.0) + p.quantity
        stored_qty: dict[str, float] = {}
        for lot in before:
            stored_qty[lot["symbol"]] = stored_qty.get(lot["symbol"], 0.0) + lot["quantity"]
        keep = {s for s, q in held.items() if abs(stored_qty.get(s, 0.0) - q) <= 1e-4}
        new = [lot for lot in before if lot["symbol"] in keep]
        taken.update(lot["id"] for lot in new)
        kept = len(new)
        for lot in parsed.to_lots():
            if lot.symbol not in keep:
                new.append(_lot_dict(lot, _lot_key(key, lot.symbol, taken), key, on, taxable))
        cash = parsed.cash_usd
        if cash is not None:
            hs.set_cash(conn, aid, on, float(cash))
        else:
            cash = hs.latest_cash(conn, aid)
        priced = [(p.symbol, on, p.price_usd) for p in parsed.positions
                  if not p.is_cash and p.price_usd is not None and p.price_usd > 0]
        if getattr(parsed, "statement_date", None) is not None and priced:
            hs.save_prices(conn, priced)
            notes.append(f"{len(priced)} closes of {on} stored from the file's prices")
    hs.replace_lots(conn, aid, new, import_id=None)
    unknown = sum(1 for lot in new if lot["unknown_acquired"])
    return ImportReport(**base, rows=len(new), lots_before=len(before), lots_after=len(new),
                        added=len(new) - kept, removed=len(before) - kept,
                        kept=kept, unknown_dates=unknown, cash_usd=cash,
                        issues=tuple(issues), notes=(*parsed.notes, *notes))


def _transaction_row(tx: Any, account_id: int) -> dict[str, Any]:
    from rebal.brokers import TxnType

    kind = tx.type.value
    description = tx.description or tx.action
    if tx.type is TxnType.REINVEST:
        kind, description = "buy", f"reinvested: {description}".strip()
    amount = tx.amount_usd
    if amount is None:
        if tx.quantity is not None and tx.price_usd is not None and tx.type.is_trade:
            gross = tx.quantity * tx.price_usd
            amount = gross - tx.fees_usd if tx.type is TxnType.SELL else -(gross + tx.fees_usd)
        else:
            amount = 0.0
    return {"account_id": account_id, "date": tx.date, "kind": kind,
            "symbol": tx.symbol or None, "quantity": tx.quantity, "price_usd": tx.price_usd,
            "amount_usd": float(amount), "fees_usd": float(tx.fees_usd),
            "description": (description or None) and description[:500]}


def _validate(conn: Any, household: str) -> Any:
    """Rebuild the household from the store (inside the transaction) and validate it."""
    from rebal.household import household_from_dict
    from rebal.store.households import household_data

    try:
        return household_from_dict(household_data(conn, household),
                                   source=f"store:{household}")
    except InputError as exc:
        raise InputError(f"the import would leave household {household!r} invalid, so "
                         f"nothing was imported: {exc.message}", file=exc.file,
                         row=exc.row, field=exc.field) from None


# -- prices ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PricesImported:
    """Closes stored by ``rebal prices import``."""

    file: str
    symbols: tuple[str, ...]
    rows: int
    first: str
    last: str
    total_return: bool

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "symbols": list(self.symbols), "rows": self.rows,
                "first": self.first, "last": self.last, "total_return": self.total_return}


def import_prices(path: str, db: str | None, *, total_return: bool = False) -> PricesImported:
    """Store the closes of a price file (CSV or Parquet, wide or long: the loaders of
    :func:`rebal.data.load_prices`); a close already stored for a symbol and date is
    replaced. Valuation then uses the latest stored close on or before a household's date."""
    import numpy as np

    from rebal.data.loaders import load_prices
    from rebal.services.store import open_store
    from rebal.store.households import save_prices

    market = load_prices(path)
    dates = list(np.asarray(market.dates, dtype="datetime64[D]").astype(object))
    values = np.asarray(market.prices, dtype=float)
    rows = [(sym, dates[i], float(values[i, j]))
            for j, sym in enumerate(market.assets) for i in range(len(dates))
            if np.isfinite(values[i, j]) and values[i, j] > 0]
    store = open_store(db)
    with store, store.write() as conn:
        n = save_prices(conn, rows, total_return=total_return)
    return PricesImported(file=path, symbols=tuple(market.assets), rows=n,
                          first=str(dates[0]), last=str(dates[-1]), total_return=total_return)
