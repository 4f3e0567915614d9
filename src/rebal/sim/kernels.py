"""The numba kernels of the backtest loop.

Everything here works on integer-indexed float64 arrays; the conventions are
those of ``docs/conventions.md`` (summarised in :func:`simulate`). Short math
names inside the kernels:

``h``   holdings in dollars ``(n_assets,)``         ``V``  portfolio value (dollars)
``w``   current weights (fractions)                  ``ws`` desired post-trade weights
``hw``  band half-width (weight fraction)            ``x``  trade in dollars (+ buy, - sell)
``c``   proportional cost rate (fraction of dollars) ``F``  cash flow in dollars (+ in)
"""

from __future__ import annotations

import numpy as np
from numba import njit

BREACH_TOL = 1e-12
FIXED_POINT_RTOL = 1e-15
FIXED_POINT_MAX_ITER = 1000

STATUS_OK = 0
STATUS_WITHDRAWAL_TOO_LARGE = 1
STATUS_COSTS_EXCEED_VALUE = 2

REASON_REBALANCE = 1
REASON_FLOW = 2


@njit(cache=True, fastmath={"reassoc"})
def row_sums(a, out):
    """``out[t] = sum(a[t])``, reassociated so it vectorizes (differs from a
    left-to-right sum by a few ulps, far below the 1e-12 the tests ask)."""
    for t in range(a.shape[0]):
        s = 0.0
        for i in range(a.shape[1]):
            s += a[t, i]
        out[t] = s


@njit(cache=True)
def _clamped_sum(w, lo, hi, mu):
    s = 0.0
    for i in range(w.shape[0]):
        s += min(max(w[i] - mu, lo[i]), hi[i])
    return s


@njit(cache=True)
def project_to_band(w, lo, hi, out):
    """Euclidean projection of ``w`` on ``{lo <= v <= hi, sum(v) = 1}``.

    The solution is ``clip(w - mu, lo, hi)`` where the scalar ``mu`` makes it sum
    to 1; ``sum(clip(w - mu))`` is piecewise linear and non-increasing in ``mu``,
    so ``mu`` is found exactly between two sorted breakpoints. Requires
    ``sum(lo) <= 1 <= sum(hi)`` (true whenever ``lo <= target <= hi``).
    """
    n = w.shape[0]
    bp = np.empty(2 * n)
    for i in range(n):
        bp[2 * i] = w[i] - hi[i]
        bp[2 * i + 1] = w[i] - lo[i]
    bp.sort()
    mu = bp[2 * n - 1]
    f_prev = _clamped_sum(w, lo, hi, bp[0])
    if f_prev <= 1.0:
        mu = bp[0]
    else:
        for k in range(1, 2 * n):
            f_k = _clamped_sum(w, lo, hi, bp[k])
            if f_k <= 1.0:
                if f_prev == f_k:
                    mu = bp[k]
                else:
                    mu = bp[k - 1] + (f_prev - 1.0) / (f_prev - f_k) * (bp[k] - bp[k - 1])
                break
            f_prev = f_k
    for i in range(n):
        out[i] = min(max(w[i] - mu, lo[i]), hi[i])


@njit(cache=True)
def desired_weights(w, target, hw_row, sizing, scope, breached, ws, lo, hi, tmp):
    """Post-rebalance weights ``ws`` (see :mod:`rebal.policy.policy` for the rules).

    ``sizing``: 0 target, 1 edge, 2 halfway; ``scope``: 0 all, 1 breached only.
    ``breached`` ``(n,)`` bool must be filled by the caller.
    """
    n = w.shape[0]
    n_breached = 0
    for i in range(n):
        if breached[i]:
            n_breached += 1
    if sizing == 0 and (scope == 0 or n_breached == n):
        for i in range(n):
            ws[i] = target[i]
        return
    for i in range(n):
        hw = hw_row[i] if hw_row[i] > 0.0 else 0.0
        lo[i] = max(target[i] - hw, 0.0)
        hi[i] = min(target[i] + hw, 1.0)
    if scope == 1 and n_breached < n:
        sized_sum = 0.0
        rest_w = 0.0
        for i in range(n):
            if breached[i]:
                if sizing == 0:
                    ws[i] = target[i]
                else:
                    edge = min(max(w[i], lo[i]), hi[i])
                    ws[i] = edge if sizing == 1 else 0.5 * (target[i] + edge)
                sized_sum += ws[i]
            else:
                rest_w += w[i]
        resid = 1.0 - sized_sum
        if rest_w > 0.0 and resid >= 0.0:
            scale = resid / rest_w
            for i in range(n):
                if not breached[i]:
                    ws[i] = w[i] * scale
            return
    # every asset sized (or the absorbers cannot absorb): the joint solution
    if sizing == 0:
        for i in range(n):
            ws[i] = target[i]
        return
    project_to_band(w, lo, hi, tmp)
    for i in range(n):
        ws[i] = tmp[i] if sizing == 1 else 0.5 * (target[i] + tmp[i])


