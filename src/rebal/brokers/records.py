"""The plain records a broker file is read into, and how each maps onto the domain model.

Units: shares (``quantity``, > 0 unless said), dollars (``*_usd``; totals unless named
``per_share``), trade dates (:class:`datetime.date`). Every record remembers where it was
read (``source_file``, ``source_line``: 1-based, the file's own line numbers) so that a
later check (reconciliation, the store's import) can name the line.

Account numbers are kept as the file prints them (often already masked, ``"...123"``);
``to_dict()`` writes them masked (:func:`rebal.brokers.numbers.mask_account_number`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rebal.brokers.numbers import mask_account_number
from rebal.errors import InputError
from rebal.household.model import HeldLot
from rebal.tax.lots import Trade
from rebal.tax.records import Record, record_dict
from rebal.types import ParseEnum, Side

__all__ = [
    "UNKNOWN_DATE_NOTE",
    "BrokerFormat",
    "ClosedLot",
    "FileKind",
    "Fill",
    "ImportedLot",
    "LotInstruction",
    "LotsFile",
    "OrderLine",
    "OrderType",
    "Position",
    "PositionsFile",
    "Transaction",
    "TransactionsFile",
    "TxnType",
]

#: The sentence every output shows beside lots whose purchase date the broker did not give.
UNKNOWN_DATE_NOTE = (
    "unknown acquisition date: built from a position at its average cost; treated as "
    "acquired on the statement date (short term) until real lots are imported"
)


class BrokerFormat(ParseEnum):
    """The file layouts rebal reads (``docs/imports.md``; ``BROKER_FORMATS.md``)."""

    GENERIC = "generic"
    FIDELITY = "fidelity"
    SCHWAB = "schwab"
    VANGUARD = "vanguard"
    ETRADE = "etrade"
    IBKR_FLEX = "ibkr_flex"  # parse() also takes "ibkr-flex"

    @property
    def label(self) -> str:
        """The spelling of the CLI flag (``ibkr-flex``)."""
        return self.value.replace("_", "-")


class FileKind(ParseEnum):
    """What a file holds."""

    POSITIONS = "positions"
    LOTS = "lots"
    TRANSACTIONS = "transactions"


class TxnType(ParseEnum):
    """What a transaction did. ``amount_usd`` of a :class:`Transaction` is its signed
    effect on the account's cash (+ in, - out)."""

    BUY = "buy"
    SELL = "sell"
    REINVEST = "reinvest"  # a dividend reinvested: a purchase (wash-sale rule, §1091)
    DIVIDEND = "dividend"
    INTEREST = "interest"
    FEE = "fee"  # fees, foreign tax withheld, margin interest paid
    TRANSFER_IN = "transfer_in"  # cash or shares arriving (deposit, journal in, ACAT in)
    TRANSFER_OUT = "transfer_out"  # cash or shares leaving
    SPLIT = "split"  # quantity = shares added (or removed: a negative quantity)

    @property
    def is_trade(self) -> bool:
        """A purchase or sale of shares (maps to a :class:`rebal.tax.lots.Trade`)."""
        return self in (TxnType.BUY, TxnType.SELL, TxnType.REINVEST)


class OrderType(ParseEnum):
    MARKET = "market"
    LIMIT = "limit"


