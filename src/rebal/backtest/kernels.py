"""The numba kernels of the backtest loop.

Everything here works on integer-indexed float64 arrays; the conventions are
those of ``docs/conventions.md`` (summarised in :func:`simulate`). Short math
names inside the kernels:

``s``   shares held (units of each asset's price index) ``(n_assets,)``
``h``   holdings in dollars ``(n_assets,)``         ``V``  portfolio value (dollars)
``w``   current weights (fractions)                  ``ws`` desired post-trade weights
``hw``  band half-width (weight fraction)            ``x``  trade in dollars (+ buy, - sell)
``c``   proportional cost rate (fraction of dollars) ``F``  cash flow in dollars (+ in)

Share accounting: between two trades the portfolio holds a fixed number of
shares ``s`` of each price index, so its value at row ``t`` is ``s · p[t]`` (a
read of the price row, nothing written but the value). Dollars are only formed
on event rows (a look, an action or a cash flow) and trades convert back to
shares at the close price. The kernel therefore returns the share vector after
each row that traded (sparse) instead of an ``(n_days, n_assets)`` holdings
matrix; :func:`holdings_from_shares` expands it on demand.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from rebal.jit import njit_cached

from rebal.policy.breach import drift_breaches
from rebal.types import BoolArray, FloatArray, IntArray

ZERO_TRADE_RTOL = 1e-12
"""A costless rebalance trade within 1e-12 of the value from zero is float noise (an
asset already at its sized point, e.g. inside its band under "to edge"): not traded."""
FIXED_POINT_RTOL = 1e-15
FIXED_POINT_MAX_ITER = 1000

STATUS_OK = 0
STATUS_WITHDRAWAL_TOO_LARGE = 1
STATUS_COSTS_EXCEED_VALUE = 2

REASON_REBALANCE = 1
REASON_FLOW = 2

TRIGGER_BAND = 0
TRIGGER_SCORE = 1

# error_model="numpy": no ZeroDivisionError branches in the loops (every divisor
# here is a positive value or price); bounds checks are off (numba's default,
# stated so an environment override cannot slow the engine silently).
_jit = njit_cached(error_model="numpy", boundscheck=False)


@njit_cached(error_model="numpy", boundscheck=False, fastmath={"reassoc", "contract"})
def fill_values(prices, s, t0, t1, values):
    """``values[t] = s · prices[t]`` for ``t0 <= t < t1``.

    Reassociated (and fused multiply-adds allowed) so the row dot product
    vectorizes: it differs from a left-to-right sum by a few ulps (and by where
    the row falls in a block of four), far below the 1e-12 the tests ask. This loop
    is the whole cost of a quiet row.
    """
    n = s.shape[0]
    t = t0
    # four rows at a time: four independent vector sums in flight instead of one
    # (each row's sum ends in a horizontal add; alone it is latency-bound)
    while t + 4 <= t1:
        v0 = 0.0
        v1 = 0.0
        v2 = 0.0
        v3 = 0.0
        for i in range(n):
            si = s[i]
            v0 += si * prices[t, i]
            v1 += si * prices[t + 1, i]
            v2 += si * prices[t + 2, i]
            v3 += si * prices[t + 3, i]
        values[t] = v0
        values[t + 1] = v1
        values[t + 2] = v2
        values[t + 3] = v3
        t += 4
    for r in range(t, t1):
        v = 0.0
        for i in range(n):
            v += s[i] * prices[r, i]
        values[r] = v


def holdings_from_shares(share_days, shares, prices):
    """``(n_days, n_assets)`` dollars held after each close's trades.

    Parameters
    ----------
    share_days
        ``(k,)`` increasing rows at which ``shares`` were set (row 0 first).
    shares
        ``(k, n_assets)`` shares held from that row's close on.
    prices
        ``(n_days, n_assets)`` price indices.
    """
    rows = np.searchsorted(share_days, np.arange(prices.shape[0]), "right") - 1
    return shares[rows] * prices


@_jit
def _fsum(w, lo, hi, mu):
    """``Σ_i clip(w_i − mu, lo_i, hi_i)`` left to right: the projection's sum ``f(mu)``."""
    s = 0.0
    for i in range(w.shape[0]):
        s += min(max(w[i] - mu, lo[i]), hi[i])
    return s


@_jit
def _fsum2(w, lo, hi, mu_a, mu_b):
    """:func:`_fsum` at two points at once (two independent left-to-right chains: the
    same sums, half the latency)."""
    sa = 0.0
    sb = 0.0
    for i in range(w.shape[0]):
        sa += min(max(w[i] - mu_a, lo[i]), hi[i])
        sb += min(max(w[i] - mu_b, lo[i]), hi[i])
    return sa, sb


@_jit
def _next_up(bp, x):
    """Smallest breakpoint ``>= x`` (``inf`` if none)."""
    b = np.inf
    for q in range(bp.shape[0]):
        if bp[q] >= x and bp[q] < b:
            b = bp[q]
    return b


@_jit
def _next_down(bp, x):
    """Largest breakpoint ``< x`` (``-inf`` if none)."""
    b = -np.inf
    for q in range(bp.shape[0]):
        if bp[q] < x and bp[q] > b:
            b = bp[q]
    return b


