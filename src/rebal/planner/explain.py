"""Label each order with the article's step and a one-sentence reason.

Steps (DESIGN.md, "The tax-aware planner"):

1. new money — buys paid for by cash above the reserve and pending contributions, the
   largest underweight classes first;
2. rebalance inside tax-advantaged accounts — sales there, and buys there paid by them;
3. harvest losses — taxable sales of lots at a loss, and the buys of a substitute (same
   class, another wash-sale group) they pay for;
4. realize gains at 0 % or against harvested losses — taxable gain sales whose gain fits
   in the 0 % LTCG room or is covered by the plan's realized losses, and buy-backs;
5. remaining sales (taxable gain sales the bands require) and the buys they fund.

The optimizer does not know about steps; labelling is after the fact, from what each
order does.
"""

from __future__ import annotations

from collections import defaultdict

from rebal.household.model import HeldLot, Household
from rebal.planner.outcome import Order, Outcome
from rebal.planner.result import PlannedTrade
from rebal.planner.settings import Step
from rebal.types import Side

__all__ = ["label_orders"]


def _money(x: float) -> str:
    return f"${abs(x):,.0f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _harvestable(h: Household, lot: HeldLot, price: float) -> bool:
    basis = lot.cost_basis_usd or 0.0
    return h.harvest.worth_harvesting(basis - lot.quantity * price, basis)