def _masked(out: dict[str, Any]) -> dict[str, Any]:
    if "account_number" in out:
        out["account_number"] = mask_account_number(out["account_number"])
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Position(Record):
    """One holding as a positions file states it.

    Attributes
    ----------
    symbol
        Ticker (Fidelity's ``**`` suffix of money-market cash removed).
    quantity
        Shares held (> 0); for a cash row, the dollars held.
    price_usd, value_usd
        Last price per share and market value, dollars, when the file gives them.
    cost_basis_usd
        Total cost basis, dollars, when given (``None``: the broker gave none).
    is_cash
        A cash or money-market sweep line (``SPAXX**``, "Cash & Cash Investments").
    """

    symbol: str
    quantity: float
    price_usd: float | None = None
    value_usd: float | None = None
    cost_basis_usd: float | None = None
    is_cash: bool = False
    description: str = ""
    account_number: str = ""
    source_file: str = ""
    source_line: int = 0

    @property
    def average_cost_usd(self) -> float | None:
        """Cost basis per share, dollars (``None`` without a basis)."""
        if self.cost_basis_usd is None:
            return None
        return self.cost_basis_usd / self.quantity

    def to_dict(self) -> dict[str, Any]:
        return _masked(record_dict(self))


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedLot(Record):
    """An open lot as a broker states it, or built from a position that has no lots.

    Attributes
    ----------
    symbol, quantity
        What and how many shares (> 0).
    cost_basis_usd
        Total basis, dollars (``None``: unknown, e.g. a Vanguard position).
    acquired
        Trade date of the purchase; ``None`` when the broker gave none (``date_known``
        is then False).
    date_known
        False for a lot built from a position (Fidelity, Schwab, Vanguard and E*TRADE
        positions, IBKR summary rows): one lot per position at the average cost, flagged
        :data:`UNKNOWN_DATE_NOTE` (``docs/imports.md``, "Positions without lots").
    statement_date
        The date the file describes, when it says (the day unknown-date lots are treated
        as acquired).
    lot_ref
        The broker's own lot id, if any.
    """

    symbol: str
    quantity: float
    cost_basis_usd: float | None
    acquired: date | None
    date_known: bool = True
    statement_date: date | None = None
    holding_start: date | None = None
    lot_ref: str = ""
    account_number: str = ""
    source_file: str = ""
    source_line: int = 0

    @property
    def note(self) -> str:
        """:data:`UNKNOWN_DATE_NOTE` for an unknown-date lot, else ``""``."""
        return "" if self.date_known else UNKNOWN_DATE_NOTE

    def to_held_lot(self, *, lot_id: str, account: str, as_of: date | None = None,
                    taxable: bool = True) -> HeldLot:
        """This lot as the planner's :class:`rebal.household.model.HeldLot`.

        An unknown acquisition date becomes ``as_of`` (default: the statement date) and the
        held lot keeps ``date_known=False``; the planner then treats it conservatively: a
        gain on it is short term, it is never sold at a loss, and it is a purchase inside
        its group's wash-sale window (``docs/imports.md``). In a taxable account the basis
        must be known.

        Raises
        ------
        InputError
            A taxable lot without a basis, or an unknown-date lot with no date to use.
        """
        acquired = self.acquired
        if acquired is None:
            acquired = as_of or self.statement_date
        file, row = self.source_file or None, self.source_line or None
        if taxable and self.cost_basis_usd is None:
            raise InputError(f"{self.symbol}: no cost basis for a lot in a taxable account",
                             file=file, row=row, field="cost basis")
        if taxable and acquired is None:
            raise InputError(f"{self.symbol}: no acquisition date and no statement date; "
                             "give the plan date", file=file, row=row, field="acquired")
        return HeldLot(
            id=lot_id, account=account, symbol=self.symbol, quantity=self.quantity,
            cost_basis_usd=self.cost_basis_usd, acquired=acquired,
            holding_start=self.holding_start if self.date_known else None,
            date_known=self.date_known,
        )

    def to_dict(self) -> dict[str, Any]:
        return _masked(record_dict(self, last=("note",)))


@dataclass(frozen=True, slots=True, kw_only=True)
class ClosedLot(Record):
    """A realized lot (Fidelity's closed positions): shares sold out of one purchase."""

    symbol: str
    quantity: float
    acquired: date | None
    sold: date
    proceeds_usd: float
    cost_basis_usd: float | None
    gain_usd: float | None
    wash_disallowed_usd: float = 0.0
    description: str = ""
    account_number: str = ""
    source_file: str = ""
    source_line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return _masked(record_dict(self))