@njit_cached(error_model="numpy", boundscheck=False, fastmath=True)
def _root_guess(w, lo, hi):
    """A guess of the root of ``f(mu) = 1`` (one Newton step from 0 on the piecewise-linear
    sum; reassociated and vectorized: only its distance to the root matters, and only to
    the speed of :func:`project_to_band`)."""
    f = 0.0
    m = 0.0
    for i in range(w.shape[0]):
        v = w[i]
        cv = min(max(v, lo[i]), hi[i])
        f += cv
        m += 1.0 if cv == v else 0.0
    return (f - 1.0) / m if m > 0.0 else 0.0


@_jit
def _bracket(w, lo, hi, x):
    """``(max{b < x}, min{b >= x})`` over the breakpoints ``w_i − hi_i``, ``w_i − lo_i``
    (``∓inf`` if none). Branch-free: as ``lo_i <= hi_i``, ``w_i − hi_i <= w_i − lo_i``, so
    each asset offers its smaller breakpoint ``>= x`` and its larger one ``< x``
    (min and max are exact, so the order of the scan does not matter)."""
    lo_b = -np.inf
    hi_b = np.inf
    for i in range(w.shape[0]):
        b1 = w[i] - hi[i]
        b2 = w[i] - lo[i]
        up = b1 if b1 >= x else b2
        up = up if up >= x else np.inf
        down = b2 if b2 < x else b1
        down = down if down < x else -np.inf
        hi_b = up if up < hi_b else hi_b
        lo_b = down if down > lo_b else lo_b
    return lo_b, hi_b


@_jit
def project_to_band(w, lo, hi, out, bp):
    """Euclidean projection of ``w`` on ``{lo <= v <= hi, sum(v) = 1}`` into ``out``.

    The solution is ``clip(w - mu, lo, hi)`` where the scalar ``mu`` makes it sum
    to 1; ``f(mu) = sum(clip(w - mu))`` (:func:`_fsum`, left to right) is piecewise
    linear and non-increasing, so ``mu`` is found exactly between two breakpoints
    ``w_i − hi_i``, ``w_i − lo_i``. Requires ``sum(lo) <= 1 <= sum(hi)`` (true whenever
    ``lo <= target <= hi``).

    The defining algorithm (tests/sweep/test_kernel_fast_paths.py keeps it as the
    reference, and this function equal to it bit for bit) sorts the ``2n``
    breakpoints, scans them for the first ``b`` with ``f(b) <= 1``, and interpolates
    between it and the breakpoint before it. Here without the sort: ``f`` is exactly
    non-increasing in floating point too (each term is a monotone rounding of a
    monotone function; rounded sums of monotone terms are monotone), so that pair is
    ``b_hi = min{b : f(b) <= 1}`` and ``b_lo = max{b : b < b_hi}``, whatever order
    finds them. A Newton step on the piecewise-linear ``f`` guesses the root, one
    branch-free scan brackets it between two adjacent breakpoints (the pair, nearly
    always), a local walk over the breakpoints corrects a guess in the wrong
    piece, and the interpolation is the reference's expression on the same operands.
    ``bp`` ``(2n,)`` is scratch of the walk.
    """
    n = w.shape[0]
    mu = _root_guess(w, lo, hi)
    b_lo, b_hi = _bracket(w, lo, hi, mu)
    # b_lo = max{b < b_hi} already; the sums at both (an infinite point is never used)
    f_lo, f_hi = _fsum2(w, lo, hi, b_lo, b_hi)
    if (b_hi < np.inf and f_hi > 1.0) or (b_lo > -np.inf and f_lo <= 1.0):
        for i in range(n):
            bp[2 * i] = w[i] - hi[i]
            bp[2 * i + 1] = w[i] - lo[i]
        # walk up while f(b_hi) > 1, then down while f(b_lo) <= 1
        if b_hi < np.inf and f_hi > 1.0:
            while b_hi < np.inf and f_hi > 1.0:
                b_hi = _next_up(bp, np.nextafter(b_hi, np.inf))
                f_hi = _fsum(w, lo, hi, b_hi) if b_hi < np.inf else 0.0
            b_lo = _next_down(bp, b_hi)
            f_lo = _fsum(w, lo, hi, b_lo) if b_lo > -np.inf else 0.0
        while b_lo > -np.inf and f_lo <= 1.0:
            b_hi = b_lo
            f_hi = f_lo
            b_lo = _next_down(bp, b_hi)
            f_lo = _fsum(w, lo, hi, b_lo) if b_lo > -np.inf else 0.0
    if b_hi == np.inf:
        mu = b_lo  # no breakpoint has f <= 1: the engine ends on the largest
    elif b_lo == -np.inf:
        mu = b_hi  # f(smallest breakpoint) <= 1
    else:
        mu = b_lo + (f_lo - 1.0) / (f_lo - f_hi) * (b_hi - b_lo)
    for i in range(n):
        out[i] = min(max(w[i] - mu, lo[i]), hi[i])


