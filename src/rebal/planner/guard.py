"""The wash-sale guard for a household plan, built on :mod:`rebal.tax.washsale`.

The household gives lots (not a full trade history) and the trades of the last 30+
days. To use the tax engine's ledger, this module builds a history that has the same
wash-sale consequences:

- every household lot is a purchase on its acquisition date (plain positions in
  tax-advantaged accounts, which have no date, on ``as_of − 400 days``: long before any
  window), with its lot id, so planned sales can name lots;
- a recent purchase that *is* a lot (same account, symbol, date and quantity) is that lot;
  other recent purchases are applied as they are (they are replacements, §1091(a));
- a recent sale carries no basis, so it is treated **as a loss sale** (conservative): it
  relieves a placeholder lot of its own, bought long before at a hair above the
  sale price (a loss of one millionth of its value).
  The ledger then matches later purchases against it (earliest first, each replacement
  share used once, Reg. §1.1091-1), so a loss already washed by a repurchase no longer
  blocks buys;
- sales in tax-advantaged accounts realize nothing and are left out; purchases there
  count (Rev. Rul. 2008-5) unless the household turns that off, and the spouse's count
  unless ``include_spouse`` is off.

Planned trades are all dated ``as_of``. Treatment of the plan itself (conservative): a
planned loss sale of group G and a planned buy of G in any counted account are mutually
exclusive, whichever would come first in the day.

Only what can matter is replayed (50,000 lots replayed one by one took seconds): every sale
in the history or the plan is dated on or after the earliest recent sale (or ``as_of``),
so a purchase more than 30 days before that date is never a replacement (§1091(a)'s
window) and is needed only as a lot a planned sale sells. Such lots are left out of the
replay and added back, in date order, when a planned sale names them (or, naming no lot,
sells their position); the ledger's results are the same
(tests/planner/test_guard_replay.py compares with the full replay).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from rebal.household.model import HeldLot, Household
from rebal.household.taxview import wash_sale_settings
from rebal.planner.outcome import Order, tax_trades
from rebal.tax.guard import wash_sale_guard
from rebal.tax.ledger import Ledger
from rebal.tax.lots import Account, Trade, WashSaleSettings
from rebal.tax.lots import Lot as TaxLot
from rebal.tax.washsale import (
    GuardResult,
    GuardState,
    SaleWashCheck,
    buy_would_wash,
    sale_would_be_washed,
)
from rebal.types import LotMethod, Owner, Side

__all__ = ["PlanGuard", "build_guard"]

_FAR_BACK = timedelta(days=400)
_REPLAY_MARGIN = timedelta(days=31)  # > the 30-day window on either side of a sale
_PLACEHOLDER = "__recent_sale__"
# A recent sale's basis is unknown: it is given a loss of one millionth of its value, so it
# blocks purchases in its window (conservative) while the basis it adds to a replacement
# lot by §1091(d) stays negligible (the household's lot bases are taken as given).
_TINY_LOSS = 1e-6


@dataclass(frozen=True, slots=True)
class PlanGuard:
    """The wash-sale state of a household on ``as_of`` and the queries the planner needs.

    Attributes
    ----------
    history, accounts, settings
        The synthetic history (lots + recent trades, date order) and what the tax
        engine's ledger needs to replay it.
    state
        The guard snapshot on ``as_of``.
    counted_accounts
        Accounts whose purchases count as replacements under the household's policy.
    """

    household: Household
    history: tuple[Trade, ...]
    accounts: tuple[Account, ...]
    settings: WashSaleSettings
    state: GuardState
    counted_accounts: frozenset[str]
    purchase_of_lot: dict[str, str]
    history_seq: tuple[int, ...] = ()  # each replayed trade's place in the full history
    old_lots: dict[str, tuple[date, int, HeldLot]] = field(default_factory=dict)
    """Lots left out of the replay (bought too long ago to be replacements), by lot id,
    with their purchase's (date, order) keys: added back when a planned sale sells one."""
    _loss_checks: dict[tuple[str, float], SaleWashCheck] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    """:meth:`loss_sale_check`'s answers by (lot id, price): the lot facts and the "not
    done" list ask about the same lots (0.2 s of a 50,000-lot plan)."""

    def buy_blocked(self, symbol: str, account: str) -> bool:
        """True when buying ``symbol`` in ``account`` today would wash a recent loss sale."""
        if not self.household.wash_sale.avoid or account not in self.counted_accounts:
            return False
        return bool(buy_would_wash(self.state, symbol, self.household.as_of))

    def has_replacements(self, symbol: str) -> bool:
        """False when no purchase of ``symbol``'s group can wash a loss sale today (then
        :meth:`loss_sale_check` finds nothing to wash, without building the tax lot)."""
        return bool(self.state.replacements.get(self.state.settings.group_of(symbol)))

    def loss_sale_check(self, lot: HeldLot, price_usd: float) -> SaleWashCheck:
        """Would selling all of ``lot`` today be washed by a recent purchase?"""
        key = (lot.id, price_usd)
        out = self._loss_checks.get(key)
        if out is None:
            out = self._loss_checks[key] = sale_would_be_washed(
                self.state, self.tax_lot(lot), price_usd, self.household.as_of)
        return out

    def tax_lot(self, lot: HeldLot) -> TaxLot:
        basis = lot.cost_basis_usd if lot.cost_basis_usd is not None else 0.0
        acquired = lot.acquired or (self.household.as_of - _FAR_BACK)
        return TaxLot(
            id=lot.id, account=lot.account, symbol=lot.symbol, quantity=lot.quantity,
            basis_usd=basis, acquired=acquired,
            holding_start=lot.holding_period_start or acquired,
            purchase_id=self.purchase_of_lot.get(lot.id, lot.id),
        )

    def check_plan(self, trades: Sequence[Trade]) -> GuardResult:
        """Run the tax engine's guard on history + planned trades (all dated ``as_of``)."""
        # A gain sale of a lot left out of the replay changes nothing the guard reports
        # (no loss to wash; never a replacement): not replayed either.
        keep = [k for k, t in enumerate(trades) if not self._old_gain_sale(t)]
        return self._replay([trades[k] for k in keep], keep)

    def check_orders(self, orders: Sequence[Order]) -> GuardResult:
        """:meth:`check_plan` of ``tax_trades(household, orders)`` (the same result, trade
        indices into that list), without building the trades it leaves out: the gain
        sales of lots left out of the replay (~9,000 of the ~11,500 trades of a 50,000-lot
        plan, 2.5 µs each)."""
        h = self.household
        price = {s.symbol: s.price_usd for s in h.securities}
        taxable = {a.id for a in h.accounts if a.taxable}
        needed: list[Order] = []
        index: list[int] = []  # each trade of needed's in tax_trades(h, orders)
        k = 0
        for o in orders:
            if o.side is Side.SELL and o.account in taxable:  # a trade per lot
                lots = []
                for lot_id, q in o.lots:
                    if not self._old_gain(lot_id, price[o.symbol], 0.0):
                        lots.append((lot_id, q))
                        index.append(k)
                    k += 1
                if lots:
                    needed.append(replace(o, lots=tuple(lots)))
            else:
                needed.append(o)
                index.append(k)
                k += 1
        return self._replay(tax_trades(h, needed), index)

    def _replay(self, kept: Sequence[Trade], index: Sequence[int]) -> GuardResult:
        """The guard on history + ``kept``, the planned trades that matter, which stand at
        ``index`` in the whole plan: the result's trade indices are the whole plan's."""
        # Planned buys are named by their place in the whole plan (plan-buy-1, …): the
        # ledger would number them after the purchases replayed, which depends on how
        # many old lots are left out.
        kept = [replace(t, lot_id=f"plan-buy-{index[j] + 1}")
                if t.side is Side.BUY and t.lot_id is None else t
                for j, t in enumerate(kept)]
        # A fresh replay (Ledger.copy() cannot deep-copy its settings' mappingproxy).
        r = wash_sale_guard(self.history_for(kept), kept, self.household.as_of,
                            accounts=self.accounts, settings=self.settings)
        return replace(
            r, washed_sales=tuple(replace(w, trade_index=index[w.trade_index])
                                  for w in r.washed_sales),
            washing_buys=tuple(replace(w, trade_index=index[w.trade_index])
                               for w in r.washing_buys))

    def _old_gain_sale(self, t: Trade) -> bool:
        if t.side is not Side.SELL or len(t.lot_ids) != 1:
            return False
        return self._old_gain(t.lot_ids[0], t.price_usd, t.fees)

    def _old_gain(self, lot_id: str, price_usd: float, fees_usd: float) -> bool:
        """True when selling lot ``lot_id`` at ``price_usd`` a share (``fees_usd`` in all)
        is a gain sale of a lot left out of the replay (nothing for the guard)."""
        old = self.old_lots.get(lot_id)
        return old is not None and fees_usd == 0 and price_usd > _lot_price(old[2])

    def history_for(self, trades: Sequence[Trade]) -> tuple[Trade, ...]:
        """The replayed history plus the old lots ``trades`` sell, in date order."""
        needed = {i: self.old_lots[i] for t in trades for i in t.lot_ids if i in self.old_lots}
        # a sale naming no lot (tax-advantaged accounts: FIFO) may relieve any of its lots
        by_position = {(t.account, t.symbol) for t in trades
                       if t.side is Side.SELL and not t.lot_ids}
        if by_position:
            needed.update((i, e) for i, e in self.old_lots.items()
                          if (e[2].account, e[2].symbol) in by_position)
        if not needed:
            return self.history
        bought = [(when, k, _purchase(lot, when)) for when, k, lot in needed.values()]
        events = sorted([*bought, *zip(
            (t.date for t in self.history), self.history_seq, self.history, strict=True)],
            key=lambda e: (e[0], e[1]))
        return tuple(e[2] for e in events)


