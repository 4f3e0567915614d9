""""Not done, and why": what a user would expect a plan to do that it does not.

Three kinds, each with the rule, holding or constraint responsible, all measured on the
household and the plan's orders (no optimizer internals):

- every taxable loss lot (or the unsold part of one) that passes the harvest threshold
  and is not harvested: harvesting off, a wash-sale window (the purchase that would wash
  it and the first safe date), held for a step-up, no substitute outside its wash-sale
  group, or kept because selling scores worse (tax saved against cost and allocation);
  the losses below the threshold in one line;
- every class outside its band after the plan: untradable holdings (named), the tax
  limit, lots held for a step-up, wash-sale windows on its buys, the schedule's slack;
- the 0 % long-term-gain room left unused, with the long-term gains that could use it.

Units: dollars.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from rebal.household.model import HeldLot, Household
from rebal.planner.guard import PlanGuard
from rebal.planner.outcome import Order, Outcome
from rebal.planner.result import NotDone, NotDoneKind, TradePlan
from rebal.planner.settings import PlanMode, PlanSettings
from rebal.tax.harvest import worth_harvesting
from rebal.tax.holding import is_long_term
from rebal.types import Side

__all__ = ["MAX_LOTS_LISTED", "not_done"]

MAX_LOTS_LISTED = 20
"""Unharvested loss lots listed one by one (largest first); the rest in one line each
per reason."""

_CENT = 0.005


def _usd(x: float) -> str:
    return f"${x:,.2f}"


def not_done(h: Household, settings: PlanSettings, guard: PlanGuard, orders: list[Order],
             outcome: Outcome, naive: TradePlan | None) -> tuple[NotDone, ...]:
    """The plan's "not done, and why" entries (see the module docstring)."""
    out: list[NotDone] = []
    out += _losses(h, settings, guard, orders, outcome)
    out += _classes(h, settings, guard, outcome, naive)
    out += _zero_room(h, settings, orders, outcome)
    return tuple(out)


def _sold_by_lot(orders: list[Order]) -> dict[str, float]:
    sold: dict[str, float] = defaultdict(float)
    for o in orders:
        if o.side is Side.SELL:
            for lot_id, q in o.lots:
                sold[lot_id] += q
    return sold


def _main_class(h: Household, symbol: str) -> str:
    s = next(x for x in h.securities if x.symbol == symbol)
    return max(s.look_through, key=lambda p: p[1])[0]


