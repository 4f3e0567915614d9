"""Vanguard ``OfxDownload.csv``: positions, a blank line, then transactions (no cost basis
in either). A lots import from it gives unknown-date lots with *no* basis: fine for an IRA,
refused for a taxable account until real lots are imported (``docs/imports.md``).

The settlement fund (``VMFXX``, or any "money market" fund named as such) is the
account's cash. "Sweep in"/"Sweep out" lines move money between the settlement fund and
cash inside the account and are skipped (with a note).
"""

from __future__ import annotations

from collections.abc import Sequence

from rebal.brokers.records import (
    BrokerFormat,
    LotsFile,
    Position,
    PositionsFile,
    Transaction,
    TransactionsFile,
    TxnType,
)
from rebal.brokers.table import Line, Table, check_trailer, classify, find_table, norm

__all__ = ["ACTIONS", "read_lots", "read_positions", "read_transactions"]

POSITIONS_REQUIRED = ("Account Number", "Investment Name", "Symbol", "Shares", "Share Price",
                      "Total Value")
TRANSACTIONS_REQUIRED = ("Account Number", "Trade Date", "Transaction Type", "Symbol",
                         "Shares", "Net Amount")
SETTLEMENT_FUNDS = frozenset({"VMFXX", "VMRXX", "VUSXX"})

ACTIONS: tuple[tuple[str, TxnType], ...] = (
    ("BUY", TxnType.BUY),
    ("SELL", TxnType.SELL),
    ("REINVESTMENT", TxnType.REINVEST),
    ("REINVESTMENT (LT GAIN)", TxnType.REINVEST),
    ("REINVESTMENT (ST GAIN)", TxnType.REINVEST),
    ("DIVIDEND", TxnType.DIVIDEND),
    ("CAPITAL GAIN (LT)", TxnType.DIVIDEND),
    ("CAPITAL GAIN (ST)", TxnType.DIVIDEND),
    ("INTEREST", TxnType.INTEREST),
    ("FEE", TxnType.FEE),
    ("FUNDS RECEIVED", TxnType.TRANSFER_IN),
    ("WITHDRAWAL", TxnType.TRANSFER_OUT),
    ("TRANSFER (INCOMING)", TxnType.TRANSFER_IN),
    ("TRANSFER (OUTGOING)", TxnType.TRANSFER_OUT),
    ("CONVERSION (INCOMING)", TxnType.TRANSFER_IN),
    ("CONVERSION (OUTGOING)", TxnType.TRANSFER_OUT),
    ("STOCK SPLIT", TxnType.SPLIT),
)
_SKIPPED = ("SWEEP IN", "SWEEP OUT")


def _is_transactions_header(cells: list[str]) -> bool:
    names = [norm(c) for c in cells]
    return all(norm(c) in names for c in TRANSACTIONS_REQUIRED)


def _positions_table(lines: Sequence[Line], source: str) -> Table:
    return find_table(lines, source, POSITIONS_REQUIRED, what="a Vanguard OfxDownload file")


def read_positions(lines: Sequence[Line], source: str) -> PositionsFile:
    """The positions section."""
    table = _positions_table(lines, source)
    _check_after_positions(table, lines, source)
    out: list[Position] = []
    for row in table.rows:
        symbol = row.text("symbol").upper()
        name = row.text("investment name")
        shares = row.number("shares")
        value = row.number("total value")
        if not shares and not value:
            continue  # a fund the account no longer holds
        cash = symbol in SETTLEMENT_FUNDS or "money mkt" in name.lower() or \
            "money market" in name.lower()
        if not symbol and not cash:
            raise row.fail(f"no symbol for {name!r} (rebal needs a ticker)", "symbol")
        if cash:
            amount = value if value is not None else shares
            out.append(Position(symbol=symbol or "CASH", quantity=amount or 0.0,
                                price_usd=1.0, value_usd=amount, is_cash=True,
                                description=name, account_number=row.text("account number"),
                                source_file=source, source_line=row.line))
            continue
        if shares is None or shares <= 0:
            raise row.fail(f"must be > 0, got {row.text('shares')!r}", "shares")
        out.append(Position(symbol=symbol, quantity=shares,
                            price_usd=row.positive("share price", required=False),
                            value_usd=value, description=name,
                            account_number=row.text("account number"), source_file=source,
                            source_line=row.line))
    cash_rows = [p.quantity for p in out if p.is_cash]
    accounts = {p.account_number for p in out}
    return PositionsFile(source=source, format=BrokerFormat.VANGUARD, positions=tuple(out),
                         cash_usd=sum(cash_rows) if cash_rows else None,
                         account_number=next(iter(accounts)) if len(accounts) == 1 else "")


def _check_after_positions(table: Table, lines: Sequence[Line], source: str) -> None:
    """After the positions: only blank lines, footers, or the transactions section."""
    rest = list(table.after)
    for k, (_, cells) in enumerate(rest):
        if _is_transactions_header(cells):
            check_trailer(rest[:k], source)
            return
    check_trailer(rest, source)


def read_lots(lines: Sequence[Line], source: str) -> LotsFile:
    """Unknown-date lots, without basis (Vanguard's download gives none)."""
    positions = read_positions(lines, source)
    return LotsFile(source=source, format=BrokerFormat.VANGUARD, lots=positions.to_lots(),
                    notes=("Vanguard's download has no cost basis: the lots have none",))


def read_transactions(lines: Sequence[Line], source: str) -> TransactionsFile:
    """The transactions section."""
    table = find_table(lines, source, TRANSACTIONS_REQUIRED,
                       what="a Vanguard OfxDownload file with transactions")
    check_trailer(table.after, source)
    out: list[Transaction] = []
    skipped = 0
    for row in table.rows:
        action = " ".join(row.text("transaction type", required=True).upper().split())
        if action in _SKIPPED:
            # checked like any row (a malformed line is never skipped silently)
            row.date("trade date", required=True)
            for column in ("shares", "share price", "net amount"):
                row.number(column)
            skipped += 1
            continue
        kind = classify(row, "transaction type", ACTIONS, "Vanguard", exact=True)
        quantity = row.number("shares")
        if kind is not TxnType.SPLIT and quantity is not None:
            quantity = abs(quantity) or None
        symbol = row.text("symbol").upper()
        if kind.is_trade and (not symbol or not quantity):
            raise row.fail("a trade needs a symbol and a quantity",
                           "symbol" if not symbol else "shares")
        fees = abs(row.number("commissions and fees") or 0.0)
        out.append(Transaction(
            date=row.date("trade date", required=True), type=kind,  # type: ignore[arg-type]
            symbol=symbol, quantity=quantity,
            price_usd=row.positive("share price", required=False), fees_usd=fees,
            amount_usd=row.number("net amount"), action=row.text("transaction type"),
            description=row.text("transaction description"),
            account_number=row.text("account number"), source_file=source,
            source_line=row.line,
        ))
    notes = (f"{skipped} sweep lines (settlement fund ↔ cash) skipped",) if skipped else ()
    return TransactionsFile(source=source, format=BrokerFormat.VANGUARD,
                            transactions=tuple(out), notes=notes)
