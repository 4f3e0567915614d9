"""Accounts, trades, tax lots and wash-sale settings: the immutable records of ``rebal.tax``.

Units: quantities are shares (fractional allowed, always > 0); every ``*_usd`` field is
US dollars (a *total* for the lot or sale unless named ``per_share``); dates are trade
dates (`datetime.date`), which start and end holding periods (J.K. Lasser §5.10;
Pub 550 "Holding Period").

Every record has ``to_dict()`` returning plain JSON-serialisable values (ISO dates,
enum values as strings).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from rebal.errors import ConfigError
from rebal.tax.records import Record, record_dict
from rebal.types import AccountType, LotMethod, Owner, Side, reduce_frozen

__all__ = [
    "Account",
    "BasisAdjustment",
    "Lot",
    "Trade",
    "WashSaleSettings",
]


_INF = float("inf")


def _check_finite_positive(owner: str, name: str, value: float) -> None:
    if not (value > 0 and value < float("inf")):
        raise ConfigError(f"{owner}.{name} must be a finite number > 0, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """One account of the household: its identity and tax treatment (what the ledger
    needs) and, for the planner, its cash (what a household file adds; zero in an audit).

    Attributes
    ----------
    id
        Unique account id (as it appears in the trade history, lots and trades).
    type
        Tax treatment; any type other than ``TAXABLE`` realizes no gain or loss on sales
        (TAX_RULES §5), but its purchases can wash a taxable loss (Rev. Rul. 2008-5).
    owner
        ``SELF`` or ``SPOUSE``; the spouse's purchases wash the taxpayer's losses and vice
        versa (Pub 550, "Wash Sales").
    lot_method
        Default relief method for sales in this account (Treas. Reg. §1.1012-1(c)).
    average_cost_symbols
        Funds for which the average-basis election of Treas. Reg. §1.1012-1(e) is made in
        this account; every sale of such a fund here uses ``LotMethod.AVERAGE``.
    name
        Display name (defaults to ``id``).
    cash_usd
        Cash held now, dollars, >= 0.
    min_cash_usd
        Cash a plan must leave in the account, dollars, >= 0.
    pending_flow_usd
        Money arriving (+, contribution) or to be taken out (-, withdrawal) on the plan
        date, dollars; not yet in ``cash_usd``.
    whole_shares
        True when orders must be for whole shares.
    min_trade_usd
        Smallest order the planner makes in this account, dollars >= 0 (``None``: the
        plan's setting).
    """

    id: str
    type: AccountType = AccountType.TAXABLE
    owner: Owner = Owner.SELF
    lot_method: LotMethod = LotMethod.FIFO
    average_cost_symbols: frozenset[str] = frozenset()
    name: str = ""
    cash_usd: float = 0.0
    min_cash_usd: float = 0.0
    pending_flow_usd: float = 0.0
    whole_shares: bool = True
    min_trade_usd: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ConfigError(f"Account.id must be a non-empty string, got {self.id!r}")
        object.__setattr__(self, "type", AccountType.parse(self.type, field="Account.type"))
        object.__setattr__(self, "owner", Owner.parse(self.owner, field="Account.owner"))
        object.__setattr__(
            self, "lot_method", LotMethod.parse(self.lot_method, field="Account.lot_method")
        )
        if self.lot_method is LotMethod.AVERAGE:
            raise ConfigError(
                f"Account.lot_method of {self.id!r}: AVERAGE is elected per fund "
                "(Treas. Reg. §1.1012-1(e)); list the funds in average_cost_symbols"
            )
        object.__setattr__(self, "average_cost_symbols", frozenset(self.average_cost_symbols))
        if not self.name:
            object.__setattr__(self, "name", self.id)

    @property
    def tax_advantaged(self) -> bool:
        """True for IRA/Roth/401(k)/HSA-type accounts (sales realize nothing)."""
        return self.type.tax_advantaged

    @property
    def taxable(self) -> bool:
        """True where sales realize capital gains and losses."""
        return self.type is AccountType.TAXABLE

    def to_dict(self) -> dict[str, Any]:
        """The tax identity, as ``rebal tax audit --json`` writes it (a household file
        writes the cash fields too: :meth:`rebal.household.model.Household.to_dict`)."""
        return {
            "id": self.id,
            "type": self.type.value,
            "owner": self.owner.value,
            "lot_method": self.lot_method.value,
            "average_cost_symbols": sorted(self.average_cost_symbols),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Trade:
    """One executed (or proposed) trade.

    Attributes
    ----------
    date
        Trade date.
    account
        Account id.
    symbol
        Security symbol.
    side
        ``Side.BUY`` or ``Side.SELL``. A reinvested dividend is a ``BUY`` with
        ``reinvested=True`` (it is a purchase for §1091(a)).
    quantity
        Shares, > 0 (fractional allowed).
    price_usd
        Dollars per share, > 0, before fees.
    fees
        Dollars, >= 0: added to the basis of a purchase, subtracted from the proceeds of a
        sale (Pub 550, "Basis of Investment Property"; Form 8949 instructions).
    lot_id
        For a buy: the id of the lot it opens (generated when ``None``). Ignored for sells.
    lot_ids
        For a sell with specific identification: the lots to relieve, in the order named
        (a lot id also names the pieces split from it by wash-sale adjustments).
    method
        Relief method for this sale; ``None`` uses the account's ``lot_method``.
    reinvested
        The purchase is a dividend reinvestment (DRIP).
    source_file, source_line
        Where the trade was read from (for error messages); ``None`` for in-memory trades.
    """

    date: date
    account: str
    symbol: str
    side: Side
    quantity: float
    price_usd: float
    fees: float = 0.0
    lot_id: str | None = None
    lot_ids: tuple[str, ...] = ()
    method: LotMethod | None = None
    reinvested: bool = False
    source_file: str | None = None
    source_line: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.date, date):
            raise ConfigError(f"Trade.date must be a datetime.date, got {self.date!r}")
        if (type(self.side) is Side and type(self.quantity) is float
                and type(self.price_usd) is float and type(self.fees) is float
                and type(self.lot_ids) is tuple
                and (self.method is None or type(self.method) is LotMethod)
                and 0.0 < self.quantity < _INF and 0.0 < self.price_usd < _INF
                and 0.0 <= self.fees < _INF
                and (not self.reinvested or self.side is Side.BUY)):
            # already normal and valid (a trade built by code, e.g. each of a taxable
            # backtest's thousands): the checks below would change nothing
            return
        object.__setattr__(self, "side", Side.parse(self.side, field="Trade.side"))
        if self.method is not None:
            object.__setattr__(self, "method", LotMethod.parse(self.method, field="Trade.method"))
        _check_finite_positive("Trade", "quantity", float(self.quantity))
        _check_finite_positive("Trade", "price_usd", float(self.price_usd))
        if not (0.0 <= float(self.fees) < float("inf")):
            raise ConfigError(f"Trade.fees must be a finite number >= 0, got {self.fees!r}")
        object.__setattr__(self, "quantity", float(self.quantity))
        object.__setattr__(self, "price_usd", float(self.price_usd))
        object.__setattr__(self, "fees", float(self.fees))
        object.__setattr__(self, "lot_ids", tuple(self.lot_ids))
        if self.reinvested and self.side is not Side.BUY:
            raise ConfigError("Trade.reinvested is only valid for a purchase (side BUY)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "account": self.account,
            "symbol": self.symbol,
            "side": self.side.value,
            "quantity": self.quantity,
            "price": self.price_usd,  # the audit JSON key (unchanged)
            "fees": self.fees,
            "lot_id": self.lot_id,
            "lot_ids": list(self.lot_ids),
            "method": None if self.method is None else self.method.value,
            "reinvested": self.reinvested,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class BasisAdjustment(Record):
    """A wash-sale basis addition to a replacement lot (IRC §1091(d); Reg. §1.1091-2).

    Attributes
    ----------
    amount_usd
        Disallowed loss added to the lot's basis, dollars (>= 0).
    quantity
        Shares of the lot that absorbed it.
    from_disposition
        Id of the loss disposition whose loss was disallowed.
    sale_date
        Date of that loss sale.
    holding_start_before, holding_start_after
        Holding-period start before and after tacking (IRC §1223(3)).
    """

    amount_usd: float
    quantity: float
    from_disposition: str
    sale_date: date
    holding_start_before: date
    holding_start_after: date


@dataclass(frozen=True, slots=True, kw_only=True)
class Lot(Record):
    """An open tax lot: shares of one purchase held in one account.

    Attributes
    ----------
    id
        Lot id. Pieces split from a lot (when only part of it absorbs a wash-sale
        adjustment) are named ``"<parent>.<n>"``.
    account, symbol
        Where and what.
    quantity
        Shares, > 0.
    basis_usd
        Total adjusted basis, dollars (cost + buy fees + wash-sale additions).
    acquired
        Trade date of the purchase (Form 8949 column (b)).
    holding_start
        Start of the holding period: ``acquired`` unless moved earlier by wash-sale
        tacking (IRC §1223(3)). The term of a sale is decided from this date.
    purchase_id
        Id of the purchase (buy trade) the shares come from; shares of one purchase are
        never replacement shares for each other (Rev. Rul. 56-602).
    used_as_replacement
        The shares already absorbed a disallowed loss and cannot absorb another
        (Pub 550, "More or less stock bought than sold"; Reg. §1.1091-1).
    reinvested
        Bought by a dividend reinvestment.
    adjustments
        Wash-sale basis additions, oldest first.
    """

    id: str
    account: str
    symbol: str
    quantity: float
    basis_usd: float
    acquired: date
    holding_start: date
    purchase_id: str
    used_as_replacement: bool = False
    reinvested: bool = False
    adjustments: tuple[BasisAdjustment, ...] = ()

    @property
    def basis_per_share_usd(self) -> float:
        return self.basis_usd / self.quantity

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, then={"basis_usd": "basis_per_share_usd"})


@dataclass(frozen=True, slots=True, kw_only=True)
class WashSaleSettings:
    """Household wash-sale settings (IRC §1091; TAX_RULES §1).

    Attributes
    ----------
    groups
        ``symbol -> group name`` for substantially identical securities (a household
        setting: Pub 550 gives no bright line for funds on the same index). A symbol not
        in the map forms a group of its own, named by the symbol.
    replacement_before_sold_lot
        Shares bought within the window but *before* the sold lot was acquired count as
        replacement shares. No regulation on point (TAX_RULES §1.1); default ``True``
        (conservative).
    replacement_already_sold
        Shares bought within the window but sold before the loss sale still count as
        replacement shares ("unsettled point", TAX_RULES §1.4); default ``True``
        (conservative). The disallowed loss is then added to the basis of that earlier
        disposition.
    lots_sold_together_replace
        Shares disposed of in the *same sale trade* as the loss shares count as
        replacement shares. Default ``False``: a sale that reduces holdings is not a
        repurchase (the reasoning of Rev. Rul. 56-602, extended from one lot to one
        sale); set ``True`` for the literal reading.
    basis_reported_to_irs
        Form 8949 box: ``True`` → box A (short term) / D (long term), ``False`` → B / E.
    """

    groups: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    replacement_before_sold_lot: bool = True
    replacement_already_sold: bool = True
    lots_sold_together_replace: bool = False
    basis_reported_to_irs: bool = True

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return reduce_frozen(self)

    def __post_init__(self) -> None:
        groups = dict(self.groups)
        for symbol, group in groups.items():
            if not isinstance(symbol, str) or not symbol or not isinstance(group, str) or not group:
                raise ConfigError(
                    f"WashSaleSettings.groups: symbol and group must be non-empty strings, "
                    f"got {symbol!r} -> {group!r}"
                )
        object.__setattr__(self, "groups", MappingProxyType(groups))

    @classmethod
    def from_groups(cls, groups: Mapping[str, Iterable[str]], **flags: bool) -> WashSaleSettings:
        """Build from ``group name -> symbols`` (the file format)."""
        mapping: dict[str, str] = {}
        for name, symbols in groups.items():
            for symbol in symbols:
                if symbol in mapping and mapping[symbol] != name:
                    raise ConfigError(
                        f"WashSaleSettings.groups: {symbol!r} is in both "
                        f"{mapping[symbol]!r} and {name!r}"
                    )
                mapping[symbol] = name
        return cls(groups=mapping, **flags)

    def group_of(self, symbol: str) -> str:
        """The substantially-identical group of ``symbol`` (itself by default)."""
        return self.groups.get(symbol, symbol)

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": dict(sorted(self.groups.items())),
            "replacement_before_sold_lot": self.replacement_before_sold_lot,
            "replacement_already_sold": self.replacement_already_sold,
            "lots_sold_together_replace": self.lots_sold_together_replace,
            "basis_reported_to_irs": self.basis_reported_to_irs,
        }