def _losses(h: Household, settings: PlanSettings, guard: PlanGuard, orders: list[Order],
            outcome: Outcome) -> list[NotDone]:
    sec = {s.symbol: s for s in h.securities}
    # price net of the selling cost, once per security (the loop below visits every lot)
    net_prices = {s.symbol: s.price_usd * (1.0 - s.cost_bps / 1e4) for s in h.securities}
    taxable = {a.id for a in h.accounts if a.taxable}
    sold = _sold_by_lot(orders)
    harvest_on = h.harvest.enabled if settings.harvest is None else settings.harvest
    below_n, below_usd = 0, 0.0
    entries: list[tuple[float, str, HeldLot, float]] = []  # (loss, lot id, lot, net price)
    for lot in h.lots:
        if lot.account not in taxable or lot.cost_basis_usd is None:
            continue
        left = lot.quantity - sold.get(lot.id, 0.0)
        if left <= 1e-9:
            continue
        net_price = net_prices[lot.symbol]
        basis = lot.cost_basis_usd * left / lot.quantity
        loss = basis - net_price * left
        if loss <= _CENT:
            continue
        if not worth_harvesting(loss, basis, h.harvest.min_loss_usd, h.harvest.min_loss_frac):
            below_n += 1
            below_usd += loss
            continue
        entries.append((loss, lot.id, lot, net_price))
    entries.sort(key=lambda e: -e[0])
    buyable: list[tuple[str, str, str]] | None = None

    def reason(lot: HeldLot, loss: float, net_price: float) -> str:
        """Why the loss of ``lot`` (unsold part) is not harvested; only the listed lots
        need one (the 20 of ~5,000 of a 50,000-lot plan: not_done 42 -> 20 ms)."""
        nonlocal buyable
        s = sec[lot.symbol]
        part = "the unsold part of lot" if lot.id in sold else "lot"
        what = f"{part} {lot.id} ({lot.symbol} in {lot.account})"
        if not harvest_on:
            return f"{what}: loss harvesting is off (harvest.enabled)."
        if not s.tradable:
            return f"{what}: {lot.symbol} is not tradable."
        check = guard.loss_sale_check(lot, net_price)
        if h.wash_sale.avoid and check.washed:
            last = max(r.last_washing_date for r in check.by)
            buys = "; ".join(f"the purchase of {r.symbol} in {r.account} on "
                             f"{r.purchase_date.isoformat()}" for r in check.by)
            return (f"{what}: selling it now would be a wash sale — {buys} falls in "
                    f"its 30-day window; first safe date "
                    f"{(last + timedelta(days=1)).isoformat()}.")
        if h.held_for_step_up(lot):
            return f"{what}: held for a basis step-up (hold_for_step_up)."
        c = _main_class(h, lot.symbol)
        group = h.wash_group(lot.symbol)
        if buyable is None:  # once: (symbol, main class, group) of buyable funds
            buyable = [(x.symbol, _main_class(h, x.symbol), h.wash_group(x.symbol))
                       for x in h.securities if x.tradable
                       and any(not guard.buy_blocked(x.symbol, a.id)
                               for a in h.accounts)]
        subs = [sym for sym, c2, g2 in buyable if c2 == c and g2 != group]
        term_long = is_long_term(lot.holding_period_start or h.as_of, h.as_of)
        rate = outcome.lt_loss_rate if term_long else outcome.st_loss_rate
        if not subs:
            return (f"{what}: no substitute — no buyable security of {c} outside "
                    f"wash-sale group {group}, so selling would leave {c} short "
                    f"(est. tax saved {_usd(loss * rate)}).")
        return (f"{what}: kept by the optimizer — selling it scores worse than "
                f"holding (est. tax saved {_usd(loss * rate)} this year against "
                "trading cost and the allocation).")

    out = [NotDone(kind=NotDoneKind.LOSS_NOT_HARVESTED, subject=lot_id, amount_usd=loss,
                   reason=f"Loss {_usd(loss)} not harvested: {reason(lot, loss, net_price)}")
           for loss, lot_id, lot, net_price in entries[:MAX_LOTS_LISTED]]
    rest = entries[MAX_LOTS_LISTED:]
    if rest:
        out.append(NotDone(
            kind=NotDoneKind.LOSS_NOT_HARVESTED, subject=f"{len(rest)} more lots",
            amount_usd=sum(e[0] for e in rest),
            reason=(f"{len(rest)} more lots with smaller losses above the threshold "
                    f"({_usd(sum(e[0] for e in rest))} in all) not harvested; the "
                    f"{MAX_LOTS_LISTED} largest are listed with their reasons.")))
    if below_n:
        out.append(NotDone(
            kind=NotDoneKind.LOSSES_BELOW_THRESHOLD,
            subject=f"{below_n} lot{'' if below_n == 1 else 's'}",
            amount_usd=below_usd,
            reason=(f"{below_n} lot(s) with losses of {_usd(below_usd)} in all are below the "
                    f"harvest threshold (a loss of at least {_usd(h.harvest.min_loss_usd)} and "
                    f"{100 * h.harvest.min_loss_frac:g}% of basis).")))
    return out


def _classes(h: Household, settings: PlanSettings, guard: PlanGuard, outcome: Outcome,
             naive: TradePlan | None) -> list[NotDone]:
    sec = {s.symbol: s for s in h.securities}
    out = []
    for c in outcome.classes:
        if not c.breached_after:
            continue
        total = c.value_after_usd / c.weight_after if c.weight_after > 0 else 0.0
        over = c.weight_after > c.upper
        edge = c.upper if over else c.lower
        gap = abs(c.weight_after - edge) * total
        why: list[str] = []
        fixed: dict[str, float] = defaultdict(float)
        for lot in h.lots:
            s = sec[lot.symbol]
            share = dict(s.look_through).get(c.asset_class, 0.0)
            if share > 0 and not s.tradable:
                fixed[f"{lot.symbol} in {lot.account}"] += lot.quantity * s.price_usd * share
        if fixed:
            names = ", ".join(f"{k} ({_usd(v)})" for k, v in sorted(fixed.items()))
            why.append(f"untradable holdings cannot be sold or bought: {names}")
        step_up = [lot.id for lot in h.lots if h.held_for_step_up(lot)
                   and dict(sec[lot.symbol].look_through).get(c.asset_class, 0.0) > 0]
        if over and step_up:
            why.append(f"lots held for a step-up may not be sold at a gain: {', '.join(step_up)}")
        if not over:
            blocked = sorted({s.symbol for s in h.securities if s.tradable
                              and dict(s.look_through).get(c.asset_class, 0.0) > 0
                              and all(guard.buy_blocked(s.symbol, a.id) for a in h.accounts)})
            if blocked:
                why.append(f"buys of {', '.join(blocked)} are blocked by wash-sale windows")
        cap = settings.tax_cap_usd
        if cap is not None:
            why.append(f"the tax limit ({_usd(cap)} of extra tax) stops the sales it needs")
        elif (settings.mode is PlanMode.BALANCED and naive is not None
              and outcome.tax.total_usd >= naive.tax.total_usd - 1.0):
            why.append(f"the plan's tax may not exceed the naive plan's "
                       f"({_usd(naive.tax.total_usd)}), and it is at that limit")
        if settings.band_slack_usd > 0:
            why.append(f"the schedule lets a class stay outside by up to "
                       f"{_usd(settings.band_slack_usd)} of contributions still to come")
        whole = _whole_share_rounding(h, outcome, c.asset_class, gap)
        if whole:
            why.append(whole)
        if not why:
            why.append("the accounts' cash and sellable lots cannot bring it inside")
        # enough decimals to show the weight outside the band's edge (47.9993 %, not 48.00 %)
        digits = next((d for d in (2, 3, 4, 5, 6)
                       if f"{100 * c.weight_after:.{d}f}" != f"{100 * edge:.{d}f}"), 6)
        out.append(NotDone(
            kind=NotDoneKind.CLASS_OUT_OF_BAND, subject=c.asset_class, amount_usd=gap,
            reason=(f"{c.asset_class} ends at {100 * c.weight_after:.{digits}f}%, outside its "
                    f"band {100 * c.lower:.{digits}f}%–{100 * c.upper:.{digits}f}% by "
                    f"{_gap_usd(gap)}: " + "; ".join(why) + ".")))
    return out


