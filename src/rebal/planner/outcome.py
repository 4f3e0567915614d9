"""Turn raw orders into what a plan reports: lot reliefs, exact tax, allocation before/after.

Shared by the optimized plan and the naive baseline so both are measured the same way:
gains are realized only in taxable accounts, proceeds are net of the trading cost
(selling costs reduce the amount realized, Form 8949 instructions, column (d)), and the
tax is the tax engine's (:func:`rebal.tax.extra_tax_detail`) — exact, not an estimate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rebal.household.model import HeldLot, Household
from rebal.household.views import class_values, private_class_values, private_value_usd
from rebal.planner.currency import fx_cost_shares
from rebal.planner.result import AccountAllocation, ClassAllocation, LotRelief, TaxSummary
from rebal.tax.harvest import worth_harvesting
from rebal.tax.holding import is_long_term
from rebal.tax.lots import Trade
from rebal.tax.marginal import extra_tax, extra_tax_detail, zero_rate_lt_room
from rebal.types import Side, Term

__all__ = ["Order", "Outcome", "evaluate", "tax_trades"]

_CENT = 0.005


@dataclass(frozen=True, slots=True)
class Order:
    """A raw order before labelling: for sales, ``lots`` = ((lot id, shares), …) in
    taxable accounts (tax-advantaged sales relieve positions, not tax lots)."""

    account: str
    symbol: str
    side: Side
    shares: float
    lots: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """Measured consequences of a list of orders."""

    reliefs: dict[int, tuple[LotRelief, ...]]
    gains: dict[int, float]
    costs: dict[int, float]
    tax: TaxSummary
    classes: tuple[ClassAllocation, ...]
    accounts: tuple[AccountAllocation, ...]
    st_rate: float
    lt_rate: float
    st_loss_rate: float
    lt_loss_rate: float


def _term(h: Household, lot: HeldLot) -> Term:
    start = lot.holding_period_start or h.as_of
    return Term.LONG if is_long_term(start, h.as_of) else Term.SHORT


def evaluate(h: Household, orders: list[Order], *, model_estimate: float | None = None,
             harvest_threshold: bool = True,
             disallowed_usd: dict[str, float] | None = None) -> Outcome:
    """Measure ``orders`` on ``h`` (all at ``as_of`` prices).

    Parameters
    ----------
    model_estimate
        The optimizer's tax estimate, reported beside the exact figure.
    harvest_threshold
        Count as "harvested" only losses that pass the household's harvest thresholds
        (else every realized loss).
    disallowed_usd
        ``lot id -> loss disallowed by the wash-sale rule`` (§1091(a)): that much of the
        lot's loss is not recognized (the naive plan, which ignores the rule).
    """
    disallowed_usd = disallowed_usd or {}
    sec = {s.symbol: s for s in h.securities}
    acct = {a.id: a for a in h.accounts}
    lots = {lot.id: lot for lot in h.lots}
    st_g = st_l = lt_g = lt_l = harvested = 0.0
    reliefs_raw: dict[int, list[tuple[HeldLot, float, float, float, Term]]] = {}
    costs: dict[int, float] = {}
    gains: dict[int, float] = {}
    for k, o in enumerate(orders):
        s = sec[o.symbol]
        rate = s.cost_bps / 1e4
        value = o.shares * s.price_usd
        costs[k] = value * rate
        gains[k] = 0.0
        if o.side is Side.SELL and acct[o.account].taxable:
            rows = []
            for lot_id, q in o.lots:
                lot = lots[lot_id]
                proceeds = q * s.price_usd * (1 - rate)
                basis = (lot.cost_basis_usd or 0.0) * q / lot.quantity
                gain = proceeds - basis
                if abs(gain) <= 1e-12 * basis:
                    # a sale at the lot's basis price: the float noise of its pro-rata
                    # basis (3,337.94 x 10 / 134 vs 10 x 24.91) is no loss to report, wash
                    # or harvest
                    gain = 0.0
                if gain < 0 and lot_id in disallowed_usd:
                    gain = min(0.0, gain + disallowed_usd[lot_id])
                term = _term(h, lot)
                rows.append((lot, q, proceeds, gain, term))
                gains[k] += gain
                if term is Term.SHORT:
                    st_g, st_l = st_g + max(gain, 0.0), st_l + max(-gain, 0.0)
                else:
                    lt_g, lt_l = lt_g + max(gain, 0.0), lt_l + max(-gain, 0.0)
                if gain < 0:
                    lot_loss = -(s.price_usd * lot.quantity - (lot.cost_basis_usd or 0.0))
                    ok = (not harvest_threshold) or worth_harvesting(
                        lot_loss, lot.cost_basis_usd or 0.0, h.harvest.min_loss_usd,
                        h.harvest.min_loss_frac)
                    if ok:
                        harvested += -gain
            reliefs_raw[k] = rows
        elif o.side is Side.SELL:
            reliefs_raw[k] = []
    for k, fx_cost in fx_cost_shares(h, orders).items():  # netted FX conversions
        costs[k] += fx_cost
    profile = h.tax_profile()
    net_st, net_lt = st_g - st_l, lt_g - lt_l
    detail = extra_tax_detail(profile, st=net_st, lt=net_lt)
    after = profile.with_realized(st=net_st, lt=net_lt)
    st_rate = extra_tax(after, st=1.0)
    lt_rate = extra_tax(after, lt=1.0)
    st_loss_rate = -extra_tax(after, st=-1.0)
    lt_loss_rate = -extra_tax(after, lt=-1.0)
    room = zero_rate_lt_room(profile)
    pref = max(0.0, net_lt + min(0.0, net_st))
    tax = TaxSummary(
        st_gains_usd=st_g, st_losses_usd=st_l, lt_gains_usd=lt_g, lt_losses_usd=lt_l,
        losses_harvested_usd=harvested,
        federal_usd=detail.federal - detail.niit,  # ExtraTax.federal includes NIIT
        niit_usd=detail.niit, state_usd=detail.state, total_usd=detail.total,
        model_estimate_usd=model_estimate, zero_rate_room_usd=room,
        zero_rate_room_used_usd=min(room, pref),
        carryforward_change_usd=detail.carryforward_change,
        carryforward_left_usd=detail.carryforward_after,
    )
    reliefs: dict[int, tuple[LotRelief, ...]] = {}
    for k, rows in reliefs_raw.items():
        out = []
        for lot, q, proceeds, gain, term in rows:
            if gain >= 0:
                r = st_rate if term is Term.SHORT else lt_rate
            else:
                r = st_loss_rate if term is Term.SHORT else lt_loss_rate
            out.append(LotRelief(
                lot_id=lot.id, quantity=q, proceeds_usd=proceeds,
                cost_basis_usd=(lot.cost_basis_usd or 0.0) * q / lot.quantity,
                gain_usd=gain, term=term, acquired=lot.acquired, est_tax_usd=gain * r,
            ))
        reliefs[k] = tuple(out)
    classes, accounts = allocation(h, orders, costs)
    return Outcome(reliefs=reliefs, gains=gains, costs=costs, tax=tax, classes=classes,
                   accounts=accounts, st_rate=st_rate, lt_rate=lt_rate,
                   st_loss_rate=st_loss_rate, lt_loss_rate=lt_loss_rate)


def allocation(h: Household, orders: list[Order], costs: dict[int, float],
               ) -> tuple[tuple[ClassAllocation, ...], tuple[AccountAllocation, ...]]:
    """Household class allocation and per-account cash/classes, before and after."""
    sec = {s.symbol: s for s in h.securities}
    before_cls = class_values(h)
    cash_after = {a.id: a.cash_usd + a.pending_flow_usd for a in h.accounts}
    acct_before: dict[str, dict[str, float]] = {a.id: class_values(h, a.id) for a in h.accounts}
    acct_after = {a: dict(v) for a, v in acct_before.items()}
    hold_before = {a.id: 0.0 for a in h.accounts}
    for lot in h.lots:
        hold_before[lot.account] += lot.quantity * sec[lot.symbol].price_usd
    hold_after = dict(hold_before)
    for k, o in enumerate(orders):
        s = sec[o.symbol]
        value = o.shares * s.price_usd
        sign = 1.0 if o.side is Side.BUY else -1.0
        cash_after[o.account] += -sign * value - costs[k]
        hold_after[o.account] += sign * value
        for c, f in s.look_through:
            acct_after[o.account][c] += sign * value * f
    # private funds: their exposure (the household's view) is the same before and after
    after_cls: dict[str, float] = defaultdict(float, private_class_values(h))
    for vals in acct_after.values():
        for c, v in vals.items():
            after_cls[c] += v
    reserve = sum(a.min_cash_usd for a in h.accounts) - private_value_usd(h)
    w_before = sum(hold_before.values()) + sum(a.cash_usd for a in h.accounts) - reserve
    w_after = sum(hold_after.values()) + sum(cash_after.values()) - reserve
    classes = []
    for t in h.targets:
        c = t.asset_class
        wb = before_cls[c] / w_before if w_before > 0 else 0.0
        wa = after_cls[c] / w_after if w_after > 0 else 0.0
        classes.append(ClassAllocation(
            asset_class=c, tier=t.tier.value, target=t.weight,
            lower=t.weight - t.half_width, upper=t.weight + t.half_width,
            value_before_usd=before_cls[c], weight_before=wb,
            value_after_usd=after_cls[c], weight_after=wa,
            breached_before=t.breached(wb), breached_after=t.breached(wa),
        ))
    accounts = tuple(
        AccountAllocation(
            account=a.id, type=a.type, cash_before_usd=a.cash_usd,
            cash_after_usd=cash_after[a.id], min_cash_usd=a.min_cash_usd,
            pending_flow_usd=a.pending_flow_usd, holdings_before_usd=hold_before[a.id],
            holdings_after_usd=hold_after[a.id],
            classes_before_usd=tuple(acct_before[a.id].items()),
            classes_after_usd=tuple(acct_after[a.id].items()),
        )
        for a in h.accounts
    )
    return tuple(classes), accounts


def tax_trades(h: Household, orders: list[Order]) -> list[Trade]:
    """``orders`` as the tax engine's trades dated ``h.as_of`` (a taxable sale: one trade
    per lot, naming it), for the wash-sale guard."""
    sec = {s.symbol: s for s in h.securities}
    acct = {a.id: a for a in h.accounts}
    out = []
    for o in orders:
        price = sec[o.symbol].price_usd
        if o.side is Side.SELL and acct[o.account].taxable:
            for lid, q in o.lots:
                out.append(Trade(date=h.as_of, account=o.account, symbol=o.symbol,
                                    side=Side.SELL, quantity=q, price_usd=price, lot_ids=(lid,)))
        else:
            out.append(Trade(date=h.as_of, account=o.account, symbol=o.symbol,
                                side=o.side, quantity=o.shares, price_usd=price))
    return out