@dataclass(frozen=True, slots=True, kw_only=True)
class Transaction(Record):
    """One line of a transactions file.

    Attributes
    ----------
    date
        Trade date (Schwab's "as of" date when given).
    type
        :class:`TxnType`.
    symbol
        Ticker; ``""`` for pure cash lines (deposits, bank interest).
    quantity
        Shares, > 0, for trades and share transfers (``None`` for cash lines); for a split,
        the shares added (negative: removed).
    price_usd
        Dollars per share before fees (trades), when given.
    fees_usd
        Commissions and fees, dollars, >= 0.
    amount_usd
        Signed effect on cash, dollars (+ in, - out); ``None`` when the file gives none.
    action
        The broker's own wording (``"Qualified Dividend"``), kept for the reader.
    lot_ids
        For a sale: the lots relieved, when the file names them; for a purchase: the id of
        the lot it opens (one), if given.
    """

    date: date
    type: TxnType
    symbol: str
    quantity: float | None = None
    price_usd: float | None = None
    fees_usd: float = 0.0
    amount_usd: float | None = None
    action: str = ""
    description: str = ""
    lot_ids: tuple[str, ...] = ()
    account_number: str = ""
    source_file: str = ""
    source_line: int = 0

    def to_trade(self, account: str) -> Trade:
        """A buy, sell or reinvestment as the tax engine's :class:`Trade` in ``account``.

        The price is ``price_usd``, or ``|amount| ∓ fees`` over the quantity when the file
        gives only the amount.

        Raises
        ------
        InputError
            Not a trade, or no quantity or price (naming this transaction's line).
        """
        file, row = self.source_file or None, self.source_line or None
        if not self.type.is_trade:
            raise InputError(f"a {self.type.value} is not a trade", file=file, row=row,
                             field="type")
        if self.quantity is None or self.quantity <= 0:
            raise InputError("a trade needs a quantity > 0", file=file, row=row,
                             field="quantity")
        price = self.price_usd
        if price is None and self.amount_usd is not None:
            gross = abs(self.amount_usd) + (-self.fees_usd if self.type is not TxnType.SELL
                                            else self.fees_usd)
            price = gross / self.quantity
        if price is None or price <= 0:
            raise InputError("a trade needs a price > 0 (or an amount)", file=file, row=row,
                             field="price")
        return Trade(
            date=self.date, account=account, symbol=self.symbol,
            side=Side.SELL if self.type is TxnType.SELL else Side.BUY,
            quantity=self.quantity, price_usd=price, fees=self.fees_usd,
            lot_id=self.lot_ids[0] if self.lot_ids and self.type is not TxnType.SELL else None,
            lot_ids=self.lot_ids if self.type is TxnType.SELL else (),
            reinvested=self.type is TxnType.REINVEST,
            source_file=self.source_file or None, source_line=self.source_line or None,
        )

    def to_dict(self) -> dict[str, Any]:
        return _masked(record_dict(self))


