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
from collections.abc import Iterator
from datetime import date

import numpy as np

from rebal.errors import ConfigError, PlanInfeasible
from rebal.household.model import HeldLot, Household
from rebal.household.views import class_values, investable_value_usd, private_class_values
from rebal.planner._gc import paused_gc
from rebal.planner.alternatives import (
    annotate_trades,
    private_lines,
    private_notes,
    reserve_need,
    reserve_status,
)
from rebal.planner.check import private_checks
from rebal.planner.currency import conversions, currency_notes, exposure_after
from rebal.planner.explain import label_orders
from rebal.planner.guard import PlanGuard, build_guard
from rebal.planner.model import (
    LAZY_MIN_LOTS,
    BucketKey,
    LotFact,
    Problem,
    build_problem,
    lot_buckets,
    taxable_lot_facts,
)
from rebal.planner.naive import naive_plan
from rebal.planner.not_done import not_done
from rebal.planner.outcome import Order, Outcome, evaluate
from rebal.planner.result import DoNotBuyEntry, PrivateLine, SolveStats, TradePlan
from rebal.planner.settings import PlanMode, PlanSettings, SolveStatus
from rebal.planner.solver import Solution, solve
from rebal.types import FloatArray, Side

__all__ = ["MAX_POSITION_USD", "do_not_buy", "plan"]

_EPS_SHARES = 1e-6  # fractional-share precision of orders
_TAX_TOL = 0.005  # dollars: a cap is met when exceeded by less than half a cent
_CUT_LEVELS = 2  # chunks doubling in size around a cut: this many on each side
_LP_FIRST = True  # refine the lazy model on its LP relaxation before the first MIP
_MIP_REL_GAP = 1e-6  # the solver's relative optimality gap (planner.solver.solve default)
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
    with paused_gc():  # rebal.planner._gc: its collections here freed nothing, cost ~20 %
        return _plan(household, settings)


def _plan(household: Household, settings: PlanSettings | None) -> TradePlan:
    settings = settings or PlanSettings()
    t0 = time.perf_counter()
    h = household
    _precheck(h, settings)
    guard = build_guard(h)
    naive = naive_plan(h, guard=guard) if settings.compare_naive else None
    cap = settings.tax_cap_usd
    notes: list[str] = []
    n_solves = 0
    build_s = solve_s = 0.0
    best: tuple[Problem, Solution, list[Order], Outcome] | None = None
    model_cap = cap
    facts = taxable_lot_facts(h, settings, guard)
    n_taxable_lots = sum(len(v) for v in facts.values())
    exact: dict[BucketKey, tuple[int, ...]] | None = (
        {} if n_taxable_lots >= LAZY_MIN_LOTS else None)
    for attempt in range(4):
        # Share counts are solved continuous and rounded (fast); when rounding leaves the
        # exact tax over its limit, the last attempts solve them as integers (exact).
        problem, sol, n, b_s, s_s = _build_and_solve(
            h, settings, guard, facts, exact, tax_cap_usd=model_cap,
            integer_shares=True if attempt >= 2 else None)
        build_s += b_s
        solve_s += s_s
        n_solves += n
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
    private: tuple[PrivateLine, ...] = ()
    if h.private_funds:  # the reserve and the liquid substitutes (planner/alternatives.py)
        need = reserve_need(h)
        status = None if need is None else reserve_status(h, need, orders, outcome)
        private = private_lines(h, orders, outcome)
        trades = annotate_trades(h, trades, status, private)
        notes.extend(private_notes(h, status, private))
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
        private=private,
        private_views=private_checks(h) if h.private_funds else (),
    )


# ------------------------------------------------------------------------- solving