@njit(cache=True)
def solve_rebalance(h, ws, c, fixed_usd, min_trade_usd, active, x):
    """Trades ``x`` (dollars) that take holdings ``h`` to weights ``ws`` net of costs.

    1. Traded set (costless, ``V = sum(h)``): every asset starts active; an active
       asset whose trade ``ws_i / W_A * (V - H_F) - h_i`` is exactly 0 or smaller
       than ``min_trade_usd`` is frozen (keeps ``h_i``), where ``W_A`` is the sum of
       ``ws`` over active assets and ``H_F`` the frozen holdings; repeat until no
       active trade is dropped.
    2. Costs with the set fixed: ``V'`` solves ``V' = V - C(V')``, ``C = sum_A
       (c_i |x_i| + fixed_usd)``, ``x_i = ws_i / W_A * (V' - H_F) - h_i``, by Newton
       steps (exact for the final trade signs), stopped at 1e-15 relative.

    Returns ``(n_traded, cost_usd, status)``; ``h`` is left unchanged.
    """
    n = h.shape[0]
    V = 0.0
    w_active = 0.0
    for i in range(n):
        V += h[i]
        w_active += ws[i]
        active[i] = True
    n_active = n
    h_frozen = 0.0
    # x holds each active asset's share ws_i / W_A of (V' - H_F) until the trades are known
    while True:
        if n_active == 0 or w_active <= 0.0:
            return 0, 0.0, STATUS_OK
        dropped = False
        for i in range(n):
            if active[i]:
                x[i] = ws[i] / w_active
                xi = x[i] * (V - h_frozen) - h[i]
                if xi == 0.0 or abs(xi) < min_trade_usd:
                    active[i] = False
                    n_active -= 1
                    dropped = True
        if not dropped:
            break
        w_active = 0.0
        h_frozen = 0.0
        for i in range(n):
            if active[i]:
                w_active += ws[i]
            else:
                h_frozen += h[i]
    # Newton steps on g(V') = V' + C(V') - V, convex and increasing (C is a sum of
    # |affine|): from V' = V (where g >= 0) they fall monotonically onto the root, and
    # are exact once the trade signs stop changing (two or three steps).
    Vp = V
    for _ in range(FIXED_POINT_MAX_ITER):
        num = V - fixed_usd * n_active
        den = 1.0
        for i in range(n):
            if active[i]:
                xi = x[i] * (Vp - h_frozen) - h[i]
                if xi > 0.0:
                    num += c[i] * (x[i] * h_frozen + h[i])
                    den += c[i] * x[i]
                elif xi < 0.0:
                    num -= c[i] * (x[i] * h_frozen + h[i])
                    den -= c[i] * x[i]
        Vn = num / den
        done = abs(Vn - Vp) <= FIXED_POINT_RTOL * V
        Vp = Vn
        if done:
            break
    # one fixed-point step V' = V - C(V') settles on the float fixed point of the cost
    # sum itself, so rounding does not drift one way over thousands of rebalances
    cost = 0.0
    for i in range(n):
        if active[i]:
            cost += c[i] * abs(x[i] * (Vp - h_frozen) - h[i]) + fixed_usd
    Vp = V - cost
    if Vp <= h_frozen:
        return 0, 0.0, STATUS_COSTS_EXCEED_VALUE
    total = 0.0
    for i in range(n):
        if active[i]:
            x[i] = x[i] * (Vp - h_frozen) - h[i]
            total += c[i] * abs(x[i]) + fixed_usd
        else:
            x[i] = 0.0
    return n_active, total, STATUS_OK