@_jit
def desired_weights(w, target, hw_row, sizing, sized, ws, lo, hi, tmp, bp=None):
    """Post-rebalance weights ``ws`` (see :mod:`rebal.policy.policy` for the rules).

    ``sizing``: 0 target, 1 edge, 2 halfway. ``sized`` ``(n,)`` bool marks the
    assets moved to their sized point (the group's assets, or its breached ones);
    the others absorb the residual weight in proportion to their current weights.
    When every asset is sized, or the absorbers cannot absorb (no weight, or the
    sized points take more than 100 %), the joint solution: the target, or the
    projection of ``w`` on the band box ``{lo <= v <= hi, sum(v) = 1}``.

    ``lo``, ``hi``, ``tmp`` ``(n,)`` and ``bp`` ``(2n,)`` are scratch; the kernels
    pass ``bp`` (no allocation per rebalance: the sweep's edge-sized grids rebalance
    almost daily), Python callers may leave it out. The engine and the sweep both
    call this one function (tests/sweep/test_kernel_fast_paths.py checks the two
    forms bit for bit).
    """
    n = w.shape[0]
    if bp is None:
        bp = np.empty(2 * n)
    n_sized = 0
    for i in range(n):
        if sized[i]:
            n_sized += 1
    if sizing == 0 and n_sized == n:
        for i in range(n):
            ws[i] = target[i]
        return
    for i in range(n):
        hw = hw_row[i] if hw_row[i] > 0.0 else 0.0
        lo[i] = max(target[i] - hw, 0.0)
        hi[i] = min(target[i] + hw, 1.0)
    if n_sized < n:
        sized_sum = 0.0
        rest_w = 0.0
        for i in range(n):
            if sized[i]:
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
                if not sized[i]:
                    ws[i] = w[i] * scale
            return
    # every asset sized (or the absorbers cannot absorb): the joint solution
    if sizing == 0:
        for i in range(n):
            ws[i] = target[i]
        return
    if sizing == 1:
        project_to_band(w, lo, hi, ws, bp)
        return
    project_to_band(w, lo, hi, tmp, bp)
    for i in range(n):
        ws[i] = 0.5 * (target[i] + tmp[i])


@_jit
def solve_rebalance(h, V, ws, c, fixed_usd, min_trade_usd, active, x, sg):
    """Trades ``x`` (dollars) that take holdings ``h`` to weights ``ws`` net of costs.

    1. Traded set (costless, ``V = sum(h)``, given left to right by the caller):
       every asset starts active; an active asset whose trade ``ws_i / W_A * (V -
       H_F) - h_i`` is 0 (within ``ZERO_TRADE_RTOL * V``) or smaller than
       ``min_trade_usd`` is frozen (keeps ``h_i``), where ``W_A`` is the sum of ``ws``
       over active assets and ``H_F`` the frozen holdings; repeat until no active
       trade is dropped.
    2. Costs with the set fixed: ``V'`` solves ``V' = V - C(V')``, ``C = sum_A
       (c_i |x_i| + fixed_usd)``, ``x_i = ws_i / W_A * (V' - H_F) - h_i``, by Newton
       steps, stopped when the trade signs at the new ``V'`` are those the step
       assumed (it is then the root); ``sg`` ``(n,)`` is scratch for the signs.

    Returns ``(n_traded, V', H_F, status)``; on return ``active`` marks the traded
    assets and ``x_i`` holds ``ws_i / W_A``: the caller makes the trades
    ``x_i * (V' - H_F) - h_i`` (one pass with its bookkeeping). ``h`` is unchanged.
    """
    n = h.shape[0]
    w_active = 0.0
    for i in range(n):
        w_active += ws[i]
        active[i] = True
    n_active = n
    h_frozen = 0.0
    # Newton steps on g(V') = V' + C(V') - V, convex and increasing (C is a sum of
    # |affine|): from V' = V (where g >= 0) they fall monotonically onto the root, and
    # are exact once the trade signs stop changing. Each pass evaluates the trades at
    # a V', records their signs and builds the next step from them; the first pass
    # (at V' = V) is also the traded-set pass. x holds each active asset's share
    # ws_i / W_A of (V' - H_F) until the trades are known.
    num = 0.0
    den = 1.0
    while True:
        if n_active == 0 or w_active <= 0.0:
            return 0, 0.0, 0.0, STATUS_OK
        dropped = False
        num = 0.0
        den = 1.0
        for i in range(n):
            if active[i]:
                x[i] = ws[i] / w_active
                xi = x[i] * (V - h_frozen) - h[i]
                if abs(xi) <= ZERO_TRADE_RTOL * V or abs(xi) < min_trade_usd:
                    active[i] = False
                    n_active -= 1
                    dropped = True
                # signs as arithmetic, not branches: they are coin flips to a predictor
                sg[i] = np.sign(xi)
                num += sg[i] * c[i] * (x[i] * h_frozen + h[i])
                den += sg[i] * c[i] * x[i]
        if not dropped:
            break
        w_active = 0.0
        h_frozen = 0.0
        for i in range(n):
            if active[i]:
                w_active += ws[i]
            else:
                h_frozen += h[i]
    base = V - fixed_usd * n_active
    num += base
    cost = 0.0
    for _ in range(FIXED_POINT_MAX_ITER):
        Vp = num / den
        num = base
        den = 1.0
        cost = 0.0
        changed = False
        for i in range(n):
            if active[i]:
                xi = x[i] * (Vp - h_frozen) - h[i]
                si = np.sign(xi)
                changed |= si != sg[i]
                sg[i] = si
                num += si * c[i] * (x[i] * h_frozen + h[i])
                den += si * c[i] * x[i]
                cost += c[i] * abs(xi) + fixed_usd
        if not changed:
            break
    # one fixed-point step V' = V - C(V') settles on the float fixed point of the cost
    # sum itself, so rounding does not drift one way over thousands of rebalances
    Vp = V - cost
    if Vp <= h_frozen:
        return 0, 0.0, 0.0, STATUS_COSTS_EXCEED_VALUE
    return n_active, Vp, h_frozen, STATUS_OK


