"""Label each order with the article's step and a one-sentence reason.

Steps (DESIGN.md, "The tax-aware planner"):

1. invest new money — buys paid for by cash above the reserve and pending contributions;
2. trade inside tax-advantaged accounts — sales there, and buys there paid by them;
3. harvest losses — taxable sales of lots at a loss, and the buys of a substitute (same
   class, another wash-sale group) they pay for;
4. realize gains at 0 % or against harvested losses — taxable gain sales whose gain fits
   in the 0 % LTCG room or is covered by the plan's realized losses, and buy-backs;
5. other taxable trades (gain sales the bands require, and the buys they fund).

The optimizer does not know about steps; labelling is after the fact, from what each
order does. Every reason is built from the plan's measured effect (the class's household
weight before and after against its target, the class's dollars by account type before
and after, the lot's gain and term) and claims only what those numbers show:
"underweight"/"overweight" = the class's weight before the plan is below/above target;
"toward target" = the plan moves the class in the trade's direction and ends nearer its
target; "asset location" = the class's share held in the trade's account type moves the
way the household's location preference wants (tests/planner check each claim).
"""

from __future__ import annotations

from collections import defaultdict

from rebal.household.model import HeldLot, Household
from rebal.planner.currency import foreign_tax_reason
from rebal.planner.outcome import Order, Outcome
from rebal.planner.result import PlannedTrade
from rebal.planner.settings import Step
from rebal.types import AccountType, Side

__all__ = ["label_orders", "location_moves"]


def _money(x: float) -> str:
    return f"${abs(x):,.0f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _harvestable(h: Household, lot: HeldLot, price: float) -> bool:
    basis = lot.cost_basis_usd or 0.0
    return h.harvest.worth_harvesting(basis - lot.quantity * price, basis)


def _class_share_by_type(outcome: Outcome, h: Household, c: str, *, after: bool,
                         ) -> dict[AccountType, float]:
    """Fraction of class ``c``'s dollars held in each account type (before/after)."""
    types = {a.id: a.type for a in h.accounts}
    dollars: dict[AccountType, float] = defaultdict(float)
    for a in outcome.accounts:
        for cls, v in (a.classes_after_usd if after else a.classes_before_usd):
            if cls == c:
                dollars[types[a.account]] += v
    total = sum(dollars.values())
    return {t: (v / total if total > 0 else 0.0) for t, v in dollars.items()}


def location_moves(h: Household, outcome: Outcome, c: str, side: Side,
                   account_type: AccountType) -> AccountType | None:
    """The account type the plan moves class ``c`` toward (or away from) as the location
    preference wants, for a trade of ``side`` in ``account_type``; ``None`` when the plan
    does not. A sale qualifies when ``c``'s share in ``account_type`` falls and its share in
    a type the household prefers for ``c`` rises; a buy when its share there rises and its
    share in a less preferred type falls. Returns that other type."""
    target = next((t for t in h.targets if t.asset_class == c), None)
    if target is None or not target.location:
        return None
    pref = target.location

    def rank(t: AccountType) -> int:
        return pref.index(t) if t in pref else len(pref)

    before = _class_share_by_type(outcome, h, c, after=False)
    after = _class_share_by_type(outcome, h, c, after=True)
    tol = 1e-9
    here = after.get(account_type, 0.0) - before.get(account_type, 0.0)
    others = sorted((t for t in set(before) | set(after) if t is not account_type), key=rank)
    if side is Side.SELL and here < -tol:
        for t in others:
            if rank(t) < rank(account_type) and after.get(t, 0.0) - before.get(t, 0.0) > tol:
                return t
    if side is Side.BUY and here > tol:
        for t in reversed(others):
            if rank(t) > rank(account_type) and after.get(t, 0.0) - before.get(t, 0.0) < -tol:
                return t
    return None


