"""Charles Schwab: positions (2025 layout), ``Lot-Details-<SYMBOL>.CSV``, the realized-gain
export (closed lots with the broker's wash-sale adjustments) and transactions.

Positions start with ``"Positions for account Individual ...123 as of 09:41 PM ET,
2025/06/30"`` and a blank line, and end with "Cash & Cash Investments" (the sweep cash) and
"Account Total" rows; the rows are checked against the total. Lot details name their
symbol in the preamble or the file name. Transactions end with an optional
"Transactions Total" row; a date ``"07/01/2025 as of 06/30/2025"`` is the 06/30 trade.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rebal.brokers.numbers import parse_date
from rebal.brokers.records import (
    BrokerFormat,
    ClosedLot,
    ImportedLot,
    LotsFile,
    Position,
    PositionsFile,
    Transaction,
    TransactionsFile,
    TxnType,
)
from rebal.brokers.table import Line, Row, Table, check_trailer, classify, find_table
from rebal.errors import InputError

__all__ = ["ACTIONS", "read_lots", "read_positions", "read_transactions"]

POSITIONS_REQUIRED = ("Symbol", "Qty (Quantity)", "Mkt Val (Market Value)", "Cost Basis")
LOTS_REQUIRED = ("Open Date", "Quantity", "Cost/Share", "Cost Basis")
REALIZED_REQUIRED = ("Symbol", "Closed Date", "Quantity", "Proceeds", "CostBasis")
TRANSACTIONS_REQUIRED = ("Date", "Action", "Symbol", "Quantity", "Price", "Fees & Comm",
                         "Amount")

_CASH_ROW = "cash & cash investments"
_TOTAL_ROW = "account total"
_ACCOUNT_NO = re.compile(r"(?:\.\.\.|X{2,}-?)\d+")
_AS_OF = re.compile(r"\bas of\b.*?(\d{4}/\d{2}/\d{2}|\d{2}/\d{2}/\d{4})", re.IGNORECASE)

#: Exact action texts (upper case) → type. "Journal", "Security Transfer", "MoneyLink
#: Transfer", "Wire Funds" and the like are transfers whose direction is the sign of the
#: amount (or quantity).
ACTIONS: tuple[tuple[str, TxnType], ...] = (
    ("BUY", TxnType.BUY),
    ("SELL", TxnType.SELL),
    ("REINVEST SHARES", TxnType.REINVEST),
    ("REINVEST DIVIDEND", TxnType.DIVIDEND),
    ("QUALIFIED DIVIDEND", TxnType.DIVIDEND),
    ("QUAL DIV REINVEST", TxnType.DIVIDEND),
    ("NON-QUALIFIED DIV", TxnType.DIVIDEND),
    ("CASH DIVIDEND", TxnType.DIVIDEND),
    ("SPECIAL QUAL DIV", TxnType.DIVIDEND),
    ("SPECIAL DIVIDEND", TxnType.DIVIDEND),
    ("PR YR DIV REINVEST", TxnType.DIVIDEND),
    ("PR YR CASH DIV", TxnType.DIVIDEND),
    ("LONG TERM CAP GAIN", TxnType.DIVIDEND),
    ("SHORT TERM CAP GAIN", TxnType.DIVIDEND),
    ("LONG TERM CAP GAIN REINVEST", TxnType.DIVIDEND),
    ("SHORT TERM CAP GAIN REINVEST", TxnType.DIVIDEND),
    ("BANK INTEREST", TxnType.INTEREST),
    ("CREDIT INTEREST", TxnType.INTEREST),
    ("BOND INTEREST", TxnType.INTEREST),
    ("MARGIN INTEREST", TxnType.FEE),
    ("ADR MGMT FEE", TxnType.FEE),
    ("FOREIGN TAX PAID", TxnType.FEE),
    ("SERVICE FEE", TxnType.FEE),
    ("STOCK SPLIT", TxnType.SPLIT),
    ("JOURNAL", TxnType.TRANSFER_IN),
    ("JOURNALED SHARES", TxnType.TRANSFER_IN),
    ("MONEYLINK TRANSFER", TxnType.TRANSFER_IN),
    ("MONEYLINK DEPOSIT", TxnType.TRANSFER_IN),
    ("WIRE FUNDS", TxnType.TRANSFER_IN),
    ("WIRE SENT", TxnType.TRANSFER_OUT),
    ("WIRE RECEIVED", TxnType.TRANSFER_IN),
    ("FUNDS RECEIVED", TxnType.TRANSFER_IN),
    ("SECURITY TRANSFER", TxnType.TRANSFER_IN),
    ("INTERNAL TRANSFER", TxnType.TRANSFER_IN),
)
_SIGNED = {"JOURNAL", "JOURNALED SHARES", "MONEYLINK TRANSFER", "WIRE FUNDS",
           "SECURITY TRANSFER", "INTERNAL TRANSFER"}


def _preamble(lines: Sequence[Line]) -> tuple[str, date | None]:
    """The masked account number ("...123") and the "as of" date of the preamble lines."""
    number, day = "", None
    for _, cells in lines:
        for cell in cells:
            if not number and (m := _ACCOUNT_NO.search(cell)):
                number = m.group(0)
            if day is None and (d := _AS_OF.search(cell)):
                try:
                    day = parse_date(d.group(1))
                except ValueError:
                    day = None
    return number, day


def _footer(cells: list[str]) -> bool:
    return bool(cells) and cells[0].strip().lower() in (_TOTAL_ROW, "transactions total",
                                                        "total")


def read_positions(lines: Sequence[Line], source: str) -> PositionsFile:
    """A Schwab positions download."""
    table = find_table(lines, source, POSITIONS_REQUIRED, what="a Schwab positions file",
                       footer=_footer)
    account, day = _preamble(table.before)
    total_line = table.after[0] if table.after and _footer(table.after[0][1]) else None
    check_trailer(table.after[1:] if total_line else table.after, source)
    out: list[Position] = []
    for row in table.rows:
        symbol = row.text("symbol", required=True)
        value = row.number("mkt val (market value)")
        kind = row.text("security type").lower()
        if symbol.lower() == _CASH_ROW or kind in ("cash and money market", "cash"):
            if value is None:
                raise row.fail("a cash line needs its market value", "mkt val (market value)")
            out.append(Position(symbol="CASH" if symbol.lower() == _CASH_ROW else
                                symbol.upper(), quantity=value, price_usd=1.0,
                                value_usd=value, is_cash=True,
                                description=row.text("description"), account_number=account,
                                source_file=source, source_line=row.line))
            continue
        quantity = row.positive("qty (quantity)")
        basis = row.number("cost basis")
        if basis is not None and basis < 0:
            raise row.fail(f"must be >= 0, got {row.text('cost basis')!r}", "cost basis")
        out.append(Position(symbol=symbol.upper(), quantity=quantity,  # type: ignore[arg-type]
                            price_usd=row.positive("price", required=False), value_usd=value,
                            cost_basis_usd=basis, description=row.text("description"),
                            account_number=account, source_file=source,
                            source_line=row.line))
    if total_line is not None:
        _check_total(total_line, table, [p.value_usd for p in out],
                     "mkt val (market value)", source)
    cash = [p.quantity for p in out if p.is_cash]
    return PositionsFile(source=source, format=BrokerFormat.SCHWAB, positions=tuple(out),
                         cash_usd=sum(cash) if cash else None, statement_date=day,
                         account_number=account)


def _check_total(total: Line, table: Table, values: list[float | None], column: str,
                 source: str) -> None:
    """A total row ("Account Total", "Transactions Total") equals the rows' sum of
    ``column`` (to a cent a row); skipped when the total or a row's value is missing."""
    line, cells = total
    names = {n: s for n, s in zip(table.columns, cells, strict=False) if n}
    spelled = table.rows[0].names if table.rows else {n: n for n in names}
    row = Row(source, line, names, spelled)
    stated = row.number(column)
    if stated is None or any(v is None for v in values):
        return
    summed = sum(v for v in values if v is not None)
    if abs(summed - stated) > 0.01 * (len(values) + 1):
        raise row.fail(f"the rows add up to {summed:,.2f}, the {cells[0]} row says "
                       f"{stated:,.2f} (a row is missing or misread)", column)


