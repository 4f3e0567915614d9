"""rebal's own broker-neutral layouts (``docs/imports.md`` lists every column).

Column names are matched case-insensitively; unknown columns are refused (a typo must not
silently drop a value); numbers may carry ``$``, ``,`` and parentheses like a broker's.

- positions: ``symbol, quantity`` + optional ``account, price, value, cost_basis, type,
  description`` (``type`` = ``cash`` marks a cash line, its quantity the dollars).
- lots: ``symbol, quantity`` + one of ``cost_basis`` (total) / ``cost_per_share`` +
  optional ``acquired`` (empty: unknown date), ``holding_start``, ``lot_id``, ``account``.
- transactions: ``date, type, symbol, quantity, price, fees, amount, description, account,
  lot_id`` (``type`` a :class:`rebal.brokers.records.TxnType` value or ``deposit``,
  ``withdrawal``, ``drip``; ``lot_id``: of a purchase, the lot it opens; of a sale, the lots
  it relieves, ``;``-separated).
- fills: ``date, account, symbol, side, quantity, price`` + optional ``fees, lot_ids,
  order_id``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rebal.brokers.records import (
    BrokerFormat,
    Fill,
    ImportedLot,
    LotsFile,
    Position,
    PositionsFile,
    Transaction,
    TransactionsFile,
    TxnType,
)
from rebal.brokers.table import Line, Row, Table, check_trailer, find_table
from rebal.errors import ConfigError, InputError
from rebal.types import Side

__all__ = [
    "FILL_COLUMNS",
    "LOT_COLUMNS",
    "POSITION_COLUMNS",
    "TRANSACTION_COLUMNS",
    "read_fills",
    "read_lots",
    "read_positions",
    "read_transactions",
]

POSITION_COLUMNS = ("account", "symbol", "quantity", "price", "value", "cost_basis", "type",
                    "description")
LOT_COLUMNS = ("account", "symbol", "quantity", "acquired", "holding_start", "cost_basis",
               "cost_per_share", "lot_id")
TRANSACTION_COLUMNS = ("date", "account", "type", "symbol", "quantity", "price", "fees",
                       "amount", "description", "lot_id")
FILL_COLUMNS = ("date", "account", "symbol", "side", "quantity", "price", "fees", "lot_ids",
                "order_id")

_TYPE_ALIASES = {"deposit": TxnType.TRANSFER_IN, "withdrawal": TxnType.TRANSFER_OUT,
                 "drip": TxnType.REINVEST, "transfer in": TxnType.TRANSFER_IN,
                 "transfer out": TxnType.TRANSFER_OUT}


def _table(lines: Sequence[Line], source: str, required: tuple[str, ...],
           allowed: tuple[str, ...], what: str) -> Table:
    table = find_table(lines, source, required, what=what)
    for name in table.columns:
        if name and name not in allowed:
            raise InputError(f"unknown column {name!r}; columns are {', '.join(allowed)}",
                             file=source, row=table.header_line, field=name)
    check_trailer(table.after, source)
    return table


_SPACE = re.compile(r"\s")


def symbol_of(row: Row, column: str = "symbol") -> str:
    """The symbol, upper-case, spaces refused."""
    text = row.text(column, required=True).upper()
    if _SPACE.search(text):
        raise row.fail(f"{text!r} is not a symbol (it has spaces)", column)
    return text


def read_positions(lines: Sequence[Line], source: str) -> PositionsFile:
    """A generic positions file."""
    table = _table(lines, source, ("symbol", "quantity"), POSITION_COLUMNS,
                   "a generic positions file (symbol, quantity, …)")
    out: list[Position] = []
    for row in table.rows:
        kind = row.text("type").lower()
        if kind not in ("", "cash", "security"):
            raise row.fail(f"unknown type {kind!r}; use cash or security (or leave empty)",
                           "type")
        quantity = row.number("quantity", required=True)
        assert quantity is not None
        if quantity <= 0 and not (kind == "cash" and quantity == 0):
            raise row.fail(f"must be > 0 (short positions are not supported), got "
                           f"{row.text('quantity')!r}", "quantity")
        basis = row.number("cost_basis")
        if basis is not None and basis < 0:
            raise row.fail(f"must be >= 0, got {row.text('cost_basis')!r}", "cost_basis")
        out.append(Position(
            symbol=symbol_of(row), quantity=quantity, price_usd=row.positive("price",
                                                                             required=False),
            value_usd=row.number("value"), cost_basis_usd=basis, is_cash=kind == "cash",
            description=row.text("description"), account_number=row.text("account"),
            source_file=source, source_line=row.line,
        ))
    cash = [p.quantity for p in out if p.is_cash]
    return PositionsFile(source=source, format=BrokerFormat.GENERIC, positions=tuple(out),
                         cash_usd=sum(cash) if cash else None)


def read_lots(lines: Sequence[Line], source: str) -> LotsFile:
    """A generic lots file."""
    table = _table(lines, source, ("symbol", "quantity"), LOT_COLUMNS,
                   "a generic lots file (symbol, quantity, acquired, cost_basis, …)")
    if "cost_basis" not in table.columns and "cost_per_share" not in table.columns:
        raise InputError("need a 'cost_basis' or a 'cost_per_share' column", file=source,
                         row=table.header_line, field="cost_basis")
    out: list[ImportedLot] = []
    for row in table.rows:
        quantity = row.positive("quantity")
        assert quantity is not None
        basis = row.number("cost_basis")
        per_share = row.number("cost_per_share")
        for name, value in (("cost_basis", basis), ("cost_per_share", per_share)):
            if value is not None and value < 0:
                raise row.fail(f"must be >= 0, got {row.text(name)!r}", name)
        if basis is None and per_share is not None:
            basis = per_share * quantity
        elif basis is not None and per_share is not None and \
                abs(basis - per_share * quantity) > 0.005 * quantity + 0.01:
            raise row.fail(f"cost_basis {basis:g} disagrees with quantity × cost_per_share "
                           f"= {per_share * quantity:g}", "cost_basis")
        acquired = row.date("acquired")
        out.append(ImportedLot(
            symbol=symbol_of(row), quantity=quantity, cost_basis_usd=basis, acquired=acquired,
            date_known=acquired is not None, holding_start=row.date("holding_start"),
            lot_ref=row.text("lot_id"), account_number=row.text("account"),
            source_file=source, source_line=row.line,
        ))
    return LotsFile(source=source, format=BrokerFormat.GENERIC, lots=tuple(out))


def parse_type(row: Row, column: str = "type") -> TxnType:
    text = row.text(column, required=True)
    key = text.strip().lower()
    if key in _TYPE_ALIASES:
        return _TYPE_ALIASES[key]
    try:
        return TxnType.parse(key, field=row.names.get(column, column))
    except ConfigError as exc:
        raise row.fail(str(exc).split(": ", 1)[-1], column) from None


def read_transactions(lines: Sequence[Line], source: str) -> TransactionsFile:
    """A generic transactions file."""
    table = _table(lines, source, ("date", "type"), TRANSACTION_COLUMNS,
                   "a generic transactions file (date, type, symbol, quantity, …)")
    out: list[Transaction] = []
    for row in table.rows:
        kind = parse_type(row)
        symbol = row.text("symbol").upper()
        quantity = row.number("quantity")
        if kind.is_trade:
            if not symbol:
                raise row.fail("a trade needs a symbol", "symbol")
            if quantity is None or quantity <= 0:
                raise row.fail("a trade needs a quantity > 0 (the type gives the direction)",
                               "quantity")
        if kind is not TxnType.SPLIT and quantity is not None and quantity < 0:
            raise row.fail("must be >= 0 (the type gives the direction)", "quantity")
        fees = row.number("fees") or 0.0
        if fees < 0:
            raise row.fail(f"must be >= 0, got {row.text('fees')!r}", "fees")
        price = row.positive("price", required=False)
        amount = row.number("amount")
        if kind.is_trade and price is None and amount is None:
            raise row.fail("a trade needs a price or an amount", "price")
        lot_ids = tuple(x.strip() for x in row.text("lot_id").split(";") if x.strip())
        if kind in (TxnType.BUY, TxnType.REINVEST) and len(lot_ids) > 1:
            raise row.fail("a purchase opens one lot: give one lot id", "lot_id")
        out.append(Transaction(
            date=row.date("date", required=True), type=kind,  # type: ignore[arg-type]
            symbol=symbol, quantity=quantity, price_usd=price, fees_usd=fees,
            amount_usd=amount, action=row.text("type"), description=row.text("description"),
            lot_ids=lot_ids if kind.is_trade else (),
            account_number=row.text("account"), source_file=source, source_line=row.line,
        ))
    return TransactionsFile(source=source, format=BrokerFormat.GENERIC,
                            transactions=tuple(out))


def read_fills(lines: Sequence[Line], source: str) -> tuple[Fill, ...]:
    """A generic fills file (one execution a line)."""
    table = _table(lines, source, ("date", "symbol", "side", "quantity", "price"),
                   FILL_COLUMNS, "a fills file (date, account, symbol, side, quantity, price)")
    out: list[Fill] = []
    for row in table.rows:
        side_text = row.text("side", required=True).lower()
        if side_text in ("buy", "bot", "bought", "b"):
            side = Side.BUY
        elif side_text in ("sell", "sld", "sold", "s"):
            side = Side.SELL
        else:
            raise row.fail(f"unknown side {side_text!r}; use buy or sell", "side")
        fees = row.number("fees") or 0.0
        if fees < 0:
            raise row.fail(f"must be >= 0, got {row.text('fees')!r}", "fees")
        out.append(Fill(
            date=row.date("date", required=True), account=row.text("account"),  # type: ignore[arg-type]
            symbol=symbol_of(row), side=side, quantity=row.positive("quantity"),  # type: ignore[arg-type]
            price_usd=row.positive("price"), fees_usd=fees,  # type: ignore[arg-type]
            lot_ids=tuple(x.strip() for x in row.text("lot_ids").split(";") if x.strip()),
            order_ref=row.text("order_id"), source_file=source, source_line=row.line,
        ))
    return tuple(out)
