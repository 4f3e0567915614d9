"""The household tax ledger: apply trades → open lots, dispositions, wash sales, Form 8949.

One engine serves the audit of a real trade history (:func:`audit`), the wash-sale guard
of the planner (:func:`rebal.tax.guard.wash_sale_guard`) and taxable backtests (a
:class:`Ledger` fed one trade at a time for decades). The wash-sale matching is
:class:`rebal.tax.washsale.WashSaleMatcher`, which the ledger runs when a day closes.

Processing model
----------------
Trades are applied in date order. Each trade changes lots at once (a buy opens a lot; a
sale relieves lots by the account's method and creates one *disposition* per lot relieved).
Wash-sale matching for a day runs when the day closes (the first trade of a later date,
or :meth:`Ledger.flush`), in the order Treas. Reg. §1.1091-1(b) prescribes:

1. the day's purchases are matched to *earlier* loss sales whose window (sale date + 30
   days) is still open, earliest loss sale first;
2. the day's loss dispositions, ordered by the original acquisition of the shares sold
   (§1.1091-1(b): same-day dispositions whose order cannot be determined), are matched to
   replacement shares acquired in the 30 days before through today, earliest acquisition
   first (Pub 550, "More or less stock bought than sold"); unmatched loss shares stay open
   for purchases of the next 30 days (step 1 of later days).

This equals processing every loss sale in date order against all purchases of its window,
earliest first (the brute-force reading of the rule, which the tests check), because an
earlier loss sale always gets first claim on each purchase. Purchases are indexed by
wash-sale group with a moving window pointer, and open loss sales by group in a queue, so a
trade costs O(purchases of its group within 61 days), not O(history).

Rules applied (details in docs/tax_lots_washsales.md):

- Only losses in accounts other than tax-advantaged ones can be washed (§1091(a); sales in
  IRA/Roth/401(k)/HSA realize nothing, TAX_RULES §5).
- Replacement purchases are sought in *every* account of the household, the spouse's
  included (Pub 550; Rev. Rul. 2008-5). A replacement in a tax-advantaged account
  disallows the loss permanently without basis increase (Rev. Rul. 2008-5; extended to
  401(k) and HSA, conservative).
- Partial wash sales disallow the loss of the matched shares only (§1091(b)).
- Each replacement share absorbs at most one loss (§1091(c); Reg. §1.1091-1).
- Shares of the same purchase are never replacements for each other (Rev. Rul. 56-602).
- Basis of replacement shares = own basis + disallowed loss (§1091(d); Reg. §1.1091-2),
  holding period tacked (§1223(3)): see ``holding.tacked_start``.
- Reinvested dividends are purchases (§1091(a): "acquired").
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rebal.errors import ConfigError, InputError
from rebal.tax.holding import holding_term
from rebal.tax.lots import Account, Lot, Trade, WashSaleSettings
from rebal.tax.records import Record, record_dict
from rebal.tax.relief import LotLike, LotPick, ReliefError, select_lots
from rebal.tax.washsale import (
    WINDOW_DAYS,
    Disposal,
    GuardState,
    Piece,
    Purchase,
    WashMatch,
    WashSaleMatcher,
    qty_eps,
    scale_adjustment,
)
from rebal.types import AccountType, LotMethod, Owner, Side, Term

__all__ = [
    "AuditResult",
    "Disposition",
    "Form8949Line",
    "Ledger",
    "YearTotals",
    "audit",
    "year_totals",
]


# ------------------------------------------------------------------ immutable results


@dataclass(frozen=True, slots=True, kw_only=True)
class Disposition(Record):
    """The sale of shares of one lot (one Form 8949 line when in a taxable account).

    All ``*_usd`` are dollars. ``gain_usd = proceeds_usd - basis_usd`` (negative = loss);
    ``disallowed_usd`` (>= 0) is the wash-sale loss not allowed (Form 8949 code W, column
    (g)); it is ``deferred_usd`` (added to replacement lots' basis) plus
    ``permanently_disallowed_usd`` (replacement in a tax-advantaged account).
    ``recognized_usd = gain_usd + disallowed_usd`` for taxable accounts, 0 in
    tax-advantaged ones. ``basis_added_after_sale_usd`` is a disallowed loss of a *later*
    sale added to these shares because they were its replacement shares although already
    sold (policy ``replacement_already_sold``); it is included in ``basis_usd``.
    """

    id: str
    trade_seq: int
    account: str
    account_type: AccountType
    owner: Owner
    symbol: str
    group: str
    lot_id: str
    purchase_id: str
    quantity: float
    acquired: date
    holding_start: date
    sold: date
    proceeds_usd: float
    basis_usd: float
    gain_usd: float
    term: Term
    tax_advantaged: bool
    disallowed_usd: float
    deferred_usd: float
    permanently_disallowed_usd: float
    recognized_usd: float
    basis_added_after_sale_usd: float
    wash_matches: tuple[WashMatch, ...]
    source_file: str | None = None
    source_line: int | None = None

    @property
    def is_wash_sale(self) -> bool:
        return self.disallowed_usd > 0


def _cents(x: float) -> float:
    return round(x + 0.0, 2) + 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Form8949Line(Record):
    """One line of Form 8949 (dollars rounded to cents, as on the form).

    ``part`` is "I" (short term) or "II" (long term); ``box`` is A/D when the broker
    reported basis to the IRS, B/E otherwise (setting ``basis_reported_to_irs``).
    ``code`` is "W" for a wash sale, with ``adjustment_usd`` (column (g)) the disallowed
    loss as a positive number; ``gain_or_loss_usd = proceeds − cost basis + adjustment``
    (column (h)).
    """

    disposition_id: str
    part: str
    box: str
    description: str
    date_acquired: date
    date_sold: date
    proceeds_usd: float
    cost_basis_usd: float
    code: str
    adjustment_usd: float
    gain_or_loss_usd: float
    account: str
    owner: Owner

    @classmethod
    def from_disposition(cls, d: Disposition, *, basis_reported_to_irs: bool) -> Form8949Line:
        short = d.term is Term.SHORT
        box = ("A" if short else "D") if basis_reported_to_irs else ("B" if short else "E")
        proceeds, basis, adj = _cents(d.proceeds_usd), _cents(d.basis_usd), _cents(
            d.disallowed_usd
        )
        return cls(
            disposition_id=d.id,
            part="I" if short else "II",
            box=box,
            description=f"{d.quantity:g} sh {d.symbol}",
            date_acquired=d.acquired,
            date_sold=d.sold,
            proceeds_usd=proceeds,
            cost_basis_usd=basis,
            code="W" if d.disallowed_usd > 0 else "",
            adjustment_usd=adj,
            gain_or_loss_usd=_cents(proceeds - basis + adj),
            account=d.account,
            owner=d.owner,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class YearTotals(Record):
    """Recognized gains and losses of one tax year, taxable accounts only (dollars).

    Gains are >= 0, losses <= 0; ``net_st_usd = st_gains_usd + st_losses_usd``. These
    are the inputs of Schedule D netting (``rebal.tax.netting``), before carryovers.
    """

    year: int
    st_gains_usd: float
    st_losses_usd: float
    lt_gains_usd: float
    lt_losses_usd: float
    proceeds_usd: float
    basis_usd: float
    disallowed_usd: float
    deferred_usd: float
    permanently_disallowed_usd: float
    n_dispositions: int

    @property
    def net_st_usd(self) -> float:
        return self.st_gains_usd + self.st_losses_usd

    @property
    def net_lt_usd(self) -> float:
        return self.lt_gains_usd + self.lt_losses_usd

    def to_dict(self) -> dict[str, Any]:
        return record_dict(
            self, then={"st_losses_usd": "net_st_usd", "lt_losses_usd": "net_lt_usd"}
        )


def year_totals(
    dispositions: Iterable[Disposition], *, owner: Owner | None = None
) -> tuple[YearTotals, ...]:
    """Sum recognized ST/LT gains and losses by year of sale (taxable accounts only).

    Parameters
    ----------
    owner
        Only this owner's accounts (married filing separately); ``None`` = household.
    """
    return _totals(
        (d.sold.year, d.recognized_usd, d.term is Term.SHORT, d.proceeds_usd, d.basis_usd,
         d.disallowed_usd, d.deferred_usd, d.permanently_disallowed_usd)
        for d in dispositions
        if not (d.tax_advantaged or (owner is not None and d.owner is not owner))
    )


def _totals(
    rows: Iterable[tuple[int, float, bool, float, float, float, float, float]],
) -> tuple[YearTotals, ...]:
    """:func:`year_totals` of ``(year, recognized, short, proceeds, basis, disallowed,
    deferred, permanently disallowed)`` rows (dollars) of taxable dispositions."""
    acc: dict[int, list[float]] = {}
    for year, r, short, proceeds, basis, disallowed, deferred, permanent in rows:
        row = acc.setdefault(year, [0.0] * 10)
        k = 0 if short else 2
        if r >= 0:
            row[k] += r
        else:
            row[k + 1] += r
        row[4] += proceeds
        row[5] += basis
        row[6] += disallowed
        row[7] += deferred
        row[8] += permanent
        row[9] += 1
    return tuple(
        YearTotals(
            year=y, st_gains_usd=r[0], st_losses_usd=r[1], lt_gains_usd=r[2],
            lt_losses_usd=r[3], proceeds_usd=r[4], basis_usd=r[5], disallowed_usd=r[6],
            deferred_usd=r[7], permanently_disallowed_usd=r[8], n_dispositions=int(r[9]),
        )
        for y, r in sorted(acc.items())
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditResult(Record):
    """Everything the audit of a trade history finds.

    Attributes
    ----------
    dispositions
        Every sale of every lot, in order of sale (date, then trade).
    form_8949
        One line per disposition in a taxable account.
    open_lots
        Lots held at the end, per account and symbol in acquisition order.
    adjusted_lots
        The open lots whose basis or holding period a wash sale changed.
    year_totals
        Recognized ST/LT gains and losses per year (household).
    notes
        Things a reader should check (e.g. a basis change to a sale of an earlier year).
    """

    accounts: tuple[Account, ...]
    settings: WashSaleSettings
    dispositions: tuple[Disposition, ...]
    form_8949: tuple[Form8949Line, ...]
    open_lots: tuple[Lot, ...]
    adjusted_lots: tuple[Lot, ...]
    year_totals: tuple[YearTotals, ...]
    notes: tuple[str, ...] = ()


# ------------------------------------------------------------------ mutable engine state


class Ledger:
    """Mutable tax state of a household: open lots, dispositions and wash-sale windows.

    Parameters
    ----------
    accounts
        Every account of the household (wash sales look across all of them).
    settings
        Substantially-identical groups and wash-sale policy flags.
    st_rate, lt_rate
        Marginal tax rates (fractions) for ``LotMethod.TAX_MIN``; change with
        :meth:`set_rates`.

    Examples
    --------
    >>> led = Ledger([Account(id="b")])
    >>> led.apply(Trade(date=date(2025, 1, 2), account="b", symbol="X", side="buy",
    ...                 quantity=100, price_usd=10.0))
    ('L1',)
    """

    def __init__(
        self,
        accounts: Iterable[Account],
        settings: WashSaleSettings | None = None,
        *,
        st_rate: float | None = None,
        lt_rate: float | None = None,
    ) -> None:
        self.accounts: dict[str, Account] = {}
        for a in accounts:
            if a.id in self.accounts:
                raise ConfigError(f"duplicate account id {a.id!r}")
            self.accounts[a.id] = a
        if not self.accounts:
            raise ConfigError("a ledger needs at least one account")
        self.settings = settings or WashSaleSettings()
        self.st_rate = st_rate
        self.lt_rate = lt_rate
        self._day: date | None = None
        self._open: dict[tuple[str, str], list[Piece]] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._lot_ids: set[str] = set()
        self._split_count: dict[str, int] = {}
        self._closed_ids: dict[str, date] = {}
        self._purchases: list[Purchase] = []
        self._wash = WashSaleMatcher(self.settings)
        self._disps: list[Disposal] = []
        self._trade_count = 0

    # ---------------------------------------------------------------- public API

    @property
    def current_date(self) -> date | None:
        """Date of the last trade applied."""
        return self._day

    @property
    def trade_count(self) -> int:
        """Trades applied so far (a trade's ``trade_seq`` is its 0-based position)."""
        return self._trade_count

    @property
    def disposition_count(self) -> int:
        return len(self._disps)

    @property
    def purchase_count(self) -> int:
        return len(self._purchases)

    def set_rates(self, *, st_rate: float | None, lt_rate: float | None) -> None:
        """Marginal rates (fractions) used by ``LotMethod.TAX_MIN`` from now on."""
        self.st_rate, self.lt_rate = st_rate, lt_rate

    def copy(self) -> Ledger:
        """An independent deep copy (for what-if analysis); immutable settings and
        accounts are shared."""
        memo: dict[int, Any] = {id(self.settings): self.settings}
        memo.update({id(a): a for a in self.accounts.values()})
        # Frozen records need no copy. Neither do dispositions and purchases that are out
        # of every future window: a disposition changes only while its loss can still be
        # matched or while its purchase can still be a replacement (sale and purchase
        # both more than 61 days before the last trade), so they are shared.
        cut = (self._day or date.min) - timedelta(days=2 * WINDOW_DAYS + 1)
        for disp in self._disps:
            memo[id(disp.trade)] = disp.trade
            if disp.sold < cut and disp.piece.purchase.date < cut:
                memo[id(disp)] = disp
                memo[id(disp.piece)] = disp.piece
        for purchase in self._purchases:
            if purchase.date < cut and all(
                x.disp is not None and id(x.disp) in memo for x in purchase.pieces
            ):
                memo[id(purchase)] = purchase
        return copy.deepcopy(self, memo)

    def apply_all(self, trades: Iterable[Trade]) -> None:
        """Apply trades in order (they must be in date order)."""
        for t in trades:
            self.apply(t)

    def apply(self, trade: Trade, *, picks: Sequence[LotPick] | None = None
              ) -> tuple[str, ...]:
        """Apply one trade; returns the id of the lot opened (buy) or the ids of the
        dispositions created (sell).

        Parameters
        ----------
        trade
            The trade.
        picks
            For a sale whose lots the caller has already chosen (a taxable backtest runs
            :func:`rebal.tax.relief.select_lots` on :meth:`lot_views` itself): the shares
            to relieve, ``index`` into ``lot_views(trade.account, trade.symbol)`` as read
            just before this call, in relief order. The ledger then does not choose again;
            it checks the picks instead. ``trade.lot_ids`` must name the picks' lots in
            order (so that the history replays to the same relief), ``trade.method`` be
            ``SPECIFIC`` or ``None``.

        Raises
        ------
        InputError
            Unknown account, a date before the previous trade's, selling more than held,
            a specific lot unknown, already sold or too small — naming the trade's file and
            line when it came from a file.
        ConfigError
            ``picks`` given for a buy, or not a relief of the open lots that sums to the
            quantity sold (an index out of range or repeated, a lot id that is not the
            lot's at that index, a quantity <= 0 or above the lot's, ids other than
            ``trade.lot_ids``).
        """
        account = self.accounts.get(trade.account)
        if account is None:
            raise self._error(trade, f"unknown account {trade.account!r}", "account")
        if self._day is not None and trade.date < self._day:
            raise self._error(
                trade, f"date {trade.date} is before the previous trade's date {self._day}",
                "date",
            )
        if self._day is None or trade.date > self._day:
            self.flush()
            self._day = trade.date
        seq = self._trade_count
        out: tuple[str, ...]
        if trade.side is Side.BUY:
            if picks is not None:
                raise ConfigError("Ledger.apply: picks are for sales only")
            out = (self._buy(trade, account, seq),)
        else:
            out = self._sell(trade, account, seq, picks)
        self._trade_count += 1
        return out

    def flush(self) -> None:
        """Run the wash-sale matching of the current day (idempotent)."""
        if self._day is not None:
            self._wash.flush(self._day, self._split)

    def open_lots(self, account: str | None = None, symbol: str | None = None) -> tuple[Lot, ...]:
        """Open lots (after the current day's wash-sale matching), per account and symbol
        in acquisition order."""
        self.flush()
        if account is not None and symbol is not None:
            return tuple(self._lot(piece) for piece in self._sorted_open(account, symbol))
        out: list[Lot] = []
        for (acc, sym) in sorted(self._open):
            if (account is not None and acc != account) or (symbol is not None and sym != symbol):
                continue
            for piece in self._sorted_open(acc, sym):
                out.append(self._lot(piece))
        return tuple(out)

    def lot_views(self, account: str, symbol: str) -> tuple[LotLike, ...]:
        """The open lots of ``symbol`` in ``account`` (after the current day's wash-sale
        matching), in acquisition order, as live read-only views (``id``, ``quantity``,
        ``basis_usd`` in dollars, ``acquired``, ``holding_start``).

        The cheap form of :meth:`open_lots` for a caller that trades as it reads (a
        taxable backtest): no :class:`Lot` is built. A view is valid until the next
        :meth:`apply` — a sale changes the quantity and basis of the lot it cuts — so
        copy what must outlive it; never modify one."""
        self.flush()
        return tuple(self._sorted_open(account, symbol))

    def dispositions(self, *, year: int | None = None) -> tuple[Disposition, ...]:
        """Every disposition so far (of sales in ``year`` only, when given), in order of
        sale (after flushing the current day)."""
        self.flush()
        mine = self._disps if year is None else [d for d in self._disps if d.sold.year == year]
        disps = sorted(mine, key=lambda d: (d.sold, d.trade_seq, d.piece.key()))
        return tuple(self._disposition(d) for d in disps)

    def year_totals(self, *, owner: Owner | None = None,
                    year: int | None = None) -> tuple[YearTotals, ...]:
        """Recognized gains and losses by year so far (of ``year`` only, when given). A
        December loss can still be washed by a purchase in the next 30 days: totals are
        final 31 days after."""
        # the numbers of :meth:`dispositions` (same order, same arithmetic) without
        # building the records
        self.flush()
        mine = self._disps if year is None else [d for d in self._disps if d.sold.year == year]
        rows = []
        for d in sorted(mine, key=lambda d: (d.sold, d.trade_seq, d.piece.key())):
            if d.tax_advantaged:
                continue
            piece = d.piece
            if owner is not None and self.accounts[piece.purchase.account].owner is not owner:
                continue
            rows.append((d.sold.year, (d.proceeds - piece.basis) + d.disallowed,
                         holding_term(piece.start, d.sold) is Term.SHORT, d.proceeds,
                         piece.basis, d.disallowed, d.disallowed - d.permanent, d.permanent))
        return _totals(rows)

    def result(self) -> AuditResult:
        """Freeze the ledger into an :class:`AuditResult`."""
        disps = self.dispositions()
        lots = self.open_lots()
        return AuditResult(
            accounts=tuple(self.accounts.values()),
            settings=self.settings,
            dispositions=disps,
            form_8949=tuple(
                Form8949Line.from_disposition(
                    d, basis_reported_to_irs=self.settings.basis_reported_to_irs
                )
                for d in disps
                if not d.tax_advantaged
            ),
            open_lots=lots,
            adjusted_lots=tuple(lot for lot in lots if lot.adjustments),
            year_totals=year_totals(disps),
            notes=tuple(self._wash.notes),
        )

    def guard_state(
        self,
        as_of: date,
        *,
        proposed_from_trade: int | None = None,
    ) -> GuardState:
        """Frozen snapshot of open loss sales and available replacement shares that still
        matter on or after ``as_of`` (for ``buy_would_wash`` / ``sale_would_be_washed``).
        Trades with ``trade_seq >= proposed_from_trade`` are flagged ``proposed``."""
        self.flush()
        start = proposed_from_trade if proposed_from_trade is not None else self._trade_count
        return self._wash.guard_state(as_of, proposed_from=start, accounts=self.accounts)

    # ---------------------------------------------------------------- trades

    def _error(self, trade: Trade, message: str, field: str) -> InputError:
        return InputError(message, file=trade.source_file, row=trade.source_line, field=field)

    def _buy(self, trade: Trade, account: Account, seq: int) -> str:
        lot_id = trade.lot_id or f"L{len(self._purchases) + 1}"
        if lot_id in self._lot_ids:
            raise self._error(trade, f"lot id {lot_id!r} is already used", "lot_id")
        self._lot_ids.add(lot_id)
        group = self.settings.group_of(trade.symbol)
        purchase = Purchase(
            id=lot_id, seq=len(self._purchases), trade_seq=seq, date=trade.date,
            account=account.id, tax_advantaged=account.tax_advantaged, symbol=trade.symbol,
            group=group, quantity=trade.quantity, pieces=[], reinvested=trade.reinvested,
        )
        # Fees on a purchase are part of its cost (Pub 550, "Basis of Investment Property").
        piece = Piece(
            id=lot_id, purchase=purchase, quantity=trade.quantity,
            basis=trade.quantity * trade.price_usd + trade.fees, start=trade.date, pos=0.0,
            used=False, adjustments=[], disp=None,
        )
        purchase.pieces.append(piece)
        self._purchases.append(purchase)
        # a new purchase's key (date, seq, 0) is above every open piece's (trades come in
        # date order, seq grows): appending keeps a sorted list sorted
        self._open.setdefault((account.id, trade.symbol), []).append(piece)
        self._wash.add_purchase(purchase)
        return lot_id

    def _sorted_open(self, account: str, symbol: str) -> list[Piece]:
        key = (account, symbol)
        lots = self._open.get(key, [])
        if key in self._dirty:
            lots.sort(key=Piece.key)
            self._dirty.discard(key)
        return lots

    def _method(self, trade: Trade, account: Account) -> LotMethod:
        if trade.symbol in account.average_cost_symbols:
            if trade.method not in (None, LotMethod.AVERAGE) or trade.lot_ids:
                raise self._error(
                    trade,
                    f"{trade.symbol} uses average basis in account {account.id} "
                    "(Treas. Reg. §1.1012-1(e) election); lots cannot be chosen",
                    "method",
                )
            return LotMethod.AVERAGE
        if trade.method is LotMethod.AVERAGE:
            raise self._error(
                trade,
                f"average basis needs the §1.1012-1(e) election for {trade.symbol} in "
                f"account {account.id} (average_cost_symbols)",
                "method",
            )
        if trade.lot_ids:
            if trade.method not in (None, LotMethod.SPECIFIC):
                raise self._error(
                    trade, f"lot ids given with method {trade.method.value}", "lot_id"
                )
            return LotMethod.SPECIFIC
        method = trade.method or account.lot_method
        if method is LotMethod.SPECIFIC:
            raise self._error(trade, "specific identification needs a lot id", "lot_id")
        return method

    def _check_picks(self, trade: Trade, account: Account, lots: list[Piece],
                     picks: Sequence[LotPick]) -> None:
        """Refuse caller-chosen ``picks`` that are not a relief of ``lots`` (see
        :meth:`apply`)."""
        def bad(why: str) -> ConfigError:
            return ConfigError(f"Ledger.apply picks of the sale of {trade.quantity:g} "
                               f"{trade.symbol} on {trade.date} in account {account.id}: {why}")

        if trade.symbol in account.average_cost_symbols:
            raise bad("the symbol uses average basis; lots cannot be chosen")
        if trade.method not in (None, LotMethod.SPECIFIC):
            raise bad(f"the trade's method is {trade.method.value}, not specific")
        if not picks:
            raise bad("no lots picked")
        ids = tuple([p.lot_id for p in picks])
        if trade.lot_ids != ids:
            raise bad(f"the trade names lots {trade.lot_ids}, the picks {ids}")
        n = len(lots)
        seen: set[int] = set()
        total = 0.0
        for p in picks:
            i = p.index
            if not (0 <= i < n) or i in seen:
                raise bad(f"index {i} is out of range (0..{n - 1}) or repeated")
            seen.add(i)
            lot = lots[i]
            if lot.id != p.lot_id:
                raise bad(f"lot {i} is {lot.id!r}, not {p.lot_id!r}")
            if not (0.0 < p.quantity <= lot.quantity + qty_eps(lot.quantity)):
                raise bad(f"{p.quantity:g} shares of lot {lot.id!r}, which holds "
                          f"{lot.quantity:g}")
            total += p.quantity
        # relief snaps a remainder within the tolerance to the whole lot: one per pick
        if abs(total - trade.quantity) > qty_eps(trade.quantity) * len(picks):
            raise bad(f"the picks hold {total:g} shares")

    def _sell(self, trade: Trade, account: Account, seq: int,
              given: Sequence[LotPick] | None = None) -> tuple[str, ...]:
        key = (account.id, trade.symbol)
        lots = self._sorted_open(*key)
        if given is not None:
            self._check_picks(trade, account, lots, given)
            return self._relieve(trade, account, seq, lots, given)
        method = self._method(trade, account)
        if method is LotMethod.SPECIFIC:
            for name in trade.lot_ids:
                if name in self._closed_ids and not any(
                    p.id == name or p.id.startswith(name + ".") for p in lots
                ):
                    raise self._error(
                        trade, f"lot {name!r} was already sold in full on "
                        f"{self._closed_ids[name]}", "lot_id",
                    )
        if method is LotMethod.AVERAGE and lots:
            # §1.1012-1(e)(7): every share's basis is the account's average for the fund.
            shares = sum(p.quantity for p in lots)
            avg = sum(p.basis for p in lots) / shares
            for p in lots:
                p.basis = p.quantity * avg
        try:
            picks = select_lots(
                lots, trade.quantity, method, sale_date=trade.date, price_usd=trade.price_usd,
                st_rate=self.st_rate, lt_rate=self.lt_rate, lot_ids=trade.lot_ids,
            )
        except ReliefError as exc:
            message = exc.message
            if exc.field == "quantity":
                held = sum(p.quantity for p in lots)
                message = (
                    f"sells {trade.quantity:g} shares of {trade.symbol} in account "
                    f"{account.id} but only {held:g} are held"
                )
            raise self._error(trade, message, exc.field) from None
        return self._relieve(trade, account, seq, lots, picks)

    def _relieve(self, trade: Trade, account: Account, seq: int, lots: list[Piece],
                 picks: Sequence[LotPick]) -> tuple[str, ...]:
        """Sell the shares ``picks`` name of ``lots`` (the open pieces of the trade's
        account and symbol): one disposition per pick."""
        picked = sum([p.quantity for p in picks])
        # Selling fees reduce the amount realized (Form 8949 instructions, column (d)).
        net = trade.quantity * trade.price_usd - trade.fees
        advantaged = account.tax_advantaged
        out: list[str] = []
        consumed: set[int] = set()
        for pick in picks:
            piece = lots[pick.index]
            if pick.quantity >= piece.quantity - qty_eps(piece.quantity):
                sold = piece
                consumed.add(pick.index)
            else:
                sold = self._split(piece, pick.quantity, keep_id=True)
            disp = Disposal(
                id=f"D{len(self._disps) + 1}", trade=trade, trade_seq=seq, piece=sold,
                proceeds=net * sold.quantity / picked, sold=trade.date,
                tax_advantaged=advantaged, lps=0.0, unmatched=0.0,
                disallowed=0.0, permanent=0.0, late=0.0, matches=[], processed=False,
                loss_start=sold.start,
            )
            sold.disp = disp
            self._disps.append(disp)
            self._wash.add_disposal(disp)
            out.append(disp.id)
        if consumed:
            remaining = [p for i, p in enumerate(lots) if i not in consumed]
            lots[:] = remaining
            open_ids = {p.id for p in remaining}
            for pick in picks:
                if pick.lot_id not in open_ids:
                    self._closed_ids[pick.lot_id] = trade.date
        return tuple(out)

    def _split(self, piece: Piece, quantity: float, *, keep_id: bool = False) -> Piece:
        """Cut the first ``quantity`` shares off ``piece``; returns the new piece.

        ``keep_id``: the new piece keeps the lot id (a partial sale); otherwise it is named
        ``"<id>.<n>"`` (a part that absorbed a wash-sale adjustment)."""
        fraction = quantity / piece.quantity
        if keep_id:
            new_id = piece.id
        else:
            n = self._split_count.get(piece.id, 0)
            while True:
                n += 1
                new_id = f"{piece.id}.{n}"
                if new_id not in self._lot_ids:
                    break
            self._split_count[piece.id] = n
            self._lot_ids.add(new_id)
        basis = piece.basis * fraction
        # Each piece keeps its share of the adjustment history, so amounts add up.
        child = Piece(
            id=new_id, purchase=piece.purchase, quantity=quantity, basis=basis,
            start=piece.start, pos=piece.pos, used=piece.used,
            adjustments=[scale_adjustment(a, fraction) for a in piece.adjustments], disp=None,
        )
        piece.adjustments = [scale_adjustment(a, 1.0 - fraction) for a in piece.adjustments]
        piece.quantity -= quantity
        piece.basis -= basis
        piece.pos += quantity
        piece.purchase.pieces.append(child)
        if piece.disp is None:
            if not keep_id:
                key = (piece.purchase.account, piece.purchase.symbol)
                self._open[key].append(child)
                self._dirty.add(key)
        else:
            self._split_disp(piece.disp, child, fraction)
        return child

    def _split_disp(self, parent: Disposal, child_piece: Piece, fraction: float) -> None:
        """Split a disposition along with its shares (a part of already-sold shares became
        replacement shares)."""
        child = Disposal(
            id=f"{parent.id}.{child_piece.id.rsplit('.', 1)[-1]}", trade=parent.trade,
            trade_seq=parent.trade_seq, piece=child_piece, proceeds=parent.proceeds * fraction,
            sold=parent.sold, tax_advantaged=parent.tax_advantaged, lps=parent.lps,
            unmatched=parent.unmatched * fraction, disallowed=parent.disallowed * fraction,
            permanent=parent.permanent * fraction, late=parent.late * fraction,
            matches=[m.scaled(fraction) for m in parent.matches], processed=parent.processed,
            loss_start=parent.loss_start,
        )
        keep = 1.0 - fraction
        parent.proceeds *= keep
        parent.unmatched *= keep
        parent.disallowed *= keep
        parent.permanent *= keep
        parent.late *= keep
        parent.matches = [m.scaled(keep) for m in parent.matches]
        child_piece.disp = child
        self._disps.append(child)
        self._wash.disposal_split(parent, child)

    # ---------------------------------------------------------------- conversion

    def _lot(self, piece: Piece) -> Lot:
        p = piece.purchase
        return Lot(
            id=piece.id, account=p.account, symbol=p.symbol, quantity=piece.quantity,
            basis_usd=piece.basis, acquired=p.date, holding_start=piece.start,
            purchase_id=p.id, used_as_replacement=piece.used, reinvested=p.reinvested,
            adjustments=tuple(piece.adjustments),
        )

    def _disposition(self, d: Disposal) -> Disposition:
        piece = d.piece
        p = piece.purchase
        account = self.accounts[p.account]
        gain = d.proceeds - piece.basis
        recognized = 0.0 if d.tax_advantaged else gain + d.disallowed
        return Disposition(
            id=d.id, trade_seq=d.trade_seq, account=p.account, account_type=account.type,
            owner=account.owner, symbol=p.symbol, group=p.group, lot_id=piece.id,
            purchase_id=p.id, quantity=piece.quantity, acquired=p.date,
            holding_start=piece.start, sold=d.sold, proceeds_usd=d.proceeds,
            basis_usd=piece.basis, gain_usd=gain, term=holding_term(piece.start, d.sold),
            tax_advantaged=d.tax_advantaged, disallowed_usd=d.disallowed,
            deferred_usd=d.disallowed - d.permanent, permanently_disallowed_usd=d.permanent,
            recognized_usd=recognized, basis_added_after_sale_usd=d.late,
            wash_matches=tuple(d.matches), source_file=d.trade.source_file,
            source_line=d.trade.source_line,
        )


def audit(
    trades: Iterable[Trade],
    accounts: Iterable[Account],
    settings: WashSaleSettings | None = None,
    *,
    st_rate: float | None = None,
    lt_rate: float | None = None,
) -> AuditResult:
    """Apply a trade history and report every sale, wash sale and open lot.

    Parameters
    ----------
    trades
        The household's trades in date order (all accounts, spouse's included).
    accounts
        Every account of the household.
    settings
        Wash-sale groups and policy flags (default: each symbol its own group,
        conservative flags).
    st_rate, lt_rate
        Marginal rates for sales that use ``LotMethod.TAX_MIN``.

    Returns
    -------
    AuditResult
        Dispositions (proceeds, basis, gain, term, disallowed and permanently disallowed
        loss), Form 8949 lines, open and wash-adjusted lots, and yearly ST/LT totals.
    """
    ledger = Ledger(accounts, settings, st_rate=st_rate, lt_rate=lt_rate)
    ledger.apply_all(trades)
    return ledger.result()
