"""E*TRADE ``PortfolioDownload.csv``: an account summary preamble, the positions table,
then "CASH" and "TOTAL" rows and a "Generated at …" footer. ``Price Paid $`` is the average
cost per share; there are no lots, so a lots import gives one unknown-date lot per
position at that cost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rebal.brokers.records import BrokerFormat, LotsFile, Position, PositionsFile
from rebal.brokers.table import Line, Row, check_trailer, find_table, norm

__all__ = ["read_lots", "read_positions"]

POSITIONS_REQUIRED = ("Symbol", "Quantity", "Price Paid $", "Value $")
_ACCOUNT = re.compile(r"(?:-|\.\.\.|X{2,}-?)(\d{3,4})\s*$")


def _footer(cells: list[str]) -> bool:
    return bool(cells) and cells[0].strip().upper() == "TOTAL"


def _account(before: Sequence[Line]) -> str:
    """The account label of the summary ("Brokerage -1234" → "-1234")."""
    for k, (_, cells) in enumerate(before):
        if cells and norm(cells[0]) == "account" and k + 1 < len(before):
            label = before[k + 1][1][0] if before[k + 1][1] else ""
            m = _ACCOUNT.search(label)
            return "..." + m.group(1) if m else label
    return ""


def read_positions(lines: Sequence[Line], source: str) -> PositionsFile:
    """An E*TRADE portfolio download."""
    table = find_table(lines, source, POSITIONS_REQUIRED, what="an E*TRADE portfolio download",
                       footer=_footer)
    rest = table.after[1:] if table.after and _footer(table.after[0][1]) else table.after
    check_trailer(rest, source)
    account = _account(table.before)
    out: list[Position] = []
    for row in table.rows:
        symbol = row.text("symbol", required=True).upper()
        if symbol == "CASH":
            value = _cash_value(row)
            out.append(Position(symbol="CASH", quantity=value, price_usd=1.0, value_usd=value,
                                is_cash=True, account_number=account, source_file=source,
                                source_line=row.line))
            continue
        quantity = row.positive("quantity")
        assert quantity is not None
        paid = row.number("price paid $")
        if paid is not None and paid < 0:
            raise row.fail(f"must be >= 0, got {row.text('price paid $')!r}", "price paid $")
        out.append(Position(symbol=symbol, quantity=quantity,
                            price_usd=row.positive("last price $", required=False),
                            value_usd=row.number("value $"),
                            cost_basis_usd=None if paid is None else paid * quantity,
                            account_number=account, source_file=source,
                            source_line=row.line))
    cash = [p.quantity for p in out if p.is_cash]
    return PositionsFile(source=source, format=BrokerFormat.ETRADE, positions=tuple(out),
                         cash_usd=sum(cash) if cash else None, account_number=account)


def _cash_value(row: Row) -> float:
    value = row.number("value $")
    if value is None:
        # some downloads put the cash amount in the last filled column
        filled = [c for c in row.cells if row.cells[c]]
        value = row.number(filled[-1]) if len(filled) > 1 else None
    if value is None:
        raise row.fail("a CASH line needs its value", "value $")
    return value


def read_lots(lines: Sequence[Line], source: str) -> LotsFile:
    """Unknown-date lots at the price paid."""
    positions = read_positions(lines, source)
    return LotsFile(source=source, format=BrokerFormat.ETRADE, lots=positions.to_lots())