_LOT_SYMBOL = re.compile(r"^\s*([A-Z0-9][A-Z0-9./-]*)\s+lot details", re.IGNORECASE)
_FILE_SYMBOL = re.compile(r"lot[-_ ]details[-_ ]([A-Za-z0-9./]+?)(?:[-_ ].*)?$", re.IGNORECASE)


def _lot_symbol(before: Sequence[Line], source: str, header_line: int) -> str:
    for _, cells in before:
        for cell in cells:
            m = _LOT_SYMBOL.match(cell)
            if m:
                return m.group(1).upper()
    m = _FILE_SYMBOL.search(Path(source).stem)
    if m:
        return m.group(1).upper()
    raise InputError("cannot tell which security these lots are: name the file "
                     "Lot-Details-<SYMBOL>.CSV as Schwab does", file=source, row=header_line)


def read_lots(lines: Sequence[Line], source: str) -> LotsFile:
    """A Schwab ``Lot-Details-<SYMBOL>.CSV`` (open lots of one security); a positions file
    gives one unknown-date lot per position at its average cost."""
    try:
        table = find_table(lines, source, LOTS_REQUIRED, what="a Schwab lot-details file",
                           footer=_footer)
    except InputError:
        try:
            return _realized(find_table(lines, source, REALIZED_REQUIRED,
                                        what="a Schwab realized-gain file", footer=_footer),
                             source)
        except InputError as exc:
            if "no header row" not in str(exc):
                raise
        try:
            positions = read_positions(lines, source)
        except InputError as exc:
            if "no header row" not in str(exc):
                raise
            raise InputError("no header row of a Schwab lot-details, realized-gain or "
                             "positions file", file=source, row=1) from None
        return LotsFile(source=source, format=BrokerFormat.SCHWAB, lots=positions.to_lots(),
                        statement_date=positions.statement_date)
    check_trailer(table.after[1:] if table.after and _footer(table.after[0][1])
                  else table.after, source)
    symbol = _lot_symbol(table.before, source, table.header_line)
    account, day = _preamble(table.before)
    out: list[ImportedLot] = []
    for row in table.rows:
        quantity = row.positive("quantity")
        assert quantity is not None
        basis = row.number("cost basis")
        per_share = row.number("cost/share")
        if basis is None and per_share is not None:
            basis = per_share * quantity
        if basis is None:
            raise row.fail("no cost basis (Cost Basis or Cost/Share)", "cost basis")
        if basis < 0:
            raise row.fail(f"must be >= 0, got {row.text('cost basis')!r}", "cost basis")
        if per_share is not None and abs(basis - per_share * quantity) > \
                0.005 * quantity + 0.01:
            raise row.fail(f"Cost Basis {basis:,.2f} disagrees with Quantity × Cost/Share = "
                           f"{per_share * quantity:,.2f}", "cost basis")
        out.append(ImportedLot(symbol=symbol, quantity=quantity, cost_basis_usd=basis,
                               acquired=row.date("open date", required=True),
                               statement_date=day, account_number=account,
                               source_file=source, source_line=row.line))
    return LotsFile(source=source, format=BrokerFormat.SCHWAB, lots=tuple(out),
                    statement_date=day)