@njit_cached(error_model="numpy", boundscheck=False, inline="always")
def _log_trade(tr_i, tr_f, k, t, i, reason, value_usd, cost_usd):
    """Entry ``k`` of the trade log: rows day, asset, reason of ``tr_i`` ``(3, cap)`` and
    value, cost (dollars) of ``tr_f`` ``(2, cap)`` (see :class:`SimOutput`; inlined)."""
    tr_i[0, k] = t
    tr_i[1, k] = i
    tr_i[2, k] = reason
    tr_f[0, k] = value_usd
    tr_f[1, k] = cost_usd


@njit_cached(error_model="numpy", boundscheck=False, inline="always")
def _log_rebalance(rb_i, rb_f, k, t, rule, group, asset, n_breached, drift, half_width, score,
                  regime):
    """Entry ``k`` of the rebalance log: rows day, rule, group, asset, n_breached of
    ``rb_i`` ``(5, cap)`` and drift, band, score, regime of ``rb_f`` ``(4, cap)`` (see
    :class:`SimOutput`; inlined)."""
    rb_i[0, k] = t
    rb_i[1, k] = rule
    rb_i[2, k] = group
    rb_i[3, k] = asset
    rb_i[4, k] = n_breached
    rb_f[0, k] = drift
    rb_f[1, k] = half_width
    rb_f[2, k] = score
    rb_f[3, k] = regime


@_jit
def record_rebalance(h, s, x, active, Vp, h_frozen, c, fixed_usd, prices, t, tr_i, tr_f, n_tr):
    """Make the trades :func:`solve_rebalance` sized (``x_i * (V' - H_F) - h_i`` for the
    active assets), log them from slot ``n_tr`` on, and turn dollars back into shares at
    row ``t``'s close (only traded assets: the others keep their share count exactly).

    Returns ``(n_tr, cost_usd, V)``: the next free slot, the dollars paid, the value after.
    """
    V = 0.0
    cost = 0.0
    for i in range(h.shape[0]):
        if active[i]:
            xi = x[i] * (Vp - h_frozen) - h[i]
            ci = c[i] * abs(xi) + fixed_usd
            cost += ci
            _log_trade(tr_i, tr_f, n_tr, t, i, REASON_REBALANCE, xi, ci)
            n_tr += 1
            h[i] += xi
            s[i] = h[i] / prices[t, i]
        V += h[i]
    return n_tr, cost, V


@njit_cached(error_model="numpy", boundscheck=False, inline="always")
def _flow_level(h, target, active, m, V, Vp):
    """``k(V') = (sum_T (target_i V' - h_i) - (V' - V)) / m`` of :func:`solve_flow`: the
    common level its ``m`` traded assets ``T`` (``active``) are filled to (inlined)."""
    tot = 0.0
    for i in range(h.shape[0]):
        if active[i]:
            tot += target[i] * Vp - h[i]
    return (tot - (Vp - V)) / m


@_jit
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
        kappa = _flow_level(h, target, active, m, V, Vp)
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
    kappa = _flow_level(h, target, active, m, V, Vp)
    total = 0.0
    for i in range(n):
        if active[i]:
            x[i] = target[i] * Vp - h[i] - kappa
            total += c[i] * abs(x[i]) + fixed_usd
            if h[i] + x[i] < -1e-9 * V1:
                return 0, 0.0, STATUS_WITHDRAWAL_TOO_LARGE
    return m, total, STATUS_OK


