"""One entry point per kind of file: pick the layout's reader by :class:`BrokerFormat`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from rebal.brokers import etrade, fidelity, generic, ibkr, schwab, vanguard
from rebal.brokers.records import (
    BrokerFormat,
    FileKind,
    Fill,
    LotsFile,
    PositionsFile,
    TransactionsFile,
    TxnType,
)
from rebal.brokers.table import Line, read_csv_lines
from rebal.errors import ConfigError, InputError
from rebal.types import Side

__all__ = ["fills_from_transactions", "read_fills", "read_lots", "read_positions",
           "read_transactions"]

_T = TypeVar("_T")
_Reader = Callable[[Sequence[Line], str], _T]

_POSITIONS: dict[BrokerFormat, _Reader[PositionsFile]] = {
    BrokerFormat.GENERIC: generic.read_positions,
    BrokerFormat.FIDELITY: fidelity.read_positions,
    BrokerFormat.SCHWAB: schwab.read_positions,
    BrokerFormat.VANGUARD: vanguard.read_positions,
    BrokerFormat.ETRADE: etrade.read_positions,
    BrokerFormat.IBKR_FLEX: ibkr.read_positions,
}
_LOTS: dict[BrokerFormat, _Reader[LotsFile]] = {
    BrokerFormat.GENERIC: generic.read_lots,
    BrokerFormat.FIDELITY: fidelity.read_lots,
    BrokerFormat.SCHWAB: schwab.read_lots,
    BrokerFormat.VANGUARD: vanguard.read_lots,
    BrokerFormat.ETRADE: etrade.read_lots,
    BrokerFormat.IBKR_FLEX: ibkr.read_lots,
}
_TRANSACTIONS: dict[BrokerFormat, _Reader[TransactionsFile]] = {
    BrokerFormat.GENERIC: generic.read_transactions,
    BrokerFormat.FIDELITY: fidelity.read_transactions,
    BrokerFormat.SCHWAB: schwab.read_transactions,
    BrokerFormat.VANGUARD: vanguard.read_transactions,
    BrokerFormat.IBKR_FLEX: ibkr.read_transactions,
}


def _format(fmt: BrokerFormat | str) -> BrokerFormat:
    try:
        return BrokerFormat.parse(fmt, field="--format")
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("ibkr_flex", "ibkr-flex")) from None


def _read(path: str | Path, fmt: BrokerFormat | str, kind: FileKind,
          table: dict[BrokerFormat, _Reader[_T]]) -> _T:
    f = _format(fmt)
    reader = table.get(f)
    if reader is None:
        have = ", ".join(k.label for k in table)
        raise ConfigError(f"--format {f.label}: rebal reads no {kind.value} file of this "
                          f"broker (formats with {kind.value}: {have})")
    source = str(path)
    if f is BrokerFormat.IBKR_FLEX and ibkr.is_xml(path):
        return ibkr.read_xml(path, kind)  # type: ignore[return-value]
    lines = read_csv_lines(path)
    if not any(any(c for c in cells) for _, cells in lines):
        raise InputError("the file is empty", file=source, row=1)
    return reader(lines, source)


def read_positions(path: str | Path, fmt: BrokerFormat | str) -> PositionsFile:
    """The positions of a broker file in layout ``fmt`` (``docs/imports.md``).

    Raises
    ------
    InputError
        A malformed row or a missing header: one line naming the file, line and column.
    ConfigError
        An unknown format.
    """
    return _read(path, fmt, FileKind.POSITIONS, _POSITIONS)


def read_lots(path: str | Path, fmt: BrokerFormat | str) -> LotsFile:
    """The open lots of a broker file in layout ``fmt``; from a positions-only layout
    (Fidelity and Schwab positions, Vanguard, E*TRADE, IBKR summary rows) one lot per
    position flagged ``date_known=False`` at its average cost."""
    return _read(path, fmt, FileKind.LOTS, _LOTS)


def read_transactions(path: str | Path, fmt: BrokerFormat | str) -> TransactionsFile:
    """The transactions of a broker file in layout ``fmt``."""
    return _read(path, fmt, FileKind.TRANSACTIONS, _TRANSACTIONS)


def read_fills(path: str | Path, fmt: BrokerFormat | str = BrokerFormat.GENERIC, *,
               account: str = "") -> tuple[Fill, ...]:
    """Executions: a generic fills file, or the trades of any transactions file
    (:func:`fills_from_transactions`; ``account`` names their account)."""
    f = _format(fmt)
    if f is BrokerFormat.GENERIC:
        lines = read_csv_lines(path)
        try:
            fills = generic.read_fills(lines, str(path))
        except InputError as exc:
            if "no header row" not in str(exc):
                raise
            try:  # a generic transactions file instead?
                txns = generic.read_transactions(lines, str(path))
            except InputError as other:
                if "no header row" in str(other):
                    raise exc from None  # neither: say what a fills file needs
                raise
            return fills_from_transactions(txns, account=account)
        return tuple(x if x.account or not account else _with_account(x, account)
                     for x in fills)
    return fills_from_transactions(read_transactions(path, f), account=account)


def _with_account(fill: Fill, account: str) -> Fill:
    from dataclasses import replace

    return replace(fill, account=account)


def fills_from_transactions(txns: TransactionsFile, *, account: str = "") -> tuple[Fill, ...]:
    """The buys and sells of a transactions file as fills (reinvested dividends are not
    orders and are left out), in file order.

    Raises
    ------
    InputError
        A trade without a price or amount (naming its line).
    """
    out: list[Fill] = []
    for t in txns.transactions:
        if t.type not in (TxnType.BUY, TxnType.SELL):
            continue
        trade = t.to_trade(account or t.account_number or "")
        out.append(Fill(
            date=t.date, account=account or t.account_number, symbol=t.symbol,
            side=Side.SELL if t.type is TxnType.SELL else Side.BUY, quantity=trade.quantity,
            price_usd=trade.price_usd, fees_usd=t.fees_usd, lot_ids=t.lot_ids,
            source_file=t.source_file, source_line=t.source_line,
        ))
    return tuple(out)