@dataclass(frozen=True, slots=True, kw_only=True)
class LotInstruction(Record):
    """One lot a sale must relieve (specific identification, Treas. Reg. §1.1012-1(c))."""

    lot_id: str
    quantity: float
    acquired: date | None = None
    cost_per_share_usd: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderLine(Record):
    """One order for a broker's desk.

    Attributes
    ----------
    account
        Account id or number as the desk knows it.
    side, quantity
        Buy or sell; shares > 0.
    order_type, limit_price_usd
        Market, or limit at ``limit_price_usd`` dollars.
    est_price_usd
        The price the plan assumed, dollars (information only).
    lots
        For a sale: the lots to relieve, in order; their quantities sum to ``quantity``.
    lots_unknown
        The sale relieves shares whose lots rebal does not know (built from a broker
        position): no lot instruction is given; the broker's default method applies.
    """

    account: str
    symbol: str
    side: Side
    quantity: float
    order_type: OrderType = OrderType.MARKET
    limit_price_usd: float | None = None
    est_price_usd: float | None = None
    lots: tuple[LotInstruction, ...] = ()
    lots_unknown: bool = False
    reference: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill(Record):
    """One execution reported back: what was actually bought or sold, at what price."""

    date: date
    account: str
    symbol: str
    side: Side
    quantity: float
    price_usd: float
    fees_usd: float = 0.0
    lot_ids: tuple[str, ...] = ()
    order_ref: str = ""
    source_file: str = ""
    source_line: int = 0

    def to_trade(self) -> Trade:
        """The execution as the tax engine's :class:`rebal.tax.lots.Trade` (a sale names
        its lots when the fill does)."""
        return Trade(
            date=self.date, account=self.account, symbol=self.symbol, side=self.side,
            quantity=self.quantity, price_usd=self.price_usd, fees=self.fees_usd,
            lot_ids=self.lot_ids if self.side is Side.SELL else (),
            source_file=self.source_file or None, source_line=self.source_line or None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionsFile(Record):
    """A positions file read: its holdings, its cash, and what it said about itself."""

    source: str
    format: BrokerFormat
    positions: tuple[Position, ...]
    cash_usd: float | None = None
    statement_date: date | None = None
    account_number: str = ""
    notes: tuple[str, ...] = ()

    @property
    def accounts(self) -> tuple[str, ...]:
        """The account numbers the file's rows name, in file order (one file may hold
        several accounts, e.g. Fidelity's)."""
        return tuple(dict.fromkeys(p.account_number for p in self.positions
                                   if p.account_number))

    def for_account(self, account_number: str) -> PositionsFile:
        """Only the rows of ``account_number`` (cash recomputed from its cash rows)."""
        rows = tuple(p for p in self.positions if p.account_number == account_number)
        cash = [p.quantity for p in rows if p.is_cash]
        return PositionsFile(source=self.source, format=self.format, positions=rows,
                             cash_usd=sum(cash) if cash else None,
                             statement_date=self.statement_date,
                             account_number=account_number, notes=self.notes)

    def to_lots(self) -> tuple[ImportedLot, ...]:
        """One unknown-date lot per non-cash position, at its average cost (the basis is
        ``None`` where the broker gives none)."""
        return tuple(
            ImportedLot(
                symbol=p.symbol, quantity=p.quantity, cost_basis_usd=p.cost_basis_usd,
                acquired=None, date_known=False, statement_date=self.statement_date,
                account_number=p.account_number or self.account_number,
                source_file=p.source_file, source_line=p.source_line,
            )
            for p in self.positions if not p.is_cash
        )

    def to_dict(self) -> dict[str, Any]:
        return _masked(record_dict(self))


@dataclass(frozen=True, slots=True, kw_only=True)
class LotsFile(Record):
    """A lots file read: open lots (and, from a realized-lots file, closed ones)."""

    source: str
    format: BrokerFormat
    lots: tuple[ImportedLot, ...]
    closed: tuple[ClosedLot, ...] = ()
    statement_date: date | None = None
    notes: tuple[str, ...] = ()

    @property
    def unknown_dates(self) -> int:
        """How many lots have no acquisition date."""
        return sum(1 for lot in self.lots if not lot.date_known)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionsFile(Record):
    """A transactions file read, in file order."""

    source: str
    format: BrokerFormat
    transactions: tuple[Transaction, ...]
    notes: tuple[str, ...] = ()

    def trades(self, account: str) -> tuple[Trade, ...]:
        """The buys, sells and reinvestments as :class:`rebal.tax.lots.Trade` records in
        ``account``, in date order (stable for one day)."""
        rows = [t for t in self.transactions if t.type.is_trade]
        return tuple(t.to_trade(account) for t in sorted(rows, key=lambda t: t.date))
