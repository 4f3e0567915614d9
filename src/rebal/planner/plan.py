"""``plan(household, settings) -> TradePlan``: build, solve, round, measure, explain.

A pure, deterministic function of one validated household and the settings. Steps:

1. sufficient-condition checks that name an impossible request before solving
   (a withdrawal larger than cash + sellable assets; a full rebalance that untradable
   holdings make impossible);
2. build the MILP (:mod:`rebal.planner.model`) and solve it with HiGHS
   (:mod:`rebal.planner.solver`);
3. round to whole shares / 1e-6 share, sales up and buys down, so cash can only grow
   (then trim buys if a cent is still missing), and assign whole shares to lots;
4. measure the orders exactly (:mod:`rebal.planner.outcome`: tax by the tax engine);
   when a tax cap applies (tax budget, tax-free, or "never worse than naive") and the
   exact tax exceeds it, re-solve with the cap tightened by the excess (≤ 3 times);
5. check the plan with the tax engine's wash-sale guard and list do-not-buy dates;
6. label each order (:mod:`rebal.planner.explain`).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from datetime import date

import numpy as np

from rebal.errors import ConfigError, PlanInfeasible
from rebal.household.model import Household
from rebal.household.views import class_values, investable_value_usd
from rebal.planner.currency import conversions, currency_notes, exposure_after
from rebal.planner.explain import label_orders
from rebal.planner.guard import PlanGuard, build_guard
from rebal.planner.model import Problem, build_problem
from rebal.planner.naive import naive_plan
from rebal.planner.not_done import not_done
from rebal.planner.outcome import Order, Outcome, evaluate, tax_trades
from rebal.planner.result import DoNotBuyEntry, SolveStats, TradePlan
from rebal.planner.settings import PlanMode, PlanSettings, SolveStatus
from rebal.planner.solver import Solution, solve
from rebal.types import Side

__all__ = ["MAX_POSITION_USD", "do_not_buy", "plan"]

_EPS_SHARES = 1e-6  # fractional-share precision of orders
_TAX_TOL = 0.005  # dollars: a cap is met when exceeded by less than half a cent
MAX_POSITION_USD = 1e9
"""Largest position (one security in one account) the planner accepts, dollars: the tax
curves are exact to a cent up to :data:`rebal.tax.marginal.MAX_GAIN_USD` in all, and
amounts beyond a household's are typos (an extra zero, a price in cents)."""