def label_orders(h: Household, orders: list[Order], outcome: Outcome) -> tuple[PlannedTrade, ...]:
    """The orders as :class:`PlannedTrade` records with step and reason, sorted by step
    (sales before buys within a step)."""
    sec = {s.symbol: s for s in h.securities}
    acct = {a.id: a for a in h.accounts}
    cls_alloc = {c.asset_class: c for c in outcome.classes}
    lots_by_id = {lot.id: lot for lot in h.lots}
    buys_in = {o.account for o in orders if o.side is Side.BUY}

    def main_class(symbol: str) -> str:
        return max(sec[symbol].look_through, key=lambda p: p[1])[0]

    def nums(c: str) -> str:
        a = cls_alloc[c]
        return (f"{c} {_pct(a.weight_before)} → {_pct(a.weight_after)}, "
                f"target {_pct(a.target)}")

    def toward(c: str, side: Side) -> bool:
        a = cls_alloc[c]
        moved = a.weight_after - a.weight_before
        direction = 1.0 if side is Side.BUY else -1.0
        return (moved * direction > 0
                and abs(a.weight_after - a.target) < abs(a.weight_before - a.target))

    def effect(c: str, side: Side, account: str) -> str:
        """What the trade does for class ``c``, as the numbers show it."""
        a = acct[account]
        if toward(c, side):
            return f"moves {c} toward target ({nums(c)})"
        other = location_moves(h, outcome, c, side, a.type)
        if other is not None:
            verb = "out of" if side is Side.SELL else "into"
            return (f"asset location: moves {c} {verb} {a.type.value} accounts "
                    f"({'preferred: ' + other.value if side is Side.SELL else 'from ' + other.value}"
                    f"; {nums(c)})")
        if side is Side.SELL:
            if a.pending_flow_usd < 0 or a.cash_usd < a.min_cash_usd:
                return f"raises the cash {a.name or a.id} needs ({nums(c)})"
            if account in buys_in:
                return f"pays for the buys in {a.name or a.id} ({nums(c)})"
            return f"raises cash in {a.name or a.id} ({nums(c)})"
        return f"invests cash in {a.name or a.id} ({nums(c)})"

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

    # Sales first: their step decides how the buys they fund are labelled.
    sells = [k for k, o in enumerate(orders) if o.side is Side.SELL]
    # Losses before gains so "against harvested losses" sees them.
    sells.sort(key=lambda k: outcome.gains[k])
    for k in sells:
        o = orders[k]
        a = acct[o.account]
        c = main_class(o.symbol)
        if not a.taxable:
            steps[k] = Step.TAX_ADVANTAGED
            reasons[k] = (f"Sells {o.symbol} in {a.name or a.id} ({a.type.value}), where trades "
                          f"realize no tax: {effect(c, o.side, o.account)}.")
        else:
            gain = outcome.gains[k]
            lots = outcome.reliefs.get(k, ())
            ids = ", ".join(r.lot_id for r in lots)
            terms = sorted({r.term.value for r in lots if r.term is not None})
            over = cls_alloc[c].weight_before > cls_alloc[c].target
            # (asked of loss sales only, not overweight: ~2,000 of a 50,000-lot plan's
            # ~11,000 lots sold, the rest at a gain)
            if gain < 0 and not over and not any(
                    _harvestable(h, lots_by_id[r.lot_id], sec[o.symbol].price_usd)
                    for r in lots):
                steps[k] = Step.REMAINING
                reasons[k] = (f"Sells {o.symbol} at a small {_money(gain)} loss (lots {ids}, "
                              f"below the harvest threshold): {effect(c, o.side, o.account)}.")
            elif gain < 0:
                steps[k] = Step.HARVEST
                harvested_symbols[c].add(o.symbol)
                why = (f"{c} is overweight ({nums(c)})" if over else
                       "a buy in the same class keeps the exposure"
                       if c in bought_classes else effect(c, o.side, o.account))
                reasons[k] = (f"Harvests a {_money(gain)} {'/'.join(terms)}-term loss on "
                              f"{o.symbol} (lots {ids}); {why}.")
            else:
                lt_gain = sum(r.gain_usd or 0.0 for r in lots
                              if r.term is not None and r.term.value == "long")
                if abs(gain) < 0.005:  # at its basis: nothing realized, nothing offset
                    steps[k] = Step.REMAINING
                    reasons[k] = (f"Sells {o.symbol} at its basis (lots {ids}; no gain or "
                                  f"loss): {effect(c, o.side, o.account)}.")
                elif gain <= loss_left + 0.01:
                    loss_left -= gain
                    steps[k] = Step.GAIN_REALIZATION
                    reasons[k] = (f"Realizes a {_money(gain)} gain on {o.symbol} (lots {ids}) "
                                  f"offset by losses harvested in this plan: "
                                  f"{effect(c, o.side, o.account)}.")
                elif lt_gain >= gain - 0.01 and gain <= room_left + 0.01:
                    room_left -= gain
                    steps[k] = Step.GAIN_REALIZATION
                    reasons[k] = (f"Realizes a {_money(gain)} long-term gain on {o.symbol} "
                                  f"(lots {ids}) inside the 0% bracket room: no federal tax.")
                else:
                    steps[k] = Step.REMAINING
                    tax = sum(r.est_tax_usd for r in lots)
                    reasons[k] = (f"Sells {o.symbol}, lowest-tax lots first "
                                  f"({'/'.join(terms)}-term: {ids}; gain {_money(gain)}, "
                                  f"est. tax {_money(tax)}): {effect(c, o.side, o.account)}.")
                gain_sold[(o.account, o.symbol)] = steps[k]

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
            under = cls_alloc[c].weight_before < cls_alloc[c].target
            reasons[k] = (f"Invests new money in {o.symbol}: "
                          + (f"{c} is underweight ({nums(c)})." if under else
                             f"{effect(c, o.side, o.account)}."))
            continue
        if not a.taxable:
            steps[k] = Step.TAX_ADVANTAGED
            reasons[k] = (f"Buys {o.symbol} in {a.name or a.id} ({a.type.value}) with tax-free "
                          f"sale proceeds: {effect(c, o.side, o.account)}.")
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
            reasons[k] = (f"Buys {o.symbol} with sale proceeds: "
                          f"{effect(c, o.side, o.account)}.")

    out = []
    for k, o in enumerate(orders):
        s = sec[o.symbol]
        lots = outcome.reliefs.get(k, ())
        out.append(PlannedTrade(
            account=o.account, account_type=acct[o.account].type, symbol=o.symbol,
            side=o.side, shares=o.shares, price_usd=s.price_usd,
            value_usd=o.shares * s.price_usd, cost_usd=outcome.costs[k], step=steps[k],
            # (no foreign tax: no sentence; asked only then, as the lookup of the
            # security in foreign_tax_reason is a scan of the household's securities)
            reason=reasons[k] + (foreign_tax_reason(h, o.account, o.symbol, o.side,
                                                    o.shares * s.price_usd)
                                 if s.foreign_tax is not None else ""),
            lots=lots, gain_usd=outcome.gains[k],
            est_tax_usd=sum(r.est_tax_usd for r in lots),
        ))
    order = sorted(range(len(out)), key=lambda k: (int(out[k].step), out[k].side is Side.BUY,
                                                  out[k].account, out[k].symbol))
    return tuple(out[k] for k in order)
