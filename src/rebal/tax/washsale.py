"""Wash sales, the one implementation (IRC §1091; Treas. Reg. §§1.1091-1, -2;
Rev. Rul. 56-602; Rev. Rul. 2008-5; Pub 550 ch. 4 "Wash Sales").

This module holds:

- the window (:data:`WINDOW_DAYS`, :data:`SAFE_GAP`, :func:`first_safe_date`);
- the **matching** (:class:`WashSaleMatcher`) that :class:`rebal.tax.ledger.Ledger` runs as
  trades are applied, on the ledger's working records (:class:`Purchase`, :class:`Piece`,
  :class:`Disposal`; indexed by wash-sale group and date, so it costs O(window) per trade,
  not O(history)), and its result record :class:`WashMatch`;
- the **guard** queries for planning, :func:`buy_would_wash` and
  :func:`sale_would_be_washed` on a frozen :class:`GuardState`, cheap enough to call
  inside an optimizer (:func:`rebal.tax.guard.wash_sale_guard` replays a history and a
  plan through the ledger to build one);
- :class:`AvoidanceGuard`, the date-only guard of the taxable backtest (which never makes
  a wash sale).

Dependencies point one way: the ledger imports this module, never the reverse.

Window: a purchase on day ``p`` washes a loss sale on day ``s`` iff ``s - 30 <= p <= s + 30``
(calendar days, inclusive, §1091(a); TAX_RULES E9). So a buy on ``s + 31`` is safe, and a
loss sale on ``p + 31`` is not washed by the purchase on ``p``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Protocol

from rebal.errors import ConfigError
from rebal.tax.holding import tacked_start
from rebal.tax.lots import Account, BasisAdjustment, Lot, Trade, WashSaleSettings
from rebal.tax.records import Record, record_dict
from rebal.tax.relief import QTY_EPS

__all__ = [
    "SAFE_GAP",
    "WINDOW_DAYS",
    "AvailableReplacement",
    "AvoidanceGuard",
    "Disposal",
    "DoNotBuy",
    "GuardResult",
    "GuardState",
    "LossSaleBlock",
    "OpenLoss",
    "Piece",
    "Purchase",
    "SaleWashCheck",
    "Splitter",
    "WashMatch",
    "WashSaleMatcher",
    "WashedSale",
    "buy_would_wash",
    "first_safe_date",
    "qty_eps",
    "sale_would_be_washed",
    "scale_adjustment",
]

#: §1091(a): "a period beginning 30 days before the date of such sale … and ending 30 days
#: after such date".
WINDOW_DAYS = 30
_WINDOW = timedelta(days=WINDOW_DAYS)

#: A purchase on ``p`` is outside the window of a loss sale on ``s`` (and vice versa) from
#: ``s + SAFE_GAP`` (resp. ``p + SAFE_GAP``) on.
SAFE_GAP = timedelta(days=WINDOW_DAYS + 1)


def first_safe_date(event: date) -> date:
    """The first date whose trade is outside the wash-sale window of a trade on ``event``
    (``event + 31`` days): a buy after a loss sale, or a loss sale after a buy."""
    return event + SAFE_GAP


class AvoidanceGuard:
    """The conservative, date-only guard of a simulation that never makes a wash sale.

    It remembers, per wash-sale group, the last purchase and the last loss sale (in any
    account, IRAs included, Rev. Rul. 2008-5), and allows

    - a purchase of the group only from 31 days after its last loss sale, and
    - a loss sale only from 31 days after the group's last purchase,

    so no loss is ever washed and a year's totals are final when it ends. It is the
    window of :func:`buy_would_wash` / :func:`sale_would_be_washed` without the share
    matching (which needs no quantities when nothing can match). Cheap enough for a
    per-row loop: a dict lookup and a date comparison per query.

    Attributes
    ----------
    last_buy, last_loss
        ``group -> date`` of the last purchase / loss sale recorded.
    """

    __slots__ = ("last_buy", "last_loss")

    def __init__(self) -> None:
        self.last_buy: dict[str, date] = {}
        self.last_loss: dict[str, date] = {}

    def record_buy(self, group: str, on: date) -> None:
        self.last_buy[group] = on

    def record_loss_sale(self, group: str, on: date) -> None:
        self.last_loss[group] = on

    def buy_ok(self, group: str, on: date) -> bool:
        """True when a purchase of ``group`` on ``on`` washes no recorded loss sale."""
        last = self.last_loss.get(group)
        return last is None or on >= last + SAFE_GAP

    def loss_sale_ok(self, group: str, on: date) -> bool:
        """True when a loss sale of ``group`` on ``on`` is washed by no recorded purchase."""
        last = self.last_buy.get(group)
        return last is None or on >= last + SAFE_GAP

    def buy_safe_from(self, group: str) -> date | None:
        """First date a purchase of ``group`` is allowed (``None``: any date)."""
        last = self.last_loss.get(group)
        return None if last is None else last + SAFE_GAP

    def loss_sale_safe_from(self, group: str) -> date | None:
        """First date a loss sale of ``group`` is allowed (``None``: any date)."""
        last = self.last_buy.get(group)
        return None if last is None else last + SAFE_GAP


@dataclass(frozen=True, slots=True, kw_only=True)
class WashMatch(Record):
    """Replacement shares matched to (part of) a loss disposition.

    Attributes
    ----------
    purchase_id
        The replacement purchase.
    account
        Account of the replacement purchase (any account of the household, §1091(a);
        Pub 550 spouse rule; Rev. Rul. 2008-5).
    purchase_date
        Trade date of the replacement purchase.
    quantity
        Shares matched (each replacement share absorbs at most one loss).
    disallowed_usd
        Loss disallowed for these shares, dollars (> 0).
    permanent
        The replacement is in a tax-advantaged account: the loss is lost for good, no
        basis increase (Rev. Rul. 2008-5; rebal extends the ruling from IRA/Roth to
        401(k) and HSA — conservative, see docs/tax_lots_washsales.md).
    lot_ids
        Replacement lots (or the already-sold replacement pieces) whose basis received
        ``disallowed_usd`` (empty when ``permanent``).
    """

    purchase_id: str
    account: str
    purchase_date: date
    quantity: float
    disallowed_usd: float
    permanent: bool
    lot_ids: tuple[str, ...] = ()

    def scaled(self, fraction: float) -> WashMatch:
        return WashMatch(
            purchase_id=self.purchase_id,
            account=self.account,
            purchase_date=self.purchase_date,
            quantity=self.quantity * fraction,
            disallowed_usd=self.disallowed_usd * fraction,
            permanent=self.permanent,
            lot_ids=self.lot_ids,
        )


# ----------------------------------------------------------------------------- working records


@dataclass(slots=True, eq=False, kw_only=True)
class Purchase:
    """One buy: the unit of replacement-share matching (Rev. Rul. 56-602 exclusion)."""

    id: str
    seq: int
    trade_seq: int
    date: date
    account: str
    tax_advantaged: bool
    symbol: str
    group: str
    quantity: float
    reinvested: bool
    pieces: list[Piece] = field(default_factory=list)


@dataclass(slots=True, eq=False, kw_only=True)
class Piece:
    """Shares of one purchase with one basis per share: an open lot (``disp is None``) or
    the shares of one disposition. ``pos`` is the position of its first share within the
    purchase (orders pieces of one purchase, FIFO)."""

    id: str
    purchase: Purchase
    quantity: float
    basis: float
    start: date
    pos: float
    used: bool
    adjustments: list[BasisAdjustment]
    disp: Disposal | None = None

    def key(self) -> tuple[date, int, float]:
        return (self.purchase.date, self.purchase.seq, self.pos)

    # The LotLike view read by rebal.tax.relief.
    @property
    def basis_usd(self) -> float:
        return self.basis

    @property
    def acquired(self) -> date:
        return self.purchase.date

    @property
    def holding_start(self) -> date:
        return self.start


@dataclass(slots=True, eq=False, kw_only=True)
class Disposal:
    """A disposition while the ledger runs. ``lps`` (loss per share), ``loss_start`` and
    ``unmatched`` (loss shares still open for replacement) are set when it is processed."""

    id: str
    trade: Trade
    trade_seq: int
    piece: Piece
    proceeds: float
    sold: date
    tax_advantaged: bool
    lps: float = 0.0
    unmatched: float = 0.0
    disallowed: float = 0.0
    permanent: float = 0.0
    late: float = 0.0
    matches: list[WashMatch] = field(default_factory=list)
    processed: bool = False
    loss_start: date | None = None


def scale_adjustment(adj: BasisAdjustment, fraction: float) -> BasisAdjustment:
    """The part ``fraction`` of a basis adjustment (a lot split in two keeps both parts)."""
    return replace(adj, amount_usd=adj.amount_usd * fraction, quantity=adj.quantity * fraction)


def qty_eps(q: float) -> float:
    """Share-count tolerance for ``q`` shares (relative above one share)."""
    return QTY_EPS * max(1.0, abs(q))


# ----------------------------------------------------------------------------- guard state


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenLoss(Record):
    """A loss sale whose window is still open and not fully matched: buying its group
    before ``last_washing_date`` (inclusive) would wash ``unmatched_quantity`` more shares."""

    disposition_id: str
    group: str
    symbol: str
    account: str
    sale_date: date
    unmatched_quantity: float
    loss_per_share_usd: float
    proposed: bool = False

    @property
    def last_washing_date(self) -> date:
        return self.sale_date + _WINDOW

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, then={"sale_date": "last_washing_date"})


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailableReplacement(Record):
    """Shares of a recent purchase that could still absorb a loss: a loss sale in its group
    on or before ``last_washing_date`` would be washed by them (except a sale of these very
    shares, Rev. Rul. 56-602)."""

    purchase_id: str
    group: str
    symbol: str
    account: str
    tax_advantaged: bool
    purchase_date: date
    available_quantity: float
    held_quantity: float
    proposed: bool = False

    @property
    def last_washing_date(self) -> date:
        return self.purchase_date + _WINDOW

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, then={"purchase_date": "last_washing_date"})


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardState:
    """Frozen snapshot of the wash-sale state on ``as_of`` for fast what-if queries.

    Attributes
    ----------
    as_of
        Date of the snapshot (trades through this date are included).
    settings
        The wash-sale settings (groups, policy flags).
    open_losses
        ``group -> loss sales`` still inside their 30-day window with unmatched shares,
        oldest first.
    replacements
        ``group -> purchases`` of the last 30 days with shares not yet used as
        replacement, in acquisition order.
    accounts
        ``account id -> Account``.
    """

    as_of: date
    settings: WashSaleSettings
    open_losses: Mapping[str, tuple[OpenLoss, ...]]
    replacements: Mapping[str, tuple[AvailableReplacement, ...]]
    accounts: Mapping[str, Account]

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "open_losses": {g: [x.to_dict() for x in v] for g, v in self.open_losses.items()},
            "replacements": {g: [x.to_dict() for x in v] for g, v in self.replacements.items()},
        }


def buy_would_wash(state: GuardState, symbol: str, on: date) -> tuple[OpenLoss, ...]:
    """Loss sales that a purchase of ``symbol`` (in any account) on ``on`` would wash.

    A purchase on ``on`` washes a loss sale on ``s`` iff ``s - 30 <= on <= s + 30``
    (§1091(a)); only loss sales with shares not yet matched can still be washed
    (each loss share is matched once, Reg. §1.1091-1). Empty tuple → the buy is safe.
    Loss sales dated after ``on`` are included when the window covers ``on``.
    """
    group = state.settings.group_of(symbol)
    return tuple(
        loss
        for loss in state.open_losses.get(group, ())
        if loss.sale_date - _WINDOW <= on <= loss.sale_date + _WINDOW
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SaleWashCheck(Record):
    """Would selling ``quantity`` shares of a lot at ``price_usd`` on ``on`` be washed by
    purchases already made (or proposed)?

    Attributes
    ----------
    loss_usd
        Loss of the sale (>= 0; 0 for a gain, which is never washed).
    washed_quantity
        Shares matched to available replacement shares in the window.
    disallowed_usd, permanently_disallowed_usd
        Dollars disallowed (total, and the part lost for good in IRA-type accounts).
    by
        The replacement purchases used, earliest first.
    """

    lot_id: str
    quantity: float
    loss_usd: float
    washed_quantity: float
    disallowed_usd: float
    permanently_disallowed_usd: float
    by: tuple[AvailableReplacement, ...]

    @property
    def washed(self) -> bool:
        return self.washed_quantity > 0

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, then={"loss_usd": "washed"})


def sale_would_be_washed(
    state: GuardState,
    lot: Lot,
    price_usd: float,
    on: date,
    *,
    quantity: float | None = None,
    fees_usd: float = 0.0,
) -> SaleWashCheck:
    """Check a possible sale of ``lot`` against the purchases known to ``state``.

    Applies: only a loss is washed (§1091(a)); a sale in a tax-advantaged account realizes
    nothing; replacement shares are purchases of the group within 30 days before ``on``
    (and proposed ones up to 30 days after), matched earliest first (Pub 550, "More or less
    stock bought than sold"); the lot's own purchase is never its replacement (Rev. Rul.
    56-602); the policy flags of ``state.settings`` apply. It does not consume anything:
    two checks may both count the same replacement shares.
    """
    qty = lot.quantity if quantity is None else quantity
    if not 0 < qty <= lot.quantity * (1 + 1e-12):
        raise ConfigError(f"quantity must be in (0, {lot.quantity}], got {qty}")
    account = state.accounts.get(lot.account)
    if account is None:
        raise ConfigError(f"lot {lot.id!r} is in unknown account {lot.account!r}")
    proceeds = qty * price_usd - fees_usd
    basis = lot.basis_usd * qty / lot.quantity
    loss = max(0.0, basis - proceeds)
    if account.tax_advantaged or loss <= 0:
        return SaleWashCheck(
            lot_id=lot.id, quantity=qty, loss_usd=0.0 if account.tax_advantaged else loss,
            washed_quantity=0.0, disallowed_usd=0.0, permanently_disallowed_usd=0.0, by=(),
        )
    group = state.settings.group_of(lot.symbol)
    need = qty
    used: list[AvailableReplacement] = []
    washed = disallowed = permanent = 0.0
    per_share = loss / qty
    for rep in state.replacements.get(group, ()):
        if need <= 1e-12:
            break
        if not (on - _WINDOW <= rep.purchase_date <= on + _WINDOW):
            continue
        if rep.purchase_id == lot.purchase_id:
            continue
        if not state.settings.replacement_before_sold_lot and rep.purchase_date < lot.acquired:
            continue
        avail = rep.available_quantity
        if not state.settings.replacement_already_sold:
            avail = min(avail, rep.held_quantity)
        take = min(avail, need)
        if take <= 0:
            continue
        need -= take
        washed += take
        disallowed += take * per_share
        if rep.tax_advantaged:
            permanent += take * per_share
        used.append(rep)
    return SaleWashCheck(
        lot_id=lot.id, quantity=qty, loss_usd=loss, washed_quantity=washed,
        disallowed_usd=disallowed, permanently_disallowed_usd=permanent, by=tuple(used),
    )


# ------------------------------------------------------------------------------ the guard


@dataclass(frozen=True, slots=True, kw_only=True)
class WashedSale(Record):
    """A loss sale (one lot) washed by the plan.

    In ``GuardResult.washed_sales`` it is a *proposed* sale and ``trade_index`` its index
    in ``proposed_trades``; in ``GuardResult.washing_buys`` it is an executed sale and
    ``trade_index`` is the proposed buy that washes it (``matches`` restricted to that buy).
    """

    trade_index: int
    disposition_id: str
    sale_date: date
    account: str
    symbol: str
    lot_id: str
    quantity: float
    loss_usd: float
    disallowed_usd: float
    permanently_disallowed_usd: float
    matches: tuple[WashMatch, ...]

    @property
    def washed_quantity(self) -> float:
        return sum(m.quantity for m in self.matches)


@dataclass(frozen=True, slots=True, kw_only=True)
class DoNotBuy(Record):
    """Do not buy any security of ``group`` in ``account`` through ``until`` (inclusive):
    it would wash the loss sales listed. ``until + 1 day`` is the first safe date."""

    group: str
    account: str
    until: date
    unmatched_quantity: float
    losses: tuple[str, ...]

    @property
    def first_safe_date(self) -> date:
        return self.until + timedelta(days=1)

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, then={"until": "first_safe_date"})


@dataclass(frozen=True, slots=True, kw_only=True)
class LossSaleBlock(Record):
    """A loss sale in ``group`` on or before ``until`` would be washed by up to
    ``available_quantity`` replacement shares of the listed recent purchases (except a sale
    of those very shares)."""

    group: str
    until: date
    available_quantity: float
    purchases: tuple[str, ...]
    permanent_risk: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardResult:
    """What the wash-sale guard says about a plan.

    Attributes
    ----------
    as_of
        Plan date.
    washed_sales
        Proposed loss sales (per lot) that would be washed, with the purchases that wash
        them (from history or from the plan itself).
    washing_buys
        Executed loss sales that proposed buys would wash (one entry per sale and buy).
    do_not_buy
        Per (group, account): the last date a buy would wash a recent or proposed loss
        sale (loss sale date + 30 days).
    loss_sale_blocks
        Per group: the last date a loss sale would be washed by a recent or proposed
        purchase (purchase date + 30 days).
    state
        The snapshot after the plan, for further :func:`buy_would_wash` /
        :func:`sale_would_be_washed` queries.
    """

    as_of: date
    washed_sales: tuple[WashedSale, ...]
    washing_buys: tuple[WashedSale, ...]
    do_not_buy: tuple[DoNotBuy, ...]
    loss_sale_blocks: tuple[LossSaleBlock, ...]
    state: GuardState

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "washed_sales": [x.to_dict() for x in self.washed_sales],
            "washing_buys": [x.to_dict() for x in self.washing_buys],
            "do_not_buy": [x.to_dict() for x in self.do_not_buy],
            "loss_sale_blocks": [x.to_dict() for x in self.loss_sale_blocks],
        }


# ----------------------------------------------------------------------------- matching

_USD_EPS = 1e-9


class Splitter(Protocol):
    """The ledger's ``split(piece, quantity)``: cut shares off a piece, return the new one."""

    def __call__(self, piece: Piece, quantity: float) -> Piece: ...