def plan(household: Household, settings: PlanSettings | None = None) -> TradePlan:
    """The tax-aware rebalancing plan of ``household``.

    Parameters
    ----------
    household
        A validated household (:func:`rebal.household.load_household`).
    settings
        Trade-offs and options (:class:`PlanSettings`); default: balanced.

    Returns
    -------
    TradePlan
        Orders with steps, reasons, lots and tax; allocation before/after; the exact tax
        summary; the do-not-buy list; the naive plan beside it (``settings.compare_naive``).

    Raises
    ------
    PlanInfeasible
        The request cannot be met; ``binding`` names the constraint(s) in words.
    """
    settings = settings or PlanSettings()
    t0 = time.perf_counter()
    h = household
    _precheck(h, settings)
    guard = build_guard(h)
    naive = naive_plan(h) if settings.compare_naive else None
    cap = settings.tax_cap_usd
    notes: list[str] = []
    n_solves = 0
    build_s = solve_s = 0.0
    best: tuple[Problem, Solution, list[Order], Outcome] | None = None
    model_cap = cap
    for attempt in range(4):
        tb = time.perf_counter()
        # Share counts are solved continuous and rounded (fast); when rounding leaves the
        # exact tax over its limit, the last attempts solve them as integers (exact).
        problem = build_problem(h, settings, guard, tax_cap_usd=model_cap,
                                integer_shares=True if attempt >= 2 else None)
        build_s += time.perf_counter() - tb
        sol = solve(problem, time_limit_s=settings.time_limit_s,
                    mip_abs_gap_usd=settings.mip_gap_usd)
        solve_s += sol.seconds
        n_solves += 1
        if not sol.ok or sol.x is None:
            if best is None:
                raise _diagnose(h, settings, guard, sol)
            notes.append("tightening the tax cap to match the exact tax made the model "
                         "infeasible; kept the previous solution")
            break
        orders = _decode(h, problem, sol.x)
        outcome = evaluate(h, orders, model_estimate=problem.tax_estimate(sol.x))
        best = (problem, sol, orders, outcome)
        limit = cap
        if limit is None and settings.mode is PlanMode.BALANCED and naive is not None:
            limit = naive.tax.total_usd  # never worse than naive (docs/planner.md)
        if limit is None or outcome.tax.total_usd <= limit + _TAX_TOL:
            break
        # The exact tax exceeds the limit: tighten the model's cap by the excess, plus a
        # margin that grows each time (rounding to whole shares and cents can leave a few
        # tenths of a cent over a cap the linear model meets exactly).
        excess = outcome.tax.total_usd - limit
        model_cap = problem.tax_estimate(sol.x) - excess - 0.01 * 10.0**attempt
    assert best is not None
    problem, sol, orders, outcome = best
    if sol.status is SolveStatus.TIME_LIMIT:
        notes.append(f"solver stopped at the {settings.time_limit_s:g} s time limit: the plan "
                     "is feasible but may not be optimal")
    if cap is not None and outcome.tax.total_usd > cap + _TAX_TOL:
        notes.append(f"exact tax {outcome.tax.total_usd:,.2f} exceeds the cap {cap:,.2f} "
                     "after re-solving; the linear tax model is approximate here")
    if (cap is None and settings.mode is PlanMode.BALANCED and naive is not None
            and outcome.tax.total_usd > naive.tax.total_usd + _TAX_TOL):
        notes.append(f"exact tax ${outcome.tax.total_usd:,.2f} exceeds the naive plan's "
                     f"${naive.tax.total_usd:,.2f} by "
                     f"${outcome.tax.total_usd - naive.tax.total_usd:,.2f} after re-solving "
                     "(rounding to whole shares and the linear tax model)")
    est = outcome.tax.model_estimate_usd
    if est is not None and abs(est - outcome.tax.total_usd) > 0.5:
        notes.append(f"the optimizer's linear tax estimate was ${est:,.2f}; the tax engine's "
                     f"exact figure is ${outcome.tax.total_usd:,.2f}")
    notes.extend(problem.notes)
    notes.extend(h.warnings)
    convs = conversions(h, orders)
    notes.extend(currency_notes(h, convs))
    trades = label_orders(h, orders, outcome)
    undone = not_done(h, settings, guard, orders, outcome, naive)
    dnb, wash_notes = _do_not_buy(h, guard, orders)
    notes.extend(wash_notes)
    stats = SolveStats(
        n_variables=problem.n_variables, n_integer=problem.n_integer,
        n_constraints=problem.n_constraints, build_seconds=build_s, solve_seconds=solve_s,
        total_seconds=time.perf_counter() - t0, status=sol.status, objective=sol.objective,
        n_solves=n_solves,
    )
    return TradePlan(
        as_of=h.as_of, household=h.name, method="optimized", settings=settings.to_dict(),
        trades=trades, classes=outcome.classes, accounts=outcome.accounts, tax=outcome.tax,
        do_not_buy=dnb, naive=naive, stats=stats, notes=tuple(dict.fromkeys(notes)),
        not_done=undone, conversions=convs, base_currency=h.base_currency,
        usd_per_base=h.usd_per(h.base_currency), currencies=exposure_after(h, orders),
    )


# ------------------------------------------------------------------------- checks


def _sellable_usd(h: Household, account: str) -> float:
    sec = {s.symbol: s for s in h.securities}
    return sum(
        lot.quantity * sec[lot.symbol].price_usd * (1 - sec[lot.symbol].cost_bps / 1e4)
        for lot in h.lots if lot.account == account and sec[lot.symbol].tradable
    )


