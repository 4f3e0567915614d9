"""Wash-sale records and the wash-sale guard (IRC §1091; Treas. Reg. §§1.1091-1, -2;
Rev. Rul. 56-602; Rev. Rul. 2008-5; Pub 550 ch. 4 "Wash Sales").

The matching itself runs inside :class:`rebal.tax.ledger.Ledger` as trades are applied
(indexed by wash-sale group and date, so it costs O(window) per trade, not O(history)).
This module holds:

- :class:`WashMatch` — one (loss sale, replacement purchase) pairing;
- the **guard** for planning: :func:`wash_sale_guard` (history + proposed trades →
  washed proposed sales and the do-not-buy / do-not-sell-at-a-loss lists) and the pure
  queries :func:`buy_would_wash` and :func:`sale_would_be_washed` on a frozen
  :class:`GuardState`, cheap enough to call inside an optimizer.

Window: a purchase on day ``p`` washes a loss sale on day ``s`` iff ``s - 30 <= p <= s + 30``
(calendar days, inclusive, §1091(a); TAX_RULES E9). So a buy on ``s + 31`` is safe, and a
loss sale on ``p + 31`` is not washed by the purchase on ``p``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rebal.errors import ConfigError
from rebal.tax.lots import Account, Lot, Trade, WashSaleSettings
from rebal.types import Side

if TYPE_CHECKING:
    from rebal.tax.ledger import Disposition, Ledger

__all__ = [
    "SAFE_GAP",
    "WINDOW_DAYS",
    "AvailableReplacement",
    "AvoidanceGuard",
    "DoNotBuy",
    "GuardResult",
    "GuardState",
    "LossSaleBlock",
    "OpenLoss",
    "SaleWashCheck",
    "WashMatch",
    "WashedSale",
    "buy_would_wash",
    "first_safe_date",
    "sale_would_be_washed",
    "wash_sale_guard",
]

#: §1091(a): "a period beginning 30 days before the date of such sale … and ending 30 days
#: after such date".
WINDOW_DAYS = 30

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
class WashMatch:
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "purchase_id": self.purchase_id,
            "account": self.account,
            "purchase_date": self.purchase_date.isoformat(),
            "quantity": self.quantity,
            "disallowed_usd": self.disallowed_usd,
            "permanent": self.permanent,
            "lot_ids": list(self.lot_ids),
        }


# ----------------------------------------------------------------------------- guard state


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenLoss:
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
        return self.sale_date + timedelta(days=WINDOW_DAYS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "disposition_id": self.disposition_id,
            "group": self.group,
            "symbol": self.symbol,
            "account": self.account,
            "sale_date": self.sale_date.isoformat(),
            "last_washing_date": self.last_washing_date.isoformat(),
            "unmatched_quantity": self.unmatched_quantity,
            "loss_per_share_usd": self.loss_per_share_usd,
            "proposed": self.proposed,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailableReplacement:
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
        return self.purchase_date + timedelta(days=WINDOW_DAYS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "purchase_id": self.purchase_id,
            "group": self.group,
            "symbol": self.symbol,
            "account": self.account,
            "tax_advantaged": self.tax_advantaged,
            "purchase_date": self.purchase_date.isoformat(),
            "last_washing_date": self.last_washing_date.isoformat(),
            "available_quantity": self.available_quantity,
            "held_quantity": self.held_quantity,
            "proposed": self.proposed,
        }


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
    window = timedelta(days=WINDOW_DAYS)
    return tuple(
        loss
        for loss in state.open_losses.get(group, ())
        if loss.sale_date - window <= on <= loss.sale_date + window
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SaleWashCheck:
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
        return {
            "lot_id": self.lot_id,
            "quantity": self.quantity,
            "loss_usd": self.loss_usd,
            "washed": self.washed,
            "washed_quantity": self.washed_quantity,
            "disallowed_usd": self.disallowed_usd,
            "permanently_disallowed_usd": self.permanently_disallowed_usd,
            "by": [x.to_dict() for x in self.by],
        }


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
    window = timedelta(days=WINDOW_DAYS)
    need = qty
    used: list[AvailableReplacement] = []
    washed = disallowed = permanent = 0.0
    per_share = loss / qty
    for rep in state.replacements.get(group, ()):
        if need <= 1e-12:
            break
        if not (on - window <= rep.purchase_date <= on + window):
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
class WashedSale:
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "trade_index": self.trade_index,
            "disposition_id": self.disposition_id,
            "sale_date": self.sale_date.isoformat(),
            "account": self.account,
            "symbol": self.symbol,
            "lot_id": self.lot_id,
            "quantity": self.quantity,
            "loss_usd": self.loss_usd,
            "washed_quantity": self.washed_quantity,
            "disallowed_usd": self.disallowed_usd,
            "permanently_disallowed_usd": self.permanently_disallowed_usd,
            "matches": [m.to_dict() for m in self.matches],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DoNotBuy:
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
        return {
            "group": self.group,
            "account": self.account,
            "until": self.until.isoformat(),
            "first_safe_date": self.first_safe_date.isoformat(),
            "unmatched_quantity": self.unmatched_quantity,
            "losses": list(self.losses),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class LossSaleBlock:
    """A loss sale in ``group`` on or before ``until`` would be washed by up to
    ``available_quantity`` replacement shares of the listed recent purchases (except a sale
    of those very shares)."""

    group: str
    until: date
    available_quantity: float
    purchases: tuple[str, ...]
    permanent_risk: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "until": self.until.isoformat(),
            "available_quantity": self.available_quantity,
            "purchases": list(self.purchases),
            "permanent_risk": self.permanent_risk,
        }


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


def _washed_sale(
    trade_index: int, disp: Disposition, matches: tuple[WashMatch, ...] | None = None
) -> WashedSale:
    if matches is None:
        matches = disp.wash_matches
    return WashedSale(
        trade_index=trade_index,
        disposition_id=disp.id,
        sale_date=disp.sold,
        account=disp.account,
        symbol=disp.symbol,
        lot_id=disp.lot_id,
        quantity=disp.quantity,
        loss_usd=max(0.0, -disp.gain_usd),
        disallowed_usd=sum(m.disallowed_usd for m in matches),
        permanently_disallowed_usd=sum(m.disallowed_usd for m in matches if m.permanent),
        matches=matches,
    )


def wash_sale_guard(
    history: Sequence[Trade] | Ledger,
    proposed_trades: Sequence[Trade],
    as_of: date,
    *,
    accounts: Iterable[Account] | None = None,
    settings: WashSaleSettings | None = None,
    st_rate: float | None = None,
    lt_rate: float | None = None,
) -> GuardResult:
    """Check a plan against the wash-sale rule across every account of the household.

    Parameters
    ----------
    history
        Executed trades through ``as_of`` (or a ``Ledger`` already holding them; it is
        copied, never changed). At least the last 61 days plus the lots' purchases.
    proposed_trades
        Planned trades, dated ``as_of`` or later, applied after the history in date order
        (the order given within a day).
    as_of
        Plan date.
    accounts, settings
        Required with a trade sequence; taken from the ledger otherwise.
    st_rate, lt_rate
        Marginal rates, needed only when a proposed sale uses ``LotMethod.TAX_MIN``.

    Returns
    -------
    GuardResult
        Washed proposed sales, the do-not-buy list and the loss-sale blocks, judged on the
        history plus the plan (purchases after the plan are unknown, so a loss sale with
        unmatched shares stays on the do-not-buy list until its window closes).
    """
    from rebal.tax.ledger import Ledger

    if isinstance(history, Ledger):
        ledger = history.copy()
    else:
        if accounts is None:
            raise ConfigError("wash_sale_guard: accounts are required with a trade history")
        ledger = Ledger(
            accounts, settings or WashSaleSettings(), st_rate=st_rate, lt_rate=lt_rate
        )
        ledger.apply_all(history)
    if st_rate is not None or lt_rate is not None:
        ledger.set_rates(st_rate=st_rate, lt_rate=lt_rate)
    if ledger.current_date is not None and ledger.current_date > as_of:
        raise ConfigError(
            f"wash_sale_guard: history runs to {ledger.current_date}, after as_of {as_of}"
        )
    ledger.flush()
    first_proposed = ledger.trade_count
    proposed_index: dict[int, int] = {}
    buy_index: dict[str, int] = {}
    for k in sorted(range(len(proposed_trades)), key=lambda j: proposed_trades[j].date):
        t = proposed_trades[k]
        if t.date < as_of:
            raise ConfigError(
                f"wash_sale_guard: proposed trade {k} is dated {t.date}, before as_of {as_of}"
            )
        proposed_index[ledger.trade_count] = k
        opened = ledger.apply(t)
        if t.side is Side.BUY:
            buy_index[opened[0]] = k
    ledger.flush()
    washed: list[WashedSale] = []
    washing: list[WashedSale] = []
    for d in ledger.dispositions():
        if d.trade_seq >= first_proposed:
            if d.disallowed_usd > 0:
                washed.append(_washed_sale(proposed_index[d.trade_seq], d))
            continue
        by_buy: dict[int, list[WashMatch]] = {}
        for m in d.wash_matches:
            if m.purchase_id in buy_index:
                by_buy.setdefault(buy_index[m.purchase_id], []).append(m)
        for k, matches in sorted(by_buy.items()):
            washing.append(_washed_sale(k, d, tuple(matches)))
    state = ledger.guard_state(as_of, proposed_from_trade=first_proposed)
    do_not_buy: list[DoNotBuy] = []
    for group, losses in sorted(state.open_losses.items()):
        if not losses:
            continue
        until = max(loss.last_washing_date for loss in losses)
        if until < as_of:
            continue
        unmatched = sum(loss.unmatched_quantity for loss in losses)
        ids = tuple(loss.disposition_id for loss in losses)
        for account in sorted(state.accounts):
            do_not_buy.append(
                DoNotBuy(group=group, account=account, until=until,
                         unmatched_quantity=unmatched, losses=ids)
            )
    blocks: list[LossSaleBlock] = []
    for group, reps in sorted(state.replacements.items()):
        live = [r for r in reps if r.last_washing_date >= as_of and r.available_quantity > 0]
        if not live:
            continue
        blocks.append(
            LossSaleBlock(
                group=group,
                until=max(r.last_washing_date for r in live),
                available_quantity=sum(r.available_quantity for r in live),
                purchases=tuple(r.purchase_id for r in live),
                permanent_risk=any(r.tax_advantaged for r in live),
            )
        )
    return GuardResult(
        as_of=as_of, washed_sales=tuple(washed), washing_buys=tuple(washing),
        do_not_buy=tuple(do_not_buy),
        loss_sale_blocks=tuple(blocks), state=state,
    )
