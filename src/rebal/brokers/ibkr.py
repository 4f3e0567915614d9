"""Interactive Brokers Flex Query reports, CSV or XML.

The user picks a Flex query's columns, so rebal reads them by name (case-insensitive).

CSV comes in two shapes: one section per file (a header row, then data rows), or several
sections marked by ``"BOF"``/``"BOS"``/``"HEADER","POST",…``/``"DATA","POST",…``/``"EOS"``
rows, where the second cell is the section code: ``POST`` open positions, ``TRNT`` trades,
``CTRN`` cash transactions. XML has ``<OpenPosition …/>``, ``<Trade …/>`` and
``<CashTransaction …/>`` elements with the same attribute names (read with the standard
library; lines come from the parser).

Open positions: ``levelOfDetail`` ``LOT`` rows are lots (``openDateTime`` the purchase,
``holdingPeriodDateTime`` the holding-period start, ``costBasisMoney`` the total basis);
``SUMMARY`` rows (or no ``levelOfDetail`` column) are positions. rebal values in US
dollars: a row in another currency is refused.
"""

from __future__ import annotations

import xml.sax
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.handler import ContentHandler

from rebal.brokers.records import (
    BrokerFormat,
    FileKind,
    ImportedLot,
    LotsFile,
    Position,
    PositionsFile,
    Transaction,
    TransactionsFile,
    TxnType,
)
from rebal.brokers.table import Line, Row, norm
from rebal.errors import InputError

__all__ = ["CASH_TYPES", "is_xml", "read_lots", "read_positions", "read_transactions",
           "read_xml"]

_MARKERS = {"bof", "eof", "boa", "eoa", "bos", "eos"}
_XML_SECTIONS = {"openposition": "POST", "trade": "TRNT", "cashtransaction": "CTRN"}

#: CashTransaction ``type`` (lower case) → type; deposits/withdrawals by the amount's sign.
CASH_TYPES: dict[str, TxnType] = {
    "dividends": TxnType.DIVIDEND,
    "payment in lieu of dividends": TxnType.DIVIDEND,
    "withholding tax": TxnType.FEE,
    "other fees": TxnType.FEE,
    "commission adjustments": TxnType.FEE,
    "broker interest paid": TxnType.FEE,
    "broker interest received": TxnType.INTEREST,
    "bond interest received": TxnType.INTEREST,
    "bond interest paid": TxnType.FEE,
    "deposits/withdrawals": TxnType.TRANSFER_IN,
    "deposits & withdrawals": TxnType.TRANSFER_IN,
}


@dataclass(frozen=True, slots=True)
class _Section:
    code: str
    rows: tuple[Row, ...]
    header_line: int