def _precheck(h: Household, settings: PlanSettings) -> None:
    sec = {s.symbol: s for s in h.securities}
    value: dict[tuple[str, str], float] = defaultdict(float)
    for lot in h.lots:
        value[(lot.account, lot.symbol)] += lot.quantity * sec[lot.symbol].price_usd
    for (account, symbol), v in value.items():
        if v > MAX_POSITION_USD:
            shown = f"{v:,.0f}" if v < 1e15 else f"{v:.3g}"  # a short line for absurd sizes
            raise ConfigError(
                f"account {account}, {symbol}: the position is worth ${shown}, above the "
                f"planner's limit of ${MAX_POSITION_USD:,.0f} per position (check the "
                "quantity and price_usd)")
    binding = []
    for a in h.accounts:
        have = a.cash_usd + a.pending_flow_usd - a.min_cash_usd
        if have < 0:
            sellable = _sellable_usd(h, a.id)
            if sellable + have < -0.005:
                what = "withdrawal" if a.pending_flow_usd < 0 else "cash reserve"
                binding.append(
                    f"account {a.id}: the {what} needs ${-have:,.2f} more than its cash, but "
                    f"its tradable holdings are worth only ${sellable:,.2f} after costs")
    if binding:
        raise PlanInfeasible("the plan cannot raise the cash the accounts need", binding)
    if settings.mode is not PlanMode.FULL_REBALANCE:
        return
    w_after = investable_value_usd(h) + sum(a.pending_flow_usd for a in h.accounts)
    fixed: dict[str, float] = defaultdict(float)
    for lot in h.lots:
        s = sec[lot.symbol]
        if not s.tradable:
            for c, f in s.look_through:
                fixed[c] += lot.quantity * s.price_usd * f
    tradable_classes = {c for s in h.securities if s.tradable for c, _ in s.look_through}
    now = class_values(h)
    for t in h.targets:
        c = t.asset_class
        if w_after <= 0:
            break
        if fixed[c] / w_after > t.weight + t.half_width:
            binding.append(
                f"class {c}: untradable holdings alone are {100 * fixed[c] / w_after:.2f}% of "
                f"the portfolio, above its band's upper edge "
                f"{100 * (t.weight + t.half_width):.2f}%")
        if c not in tradable_classes and now[c] / w_after < t.weight - t.half_width:
            binding.append(
                f"class {c}: below its band ({100 * now[c] / w_after:.2f}% < "
                f"{100 * (t.weight - t.half_width):.2f}%) and no tradable security holds it")
    if binding:
        raise PlanInfeasible("a full rebalance is impossible", binding)


def _diagnose(h: Household, settings: PlanSettings, guard: PlanGuard, sol: Solution,
              ) -> PlanInfeasible:
    """Map a failed solve to the likely binding constraint by relaxing one at a time."""
    if sol.status is SolveStatus.TIME_LIMIT:
        return PlanInfeasible(
            "no feasible plan found within the time limit",
            [f"solver time limit {settings.time_limit_s:g} s"])
    cap = settings.tax_cap_usd
    hard = settings.mode is PlanMode.FULL_REBALANCE
    if hard:
        relaxed = solve(build_problem(h, settings, guard, tax_cap_usd=cap, hard_bands=False),
                        time_limit_s=settings.time_limit_s)
        if relaxed.ok:
            return PlanInfeasible(
                "a full rebalance is impossible",
                ["every class inside its band: the cash, the sellable lots (wash-sale, "
                 "step-up and whole-share rules) and the buyable securities cannot get "
                 "there"])
    if cap is not None:
        relaxed = solve(build_problem(h, settings, guard, tax_cap_usd=None, hard_bands=hard),
                        time_limit_s=settings.time_limit_s)
        if relaxed.ok:
            return PlanInfeasible(
                "the tax limit cannot be met",
                [f"extra tax ≤ ${cap:,.2f}: the sales the plan must make (cash needs, "
                 "bands) realize more tax than that"])
    return PlanInfeasible(
        "no plan satisfies the account cash constraints",
        ["per-account cash: buys + costs ≤ cash + sales + contributions − withdrawals − "
         f"reserve (solver status: {sol.status})"])


# ------------------------------------------------------------------------- decoding


def _floor(x: float, step: float) -> float:
    # 1e-3 of a step absorbs the solver's feasibility tolerance (a buy at its minimum
    # returned as 4.9975019999 shares is 4.997502, not one step less)
    return math.floor(x / step + 1e-3) * step


def _ceil(x: float, step: float) -> float:
    return math.ceil(x / step - 1e-6) * step