def _build_and_solve(h: Household, settings: PlanSettings, guard: PlanGuard,
                     facts: dict[tuple[str, str], tuple[LotFact, ...]],
                     exact: dict[BucketKey, tuple[int, ...]] | None, *,
                     tax_cap_usd: float | None, integer_shares: bool | None,
                     ) -> tuple[Problem, Solution, int, float, float]:
    """Build and solve the model; returns (problem, solution, solves, build s, solve s).

    With ``exact`` ``None`` the exact model (a column per lot) is solved once. Otherwise
    the lazy model (:func:`rebal.planner.model.build_problem`, a relaxation of the exact
    one, so its optimum — and any bound the solver proves on it — bounds the exact
    optimum from below) is refined in place (``exact`` gains cuts; :func:`_cut`):

    1. on the LP relaxation until no chunk is sold in part (cheap solves, good chunks);
    2. then the MIP; a solution that sells no chunk in part is one of the exact model
       with the same objective: optimal for it. Otherwise its integer variables are
       fixed and the LP refined until no chunk is sold in part: a solution of the exact
       model (an incumbent). When the incumbent is within the solver's own optimality
       gap of the best proven bound (``mip_gap_usd``, or 1e-6 of the objective) it is
       optimal in the solver's sense; else the MIP is solved again on the refined chunks,
       started from the incumbent when it is a point of that very problem (no cut since):
       where the incumbent is the optimum, HiGHS then only proves it (a 50,000-lot
       household's second MIP: 1.2–1.3 s → 0.5 s); where it is not, the start changed
       nothing measurable.

    The loop ends since every round cuts a chunk. When the time limit runs out the best
    incumbent is returned with the status ``time_limit`` (the exact model is solved
    instead only if there is none).
    """
    build_s = solve_s = 0.0
    n = 0
    deadline = time.perf_counter() + settings.time_limit_s
    groups = {k: lot_buckets(v) for k, v in facts.items()} if exact is not None else None
    memo: dict = {}
    n_cuts = 0  # cuts made so far: the lazy model changes only with them
    built: tuple[int, Problem] | None = None  # the last lazy build and the cuts it had

    def run(exact_: dict[BucketKey, tuple[int, ...]] | None,
            starts: tuple[tuple[Problem, Solution] | None, ...] = (), **kw: object,
            ) -> tuple[Problem, Solution]:
        """Build (or reuse) and solve; a MIP starts from the best of ``starts`` that is
        a point of the problem solved."""
        nonlocal build_s, solve_s, n, built
        tb = time.perf_counter()
        if exact_ is not None and built is not None and built[0] == n_cuts:
            problem = built[1]  # no cut since (a MIP after LP rounds that cut nothing)
        else:
            problem = build_problem(h, settings, guard, tax_cap_usd=tax_cap_usd,
                                    integer_shares=integer_shares, lot_facts=facts,
                                    exact=exact_, lot_groups=groups, memo=memo)
            if exact_ is not None:
                built = (n_cuts, problem)
        build_s += time.perf_counter() - tb
        left = deadline - time.perf_counter() if exact_ is not None else settings.time_limit_s
        # a MIP round gets at least a quarter of the limit even when the LP rounds took
        # the rest (the plan may then exceed the limit by that much)
        floor = 0.05 if kw.get("relax") else 0.25 * settings.time_limit_s
        mine = [st for st in starts
                if st is not None and st[0] is problem and st[1].objective is not None]
        start = min(mine, key=lambda st: st[1].objective)[1].x if mine else None
        sol = solve(problem, time_limit_s=max(left, floor), mip_abs_gap_usd=settings.mip_gap_usd,
                    presolve=exact_ is None, sub_mips=exact_ is None, start_point=start,
                    **kw)  # type: ignore[arg-type]
        solve_s += sol.seconds
        n += 1
        return problem, sol

    def refine_lp(exact_: dict[BucketKey, tuple[int, ...]], fix: FloatArray | None,
                  ) -> tuple[Problem, Solution] | None:
        """LP rounds (integers relaxed, or fixed at ``fix``) until no chunk is sold in
        part; None if infeasible or out of time."""
        nonlocal n_cuts
        while True:
            problem, sol = run(exact_, relax=True, fix_integers=fix)
            if not sol.ok or sol.x is None or sol.status is not SolveStatus.OPTIMAL:
                return None
            partial = problem.inexact_chunks(sol.x)
            if not partial:
                return problem, sol
            if fix is None and time.perf_counter() >= deadline:
                # (with integers fixed the rounds go on: they are cheap and end, and the
                # incumbent they give is what a time limit returns)
                return None
            for ch in partial:
                _cut(exact_, ch.bucket, ch.start, ch.stop, ch.used(sol.x), groups)
            n_cuts += len(partial)

    if exact is None:
        problem, sol = run(None)
        return problem, sol, n, build_s, solve_s
    if _LP_FIRST:
        refine_lp(exact, None)
    best: tuple[Problem, Solution] | None = None
    inc: tuple[Problem, Solution] | None = None  # the last incumbent
    bound = -math.inf
    while True:
        problem, sol = run(exact, starts=(best, inc))
        if not sol.ok or sol.x is None:
            break
        if sol.bound is not None:
            bound = max(bound, sol.bound)
        partial = problem.inexact_chunks(sol.x)
        if not partial and sol.status is SolveStatus.OPTIMAL:
            return problem, sol, n, build_s, solve_s
        for ch in partial:
            _cut(exact, ch.bucket, ch.start, ch.stop, ch.used(sol.x), groups)
        n_cuts += len(partial)
        ints = sol.x[np.flatnonzero(problem.integrality)]
        inc = refine_lp(exact, ints) if partial else (problem, sol)
        if inc is not None and inc[1].objective is not None and (
                best is None or inc[1].objective < best[1].objective - 1e-9):
            best = inc
        if best is not None and best[1].objective is not None:
            v = best[1].objective
            if v - bound <= max(settings.mip_gap_usd, _MIP_REL_GAP * abs(v)):
                p_, s_ = _with_status(best, SolveStatus.OPTIMAL, bound, solve_s)
                return p_, s_, n, build_s, solve_s
        if sol.status is SolveStatus.TIME_LIMIT or time.perf_counter() >= deadline:
            break
    if best is not None:
        p_, s_ = _with_status(best, SolveStatus.TIME_LIMIT, bound, solve_s)
        return p_, s_, n, build_s, solve_s
    problem, sol = run(None)  # no incumbent in time: the exact model, as before
    return problem, sol, n, build_s, solve_s


