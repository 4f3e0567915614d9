"""The naive, tax-blind baseline: every account rebalanced on its own, pro rata, FIFO.

Rules (what a tax-blind tool or a hurried investor does):

- each account is brought to the household's target weights on its own:
  target dollars of class c = weight_c × (holdings + cash + pending flow − reserve);
- an overweight class is sold pro rata across the account's tradable single-class funds
  of that class (by value); an underweight class is bought pro rata across the ones
  held, or, if none is held there, in the household's first tradable single-class
  security of that class (file order; one already held elsewhere preferred);
- multi-class (look-through) funds and untradable holdings are left as they are;
- sales relieve lots first-in first-out (Treas. Reg. §1.1012-1(c)(1) default);
- whole shares are rounded to the nearest share (sales capped at the holding; buys cut
  if the account's cash would go below its reserve); ``whole_shares=False`` trades
  exact fractions (the hand-worked figure in tests/household);
- wash sales are ignored when choosing trades, as a tax-blind tool would; its tax is the
  tax engine's, with the losses its trades wash disallowed (§1091(a), found by the same
  wash-sale guard).
"""

from __future__ import annotations

import math
from collections import defaultdict

from rebal.household.model import HeldLot, Household, Security
from rebal.household.views import class_values
from rebal.planner._gc import paused_gc
from rebal.planner.guard import PlanGuard, build_guard
from rebal.planner.outcome import Order, evaluate
from rebal.planner.result import PlannedTrade, TradePlan
from rebal.planner.settings import Step
from rebal.types import Side

__all__ = ["naive_plan"]


def naive_plan(household: Household, *, whole_shares: bool = True,
               guard: PlanGuard | None = None) -> TradePlan:
    """The naive pro-rata FIFO rebalance of ``household`` (see the module docstring).

    Parameters
    ----------
    whole_shares
        Round to whole shares in accounts that need them (default); ``False`` trades
        exact fractional shares everywhere.
    guard
        ``build_guard(household)`` when the caller has it (:func:`rebal.planner.plan`
        does): the naive plan's washed losses are found with it instead of a new one
        (the same guard: 0.4 s of a 50,000-lot household).
    """
    with paused_gc():  # as in plan(): rebal.planner._gc
        return _naive_plan(household, whole_shares, guard)