def build_guard(h: Household) -> PlanGuard:
    """Build the ledger and guard state of ``h`` (see the module docstring)."""
    accounts = [replace(a, lot_method=LotMethod.FIFO) for a in h.accounts]
    kinds = {a.id: a for a in h.accounts}
    policy = h.wash_sale
    counted = frozenset(
        a.id for a in h.accounts
        if (policy.include_tax_advantaged or not a.type.tax_advantaged)
        and (policy.include_spouse or a.owner is Owner.SELF)
    )
    far = h.as_of - _FAR_BACK
    # Sales in the history are the recent sales; the plan's are dated as_of. A purchase
    # more than 30 days before the earliest of them is never a replacement: not replayed.
    first_sale = min([t.date for t in h.recent_trades if t.side is Side.SELL] + [h.as_of])
    cutoff = first_sale - _REPLAY_MARGIN
    old_lots: dict[str, tuple[date, int, HeldLot]] = {}
    events: list[tuple[date, int, Trade]] = []
    recent_buys = [t for t in h.recent_trades if t.side is Side.BUY]
    used_recent: set[int] = set()
    # the recent buys by (account, symbol, date), in order: a lot looks at those that can
    # be itself only (a scan of all of them per lot: 50,000 lots and 62 recent buys took
    # 143 ms, now 39)
    buys_at: dict[tuple[str, str, date], list[int]] = {}
    for i, t in enumerate(recent_buys):
        buys_at.setdefault((t.account, t.symbol, t.date), []).append(i)
    purchase_of_lot: dict[str, str] = {}
    seq = 0
    for lot in h.lots:
        # Lots in accounts whose purchases do not count are dated far back: never replacements.
        when = (lot.acquired or far) if lot.account in counted else far
        if buys_at and lot.acquired is not None:
            for i in buys_at.get((lot.account, lot.symbol, lot.acquired), ()):
                if (i not in used_recent
                        and abs(recent_buys[i].quantity - lot.quantity) <= 1e-9):
                    used_recent.add(i)  # this recent purchase is the lot itself
                    break
        if when < cutoff:
            old_lots[lot.id] = (when, seq, lot)
        else:
            events.append((when, seq, _purchase(lot, when)))
        purchase_of_lot[lot.id] = lot.id
        seq += 1
    for i, t in enumerate(recent_buys):
        if i in used_recent or t.account not in counted:
            continue
        events.append((t.date, seq, Trade(
            date=t.date, account=t.account, symbol=t.symbol, side=Side.BUY,
            quantity=t.quantity, price_usd=t.price_usd, lot_id=f"recent-buy-{i + 1}")))
        seq += 1
    n_sale = 0
    for t in h.recent_trades:
        if t.side is not Side.SELL or kinds[t.account].type.tax_advantaged:
            continue
        n_sale += 1
        holder = f"{_PLACEHOLDER}{n_sale}"
        events.append((far - timedelta(days=1), seq, Trade(
            date=far - timedelta(days=1), account=t.account, symbol=t.symbol, side=Side.BUY,
            quantity=t.quantity, price_usd=t.price_usd * (1 + _TINY_LOSS), lot_id=holder)))
        seq += 1
        events.append((t.date, seq, Trade(
            date=t.date, account=t.account, symbol=t.symbol, side=Side.SELL,
            quantity=t.quantity, price_usd=t.price_usd, lot_ids=(holder,))))
        seq += 1
    events.sort(key=lambda e: (e[0], e[1]))
    kept = events
    history = tuple(e[2] for e in kept)
    settings = wash_sale_settings(h)
    ledger = Ledger(accounts, settings)
    ledger.apply_all(history)
    ledger.flush()
    with_sales = ledger.guard_state(h.as_of)
    # Replacement shares are taken from a replay *without* the recent sales: a recent sale
    # of unknown basis may have been a gain and then absorbed no replacement, so every
    # recent purchase stays available to wash a planned loss sale (conservative both ways).
    without = Ledger(accounts, settings)
    without.apply_all(t for t in history if not _is_placeholder(t))
    without.flush()
    state = replace(with_sales, replacements=without.guard_state(h.as_of).replacements)
    return PlanGuard(household=h, history=history, accounts=tuple(accounts), settings=settings,
                     state=state, counted_accounts=counted, purchase_of_lot=purchase_of_lot,
                     history_seq=tuple(e[1] for e in kept), old_lots=old_lots)


def _lot_price(lot: HeldLot) -> float:
    """Price per share of ``lot``'s purchase in the synthetic history (its basis)."""
    basis = lot.cost_basis_usd if lot.cost_basis_usd is not None else 0.0
    return basis / lot.quantity if basis > 0 else 1e-9


def _purchase(lot: HeldLot, when: date) -> Trade:
    """``lot`` as a purchase on ``when`` in the synthetic history."""
    return Trade(date=when, account=lot.account, symbol=lot.symbol, side=Side.BUY,
                 quantity=lot.quantity, price_usd=_lot_price(lot), lot_id=lot.id)


def _is_placeholder(t: Trade) -> bool:
    if t.side is Side.BUY:
        return (t.lot_id or "").startswith(_PLACEHOLDER)
    return any(x.startswith(_PLACEHOLDER) for x in t.lot_ids)