@njit_cached(error_model="numpy", boundscheck=False, fastmath={"reassoc", "contract"})
def solve_to_target(h, V, x, c, fixed_usd, min_trade_usd, sg):
    """:func:`solve_rebalance` for ``ws = target`` when no asset is frozen (the fast path).

    ``x`` ``(n,)`` holds ``target_i / W_A`` (``W_A = sum(target)``, computed once by
    the caller: with no asset frozen it never changes). The common rebalance (every
    asset to target) in as few passes as the cost solve allows: the traded-set pass
    (which also finds the most drifted asset, ``max_i |x_i V - h_i|``), then Newton
    passes on ``V'`` (usually one: it confirms the trade signs and sums the costs).
    The arithmetic of :func:`solve_rebalance` with ``H_F = 0``, its sums reassociated
    (fused multiply-adds allowed) so the passes vectorize: ``V'`` moves by a few ulps,
    far below the 1e-12 the tests ask (as :func:`fill_values`).

    Returns ``(ok, V', arg, status)``: ``ok`` is False when the traded-set pass would
    freeze an asset (a trade within ``ZERO_TRADE_RTOL * V`` of 0 or below
    ``min_trade_usd``); the caller then runs :func:`solve_rebalance`. On success the
    trades are ``x_i * V' - h_i``; ``arg`` is the most drifted asset; ``sg`` ``(n,)``
    is scratch.
    """
    n = h.shape[0]
    tol = ZERO_TRADE_RTOL * V
    num = 0.0
    den = 1.0
    ok = True
    arg = 0
    worst = -1.0
    for i in range(n):
        xi = x[i] * V - h[i]
        a = abs(xi)
        ok &= a > tol and a >= min_trade_usd
        if a > worst:
            worst = a
            arg = i
        # signs as arithmetic, not branches: they are coin flips to a predictor
        si = float((xi > 0.0) - (xi < 0.0))
        sg[i] = si
        num += si * c[i] * h[i]
        den += si * c[i] * x[i]
    if not ok:
        return False, 0.0, arg, STATUS_OK
    base = V - fixed_usd * n
    num += base
    cost = 0.0
    for _ in range(FIXED_POINT_MAX_ITER):
        Vp = num / den
        cost = 0.0
        changed = False
        for i in range(n):
            xi = x[i] * Vp - h[i]
            si = float((xi > 0.0) - (xi < 0.0))
            changed |= si != sg[i]
            sg[i] = si
            cost += c[i] * abs(xi) + fixed_usd
        if not changed:
            break
        # the signs moved: the next Newton step from them (rarely needed, so not
        # summed in the pass above)
        num = base
        den = 1.0
        for i in range(n):
            num += sg[i] * c[i] * h[i]
            den += sg[i] * c[i] * x[i]
    Vp = V - cost
    if Vp <= 0.0:
        return True, 0.0, arg, STATUS_COSTS_EXCEED_VALUE
    return True, Vp, arg, STATUS_OK


class SimMarket(NamedTuple):
    """The market and the portfolio's start: the first input of :func:`simulate`.

    Attributes
    ----------
    prices
        ``(n_days, n_assets)`` total-return price indices (> 0).
    target
        ``(n_assets,)`` target weights summing to 1.
    initial_usd
        Dollars bought at the targets at row 0's close.
    """

    prices: FloatArray
    target: FloatArray
    initial_usd: float


class SimPolicy(NamedTuple):
    """A :class:`rebal.policy.CompiledPolicy` in the kernel's forms: the second input of
    :func:`simulate` (each field is described with the kernel's parameters,
    :func:`_simulate_kernel`)."""

    group: IntArray
    check: BoolArray
    act: BoolArray
    has_act: bool
    band: FloatArray
    sizing: IntArray
    scope: IntArray
    rule: int
    trigger_kind: int
    w_drift: float
    w_time: float
    horizon_rows: float
    threshold: float
    market_factor: FloatArray
    regime: FloatArray


class SimCosts(NamedTuple):
    """Trading costs and cash flows: the third input of :func:`simulate`.

    Attributes
    ----------
    flows
        ``(n_days,)`` dollars in (+) / out (-) at each close (row 0 must be 0).
    cost_rates
        ``(n_assets,)`` proportional cost rates (fraction of traded dollars).
    fixed_usd, min_trade_usd
        Dollars per trade; the smallest rebalance trade made.
    """

    flows: FloatArray
    cost_rates: FloatArray
    fixed_usd: float
    min_trade_usd: float


class SimOutput(NamedTuple):
    """Every output of :func:`simulate`, packed in one float64 and one int64 buffer (two
    arrays to box instead of nine) with the counts and offsets that cut them.

    Attributes
    ----------
    floats
        ``values`` ``[0, n_days)``, ``costs`` ``[n_days, 2 n_days)``, ``score``
        ``[2 n_days, f_shares)`` (``(n_days,)``, NaN off look days, for a score
        trigger; empty otherwise), the share vectors ``(n_share_rows, n_assets)`` from
        ``f_shares``, the trades' value and cost rows (``trade_cap`` apart) from
        ``f_trades``, the rebalances' drift, band, score and regime rows
        (``rebalance_cap`` apart) from ``f_rebalances``.
    ints
        ``share_days`` ``[0, n_share_rows)``, the trades' day, asset and reason rows
        (``trade_cap`` apart) from ``i_trades``, the rebalances' day, rule, group, asset
        and n_breached rows (``rebalance_cap`` apart) from ``i_rebalances``.
    n_share_rows, n_trades, n_rebalances
        Entries of the share vectors, the trade log and the rebalance log.
    status, status_day
        ``STATUS_OK`` (0), or the failure's code and row.
    """

    floats: FloatArray
    ints: IntArray
    n_share_rows: int
    n_trades: int
    n_rebalances: int
    f_shares: int
    f_trades: int
    f_rebalances: int
    trade_cap: int
    i_trades: int
    i_rebalances: int
    rebalance_cap: int
    status: int
    status_day: int