def _with_status(pair: tuple[Problem, Solution], status: SolveStatus, bound: float,
                 seconds: float) -> tuple[Problem, Solution]:
    problem, sol = pair
    msg = ("lazy model: incumbent within the optimality gap of the bound"
           if status is SolveStatus.OPTIMAL else "lazy model: time limit; best incumbent")
    return problem, Solution(x=sol.x, status=status, objective=sol.objective,
                             seconds=seconds, message=msg,
                             bound=bound if math.isfinite(bound) else None)


def _cut(exact: dict[BucketKey, tuple[int, ...]], key: BucketKey, start: int, stop: int,
         shares: float, groups: dict | None, levels: int = _CUT_LEVELS) -> None:
    """Cut chunk ``start:stop`` of bucket ``key``, sold in part (``shares``), around the
    lot where that sale would end with lots taken by ascending gain per share, and by
    descending: that lot alone, and :data:`_CUT_LEVELS` chunks doubling in size away from
    it on both sides (lots near where the sale ends become columns, far ones stay
    grouped), so the next solve can move the end of the sale a little exactly."""
    assert groups is not None
    bucket = groups[(key[0], key[1])][(key[2], key[3], key[4], key[5])]
    ub = [f.ub for f in bucket[start:stop]]
    ends: set[int] = set()
    got = 0.0
    for i, u in enumerate(ub):  # ascending
        got += u
        if got >= shares - 1e-9:
            ends.add(start + i)
            break
    got = 0.0
    for i in range(len(ub) - 1, -1, -1):  # descending
        got += ub[i]
        if got >= shares - 1e-9:
            ends.add(start + i)
            break
    new: set[int] = set()
    for k in ends:
        new.update((k, k + 1))
        step, level = 1, 0
        while (k + 1 + step < stop or k - step > start) and level < levels:
            new.update((k + 1 + step, k - step))
            step *= 2
            level += 1
    new = {c for c in new if start < c < stop}
    if not new:
        new = {(start + stop) // 2}
    exact[key] = tuple(sorted(set(exact.get(key, ())) | new))


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
    private = private_class_values(h)
    for c, v in private.items():  # private funds are not traded either
        fixed[c] += v
    tradable_classes = {c for s in h.securities if s.tradable for c, _ in s.look_through}
    now = class_values(h)
    for t in h.targets:
        c = t.asset_class
        if w_after <= 0:
            break
        if fixed[c] / w_after > t.weight + t.half_width:
            binding.append(
                f"class {c}: untradable holdings alone"
                f"{' (with its private funds)' if c in private else ''} are "
                f"{100 * fixed[c] / w_after:.2f}% of "
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
    # as in _floor: a sale returned as 46.00000000000227 shares is 46, not one step more
    # (that step, given to another lot, once sold a millionth of a share of a lot whose
    # loss a recent purchase washes)
    return math.ceil(x / step - 1e-3) * step


def _decode(h: Household, problem: Problem, x: np.ndarray) -> list[Order]:
    """Orders from the solution: rounded (sales up, buys down) and assigned to lots."""
    # lot id -> (lot, gain per share, shares the solution sells of it)
    lot_x: dict[str, tuple[HeldLot, float, float]] = {
        lv.lot.id: (lv.lot, lv.gain_per_share_usd, float(x[lv.col])) for lv in problem.lots}
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
            # below the minimum: dropped — applied after solving, or a solver's order binary
            # within its integrality tolerance of 0 letting ``x ≤ bound·y`` leak a few
            # cents (an IRA sale of $0.01 was planned)
            if shares < pos.min_sell_shares - 1e-9:
                shares = 0.0
            sale[i] = (raw, shares)
    _cover_cash_needs(h, problem, sale)
    if problem.chunks:  # the lazy model: lots inside chunks of the positions sold
        sold = {(problem.positions[i].account, problem.positions[i].symbol)
                for i, (_, q) in sale.items() if q > 0}
        in_chunks = problem.chunk_lot_shares(x, sold)
        lot_x.update((f.lot.id, (f.lot, f.gain_per_share_usd, in_chunks[f.lot.id]))
                     for f in problem.idle_lots(sold))
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
            if shares < pos.min_buy_shares - 1e-9:  # as for sales
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


def _assign_lots(lot_ids: tuple[str, ...], lot_x: dict[str, tuple[HeldLot, float, float]],
                 shares: float, whole: bool,
                 ) -> list[list[tuple[str, float]]]:
    """Split ``shares`` over the position's lots as the solution says, rounded so the
    lot quantities sum to ``shares`` exactly; returned as [loss lots, gain lots].

    What rounding adds goes to the lots the solution sells (largest remainders first,
    then the cheapest), then to lots it left alone — gain lots before loss lots: a sale
    at a gain can never wash, while a loss lot the solution left alone may be one the
    wash-sale guard kept out of the plan."""
    # (lot id, lot, gain per share, shares the solution sells)
    items = []
    for lid in lot_ids:
        e = lot_x.get(lid)
        if e is not None:
            items.append((lid, e[0], e[1], max(0.0, e[2])))
    step = 1.0 if whole else _EPS_SHARES
    # (a lot the solution leaves alone floors to 0.0: most of a 50,000-lot household's)
    alloc = {lid: min(_floor(q, step), lot.quantity) if q > 0 else 0.0
             for lid, lot, _, q in items}
    rest = shares - sum(alloc.values())
    sold = sorted((it for it in items if it[3] > 0),
                  key=lambda it: (-(it[3] - alloc[it[0]]), it[2]))

    def order() -> Iterator[tuple[str, HeldLot, float, float]]:
        yield from sold
        yield from sorted(sold, key=lambda it: it[2])
        # the lots left alone, sorted only when rounding gets to them (it rarely does;
        # they are most of a position's lots: with the skipped floors, 89 -> 83 ms of
        # _decode for a 50,000-lot household)
        yield from sorted((it for it in items if it[3] <= 0),
                          key=lambda it: (it[2] < 0, it[2]))

    for lid, lot, _, _ in order():
        if rest <= step / 2:
            break
        cap = lot.quantity - alloc[lid]
        add = min(cap, step if rest >= step else rest)
        if add > 0:
            alloc[lid] += add
            rest -= add
    while rest < -step / 2:  # over-assigned (rare): take back from the costliest lots
        for lid, _, _, _ in sorted(items, key=lambda it: -it[2]):
            take = min(alloc[lid], -rest)
            alloc[lid] -= take
            rest += take
            if rest >= -step / 2:
                break
    gain = {lid: g for lid, _, g, _ in items}
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
    result = guard.check_orders(orders)
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