def _decode(h: Household, problem: Problem, x: np.ndarray) -> list[Order]:
    """Orders from the solution: rounded (sales up, buys down) and assigned to lots."""
    lot_x = {lv.lot.id: (lv, float(x[lv.col])) for lv in problem.lots}
    orders: list[Order] = []
    cash_delta: dict[str, float] = defaultdict(float)
    acct = {a.id: a for a in h.accounts}
    sec = {s.symbol: s for s in h.securities}
    sale: dict[int, tuple[float, float]] = {}  # position index -> (raw, rounded shares)
    for i, pos in enumerate(problem.positions):
        if pos.sell_col is not None:
            raw = float(x[pos.sell_col])
            if pos.whole_shares:
                # up (cash can only grow: a withdrawal or reserve the sale pays for stays
                # paid), within the whole shares held
                shares = (min(_ceil(raw, 1.0), math.floor(pos.held + 1e-9))
                          if raw > 1e-6 else 0.0)
            else:
                shares = min(_ceil(raw, _EPS_SHARES), pos.held) if raw > _EPS_SHARES / 2 else 0.0
            if problem.min_trade_after and shares < pos.min_sell_shares - 1e-9:
                shares = 0.0
            sale[i] = (raw, shares)
    _cover_cash_needs(h, problem, sale)
    for i, pos in enumerate(problem.positions):
        if i in sale:
            shares = sale[i][1]
            if shares > 0:
                if pos.lot_ids:
                    for part in _assign_lots(pos.lot_ids, lot_x, shares, pos.whole_shares):
                        orders.append(Order(pos.account, pos.symbol, Side.SELL,
                                            sum(q for _, q in part), tuple(part)))
                else:
                    orders.append(Order(pos.account, pos.symbol, Side.SELL, shares))
                cash_delta[pos.account] += shares * pos.price_usd * (1 - pos.cost_rate)
    buys: list[Order] = []
    min_buy = {(pos.account, pos.symbol): pos.min_buy_shares for pos in problem.positions}
    for pos in problem.positions:
        if pos.buy_col is not None:
            raw = float(x[pos.buy_col])
            shares = float(round(raw)) if pos.whole_shares else _floor(raw, _EPS_SHARES)
            if problem.min_trade_after and shares < pos.min_buy_shares - 1e-9:
                shares = 0.0
            if shares > 0:
                buys.append(Order(pos.account, pos.symbol, Side.BUY, shares))
    # Cash check after rounding; trim the largest buys if a cent is missing.
    spend: dict[str, float] = defaultdict(float)
    for o in buys:
        s = sec[o.symbol]
        spend[o.account] += o.shares * s.price_usd * (1 + s.cost_bps / 1e4)
    for conv in conversions(h, orders + buys):  # the netted FX cost is paid from cash too
        spend[conv.account] += conv.cost_usd
    for a_id, total in spend.items():
        a = acct[a_id]
        room = a.cash_usd + a.pending_flow_usd - a.min_cash_usd + cash_delta[a_id]
        short = total - room
        if short <= 1e-9:
            continue
        mine = sorted((o for o in buys if o.account == a_id),
                      key=lambda o: -o.shares * sec[o.symbol].price_usd)
        for o in mine:
            if short <= 1e-9:
                break
            s = sec[o.symbol]
            # a cut frees at least this much a share (its FX may move either way)
            unit = s.price_usd * (1 + s.cost_bps / 1e4
                                  - (h.fx_cost_rate(a_id) if s.currency != "USD" else 0.0))
            step = 1.0 if a.whole_shares else _EPS_SHARES
            cut = min(o.shares, _ceil(short / unit, step))
            if o.shares - cut < min_buy[(o.account, o.symbol)] - 1e-9:
                cut = o.shares  # below the minimum trade once trimmed: drop it
            buys[buys.index(o)] = Order(o.account, o.symbol, Side.BUY, o.shares - cut)
            short -= cut * unit
    orders.extend(o for o in buys if o.shares > 0)
    return orders


def _cover_cash_needs(h: Household, problem: Problem,
                      sale: dict[int, tuple[float, float]]) -> None:
    """Whole-share sales rounded to the nearest share can leave an account short of the
    cash the solution raised (a withdrawal, the reserve) before any buy: round such sales
    up instead (largest fraction first, within the holding) until the account is covered.
    Updates ``sale`` (position index -> (raw, shares)) in place."""
    pos = problem.positions
    ccy = {s.symbol: s.currency for s in h.securities}
    for a in h.accounts:
        mine = [i for i in sale if pos[i].account == a.id]
        # sales alone: a non-USD sale converts back to dollars at the account's FX cost
        fx = {i: h.fx_cost_rate(a.id) if ccy[pos[i].symbol] != "USD" else 0.0 for i in mine}
        room = a.cash_usd + a.pending_flow_usd - a.min_cash_usd + sum(
            sale[i][1] * pos[i].price_usd * (1 - pos[i].cost_rate - fx[i]) for i in mine)
        if room >= -1e-9:
            continue
        down = sorted((i for i in mine if pos[i].whole_shares and sale[i][0] > sale[i][1]),
                      key=lambda i: sale[i][1] - sale[i][0])
        for i in down:
            if room >= -1e-9:
                break
            raw, shares = sale[i]
            up = min(float(math.ceil(raw - 1e-9)), float(math.floor(pos[i].held + 1e-9)))
            if up > shares:
                sale[i] = (raw, up)
                room += (up - shares) * pos[i].price_usd * (1 - pos[i].cost_rate - fx[i])