def _gap_usd(x: float) -> str:
    """A dollar gap; below half a cent "less than $0.01" (not "$0.00")."""
    return _usd(x) if x >= 0.005 else "less than $0.01"


def _whole_share_rounding(h: Household, outcome: Outcome, asset_class: str,
                          gap: float) -> str | None:
    """Why a class ends a little outside its band after whole-share rounding, or None.

    Said when the class was traded in a whole-share account and one share of each of
    its tradable securities costs more than ``gap`` (dollars): the optimum (inside the
    band) was rounded to whole shares, and no single share closes the gap exactly."""
    whole = {a.id for a in h.accounts if a.whole_shares}
    traded = sorted(
        a.account for a in outcome.accounts if a.account in whole
        and abs(dict(a.classes_after_usd).get(asset_class, 0.0)
                - dict(a.classes_before_usd).get(asset_class, 0.0)) > 0.005)
    prices = [(s.price_usd * dict(s.look_through).get(asset_class, 0.0), s.symbol)
              for s in h.securities
              if s.tradable and dict(s.look_through).get(asset_class, 0.0) > 0]
    if not traded or not prices:
        return None
    cheapest, symbol = min(prices)
    if cheapest <= gap:
        return None
    return (f"the optimum was rounded to whole shares (in {', '.join(traded)}), and the "
            f"cheapest share of the class ({symbol}, {_usd(cheapest)}) is more than the gap")


def _zero_room(h: Household, settings: PlanSettings, orders: list[Order], outcome: Outcome,
               ) -> list[NotDone]:
    left = outcome.tax.zero_rate_room_usd - outcome.tax.zero_rate_room_used_usd
    if left <= 1.0:
        return []
    sec = {s.symbol: s for s in h.securities}
    taxable = {a.id for a in h.accounts if a.taxable}
    sold = _sold_by_lot(orders)
    avail = held = 0.0
    for lot in h.lots:
        if lot.account not in taxable or lot.cost_basis_usd is None:
            continue
        q = lot.quantity - sold.get(lot.id, 0.0)
        if q <= 1e-9 or not is_long_term(lot.holding_period_start or h.as_of, h.as_of):
            continue
        s = sec[lot.symbol]
        gain = q * s.price_usd * (1 - s.cost_bps / 1e4) - lot.cost_basis_usd * q / lot.quantity
        if gain <= 0 or not s.tradable:
            continue
        if h.held_for_step_up(lot):
            held += gain
        else:
            avail += gain
    zero_on = (h.realize_zero_bracket_gains if settings.realize_zero_bracket_gains is None
               else settings.realize_zero_bracket_gains)
    head = f"{_usd(left)} of the 0% long-term-gain bracket is left unused"
    if avail + held <= _CENT:
        why = "no long-term gains are left to realize in taxable accounts"
    elif not zero_on:
        why = (f"realizing gains at 0% (sell and buy back for a higher basis) is off "
               f"(realize_zero_bracket_gains); {_usd(avail)} of long-term gains could use it")
    elif avail <= _CENT:
        why = f"the long-term gains left ({_usd(held)}) are in lots held for a step-up"
    else:
        why = (f"{_usd(avail)} of long-term gains could use it, but the basis step-up (valued "
               f"at {settings.zero_bracket_value:g} per dollar) did not pay for the trades")
    return [NotDone(kind=NotDoneKind.ZERO_RATE_ROOM_UNUSED, subject="0% LTCG room",
                    amount_usd=left, reason=f"{head}: {why}.")]