def label_orders(h: Household, orders: list[Order], outcome: Outcome) -> tuple[PlannedTrade, ...]:
    """The orders as :class:`PlannedTrade` records with step and reason, sorted by step
    (sales before buys within a step)."""
    sec = {s.symbol: s for s in h.securities}
    acct = {a.id: a for a in h.accounts}
    cls_alloc = {c.asset_class: c for c in outcome.classes}
    lots_by_id = {lot.id: lot for lot in h.lots}

    def main_class(symbol: str) -> str:
        return max(sec[symbol].look_through, key=lambda p: p[1])[0]

    def where(c: str) -> str:
        a = cls_alloc[c]
        return f"{c} ({_pct(a.weight_before)} vs {_pct(a.target)} target)"

    def purpose(c: str, side: Side) -> str:
        """Why a trade in class ``c`` helps: toward target, or (a sale of an underweight
        class, a buy of an overweight one) moving the class to another account."""
        a = cls_alloc[c]
        against = (side is Side.SELL) == (a.weight_before < a.target)
        if against:
            return (f"to move {c} into other accounts (asset location); the household's "
                    f"{where(c)} still ends at {_pct(a.weight_after)}")
        return f"to move {where(c)} toward target"

    # classes in which the plan buys a security (any account): a loss sale there keeps
    # its exposure through that buy
    bought_classes = {main_class(o.symbol) for o in orders if o.side is Side.BUY}

    steps: dict[int, Step] = {}
    reasons: dict[int, str] = {}
    harvested_symbols: dict[str, set[str]] = defaultdict(set)  # class -> symbols sold at a loss
    gain_sold: dict[tuple[str, str], Step] = {}
    total_losses = outcome.tax.st_losses_usd + outcome.tax.lt_losses_usd
    room_left = max(0.0, outcome.tax.zero_rate_room_usd)
    loss_left = total_losses
    funded: dict[str, dict[Step, float]] = defaultdict(lambda: defaultdict(float))

    # Sales first: their step decides how the buys they fund are labelled.
    sells = [k for k, o in enumerate(orders) if o.side is Side.SELL]
    # Losses before gains so "against harvested losses" sees them.
    sells.sort(key=lambda k: outcome.gains[k])
    for k in sells:
        o = orders[k]
        a = acct[o.account]
        c = main_class(o.symbol)
        value = o.shares * sec[o.symbol].price_usd
        if not a.taxable:
            steps[k] = Step.TAX_ADVANTAGED
            reasons[k] = (f"Sells {o.symbol} in {a.name or a.id} ({a.type.value}), where trades "
                          f"realize no tax, to move {where(c)} toward target.")
        else:
            gain = outcome.gains[k]
            lots = outcome.reliefs.get(k, ())
            ids = ", ".join(r.lot_id for r in lots)
            terms = sorted({r.term.value for r in lots if r.term is not None})
            over = cls_alloc[c].weight_before > cls_alloc[c].target
            eligible = any(_harvestable(h, lots_by_id[r.lot_id], sec[o.symbol].price_usd)
                           for r in lots)
            if gain < 0 and not (over or eligible):
                steps[k] = Step.REMAINING
                reasons[k] = (f"Sells {o.symbol} at a small {_money(gain)} loss (lots {ids}, "
                              f"below the harvest threshold) {purpose(c, o.side)}.")
            elif gain < 0:
                steps[k] = Step.HARVEST
                harvested_symbols[c].add(o.symbol)
                reasons[k] = (f"Harvests a {_money(gain)} {'/'.join(terms)}-term loss on "
                              f"{o.symbol} (lots {ids})"
                              + (f"; {c} is overweight." if over else
                                 "; a buy in the same class keeps the exposure."
                                 if c in bought_classes else
                                 f"; {purpose(c, o.side)}."))
            else:
                lt_gain = sum(r.gain_usd or 0.0 for r in lots
                              if r.term is not None and r.term.value == "long")
                if gain <= loss_left + 0.01:
                    loss_left -= gain
                    steps[k] = Step.GAIN_REALIZATION
                    reasons[k] = (f"Realizes a {_money(gain)} gain on {o.symbol} (lots {ids}) "
                                  f"offset by losses harvested in this plan, "
                                  f"{purpose(c, o.side)}.")
                elif lt_gain >= gain - 0.01 and gain <= room_left + 0.01:
                    room_left -= gain
                    steps[k] = Step.GAIN_REALIZATION
                    reasons[k] = (f"Realizes a {_money(gain)} long-term gain on {o.symbol} "
                                  f"(lots {ids}) inside the 0% bracket room: no federal tax.")
                else:
                    steps[k] = Step.REMAINING
                    tax = sum(r.est_tax_usd for r in lots)
                    reasons[k] = (f"Sells {o.symbol} to bring {where(c)} back toward its band, "
                                  f"lowest-tax lots first ({'/'.join(terms)}-term: {ids}); "
                                  f"gain {_money(gain)}, est. tax {_money(tax)}.")
                gain_sold[(o.account, o.symbol)] = steps[k]
        funded[o.account][steps[k]] += value - outcome.costs[k]

    # New money per account: cash above the reserve plus the pending flow.
    new_money = {a.id: max(0.0, a.cash_usd + a.pending_flow_usd - a.min_cash_usd)
                 for a in h.accounts}
    buys = [k for k, o in enumerate(orders) if o.side is Side.BUY]
    # Largest underweight first (the class's gap before the plan).
    buys.sort(key=lambda k: (cls_alloc[main_class(orders[k].symbol)].weight_before
                             - cls_alloc[main_class(orders[k].symbol)].target))
    for k in buys:
        o = orders[k]
        a = acct[o.account]
        c = main_class(o.symbol)
        spend = o.shares * sec[o.symbol].price_usd + outcome.costs[k]
        if new_money[o.account] >= spend / 2:
            new_money[o.account] -= spend
            steps[k] = Step.NEW_MONEY
            reasons[k] = (f"Invests new money in {o.symbol}: {where(c)} is among the most "
                          f"underweight classes.")
            continue
        if not a.taxable:
            steps[k] = Step.TAX_ADVANTAGED
            reasons[k] = (f"Buys {o.symbol} in {a.name or a.id} ({a.type.value}) with tax-free "
                          f"sale proceeds, {purpose(c, o.side)}.")
            continue
        subs_for = [x for x in harvested_symbols.get(c, ()) if o.symbol in sec[x].substitutes
                    or h.wash_group(x) != h.wash_group(o.symbol)]
        if subs_for:
            steps[k] = Step.HARVEST
            reasons[k] = (f"Buys {o.symbol} as the substitute for {', '.join(sorted(subs_for))} "
                          f"(not in its wash-sale group), keeping the {c} exposure.")
        elif gain_sold.get((o.account, o.symbol)) is Step.GAIN_REALIZATION:
            steps[k] = Step.GAIN_REALIZATION
            reasons[k] = (f"Buys back {o.symbol} after realizing its gain tax-free: a higher "
                          "basis for later (gains are never wash sales).")
        else:
            steps[k] = Step.REMAINING
            reasons[k] = f"Buys {o.symbol} with sale proceeds {purpose(c, o.side)}."

    out = []
    for k, o in enumerate(orders):
        s = sec[o.symbol]
        lots = outcome.reliefs.get(k, ())
        out.append(PlannedTrade(
            account=o.account, account_type=acct[o.account].type, symbol=o.symbol,
            side=o.side, shares=o.shares, price_usd=s.price_usd,
            value_usd=o.shares * s.price_usd, cost_usd=outcome.costs[k], step=steps[k],
            reason=reasons[k], lots=lots, gain_usd=outcome.gains[k],
            est_tax_usd=sum(r.est_tax_usd for r in lots),
        ))
    order = sorted(range(len(out)), key=lambda k: (int(out[k].step), out[k].side is Side.BUY,
                                                  out[k].account, out[k].symbol))
    return tuple(out[k] for k in order)