def _assign_lots(lot_ids: tuple[str, ...], lot_x: dict, shares: float, whole: bool,
                 ) -> list[list[tuple[str, float]]]:
    """Split ``shares`` over the position's lots as the solution says, rounded so the
    lot quantities sum to ``shares`` exactly; returned as [loss lots, gain lots]."""
    items = [(lid, lot_x[lid][0], max(0.0, lot_x[lid][1])) for lid in lot_ids if lid in lot_x]
    step = 1.0 if whole else _EPS_SHARES
    alloc = {lid: min(_floor(q, step), lv.lot.quantity) for lid, lv, q in items}
    rest = shares - sum(alloc.values())
    # Largest remainders first, then the cheapest lots (lowest gain per share).
    order = sorted(items, key=lambda it: (-(it[2] - alloc[it[0]]), it[1].gain_per_share_usd))
    for lid, lv, _ in order + sorted(items, key=lambda it: it[1].gain_per_share_usd):
        if rest <= step / 2:
            break
        cap = lv.lot.quantity - alloc[lid]
        add = min(cap, step if rest >= step else rest)
        if add > 0:
            alloc[lid] += add
            rest -= add
    while rest < -step / 2:  # over-assigned (rare): take back from the costliest lots
        for lid, _lv, _ in sorted(items, key=lambda it: -it[1].gain_per_share_usd):
            take = min(alloc[lid], -rest)
            alloc[lid] -= take
            rest += take
            if rest >= -step / 2:
                break
    gain = {lid: lv.gain_per_share_usd for lid, lv, _ in items}
    losses = [(lid, q) for lid, q in alloc.items() if q > 0 and gain[lid] < 0]
    gains = [(lid, q) for lid, q in alloc.items() if q > 0 and gain[lid] >= 0]
    return [part for part in (losses, gains) if part]


# ------------------------------------------------------------------------- wash sales


def do_not_buy(h: Household) -> tuple[DoNotBuyEntry, ...]:
    """The household's do-not-buy list today, before any planned trade: each wash-sale
    group with a loss sale in the last 30 days, and the first day a buy is safe."""
    return _do_not_buy(h, build_guard(h), [])[0]


def _do_not_buy(h: Household, guard: PlanGuard, orders: list[Order],
                ) -> tuple[tuple[DoNotBuyEntry, ...], list[str]]:
    result = guard.check_plan(tax_trades(h, orders))
    notes = []
    if h.wash_sale.avoid and (result.washed_sales or result.washing_buys):
        notes.append(f"wash-sale guard: {len(result.washed_sales)} planned sale(s) and "
                     f"{len(result.washing_buys)} buy(s) would wash a loss")
    by_group: dict[str, list[str]] = defaultdict(list)
    for s in h.securities:
        by_group[s.wash_group].append(s.symbol)
    entries = []
    for group, losses in sorted(result.state.open_losses.items()):
        live = [x for x in losses if x.last_washing_date >= h.as_of]
        if not live:
            continue
        until: date = max(x.last_washing_date for x in live)
        parts = []
        for x in live:
            if x.proposed:
                parts.append(f"planned loss sale of {x.symbol} in {x.account} on {x.sale_date}")
            else:
                parts.append(f"sale of {x.symbol} in {x.account} on {x.sale_date} (basis "
                             "unknown: treated as a loss)")
        entries.append(DoNotBuyEntry(
            group=group, symbols=tuple(by_group.get(group, [group])), until=until,
            first_safe_date=live[0].last_washing_date.__class__.fromordinal(until.toordinal() + 1),
            planned=any(x.proposed for x in live), reason="; ".join(parts),
        ))
    return tuple(entries), notes
