"""Fidelity: ``Portfolio_Positions_<date>.csv``, the realized-lots (closed positions)
export and ``Accounts_History.csv`` (transactions).

Positions carry no acquisition dates: a lots import from them builds one unknown-date lot
per position at the average cost (:meth:`PositionsFile.to_lots`). ``SPAXX**`` (any symbol
ending ``**``) is the core money-market cash; "Pending Activity" is cash not yet settled
(kept out of the cash total, with a note). The footer's "Date downloaded …" gives the
statement date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from rebal.brokers.numbers import mask_account_number, parse_date
from rebal.brokers.records import (
    BrokerFormat,
    ClosedLot,
    LotsFile,
    Position,
    PositionsFile,
    Transaction,
    TransactionsFile,
    TxnType,
)
from rebal.brokers.table import Line, Row, check_trailer, classify, find_table
from rebal.errors import InputError

__all__ = ["ACTIONS", "read_lots", "read_positions", "read_transactions"]

POSITIONS_REQUIRED = ("Account Number", "Symbol", "Quantity", "Current Value",
                      "Cost Basis Total", "Average Cost Basis")
REALIZED_REQUIRED = ("Symbol(CUSIP)", "Quantity", "Date Acquired", "Date Sold", "Proceeds",
                     "Cost Basis")
HISTORY_REQUIRED = ("Run Date", "Action", "Symbol", "Quantity", "Amount ($)")

#: Action text (upper case) starts → type, first match wins (Accounts_History.csv).
ACTIONS: tuple[tuple[str, TxnType], ...] = (
    ("YOU BOUGHT", TxnType.BUY),
    ("YOU SOLD", TxnType.SELL),
    ("REINVESTMENT", TxnType.REINVEST),
    ("DIVIDEND RECEIVED", TxnType.DIVIDEND),
    ("LONG-TERM CAP GAIN", TxnType.DIVIDEND),
    ("SHORT-TERM CAP GAIN", TxnType.DIVIDEND),
    ("INTEREST EARNED", TxnType.INTEREST),
    ("INTEREST", TxnType.INTEREST),
    ("FOREIGN TAX PAID", TxnType.FEE),
    ("FEE CHARGED", TxnType.FEE),
    ("MARGIN INTEREST", TxnType.FEE),
    ("ELECTRONIC FUNDS TRANSFER RECEIVED", TxnType.TRANSFER_IN),
    ("ELECTRONIC FUNDS TRANSFER PAID", TxnType.TRANSFER_OUT),
    ("DISTRIBUTION STOCK SPLIT", TxnType.SPLIT),
    ("CONTRIBUTION", TxnType.TRANSFER_IN),
    ("DISTRIBUTION", TxnType.TRANSFER_OUT),
    ("TRANSFERRED FROM", TxnType.TRANSFER_IN),
    ("TRANSFERRED TO", TxnType.TRANSFER_OUT),
    ("TRANSFER OF ASSETS", TxnType.TRANSFER_IN),
    ("CASH CONTRIBUTION", TxnType.TRANSFER_IN),
    ("DIRECT DEPOSIT", TxnType.TRANSFER_IN),
    ("DIRECT DEBIT", TxnType.TRANSFER_OUT),
    ("CHECK RECEIVED", TxnType.TRANSFER_IN),
    ("WIRE TRANSFER FROM", TxnType.TRANSFER_IN),
    ("WIRE TRANSFER TO", TxnType.TRANSFER_OUT),
    ("STOCK SPLIT", TxnType.SPLIT),
)

_DOWNLOADED = re.compile(r"Date downloaded\s+([A-Za-z]{3}-\d{1,2}-\d{4}|\d{1,2}/\d{1,2}/\d{4})",
                         re.IGNORECASE)


def _footer(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return len(filled) == 1 and len(cells) <= 2


def _downloaded(lines: Sequence[Line]) -> date | None:
    for _, cells in lines:
        for cell in cells:
            m = _DOWNLOADED.search(cell)
            if m:
                try:
                    return parse_date(m.group(1))
                except ValueError:
                    return None
    return None


def read_positions(lines: Sequence[Line], source: str) -> PositionsFile:
    """``Portfolio_Positions_<date>.csv``."""
    table = find_table(lines, source, POSITIONS_REQUIRED, what="a Fidelity positions file",
                       footer=_footer)
    check_trailer(table.after, source)
    out: list[Position] = []
    notes: list[str] = []
    for row in table.rows:
        symbol = row.text("symbol", required=True)
        account = row.text("account number")
        value = row.number("current value")
        if symbol.lower() == "pending activity":
            notes.append(f"line {row.line}: pending activity {value or 0:,.2f} USD in account "
                         f"{mask_account_number(account) or '?'} is not counted as cash "
                         "until it settles")
            continue
        if symbol.endswith("**"):
            if value is None:
                raise row.fail("a cash line needs its value", "current value")
            out.append(Position(symbol=symbol.rstrip("*"), quantity=value, price_usd=1.0,
                                value_usd=value, is_cash=True,
                                description=row.text("description"), account_number=account,
                                source_file=source, source_line=row.line))
            continue
        out.append(_security(row, symbol, account, value, source))
    cash = [p.quantity for p in out if p.is_cash]
    accounts = {p.account_number for p in out}
    return PositionsFile(
        source=source, format=BrokerFormat.FIDELITY, positions=tuple(out),
        cash_usd=sum(cash) if cash else None, statement_date=_downloaded(table.after),
        account_number=next(iter(accounts)) if len(accounts) == 1 else "", notes=tuple(notes),
    )


def _security(row: Row, symbol: str, account: str, value: float | None,
              source: str) -> Position:
    quantity = row.positive("quantity")
    assert quantity is not None
    total = row.number("cost basis total")
    average = row.number("average cost basis")
    for name, v in (("cost basis total", total), ("average cost basis", average)):
        if v is not None and v < 0:
            raise row.fail(f"must be >= 0, got {row.text(name)!r}", name)
    if total is None and average is not None:
        total = average * quantity
    elif total is not None and average is not None and \
            abs(total - average * quantity) > 0.005 * quantity + 0.01:
        # the average is printed to the cent, so it may differ from total/quantity by
        # half a cent a share, no more
        raise row.fail(f"{average:g} a share × {quantity:g} shares = {average * quantity:,.2f}"
                       f", but Cost Basis Total is {total:,.2f}", "average cost basis")
    return Position(symbol=symbol.upper(), quantity=quantity,
                    price_usd=row.positive("last price", required=False), value_usd=value,
                    cost_basis_usd=total, description=row.text("description"),
                    account_number=account, source_file=source, source_line=row.line)


def read_lots(lines: Sequence[Line], source: str) -> LotsFile:
    """Fidelity lots: a realized-lots (closed positions) file gives closed lots; a positions
    file gives one unknown-date lot per position at its average cost."""
    try:
        table = find_table(lines, source, REALIZED_REQUIRED,
                           what="a Fidelity realized-lots file", footer=_footer)
    except InputError:  # not a realized-lots file: a positions file?
        try:
            positions = read_positions(lines, source)
        except InputError as exc:
            if "no header row" not in str(exc):
                raise
            raise InputError("no header row of a Fidelity realized-lots file (Symbol(CUSIP), "
                             "Date Acquired, Date Sold, …) or positions file (Account Number, "
                             "Symbol, Quantity, …)", file=source, row=1) from None
        return LotsFile(source=source, format=BrokerFormat.FIDELITY, lots=positions.to_lots(),
                        statement_date=positions.statement_date, notes=positions.notes)
    check_trailer(table.after, source)
    closed: list[ClosedLot] = []
    for row in table.rows:
        raw = row.text("symbol(cusip)", required=True)
        symbol = raw.split("(", 1)[0].strip().upper()
        if not symbol:
            raise row.fail(f"no symbol in {raw!r}", "symbol(cusip)")
        acquired_text = row.text("date acquired")
        acquired = None if acquired_text.upper() == "VARIOUS" else row.date("date acquired")
        st, lt = row.number("short term gain/loss"), row.number("long term gain/loss")
        gain = None if st is None and lt is None else (st or 0.0) + (lt or 0.0)
        closed.append(ClosedLot(
            symbol=symbol, quantity=row.positive("quantity"),  # type: ignore[arg-type]
            acquired=acquired, sold=row.date("date sold", required=True),  # type: ignore[arg-type]
            proceeds_usd=row.number("proceeds", required=True),  # type: ignore[arg-type]
            cost_basis_usd=row.number("cost basis"), gain_usd=gain,
            description=row.text("security description"), source_file=source,
            source_line=row.line,
        ))
    return LotsFile(source=source, format=BrokerFormat.FIDELITY, lots=(),
                    closed=tuple(closed))


def read_transactions(lines: Sequence[Line], source: str) -> TransactionsFile:
    """``Accounts_History.csv`` (Run Date, Action, Symbol, …, Amount ($))."""
    table = find_table(lines, source, HISTORY_REQUIRED, what="a Fidelity account history",
                       footer=_footer)
    check_trailer(table.after, source)
    out: list[Transaction] = []
    for row in table.rows:
        kind = classify(row, "action", ACTIONS, "Fidelity")
        quantity = row.number("quantity")
        if kind is not TxnType.SPLIT and quantity is not None:
            quantity = abs(quantity)  # Fidelity signs sales negative
        if kind.is_trade and not quantity:
            raise row.fail("a trade needs a quantity", "quantity")
        fees = abs(row.number("commission ($)") or 0.0) + abs(row.number("fees ($)") or 0.0)
        symbol = row.text("symbol").upper()
        if kind.is_trade and not symbol:
            raise row.fail("a trade needs a symbol", "symbol")
        out.append(Transaction(
            date=row.date("run date", required=True), type=kind,  # type: ignore[arg-type]
            symbol=symbol, quantity=quantity,
            price_usd=row.positive("price ($)", required=False), fees_usd=fees,
            amount_usd=row.number("amount ($)"), action=row.text("action"),
            description=row.text("description"),
            account_number=row.text("account") or row.text("account number"),
            source_file=source, source_line=row.line,
        ))
    return TransactionsFile(source=source, format=BrokerFormat.FIDELITY,
                            transactions=tuple(out))