def is_xml(path: str | Path) -> bool:
    """True when the file starts (after blanks) with ``<``."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith(b"<")


def _guess_code(names: list[str]) -> str:
    if "position" in names and "symbol" in names:
        return "POST"
    if "tradeprice" in names or "buy/sell" in names:
        return "TRNT"
    if "amount" in names and "type" in names:
        return "CTRN"
    return ""


def _sections(lines: Sequence[Line], source: str) -> dict[str, _Section]:
    out: dict[str, _Section] = {}
    header: dict[str, tuple[int, list[str], list[str]]] = {}
    rows: dict[str, list[Row]] = {}
    marked = any(cells and norm(cells[0]) in ("header", "data") for _, cells in lines)
    if marked:
        for line, cells in lines:
            if not any(cells):
                continue
            tag = norm(cells[0])
            if tag in _MARKERS:
                continue
            if tag not in ("header", "data") or len(cells) < 2:
                raise InputError(f"expected a HEADER, DATA, BOS or EOS row, got {cells[0]!r}",
                                 file=source, row=line)
            code = cells[1].strip().upper()
            if tag == "header":
                names = [norm(c) for c in cells[2:]]
                header[code] = (line, names, cells[2:])
                rows.setdefault(code, [])
            else:
                if code not in header:
                    raise InputError(f"a DATA row of section {code!r} before its HEADER row",
                                     file=source, row=line)
                _, names, spelled = header[code]
                rows[code].append(_row(source, line, names, spelled, cells[2:]))
    else:
        start = next((k for k, (_, c) in enumerate(lines) if any(c)), None)
        if start is None:
            raise InputError("the file is empty", file=source, row=1)
        line, cells = lines[start]
        names = [norm(c) for c in cells]
        code = _guess_code(names)
        if not code:
            raise InputError("not a Flex Query section this reader knows (open positions "
                             "need symbol and position; trades tradePrice; cash transactions "
                             "type and amount)", file=source, row=line)
        header[code] = (line, names, cells)
        rows[code] = [_row(source, ln, names, cells, c) for ln, c in lines[start + 1:]
                      if any(c)]
    for code, (line, _, _) in header.items():
        out[code] = _Section(code, tuple(rows[code]), line)
    return out


def _row(source: str, line: int, names: list[str], spelled: list[str],
         cells: list[str]) -> Row:
    width = len(names)
    extra = [c for c in cells[width:] if c]
    if extra:
        raise InputError(f"{len(cells)} cells where the header has {width} columns",
                         file=source, row=line)
    return Row(source, line, {n: (cells[k].strip() if k < len(cells) else "")
                              for k, n in enumerate(names) if n},
               {n: s.strip() for n, s in zip(names, spelled, strict=False) if n})


def _section(sections: dict[str, _Section], code: str, what: str, source: str) -> _Section:
    if code not in sections:
        have = ", ".join(sorted(sections)) or "none"
        raise InputError(f"no {what} section ({code}) in this Flex report (sections: {have})",
                         file=source, row=1)
    return sections[code]


def _require(section: _Section, columns: Sequence[str], source: str) -> None:
    have = set(section.rows[0].cells) if section.rows else None
    if have is None:
        return
    for c in columns:
        if c not in have:
            raise InputError(f"the Flex query lacks the column {c!r}; add it to the query",
                             file=source, row=section.header_line, field=c)


def _usd(row: Row) -> None:
    column = "currency" if row.has("currency") else "currencyprimary"
    currency = row.text(column).upper()
    if currency and currency != "USD":
        raise row.fail(f"currency {currency}: rebal values accounts in US dollars only",
                       column)


def _account(row: Row) -> str:
    """``ClientAccountID`` (CSV) or ``accountId`` (XML)."""
    return row.text("clientaccountid") or row.text("accountid")


def _symbol(row: Row) -> str:
    text = row.text("symbol", required=True).upper()
    if any(ch.isspace() for ch in text):
        raise row.fail(f"{text!r} is not a symbol (it has spaces)", "symbol")
    return text


def _positions(sections: dict[str, _Section], source: str) -> PositionsFile:
    section = _section(sections, "POST", "open positions", source)
    _require(section, ("symbol", "position"), source)
    summary = [r for r in section.rows if r.text("levelofdetail").upper() in ("", "SUMMARY")]
    lots = [r for r in section.rows if r.text("levelofdetail").upper() == "LOT"]
    out: list[Position] = []
    if summary:
        for row in summary:
            _usd(row)
            quantity = _quantity(row)
            out.append(Position(
                symbol=_symbol(row), quantity=quantity,
                price_usd=row.positive("markprice", required=False),
                value_usd=row.number("positionvalue"),
                cost_basis_usd=_basis(row, quantity), description=row.text("description"),
                account_number=_account(row), source_file=source,
                source_line=row.line))
    else:  # a LOT-only query: positions are the lots' sums
        by_symbol: dict[tuple[str, str], list[ImportedLot]] = {}
        for lot in _lots(lots, source):
            by_symbol.setdefault((lot.account_number, lot.symbol), []).append(lot)
        for (account, symbol), group in by_symbol.items():
            bases = [lot.cost_basis_usd for lot in group]
            out.append(Position(
                symbol=symbol, quantity=sum(lot.quantity for lot in group),
                cost_basis_usd=None if None in bases else sum(b for b in bases if b),
                account_number=account, source_file=source, source_line=group[0].source_line))
    accounts = {p.account_number for p in out}
    return PositionsFile(source=source, format=BrokerFormat.IBKR_FLEX, positions=tuple(out),
                         account_number=next(iter(accounts)) if len(accounts) == 1 else "",
                         statement_date=_report_date(section.rows))


def _quantity(row: Row) -> float:
    quantity = row.number("position", required=True)
    assert quantity is not None
    if quantity <= 0:
        raise row.fail(f"must be > 0 (short positions are not supported), got "
                       f"{row.text('position')!r}", "position")
    return quantity


def _basis(row: Row, quantity: float) -> float | None:
    basis = row.number("costbasismoney")
    if basis is None and row.number("costbasisprice") is not None:
        basis = row.number("costbasisprice") * quantity  # type: ignore[operator]
    if basis is not None and basis < 0:
        raise row.fail(f"must be >= 0, got {row.text('costbasismoney')!r}", "costbasismoney")
    return basis


def _lots(rows: Sequence[Row], source: str) -> list[ImportedLot]:
    out: list[ImportedLot] = []
    for row in rows:
        _usd(row)
        quantity = _quantity(row)
        acquired = row.date("opendatetime", required=True)
        out.append(ImportedLot(
            symbol=_symbol(row), quantity=quantity, cost_basis_usd=_basis(row, quantity),
            acquired=acquired, holding_start=row.date("holdingperioddatetime"),
            statement_date=row.date("reportdate"),
            lot_ref=row.text("originatingtransactionid") or row.text("originatingorderid"),
            account_number=_account(row), source_file=source,
            source_line=row.line))
    return out


def _lots_file(sections: dict[str, _Section], source: str) -> LotsFile:
    section = _section(sections, "POST", "open positions", source)
    _require(section, ("symbol", "position"), source)
    lot_rows = [r for r in section.rows if r.text("levelofdetail").upper() == "LOT"]
    if lot_rows:
        _require(section, ("opendatetime",), source)
        return LotsFile(source=source, format=BrokerFormat.IBKR_FLEX,
                        lots=tuple(_lots(lot_rows, source)),
                        statement_date=_report_date(section.rows))
    positions = _positions(sections, source)
    return LotsFile(source=source, format=BrokerFormat.IBKR_FLEX, lots=positions.to_lots(),
                    statement_date=positions.statement_date,
                    notes=("the query has no LOT rows (levelOfDetail): lots built from the "
                           "positions, dates unknown",))


def _report_date(rows: Sequence[Row]) -> Any:
    """The latest ``reportDate`` of the rows (the statement date), if the query has it."""
    days = [row.date("reportdate") for row in rows if row.has("reportdate")]
    known = [d for d in days if d is not None]
    return max(known) if known else None


def _date(row: Row, *columns: str) -> Any:
    for c in columns:
        if row.has(c) and row.text(c):
            return row.date(c, required=True)
    raise row.fail(f"no date (one of {', '.join(columns)})", columns[0])


def _transactions(sections: dict[str, _Section], source: str) -> TransactionsFile:
    if "TRNT" not in sections and "CTRN" not in sections:
        _section(sections, "TRNT", "trades or cash transactions", source)
    out: list[Transaction] = []
    notes: list[str] = []
    for row in _executions(sections["TRNT"].rows if "TRNT" in sections else (), notes):
        _usd(row)
        side_column = "buy/sell" if row.has("buy/sell") else "buysell"  # CSV / XML
        side = row.text(side_column, required=True).upper()
        if side not in ("BUY", "SELL"):
            raise row.fail(f"unknown side {side!r}; expected BUY or SELL", side_column)
        quantity = abs(row.number("quantity", required=True) or 0.0)
        if quantity <= 0:
            raise row.fail("must not be 0", "quantity")
        out.append(Transaction(
            date=_date(row, "tradedate", "datetime", "date/time"),
            type=TxnType.BUY if side == "BUY" else TxnType.SELL, symbol=_symbol(row),
            quantity=quantity, price_usd=row.positive("tradeprice"),
            fees_usd=abs(row.number("ibcommission") or 0.0),
            amount_usd=row.number("netcash"), action=side,
            description=row.text("description"),
            lot_ids=(), account_number=_account(row), source_file=source,
            source_line=row.line))
    for row in sections["CTRN"].rows if "CTRN" in sections else ():
        _usd(row)
        text = row.text("type", required=True)
        kind = CASH_TYPES.get(" ".join(text.lower().split()))
        if kind is None:
            raise row.fail(f"unknown cash transaction type {text!r}", "type")
        amount = row.number("amount", required=True)
        assert amount is not None
        if kind is TxnType.TRANSFER_IN and amount < 0:
            kind = TxnType.TRANSFER_OUT
        out.append(Transaction(
            date=_date(row, "date/time", "datetime", "settledate", "reportdate"), type=kind,
            symbol=row.text("symbol").upper(), amount_usd=amount, action=text,
            description=row.text("description"), account_number=_account(row),
            source_file=source, source_line=row.line))
    return TransactionsFile(source=source, format=BrokerFormat.IBKR_FLEX,
                            transactions=tuple(out), notes=tuple(notes))


def _executions(rows: Sequence[Row], notes: list[str]) -> list[Row]:
    """The trade rows that are executions. A query with ``levelOfDetail`` also lists each
    order (``ORDER``), the lots a sale closed (``CLOSED_LOT``) and summaries: counting
    those would count a trade twice, so only ``EXECUTION`` rows are read (``ORDER`` rows
    when the query has no executions)."""
    levels = [r.text("levelofdetail").upper() for r in rows]
    if not any(levels):
        return list(rows)
    keep = "EXECUTION" if "EXECUTION" in levels else "ORDER"
    picked = [r for r, lv in zip(rows, levels, strict=True) if lv == keep]
    skipped = len(rows) - len(picked)
    if skipped:
        notes.append(f"{skipped} trade rows that are not {keep} rows (orders, closed lots, "
                     "summaries) skipped")
    return picked


def read_positions(lines: Sequence[Line], source: str) -> PositionsFile:
    return _positions(_sections(lines, source), source)


def read_lots(lines: Sequence[Line], source: str) -> LotsFile:
    return _lots_file(_sections(lines, source), source)


def read_transactions(lines: Sequence[Line], source: str) -> TransactionsFile:
    return _transactions(_sections(lines, source), source)


class _Handler(ContentHandler):
    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source
        self.locator: Any = None
        self.found: dict[str, list[tuple[int, dict[str, str], dict[str, str]]]] = {}

    def setDocumentLocator(self, locator: Any) -> None:
        self.locator = locator

    def startElement(self, name: str, attrs: Any) -> None:
        code = _XML_SECTIONS.get(name.lower())
        if code is None:
            return
        line = self.locator.getLineNumber() if self.locator is not None else 0
        cells = {norm(k): str(v).strip() for k, v in attrs.items()}
        names = {norm(k): k for k in attrs.getNames()}
        self.found.setdefault(code, []).append((line, cells, names))


def read_xml(path: str | Path, kind: FileKind) -> PositionsFile | LotsFile | TransactionsFile:
    """A Flex Query XML report (``<FlexQueryResponse>``)."""
    source = str(path)
    handler = _Handler(source)
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setContentHandler(handler)
    try:
        parser.parse(str(path))
    except xml.sax.SAXParseException as exc:
        raise InputError(f"not a valid XML Flex report: {exc.getMessage()}", file=source,
                         row=exc.getLineNumber()) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=source) from None
    sections = {
        code: _Section(code, tuple(Row(source, line, cells, names)
                                   for line, cells, names in rows), rows[0][0])
        for code, rows in handler.found.items()
    }
    if kind is FileKind.POSITIONS:
        return _positions(sections, source)
    if kind is FileKind.LOTS:
        return _lots_file(sections, source)
    return _transactions(sections, source)