@njit(cache=True)
def solve_flow(h, target, F, c, fixed_usd, active, e, x):
    """Trades ``x`` that invest a contribution ``F > 0`` or raise a withdrawal ``F < 0``.

    1. Traded set (costless, ``V1 = sum(h) + F``): with ``s = +1`` (in) or -1 (out),
       ``e_i = s * (target_i * V1 - h_i)`` (dollar shortfall, or excess), water-fill
       ``sum_i max(e_i - lam, 0) = |F|``: the assets with ``e_i > lam`` trade.
    2. Costs with the set ``T`` (``m`` assets) fixed: ``x_i = target_i V' - h_i - k(V')``,
       ``k = (sum_T (target_i V' - h_i) - (V' - V)) / m`` (equal-level water-fill on
       ``T``, ``sum_T x = V' - V``), and ``V' = V + F - C(x)`` by fixed-point iteration.

    Returns ``(n_traded, cost_usd, status)``; ``h`` is left unchanged.
    """
    n = h.shape[0]
    V = 0.0
    for i in range(n):
        V += h[i]
        x[i] = 0.0
        active[i] = False
    V1 = V + F
    if V1 <= 0.0:
        return 0, 0.0, STATUS_WITHDRAWAL_TOO_LARGE
    s = 1.0 if F > 0.0 else -1.0
    amount = abs(F)
    for i in range(n):
        e[i] = s * (target[i] * V1 - h[i])
    order = np.argsort(-e)
    cum = 0.0
    m = n
    for k in range(n):
        cum += e[order[k]]
        lam = (cum - amount) / (k + 1)
        nxt = e[order[k + 1]] if k + 1 < n else -np.inf
        if lam >= nxt:
            m = k + 1
            break
    for k in range(m):
        active[order[k]] = True
    Vp = V1
    kappa = 0.0
    for _ in range(FIXED_POINT_MAX_ITER):
        tot = 0.0
        for i in range(n):
            if active[i]:
                tot += target[i] * Vp - h[i]
        kappa = (tot - (Vp - V)) / m
        cost = 0.0
        for i in range(n):
            if active[i]:
                cost += c[i] * abs(target[i] * Vp - h[i] - kappa) + fixed_usd
        Vn = V1 - cost
        done = abs(Vn - Vp) <= FIXED_POINT_RTOL * V1
        Vp = Vn
        if done:
            break
    if Vp <= 0.0:
        return 0, 0.0, STATUS_WITHDRAWAL_TOO_LARGE
    tot = 0.0
    for i in range(n):
        if active[i]:
            tot += target[i] * Vp - h[i]
    kappa = (tot - (Vp - V)) / m
    total = 0.0
    for i in range(n):
        if active[i]:
            x[i] = target[i] * Vp - h[i] - kappa
            total += c[i] * abs(x[i]) + fixed_usd
            if h[i] + x[i] < -1e-9 * V1:
                return 0, 0.0, STATUS_WITHDRAWAL_TOO_LARGE
    return m, total, STATUS_OK