def _realized(table: Table, source: str) -> LotsFile:
    """Schwab's realized-gain export: closed lots, with the broker's wash-sale column
    ("Wash Sale?", "Disallowed Loss") to check rebal's wash-sale audit against."""
    check_trailer(table.after[1:] if table.after and _footer(table.after[0][1])
                  else table.after, source)
    account, _ = _preamble(table.before)
    closed: list[ClosedLot] = []
    for row in table.rows:
        disallowed = row.number("disallowed loss") or 0.0
        washed = row.text("wash sale?").lower()
        if washed not in ("", "yes", "no"):
            raise row.fail(f"expected Yes or No, got {row.text('wash sale?')!r}", "wash sale?")
        gain = row.number("total gain/loss ($)")
        closed.append(ClosedLot(
            symbol=row.text("symbol", required=True).upper(),
            quantity=row.positive("quantity"),  # type: ignore[arg-type]
            acquired=row.date("opened date"),
            sold=row.date("closed date", required=True),  # type: ignore[arg-type]
            proceeds_usd=row.number("proceeds", required=True),  # type: ignore[arg-type]
            cost_basis_usd=row.number("costbasis"), gain_usd=gain,
            wash_disallowed_usd=abs(disallowed), description=row.text("name"),
            account_number=account, source_file=source, source_line=row.line,
        ))
    return LotsFile(source=source, format=BrokerFormat.SCHWAB, lots=(), closed=tuple(closed))


def read_transactions(lines: Sequence[Line], source: str) -> TransactionsFile:
    """A Schwab transactions download."""
    table = find_table(lines, source, TRANSACTIONS_REQUIRED,
                       what="a Schwab transactions file", footer=_footer)
    total_line = table.after[0] if table.after and _footer(table.after[0][1]) else None
    check_trailer(table.after[1:] if total_line else table.after, source)
    account, _ = _preamble(table.before)
    out: list[Transaction] = []
    for row in table.rows:
        kind = classify(row, "action", ACTIONS, "Schwab", exact=True)
        action = " ".join(row.text("action").upper().split())
        quantity = row.number("quantity")
        amount = row.number("amount")
        if action in _SIGNED:
            sign = amount if amount is not None else quantity
            if sign is not None and sign < 0:
                kind = TxnType.TRANSFER_OUT
        if kind is not TxnType.SPLIT and quantity is not None:
            quantity = abs(quantity)
        symbol = row.text("symbol").upper()
        if kind.is_trade and (not symbol or not quantity):
            raise row.fail("a trade needs a symbol and a quantity",
                           "symbol" if not symbol else "quantity")
        fees = row.number("fees & comm") or 0.0
        out.append(Transaction(
            date=row.date("date", required=True), type=kind,  # type: ignore[arg-type]
            symbol=symbol, quantity=quantity,
            price_usd=row.positive("price", required=False), fees_usd=abs(fees),
            amount_usd=amount, action=row.text("action"),
            description=row.text("description"), account_number=account,
            source_file=source, source_line=row.line,
        ))
    if total_line is not None:
        _check_total(total_line, table, [t.amount_usd or 0.0 for t in out], "amount",
                     source)
    return TransactionsFile(source=source, format=BrokerFormat.SCHWAB,
                            transactions=tuple(out))
