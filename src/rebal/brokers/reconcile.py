"""Reconciliation: do the broker's files agree with each other?

Two checks, each a list of :class:`ReconIssue` (nothing is changed or guessed):

**Lots vs positions** (:func:`reconcile_lots`), per account number and security: the
lots' shares add up to the position's (within ``qty_tol`` shares); their bases add up to
the position's cost basis when both are known (within ``basis_tol`` dollars a lot); a
position without lots and lots without a position are reported. Cash lines are skipped.

**Transactions vs lots** (:func:`reconcile_transactions`): walking the transactions in
date order (a day's purchases before its sales) from the lots held before them
(``opening_lots``; a lot counts from its acquisition date, an unknown-date lot from the
start), a sale of more shares than are held at that point is a *sell with no lot*; so is a
sale that names a lot id that is neither an opening lot's (``lot_ref``) nor opened by an
earlier purchase (checked when any lot ids are known). A trade
whose cash amount is not ``-(quantity × price + fees)`` (purchase) or ``quantity × price -
fees`` (sale) is a *trade cash mismatch*; with an opening and a closing cash balance, a
balance that does not equal opening + the sum of the amounts is a *cash mismatch*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rebal.brokers.numbers import mask_account_number
from rebal.brokers.records import ImportedLot, Position, Transaction, TxnType
from rebal.tax.records import Record, record_dict
from rebal.types import ParseEnum

__all__ = ["IssueKind", "ReconIssue", "Reconciliation", "reconcile", "reconcile_lots",
           "reconcile_transactions"]


class IssueKind(ParseEnum):
    QUANTITY_MISMATCH = "quantity_mismatch"
    BASIS_MISMATCH = "basis_mismatch"
    POSITION_WITHOUT_LOTS = "position_without_lots"
    LOTS_WITHOUT_POSITION = "lots_without_position"
    SELL_WITHOUT_LOT = "sell_without_lot"
    TRADE_CASH_MISMATCH = "trade_cash_mismatch"
    CASH_MISMATCH = "cash_mismatch"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconIssue(Record):
    """One disagreement: what, for which security, the two numbers, and the line of the
    record it was found at (the position, the sale, the trade; 0 when none)."""

    kind: IssueKind
    symbol: str
    message: str
    expected: float | None = None
    found: float | None = None
    account_number: str = ""
    source_file: str = ""
    source_line: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = record_dict(self)
        out["account_number"] = mask_account_number(self.account_number)
        return out

    def line(self) -> str:
        """One printable line: ``file, line N: message``."""
        where = ", ".join(x for x in (self.source_file,
                                      f"line {self.source_line}" if self.source_line else "")
                          if x)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation(Record):
    """The issues found, and how many securities and transactions were checked."""

    issues: tuple[ReconIssue, ...]
    securities_checked: int = 0
    transactions_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues

    def of_kind(self, kind: IssueKind) -> tuple[ReconIssue, ...]:
        return tuple(i for i in self.issues if i.kind is kind)

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, last=("ok",))


def _f(x: float) -> str:
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def reconcile_lots(positions: Iterable[Position], lots: Iterable[ImportedLot], *,
                   qty_tol: float = 1e-4, basis_tol: float = 0.01) -> tuple[ReconIssue, ...]:
    """Lots vs positions, per (account number, symbol); see the module docstring.

    An empty account number matches any (files that do not name the account)."""
    pos: dict[tuple[str, str], list[Position]] = {}
    for p in positions:
        if not p.is_cash:
            pos.setdefault((p.account_number, p.symbol), []).append(p)
    by_lot: dict[tuple[str, str], list[ImportedLot]] = {}
    for lot in lots:
        by_lot.setdefault((lot.account_number, lot.symbol), []).append(lot)
    # files that do not name the account match on the symbol alone
    if any(a == "" for a, _ in pos) or any(a == "" for a, _ in by_lot):
        pos = _merge(pos)
        by_lot = _merge(by_lot)
    issues: list[ReconIssue] = []
    for key in sorted(set(pos) | set(by_lot)):
        account, symbol = key
        ps, ls = pos.get(key, []), by_lot.get(key, [])
        if not ls:
            p = ps[0]
            issues.append(ReconIssue(
                kind=IssueKind.POSITION_WITHOUT_LOTS, symbol=symbol,
                message=f"{symbol}: a position of {_f(sum(x.quantity for x in ps))} shares "
                        "but no lots", expected=sum(x.quantity for x in ps), found=0.0,
                account_number=account, source_file=p.source_file, source_line=p.source_line))
            continue
        if not ps:
            lot = ls[0]
            held = sum(x.quantity for x in ls)
            issues.append(ReconIssue(
                kind=IssueKind.LOTS_WITHOUT_POSITION, symbol=symbol,
                message=f"{symbol}: {len(ls)} lot(s) of {_f(held)} shares but no position",
                expected=0.0, found=held, account_number=account,
                source_file=lot.source_file, source_line=lot.source_line))
            continue
        p = ps[0]
        want = sum(x.quantity for x in ps)
        have = sum(x.quantity for x in ls)
        if abs(want - have) > qty_tol:
            issues.append(ReconIssue(
                kind=IssueKind.QUANTITY_MISMATCH, symbol=symbol,
                message=f"{symbol}: the lots hold {_f(have)} shares, the position "
                        f"{_f(want)} (difference {_f(have - want)})", expected=want,
                found=have, account_number=account, source_file=p.source_file,
                source_line=p.source_line))
            continue
        pbasis = [x.cost_basis_usd for x in ps]
        lbasis = [x.cost_basis_usd for x in ls]
        if None in pbasis or None in lbasis:
            continue
        want_b = sum(b for b in pbasis if b is not None)
        have_b = sum(b for b in lbasis if b is not None)
        if abs(want_b - have_b) > basis_tol * len(ls):
            issues.append(ReconIssue(
                kind=IssueKind.BASIS_MISMATCH, symbol=symbol,
                message=f"{symbol}: the lots' cost basis is {have_b:,.2f} USD, the "
                        f"position's {want_b:,.2f} USD", expected=want_b, found=have_b,
                account_number=account, source_file=p.source_file,
                source_line=p.source_line))
    return tuple(issues)


def _merge(groups: Mapping[tuple[str, str], list[Any]]) -> dict[tuple[str, str], list[Any]]:
    out: dict[tuple[str, str], list[Any]] = {}
    for (_, symbol), items in groups.items():
        out.setdefault(("", symbol), []).extend(items)
    return out


def trade_cash(t: Transaction) -> float | None:
    """The cash a trade should move, dollars (+ in), from its quantity, price and fees;
    ``None`` for a non-trade or a trade without a price."""
    if not t.type.is_trade or t.quantity is None or t.price_usd is None:
        return None
    gross = t.quantity * t.price_usd
    return gross - t.fees_usd if t.type is TxnType.SELL else -(gross + t.fees_usd)


def reconcile_transactions(
    transactions: Iterable[Transaction], *,
    opening_lots: Iterable[ImportedLot] = (),
    opening_cash_usd: float | None = None,
    closing_cash_usd: float | None = None,
    qty_tol: float = 1e-4,
    cash_tol: float = 0.01,
) -> tuple[ReconIssue, ...]:
    """Transactions vs lots and cash; see the module docstring."""
    txns = sorted(transactions, key=lambda t: (t.date, t.type is TxnType.SELL))
    opening_lots = tuple(opening_lots)
    lots_by_symbol: dict[str, list[ImportedLot]] = {}
    for lot in opening_lots:
        lots_by_symbol.setdefault(lot.symbol, []).append(lot)
    moved: dict[str, float] = {}
    # lot ids a sale may name: the opening lots' and those earlier purchases open (checked
    # only when some are known: files without lot ids say nothing about them)
    known_ids: set[str] = {lot.lot_ref for lot in opening_lots if lot.lot_ref}
    issues: list[ReconIssue] = []
    cash_total = 0.0
    for t in txns:
        expected = trade_cash(t)
        amount = t.amount_usd if t.amount_usd is not None else expected
        if amount is not None:
            cash_total += amount
        if expected is not None and t.amount_usd is not None:
            tol = cash_tol + 5e-5 * (t.quantity or 0.0) + 1e-9 * abs(expected)
            if abs(t.amount_usd - expected) > tol:
                issues.append(ReconIssue(
                    kind=IssueKind.TRADE_CASH_MISMATCH, symbol=t.symbol,
                    message=f"{t.type.value} of {_f(t.quantity or 0)} {t.symbol} at "
                            f"{t.price_usd:g} with {t.fees_usd:.2f} fees should move "
                            f"{expected:,.2f} USD of cash; the file says {t.amount_usd:,.2f}",
                    expected=expected, found=t.amount_usd, account_number=t.account_number,
                    source_file=t.source_file, source_line=t.source_line))
        if not t.symbol or t.quantity is None:
            continue
        delta = _share_delta(t)
        if delta is None:
            continue
        moved[t.symbol] = moved.get(t.symbol, 0.0) + delta
        if t.type is not TxnType.SELL:
            known_ids.update(t.lot_ids)
        elif t.lot_ids and known_ids:
            for lot_id in t.lot_ids:
                if lot_id not in known_ids:
                    issues.append(ReconIssue(
                        kind=IssueKind.SELL_WITHOUT_LOT, symbol=t.symbol,
                        message=f"sale of {t.symbol} on {t.date} names lot {lot_id!r}, which "
                                "is neither an opening lot nor bought before it",
                        account_number=t.account_number, source_file=t.source_file,
                        source_line=t.source_line))
        if t.type is TxnType.SELL:
            held = sum(lot.quantity for lot in lots_by_symbol.get(t.symbol, [])
                       if lot.acquired is None or lot.acquired <= t.date)
            after = held + moved[t.symbol]
            if after < -qty_tol:
                before = after + t.quantity
                issues.append(ReconIssue(
                    kind=IssueKind.SELL_WITHOUT_LOT, symbol=t.symbol,
                    message=f"sale of {_f(t.quantity)} {t.symbol} on {t.date} with no lot: "
                            f"{_f(max(before, 0.0))} shares held then",
                    expected=t.quantity, found=max(before, 0.0),
                    account_number=t.account_number, source_file=t.source_file,
                    source_line=t.source_line))
                moved[t.symbol] -= after  # count the shortfall once
    if opening_cash_usd is not None and closing_cash_usd is not None:
        want = opening_cash_usd + cash_total
        if abs(want - closing_cash_usd) > cash_tol + 1e-9 * abs(want):
            issues.append(ReconIssue(
                kind=IssueKind.CASH_MISMATCH, symbol="",
                message=f"cash does not add up: {opening_cash_usd:,.2f} opening + "
                        f"{cash_total:,.2f} from the transactions = {want:,.2f} USD, but the "
                        f"closing balance is {closing_cash_usd:,.2f} (difference "
                        f"{closing_cash_usd - want:,.2f})",
                expected=want, found=closing_cash_usd))
    return tuple(issues)


def _share_delta(t: Transaction) -> float | None:
    q = t.quantity or 0.0
    if t.type in (TxnType.BUY, TxnType.REINVEST, TxnType.TRANSFER_IN, TxnType.SPLIT):
        return q
    if t.type in (TxnType.SELL, TxnType.TRANSFER_OUT):
        return -q
    return None


def reconcile(*, positions: Iterable[Position] = (), lots: Iterable[ImportedLot] = (),
              transactions: Iterable[Transaction] = (),
              opening_lots: Iterable[ImportedLot] = (),
              opening_cash_usd: float | None = None,
              closing_cash_usd: float | None = None) -> Reconciliation:
    """Both checks: ``positions`` against ``lots`` (when both are given), and
    ``transactions`` against ``opening_lots`` and the cash balances."""
    positions, lots = tuple(positions), tuple(lots)
    transactions = tuple(transactions)
    issues: list[ReconIssue] = []
    if positions and lots:
        issues += reconcile_lots(positions, lots)
    if transactions:
        issues += reconcile_transactions(transactions, opening_lots=opening_lots,
                                         opening_cash_usd=opening_cash_usd,
                                         closing_cash_usd=closing_cash_usd)
    symbols = {p.symbol for p in positions if not p.is_cash} | {x.symbol for x in lots}
    return Reconciliation(issues=tuple(issues), securities_checked=len(symbols),
                          transactions_checked=len(transactions))