@njit(cache=True)
def simulate(
    series, is_prices, target, check, band, sizing, scope, rule, flows, c, fixed_usd,
    min_trade_usd, initial_usd,
):
    """Run one backtest.

    Parameters
    ----------
    series, is_prices
        ``(n_days, n_assets)`` simple returns (row t = close t-1 -> close t, row 0
        unused) when ``is_prices`` is False; else prices, and row t's return is
        computed here as ``p[t] / p[t-1] - 1`` (bit-identical to
        ``MarketData.returns()``, without allocating the matrix).
    target
        ``(n_assets,)`` target weights summing to 1.
    check, band, sizing, scope, rule
        The compiled policy (:class:`rebal.policy.CompiledPolicy`); ``band`` is
        ``(n_days, n_assets)`` or ``(1, n_assets)`` (the same widths every row).
    flows
        ``(n_days,)`` dollars in (+) / out (-) at each close (row 0 must be 0).
    c
        ``(n_assets,)`` proportional cost rates (fraction of traded dollars).
    fixed_usd, min_trade_usd, initial_usd
        Dollars.

    Order at each close ``t >= 1``: grow holdings by row ``t``'s returns; trade the
    cash flow; if ``check[t]`` and some asset is breached (``|w - target| >
    band + 1e-12``, or ``band < 0``), rebalance.

    Returns
    -------
    A tuple ``(holdings, values, costs, trade_day, trade_asset, trade_value,
    trade_cost, trade_reason, reb_day, reb_rule, reb_asset, reb_drift, reb_band,
    reb_n_breached, status, status_day)``; the trade and rebalance arrays are
    already cut to length.
    """
    n_days, n = series.shape
    per_row_band = band.shape[0] > 1
    holdings = np.empty((n_days, n))
    values = np.empty(n_days)
    costs = np.zeros(n_days)
    n_events = 0
    for t in range(1, n_days):
        if check[t]:
            n_events += 1
        if flows[t] != 0.0:
            n_events += 1
    cap = n_events * n
    tr_day = np.empty(cap, np.int64)
    tr_asset = np.empty(cap, np.int64)
    tr_value = np.empty(cap)
    tr_cost = np.empty(cap)
    tr_reason = np.empty(cap, np.int64)
    n_chk = 0
    for t in range(n_days):
        if check[t]:
            n_chk += 1
    rb_day = np.empty(n_chk, np.int64)
    rb_rule = np.empty(n_chk, np.int64)
    rb_asset = np.empty(n_chk, np.int64)
    rb_drift = np.empty(n_chk)
    rb_band = np.empty(n_chk)
    rb_nb = np.empty(n_chk, np.int64)
    h = np.empty(n)
    w = np.empty(n)
    ws = np.empty(n)
    lo = np.empty(n)
    hi = np.empty(n)
    tmp = np.empty(n)
    x = np.empty(n)
    breached = np.empty(n, np.bool_)
    active = np.empty(n, np.bool_)
    V = 0.0
    for i in range(n):
        h[i] = target[i] * initial_usd
        holdings[0, i] = h[i]
        V += h[i]
    values[0] = V
    n_tr = 0
    n_rb = 0
    status = STATUS_OK
    status_day = -1
    for t in range(1, n_days):
        # no reduction in this loop, so it vectorizes; V is summed only where needed
        if is_prices:
            for i in range(n):
                h[i] *= 1.0 + (series[t, i] / series[t - 1, i] - 1.0)
        else:
            for i in range(n):
                h[i] *= 1.0 + series[t, i]
        day_cost = 0.0
        if flows[t] != 0.0 or check[t]:
            V = 0.0
            for i in range(n):
                V += h[i]
        if flows[t] != 0.0:
            m, cost, st = solve_flow(h, target, flows[t], c, fixed_usd, active, w, x)
            if st != STATUS_OK:
                status = st
                status_day = t
                break
            V = 0.0
            for i in range(n):
                if active[i]:
                    tr_day[n_tr] = t
                    tr_asset[n_tr] = i
                    tr_value[n_tr] = x[i]
                    tr_cost[n_tr] = c[i] * abs(x[i]) + fixed_usd
                    tr_reason[n_tr] = REASON_FLOW
                    n_tr += 1
                    h[i] += x[i]
                V += h[i]
            day_cost += cost
        if check[t]:
            bt = t if per_row_band else 0
            n_breached = 0
            worst = -np.inf
            arg = 0
            for i in range(n):
                w[i] = h[i] / V
                d = abs(w[i] - target[i])
                breached[i] = band[bt, i] < 0.0 or d > band[bt, i] + BREACH_TOL
                if breached[i]:
                    n_breached += 1
                # the asset furthest beyond its band (largest drift for a calendar)
                excess = d - max(band[bt, i], 0.0)
                if excess > worst:
                    worst = excess
                    arg = i
            if n_breached > 0:
                desired_weights(w, target, band[bt], sizing, scope, breached, ws, lo, hi, tmp)
                m, cost, st = solve_rebalance(h, ws, c, fixed_usd, min_trade_usd, active, x)
                if st != STATUS_OK:
                    status = st
                    status_day = t
                    break
                if m > 0:
                    for i in range(n):
                        if active[i]:
                            tr_day[n_tr] = t
                            tr_asset[n_tr] = i
                            tr_value[n_tr] = x[i]
                            tr_cost[n_tr] = c[i] * abs(x[i]) + fixed_usd
                            tr_reason[n_tr] = REASON_REBALANCE
                            n_tr += 1
                            h[i] += x[i]
                    day_cost += cost
                    rb_day[n_rb] = t
                    rb_rule[n_rb] = rule
                    rb_asset[n_rb] = arg
                    rb_drift[n_rb] = abs(w[arg] - target[arg])
                    rb_band[n_rb] = band[bt, arg] if band[bt, arg] >= 0.0 else np.nan
                    rb_nb[n_rb] = n_breached
                    n_rb += 1
        for i in range(n):
            holdings[t, i] = h[i]
        costs[t] = day_cost
    if status == STATUS_OK:
        row_sums(holdings, values)
    return (
        holdings, values, costs,
        tr_day[:n_tr], tr_asset[:n_tr], tr_value[:n_tr], tr_cost[:n_tr], tr_reason[:n_tr],
        rb_day[:n_rb], rb_rule[:n_rb], rb_asset[:n_rb], rb_drift[:n_rb], rb_band[:n_rb],
        rb_nb[:n_rb],
        status, status_day,
    )