class WashSaleMatcher:
    """The wash-sale matching of a :class:`rebal.tax.ledger.Ledger` (its processing model
    is in that module's docstring): purchases indexed by group with a moving window
    pointer, open loss sales by group in a queue, and the matching of a day when it closes.

    The ledger hands it every purchase (:meth:`add_purchase`) and disposition
    (:meth:`add_disposal`) as trades are applied, and calls :meth:`flush` when a day
    closes; it tells it when a disposition was split (:meth:`disposal_split`).

    Parameters
    ----------
    settings
        Substantially-identical groups and policy flags.

    Attributes
    ----------
    notes
        Findings for the audit (a replacement already sold in an earlier year).
    """

    def __init__(self, settings: WashSaleSettings) -> None:
        self.settings = settings
        self.notes: list[str] = []
        self._by_group: dict[str, list[Purchase]] = {}
        self._group_ptr: dict[str, int] = {}
        self._open_losses: dict[str, deque[Disposal]] = {}
        self._pending_purchases: list[Purchase] = []
        self._pending_disps: list[Disposal] = []

    def add_purchase(self, purchase: Purchase) -> None:
        """A purchase of the current day (a replacement candidate from now on)."""
        self._by_group.setdefault(purchase.group, []).append(purchase)
        self._pending_purchases.append(purchase)

    def add_disposal(self, disposal: Disposal) -> None:
        """A disposition of the current day (matched when the day closes)."""
        self._pending_disps.append(disposal)

    def disposal_split(self, parent: Disposal, child: Disposal) -> None:
        """``child`` was split off ``parent`` (part of sold shares became replacements):
        it takes ``parent``'s place in the day's work or in its group's open losses."""
        if not parent.processed:
            self._pending_disps.append(child)
        elif child.unmatched > 0:
            losses = self._open_losses.get(parent.piece.purchase.group, deque())
            if parent in losses:
                losses.insert(losses.index(parent) + 1, child)

    def flush(self, day: date, split: Splitter) -> None:
        """Run the wash-sale matching of ``day``, the current day (idempotent).

        ``split(piece, quantity)`` is the ledger's: it cuts ``quantity`` shares off a piece
        (a lot or the shares of a disposition) and returns the new piece."""
        if not self._pending_purchases and not self._pending_disps:
            return
        purchases, disps = self._pending_purchases, self._pending_disps
        self._pending_purchases, self._pending_disps = [], []
        # Step 1: today's purchases against earlier loss sales, earliest loss first
        # (Reg. §1.1091-1(b)); a loss sale's window ends 30 days after it (§1091(a)).
        for purchase in purchases:
            losses = self._open_losses.get(purchase.group)
            if not losses:
                continue
            while losses and (losses[0].sold + _WINDOW < day or losses[0].unmatched <= 0):
                losses.popleft()
            # The queue holds processed losses only: earlier days', or today's when the day
            # was flushed before this purchase (a what-if continuing the same day).
            for loss in list(losses):
                if loss.unmatched <= 0:
                    continue
                self._match(loss, purchase, self._pieces_for(loss, purchase, day), split)
                if self._available(purchase) <= 0:
                    break
        # Step 2: today's loss sales, ordered by original acquisition of the shares sold
        # (Reg. §1.1091-1(b)), against replacement shares bought from 30 days before.
        # Step 1 may have split today's dispositions (their shares were replacements of
        # an earlier loss): the new parts join today's list.
        disps = disps + self._pending_disps
        self._pending_disps = []

        def order(d: Disposal) -> tuple[tuple[date, int, float], int]:
            return (d.piece.key(), d.trade_seq)

        work = sorted((d for d in disps if not d.tax_advantaged), key=order)
        i = 0
        while i < len(work):
            disp = work[i]
            i += 1
            if disp.processed:
                continue
            self._process_loss(disp, day, split)
            if self._pending_disps:
                # A later disposition of today was partly used as replacement shares and
                # split: its parts keep their place in the acquisition order.
                rest = [d for d in work[i:] if not d.processed]
                rest += [d for d in self._pending_disps if not d.tax_advantaged]
                self._pending_disps = []
                work, i = sorted(rest, key=order), 0

    def _available(self, purchase: Purchase) -> float:
        return sum(x.quantity for x in purchase.pieces if not x.used)

    def _pieces_for(self, loss: Disposal, purchase: Purchase, day: date) -> list[Piece]:
        """Replacement candidates of ``purchase`` for ``loss``: unused shares, still-held
        lots first, then already-sold shares (policy flags), each by position."""
        held = [x for x in purchase.pieces if not x.used and x.disp is None]
        gone = [
            x
            for x in purchase.pieces
            if not x.used
            and x.disp is not None
            and (self.settings.lots_sold_together_replace or x.disp.trade_seq != loss.trade_seq)
            and (self.settings.replacement_already_sold or x.disp.sold >= loss.sold)
        ]
        held.sort(key=lambda x: x.pos)
        gone.sort(key=lambda x: x.pos)
        return held + gone

    def _process_loss(self, disp: Disposal, day: date, split: Splitter) -> None:
        disp.processed = True
        piece = disp.piece
        # The loss, and the holding period tacked onto its replacements, are fixed now; a
        # later basis change to these shares (they were replacement shares of a later loss
        # although already sold) is recognized on this disposition, not washed again.
        disp.loss_start = piece.start
        gain = disp.proceeds - piece.basis
        if gain >= -_USD_EPS:
            return  # §1091(a) disallows losses only (TAX_RULES E10)
        disp.lps = -gain / piece.quantity
        disp.unmatched = piece.quantity
        group = piece.purchase.group
        purchases = self._by_group.get(group, [])
        ptr = self._group_ptr.get(group, 0)
        cut = day - _WINDOW
        while ptr < len(purchases) and purchases[ptr].date < cut:
            ptr += 1
        self._group_ptr[group] = ptr
        own = piece.purchase
        for purchase in purchases[ptr:]:
            if disp.unmatched <= qty_eps(piece.quantity):
                break
            if purchase is own:
                continue  # Rev. Rul. 56-602: shares of the lot sold are not replacements
            if not self.settings.replacement_before_sold_lot and purchase.date < own.date:
                continue
            self._match(disp, purchase, self._pieces_for(disp, purchase, day), split)
        if disp.unmatched > qty_eps(piece.quantity):
            self._open_losses.setdefault(group, deque()).append(disp)
        else:
            disp.unmatched = 0.0

    def _match(self, loss: Disposal, purchase: Purchase, pieces: Sequence[Piece],
               split: Splitter) -> None:
        """Match replacement shares of ``purchase`` to the unmatched shares of ``loss``."""
        sold_piece = loss.piece
        tack = tacked_start(purchase.date, loss.loss_start or sold_piece.start, loss.sold)
        permanent = purchase.tax_advantaged
        for piece in pieces:
            need = loss.unmatched
            if need <= qty_eps(sold_piece.quantity):
                loss.unmatched = 0.0
                break
            if piece.used:
                continue
            if piece.quantity - need <= qty_eps(piece.quantity):
                target, q = piece, piece.quantity
            else:
                target, q = split(piece, need), need
            amount = q * loss.lps
            target.used = True
            if not permanent:
                # §1091(d), Reg. §1.1091-2: disallowed loss added to the replacement's
                # basis; §1223(3): holding period tacked (never made shorter).
                before = target.start
                after = min(before, tack)
                target.basis += amount
                target.start = after
                target.adjustments.append(
                    BasisAdjustment(
                        amount_usd=amount, quantity=q, from_disposition=loss.id,
                        sale_date=loss.sold, holding_start_before=before,
                        holding_start_after=after,
                    )
                )
                if target.disp is not None:
                    target.disp.late += amount
                    if target.disp.sold.year != loss.sold.year:
                        self.notes.append(
                            f"{target.disp.id} (sold {target.disp.sold}) gets ${amount:,.2f} "
                            f"basis from the wash sale {loss.id} of {loss.sold}: it was a "
                            "replacement already sold; the earlier year's return may need "
                            "amending"
                        )
            # Rev. Rul. 2008-5: IRA/Roth replacement → loss disallowed, no basis increase.
            loss.disallowed += amount
            if permanent:
                loss.permanent += amount
            loss.unmatched -= q
            lot_ids = () if permanent else (target.id,)
            last = loss.matches[-1] if loss.matches else None
            if last is not None and last.purchase_id == purchase.id:
                loss.matches[-1] = WashMatch(
                    purchase_id=purchase.id, account=purchase.account,
                    purchase_date=purchase.date, quantity=last.quantity + q,
                    disallowed_usd=last.disallowed_usd + amount, permanent=permanent,
                    lot_ids=last.lot_ids + tuple(i for i in lot_ids if i not in last.lot_ids),
                )
            else:
                loss.matches.append(
                    WashMatch(
                        purchase_id=purchase.id, account=purchase.account,
                        purchase_date=purchase.date, quantity=q, disallowed_usd=amount,
                        permanent=permanent, lot_ids=lot_ids,
                    )
                )
        if loss.unmatched <= qty_eps(sold_piece.quantity):
            loss.unmatched = 0.0


    def guard_state(
        self, as_of: date, *, proposed_from: int, accounts: Mapping[str, Account]
    ) -> GuardState:
        """Frozen snapshot of open loss sales and available replacement shares that still
        matter on or after ``as_of`` (call after :meth:`flush`). Trades with
        ``trade_seq >= proposed_from`` are flagged ``proposed``."""
        cut = as_of - _WINDOW
        start = proposed_from
        open_losses: dict[str, tuple[OpenLoss, ...]] = {}
        for group, losses in self._open_losses.items():
            items = tuple(
                OpenLoss(
                    disposition_id=d.id, group=group, symbol=d.piece.purchase.symbol,
                    account=d.trade.account, sale_date=d.sold, unmatched_quantity=d.unmatched,
                    loss_per_share_usd=d.lps, proposed=d.trade_seq >= start,
                )
                for d in losses
                if d.unmatched > 0 and d.sold >= cut
            )
            if items:
                open_losses[group] = items
        replacements: dict[str, tuple[AvailableReplacement, ...]] = {}
        for group, purchases in self._by_group.items():
            reps = []
            for p in reversed(purchases):
                if p.date < cut:
                    break
                avail = sum(x.quantity for x in p.pieces if not x.used)
                if avail <= qty_eps(p.quantity):
                    continue
                held = sum(x.quantity for x in p.pieces if not x.used and x.disp is None)
                reps.append(
                    AvailableReplacement(
                        purchase_id=p.id, group=group, symbol=p.symbol, account=p.account,
                        tax_advantaged=p.tax_advantaged, purchase_date=p.date,
                        available_quantity=avail, held_quantity=held,
                        proposed=p.trade_seq >= start,
                    )
                )
            if reps:
                replacements[group] = tuple(reversed(reps))
        return GuardState(
            as_of=as_of, settings=self.settings, open_losses=open_losses,
            replacements=replacements, accounts=dict(accounts),
        )