def simulate(market: SimMarket, policy: SimPolicy, costs: SimCosts) -> SimOutput:
    """Run one backtest (:func:`_simulate_kernel` on the three bundles).

    The bundles cross into numba as plain tuples (``tuple(bundle)``) and the kernel
    names their fields again, and the output crosses back as a plain tuple named
    here: numba types a plain tuple from its C fingerprint but a named one through
    Python (about 2.5 µs a call, 2 % of a monthly 20-asset backtest), and boxes a
    named one by unpickling its class.
    """
    return SimOutput._make(_simulate_kernel(tuple(market), tuple(policy), tuple(costs)))


@_jit
def _simulate_kernel(market_fields, policy_fields, costs_fields):
    """Run one backtest.

    ``market_fields``, ``policy_fields``, ``costs_fields``: the fields of a
    :class:`SimMarket`, a :class:`SimPolicy` and a :class:`SimCosts` (as tuples, see
    :func:`simulate`), named here:

    Parameters
    ----------
    prices, target, initial_usd
        :class:`SimMarket`.
    group
        ``(n_assets,)`` int64 group (tier) of each asset, ``0 … n_groups - 1``.
    check, act, has_act
        ``(n_days, n_groups)`` bool look days and action days per group; when
        ``has_act`` is False ``act`` is ignored (act on look days).
    band
        ``(n_days, n_assets)`` or ``(1, n_assets)`` half-widths in force;
        negative = no band (the group trades on every look day).
    sizing, scope
        ``(n_groups,)`` int64 codes per group (sizing 0 target / 1 edge / 2
        halfway; scope 0 the group's assets / 1 its breached assets).
    rule
        Rule code logged for every rebalance.
    trigger_kind
        0: a group fires when one of its assets is strictly beyond its band;
        1: the score (one group): ``w_drift * 100 * max_i |w_i - target_i| /
        band_i + market_factor[t] + w_time * 100 * (rows since the last
        rebalance) / horizon_rows >= threshold``.
    w_drift, w_time, horizon_rows, threshold, market_factor
        Score parameters (``market_factor`` ``(n_days,)``, or empty for kind 0).
    regime
        ``(n_days,)`` state logged with each rebalance, or empty.
    flows, c (``cost_rates``), fixed_usd, min_trade_usd
        :class:`SimCosts`.

    Order at each close ``t >= 1``: value the shares at row ``t``'s prices;
    trade the cash flow; then for each group in order: on a look day evaluate
    the trigger (a hit sets the group's pending flag); on an action day with
    the flag set, re-evaluate on the current weights, rebalance the group if
    it still fires, and clear the flag. Each group sees the previous groups'
    trades of the row.

    Fast path: a calendar (one group, no action days, constant negative bands)
    to target fires on every look day with every asset breached, so it skips
    the weights and the sizing and solves with :func:`solve_to_target`; the
    most drifted asset is found on ``|h_i - target_i V|`` (no division).

    Returns
    -------
    tuple
        The fields of a :class:`SimOutput` (the packed outputs), in order:
        :func:`simulate` names them. Time-weighted returns are left to the caller
        (:func:`rebal.backtest.engine.time_weighted_returns`).
    """
    # the fields by name (locals: the loops below read them as plain arrays)
    mk = SimMarket(*market_fields)
    prices, target, initial_usd = mk.prices, mk.target, mk.initial_usd
    pol = SimPolicy(*policy_fields)
    group, check, act, has_act = pol.group, pol.check, pol.act, pol.has_act
    band, sizing, scope, rule = pol.band, pol.sizing, pol.scope, pol.rule
    trigger_kind, w_drift, w_time = pol.trigger_kind, pol.w_drift, pol.w_time
    horizon_rows, threshold = pol.horizon_rows, pol.threshold
    market_factor, regime = pol.market_factor, pol.regime
    co = SimCosts(*costs_fields)
    flows, c, fixed_usd, min_trade_usd = co.flows, co.cost_rates, co.fixed_usd, co.min_trade_usd
    n_days, n = prices.shape
    n_groups = check.shape[1]
    per_row_band = band.shape[0] > 1
    has_regime = regime.shape[0] > 0

    # event rows: the only rows where dollars are formed
    # and an upper bound on the trades: n per flow and per group looking or acting
    # (the arrays are sized once: numba reloads arrays that are reassigned in a loop)
    ev_rows = np.empty(n_days, np.int64)
    n_ev = 0
    n_slots = 0
    one_group = n_groups == 1 and not has_act
    n_flows = 0
    for t in range(1, n_days):  # vectorizes: most backtests have no flows
        n_flows += flows[t] != 0.0
    if one_group and n_flows == 0:
        # the common case: the events are the look days (a predictable branch
        # per row, cheaper than the branch-free compaction below)
        for t in range(1, n_days):
            if check[t, 0]:
                ev_rows[n_ev] = t
                n_ev += 1
        n_slots = n_ev
    else:
        for t in range(1, n_days):
            k = 1 if flows[t] != 0.0 else 0
            if one_group:
                k += check[t, 0]
            else:
                for g in range(n_groups):
                    k += check[t, g] or (has_act and act[t, g])
            # branch-free compaction: most rows are not events
            ev_rows[n_ev] = t
            n_ev += k > 0
            n_slots += k

    # a calendar to target: every look day rebalances every asset to target
    cal_fast = one_group and trigger_kind == TRIGGER_BAND and not per_row_band and sizing[0] == 0
    x_fast = np.empty(n)
    if cal_fast:
        w_target = 0.0
        for i in range(n):
            w_target += target[i]
            if band[0, i] >= 0.0:
                cal_fast = False
        for i in range(n):
            x_fast[i] = target[i] / w_target

    # every output lives in one float and one int buffer (two arrays to box, not
    # nine); the caller slices them with the offsets returned
    cap = n_slots * n
    rb_cap = n_ev * n_groups
    n_score = n_days if trigger_kind == TRIGGER_SCORE else 0
    o_sh = 2 * n_days + n_score
    o_tr = o_sh + (n_ev + 1) * n
    o_rb = o_tr + 2 * cap
    fbuf = np.empty(o_rb + 4 * rb_cap)
    values = fbuf[:n_days]
    costs = fbuf[n_days:2 * n_days]
    costs[:] = 0.0
    score_out = fbuf[2 * n_days:o_sh]
    score_out[:] = np.nan
    sh = fbuf[o_sh:o_tr].reshape((n_ev + 1, n))
    tr_f = fbuf[o_tr:o_rb].reshape((2, cap))
    rb_f = fbuf[o_rb:].reshape((4, rb_cap))
    i_tr = n_ev + 1
    i_rb = i_tr + 3 * cap
    ibuf = np.empty(i_rb + 5 * rb_cap, np.int64)
    sh_day = ibuf[:i_tr]
    tr_i = ibuf[i_tr:i_rb].reshape((3, cap))
    rb_i = ibuf[i_rb:].reshape((5, rb_cap))
    tr_day = tr_i[0]
    tr_asset = tr_i[1]
    tr_reason = tr_i[2]
    tr_value = tr_f[0]
    tr_cost = tr_f[1]

    s = np.empty(n)
    h = np.empty(n)
    w = np.empty(n)
    ws = np.empty(n)
    lo = np.empty(n)
    hi = np.empty(n)
    tmp = np.empty(n)
    bp = np.empty(2 * n)
    x = np.empty(n)
    sg = np.empty(n)
    breached = np.empty(n, np.bool_)
    sized = np.empty(n, np.bool_)
    active = np.empty(n, np.bool_)
    pending = np.zeros(n_groups, np.bool_)

    V = 0.0
    for i in range(n):
        h[i] = target[i] * initial_usd
        s[i] = h[i] / prices[0, i]
        V += h[i]
    values[0] = V
    sh_day[0] = 0
    for i in range(n):
        sh[0, i] = s[i]
    n_sh = 1
    n_tr = 0
    n_rb = 0
    last_rb = 0
    status = STATUS_OK
    status_day = -1
    prev = 0
    for k in range(n_ev):
        t = ev_rows[k]
        fill_values(prices, s, prev + 1, t, values)
        prev = t
        V = 0.0
        for i in range(n):
            h[i] = s[i] * prices[t, i]
            V += h[i]
        day_cost = 0.0
        traded = False
        if flows[t] != 0.0:
            m, cost, st = solve_flow(h, target, flows[t], c, fixed_usd, active, w, x)
            if st != STATUS_OK:
                status = st
                status_day = t
                break
            V = 0.0
            for i in range(n):
                if active[i]:
                    _log_trade(tr_i, tr_f, n_tr, t, i, REASON_FLOW, x[i],
                              c[i] * abs(x[i]) + fixed_usd)
                    n_tr += 1
                    h[i] += x[i]
                    # dollars back to shares at the close, only for the assets that
                    # trade (the others keep their share count exactly)
                    s[i] = h[i] / prices[t, i]
                    traded = True
                V += h[i]
            day_cost += cost
        if cal_fast:
            if check[t, 0]:
                ok, Vp, arg, st = solve_to_target(h, V, x_fast, c, fixed_usd, min_trade_usd, sg)
                h_frozen = 0.0
                m = n
                if not ok:
                    # the most drifted asset: |w_i - target_i| scaled by V, no division
                    worst = -1.0
                    for i in range(n):
                        d = abs(h[i] - target[i] * V)
                        if d > worst:
                            worst = d
                            arg = i
                    m, Vp, h_frozen, st = solve_rebalance(h, V, target, c, fixed_usd,
                                                          min_trade_usd, active, x, sg)
                drift = abs(h[arg] / V - target[arg])
                if st != STATUS_OK:
                    status = st
                    status_day = t
                    break
                if m > 0:
                    V = 0.0
                    cost = 0.0
                    if ok:
                        # the constant streams as one run each (a fill, not interleaved)
                        tr_day[n_tr:n_tr + n] = t
                        tr_reason[n_tr:n_tr + n] = REASON_REBALANCE
                        for i in range(n):
                            xi = x_fast[i] * Vp - h[i]
                            ci = c[i] * abs(xi) + fixed_usd
                            cost += ci
                            tr_asset[n_tr + i] = i
                            tr_value[n_tr + i] = xi
                            tr_cost[n_tr + i] = ci
                            h[i] += xi
                            V += h[i]
                        n_tr += n
                        # a loop of its own: the divisions vectorize
                        for i in range(n):
                            s[i] = h[i] / prices[t, i]
                    else:
                        n_tr, cost, V = record_rebalance(h, s, x, active, Vp, h_frozen, c,
                                                         fixed_usd, prices, t, tr_i, tr_f,
                                                         n_tr)
                    traded = True
                    day_cost += cost
                    _log_rebalance(rb_i, rb_f, n_rb, t, rule, 0, arg, n, drift, np.nan,
                                  np.nan, regime[t] if has_regime else np.nan)
                    n_rb += 1
                    last_rb = t
            n_groups_now = 0
        else:
            n_groups_now = n_groups
        bt = t if per_row_band else 0
        for g in range(n_groups_now):
            look = check[t, g]
            acts = act[t, g] if has_act else look
            if not look and not (acts and pending[g]):
                continue
            if trigger_kind == TRIGGER_BAND and not (acts and pending[g]):
                # most look days of a band breach nothing: count the breaches first in
                # a lean pass (the same weights and rule as below, bit for bit) and
                # skip the logging pass when there is none
                n_breached = 0
                for i in range(n):
                    if group[i] == g:
                        n_breached += drift_breaches(abs(h[i] / V - target[i]), band[bt, i])
                if n_breached == 0:
                    continue
            # the trigger on the current weights (after the flow and earlier groups)
            n_breached = 0
            arg = -1
            fires = False
            sc = np.nan
            for i in range(n):
                w[i] = h[i] / V
            if trigger_kind == TRIGGER_SCORE:
                ratio_max = -np.inf
                for i in range(n):
                    d = abs(w[i] - target[i])
                    # (a score's bands are all > 0: CompiledPolicy checks it)
                    breached[i] = drift_breaches(d, band[bt, i])
                    if breached[i]:
                        n_breached += 1
                    ratio = d / band[bt, i]
                    if ratio > ratio_max:
                        ratio_max = ratio
                        arg = i
                sc = (w_drift * (100.0 * ratio_max) + market_factor[t]
                      + w_time * (100.0 * (t - last_rb) / horizon_rows))
                fires = sc >= threshold
                if look:
                    score_out[t] = sc
            else:
                worst = -np.inf
                for i in range(n):
                    if group[i] != g:
                        breached[i] = False
                        continue
                    d = abs(w[i] - target[i])
                    breached[i] = drift_breaches(d, band[bt, i])
                    if breached[i]:
                        n_breached += 1
                    # the asset furthest beyond its band (largest drift for a calendar)
                    excess = d - max(band[bt, i], 0.0)
                    if excess > worst:
                        worst = excess
                        arg = i
                fires = n_breached > 0
            if look and fires:
                pending[g] = True
            if not (acts and pending[g]):
                continue
            pending[g] = False
            if not fires:
                continue
            n_sized = 0
            for i in range(n):
                sized[i] = group[i] == g and (scope[g] == 0 or breached[i])
                if sized[i]:
                    n_sized += 1
            if n_sized == 0:
                continue
            if sizing[g] == 0 and n_sized == n:  # the common case: all to target
                m, Vp, h_frozen, st = solve_rebalance(h, V, target, c, fixed_usd,
                                                      min_trade_usd, active, x, sg)
            else:
                desired_weights(w, target, band[bt], sizing[g], sized, ws, lo, hi, tmp, bp)
                m, Vp, h_frozen, st = solve_rebalance(h, V, ws, c, fixed_usd, min_trade_usd,
                                                      active, x, sg)
            if st != STATUS_OK:
                status = st
                status_day = t
                break
            if m == 0:
                continue
            n_tr, cost, V = record_rebalance(h, s, x, active, Vp, h_frozen, c, fixed_usd,
                                             prices, t, tr_i, tr_f, n_tr)
            traded = True
            day_cost += cost
            _log_rebalance(rb_i, rb_f, n_rb, t, rule, g, arg, n_breached,
                          abs(w[arg] - target[arg]),
                          band[bt, arg] if band[bt, arg] >= 0.0 else np.nan, sc,
                          regime[t] if has_regime else np.nan)
            n_rb += 1
            last_rb = t
        if status != STATUS_OK:
            break
        if traded:
            sh_day[n_sh] = t
            for i in range(n):
                sh[n_sh, i] = s[i]
            n_sh += 1
        values[t] = V
        costs[t] = day_cost
    if status == STATUS_OK:
        fill_values(prices, s, prev + 1, n_days, values)
    # SimOutput's fields (named by simulate: numba boxes a named tuple through Python)
    return (fbuf, ibuf, n_sh, n_tr, n_rb, o_sh, o_tr, o_rb, cap, i_tr, i_rb, rb_cap, status,
            status_day)