def _naive_plan(household: Household, whole_shares: bool, guard: PlanGuard | None,
                ) -> TradePlan:
    h = household
    sec = {s.symbol: s for s in h.securities}
    held: dict[tuple[str, str], float] = defaultdict(float)
    by_pos: dict[tuple[str, str], list[HeldLot]] = defaultdict(list)  # in file order
    for lot in h.lots:
        held[(lot.account, lot.symbol)] += lot.quantity
        by_pos[(lot.account, lot.symbol)].append(lot)
    held_anywhere = {sym for (_, sym) in held}
    default_buy: dict[str, str] = {}
    for s in sorted(h.securities, key=lambda s: s.symbol not in held_anywhere):
        if s.tradable and s.asset_class is not None and s.asset_class not in default_buy:
            default_buy[s.asset_class] = s.symbol
    order = {s.symbol: i for i, s in enumerate(h.securities)}
    orders: list[Order] = []
    for a in h.accounts:
        whole = whole_shares and a.whole_shares
        values = class_values(h, a.id)
        holdings = sum(q * sec[sym].price_usd for (acc, sym), q in held.items() if acc == a.id)
        w_acct = holdings + a.cash_usd + a.pending_flow_usd - a.min_cash_usd
        funds: dict[str, list[str]] = defaultdict(list)
        for (acc, sym), q in held.items():
            s = sec[sym]
            if acc == a.id and q > 0 and s.tradable and s.asset_class is not None:
                funds[s.asset_class].append(sym)
        sells: list[Order] = []
        buys: list[tuple[str, float]] = []
        for t in h.targets:
            c = t.asset_class
            diff = t.weight * w_acct - values[c]
            pool = sorted(funds.get(c, []), key=order.__getitem__)
            if diff < 0 and pool:
                total = sum(held[(a.id, sym)] * sec[sym].price_usd for sym in pool)
                for sym in pool:
                    value = held[(a.id, sym)] * sec[sym].price_usd
                    shares = min(-diff * value / total / sec[sym].price_usd, held[(a.id, sym)])
                    if whole:
                        shares = min(float(round(shares)), math.floor(held[(a.id, sym)]))
                    if shares > 0:
                        fifo = _fifo(h, by_pos[(a.id, sym)], shares) if a.taxable else ()
                        sells.append(Order(a.id, sym, Side.SELL, shares, fifo))
            elif diff > 0:
                if pool:
                    total = sum(held[(a.id, sym)] * sec[sym].price_usd for sym in pool)
                    buys += [(sym, diff * held[(a.id, sym)] * sec[sym].price_usd / total)
                             for sym in pool]
                elif c in default_buy:
                    buys.append((default_buy[c], diff))
        cash = a.cash_usd + a.pending_flow_usd - a.min_cash_usd
        # FX: each trade in a non-USD security is budgeted as if converted alone (the
        # netted cost charged is never more), so cash stays ≥ 0 (rebal.planner.currency)
        fx = h.fx_cost_rate(a.id)
        for o in sells:
            s = sec[o.symbol]
            cash += o.shares * s.price_usd * (1 - s.cost_bps / 1e4
                                              - (fx if s.currency != "USD" else 0.0))
        if cash < 0:
            # The targets above are in dollars before costs, so sales sized to meet a
            # withdrawal fall short by their own cost: sell that much more of the same funds.
            sells, cash = _cover_shortfall(h, a.id, a.taxable, whole, sells, cash, sec, held,
                                           by_pos)
        orders.extend(sells)
        for sym, dollars in buys:
            s = sec[sym]
            unit = s.price_usd * (1 + s.cost_bps / 1e4 + (fx if s.currency != "USD" else 0.0))
            shares = dollars / s.price_usd
            if whole:
                shares = float(round(shares))
            shares = min(shares, max(cash, 0.0) / unit)
            if whole:
                shares = float(math.floor(shares + 1e-9))
            if shares > 1e-9:
                orders.append(Order(a.id, sym, Side.BUY, shares))
                cash -= shares * unit
    # Tax-blind trading may create wash sales; the law still applies to them: losses the
    # tax engine's guard finds washed are not recognized.
    guard = build_guard(h) if guard is None else guard
    washed = guard.check_orders(orders).washed_sales
    disallowed: dict[str, float] = defaultdict(float)
    for w in washed:
        disallowed[w.lot_id] += w.disallowed_usd
    outcome = evaluate(h, orders, harvest_threshold=False, disallowed_usd=dict(disallowed))
    acct = {a.id: a for a in h.accounts}
    trades = []
    for k, o in enumerate(orders):
        a = acct[o.account]
        s = sec[o.symbol]
        lots = outcome.reliefs.get(k, ())
        verb = "Sells" if o.side is Side.SELL else "Buys"
        trades.append(PlannedTrade(
            account=o.account, account_type=a.type, symbol=o.symbol, side=o.side,
            shares=o.shares, price_usd=s.price_usd, value_usd=o.shares * s.price_usd,
            cost_usd=outcome.costs[k],
            step=Step.REMAINING if a.taxable else Step.TAX_ADVANTAGED,
            reason=(f"Naive: {verb.lower()} {o.symbol} pro rata to bring account {a.id} to the "
                    "target weights" + ("; lots first-in first-out." if lots else ".")),
            lots=lots, gain_usd=outcome.gains[k], est_tax_usd=sum(r.est_tax_usd for r in lots),
        ))
    return TradePlan(
        as_of=h.as_of, household=h.name, method="naive", settings={}, trades=tuple(trades),
        classes=outcome.classes, accounts=outcome.accounts, tax=outcome.tax,
        notes=("tax-blind baseline: each account rebalanced pro rata to the targets, lots "
               "relieved FIFO, wash sales not avoided"
               + (f" ({len(washed)} washed loss sale(s): losses disallowed)" if washed else ""),),
    )


def _cover_shortfall(
    h: Household, account: str, taxable: bool, whole: bool, sells: list[Order], cash: float,
    sec: dict[str, Security], held: dict[tuple[str, str], float],
    by_pos: dict[tuple[str, str], list[HeldLot]],
) -> tuple[list[Order], float]:
    """Grow ``sells`` (in order) until the account's ``cash`` (dollars above the reserve,
    negative: short) is covered by their proceeds net of costs, within the holdings;
    returns the new orders and the cash left (negative only when the holdings run out)."""
    out = []
    for o in sells:
        s = sec[o.symbol]
        net = s.price_usd * (1 - s.cost_bps / 1e4)
        shares = o.shares
        if cash < 0 and net > 0:
            room = (math.floor(held[(account, o.symbol)]) if whole
                    else held[(account, o.symbol)]) - shares
            extra = -cash / net
            extra = min(float(math.ceil(extra - 1e-9)) if whole else extra, max(room, 0.0))
            if extra > 0:
                shares += extra
                cash += extra * net
        out.append(Order(account, o.symbol, Side.SELL, shares,
                         _fifo(h, by_pos[(account, o.symbol)], shares) if taxable else ()))
    return out, cash


def _fifo(h: Household, position_lots: list[HeldLot], shares: float,
          ) -> tuple[tuple[str, float], ...]:
    """``shares`` of one position relieved first-in first-out from ``position_lots`` (the
    position's lots in file order): (lot id, shares) pairs."""
    # stable: file order breaks ties
    lots = sorted(position_lots, key=lambda lot: (lot.acquired or h.as_of))
    out = []
    left = shares
    for lot in lots:
        if left <= 1e-12:
            break
        take = min(left, lot.quantity)
        out.append((lot.id, take))
        left -= take
    return tuple(out)
