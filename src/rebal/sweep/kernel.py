"""The batched sweep kernel: many configurations, one pass over the price rows.

A block of up to :data:`BLOCK` configurations walks the rows together: each price
row is read once and every configuration of the block values its share vector at
it (share accounting, ``V = s · p[t]``) with eight interleaved sums. Jobs (a block
on one price path) run on worker threads (the kernel releases the GIL), so both
cores work. Per configuration the kernel keeps compact accumulators (growth, sums of
returns and squares, drawdown, turnover, costs, rebalances) — the ``(n_days,)``
value path only when asked.

Exactness. On every row the value of each configuration is the left-to-right sum
``Σ_i fl(s_i p_i)``: bit for bit what :func:`rebal.sim.kernels.simulate` computes
on its event rows. A look row fires exactly as in the engine
(``|h_i / V − target_i| > band_i + 1e-12``), and the trades reuse the engine's
helpers (``desired_weights``, ``solve_rebalance``, ``solve_flow``), so each
configuration's path equals its single ``run_backtest`` up to the ulps of the
engine's reassociated quiet-row sums.

The drift guard (why daily band checks are cheap). Between two trades the shares
are fixed, so with ``G_j = p_j(t) / p_j(t0)`` the weights move as
``w_i(t) = w_i(t0) G_i / Σ_j w_j(t0) G_j`` and
``|w_i(t) − w_i(t0)| ≤ w_i(t0) (max_j G_j / min_j G_j − 1) ≤ w_i(t0) (e^{C(t) − C(t0)} − 1)``,
where ``C`` (:func:`spread_cum`) is the running sum over rows of the cross-asset
spread of daily log returns (``max_j − min_j``; one array per price path, shared by
every configuration). After an exact test at ``t0`` that does not fire, no asset can
breach while ``C(t) − C(t0) < min_i log1p((band_i − |w_i − target_i|) / w_i)``
(less :data:`GUARD_MARGIN`; the kernel uses the smaller ``min_i slack_i / max_i w_i``),
so those look rows skip the test: a proof, not a heuristic. A look row that is
tested is first screened with multiplies only (:data:`PREFILTER_MARGIN`). Flows,
trades and per-row bands re-arm the guard at the next look row.

Supported per configuration: one group (no tiers), band or calendar triggers
(``trigger_kind`` 0), any look mask and optional action mask, constant or per-row
bands (volatility-scaled, regime tables), every sizing and scope, per-asset
proportional costs, fixed costs, minimum trade; the study's cash flows are
shared. Other policies (score trigger, tiers) run through the engine one by one
(:mod:`rebal.sweep.runner`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rebal.sim.kernels import (
    BREACH_TOL,
    STATUS_OK,
    desired_weights,
    solve_flow,
    solve_rebalance,
)

BLOCK = 8
"""Configurations sharing one pass over the rows."""

PREFILTER_MARGIN = 1e-13
"""Weight units: the multiply-only screen of a look row flags every asset within this
of the exact threshold (its own rounding error is ~1e-15)."""

GUARD_MARGIN = 1e-8
"""Log units taken off the drift guard's horizon (the float error of ``C`` over
10,000 rows is below 1e-10)."""


def spread_cum(prices: np.ndarray) -> np.ndarray:
    """``C(t)``: cumulative sum over rows ``1 … t`` of ``max_j − min_j`` of the daily
    log returns ``log(p_j(t) / p_j(t−1))`` (``C(0) = 0``); ``(…, n_days)`` for
    ``(…, n_days, n_assets)`` prices."""
    lr = np.log(prices[..., 1:, :] / prices[..., :-1, :])
    out = np.zeros(prices.shape[:-1])
    np.cumsum(lr.max(axis=-1) - lr.min(axis=-1), axis=-1, out=out[..., 1:])
    return out


# accumulator columns of ``acc`` (per path and configuration)
A_FINAL = 0  # value after the last close (dollars)
A_GROWTH = 1  # prod(1 + r_t) over rows 1..n-1
A_SUM_R = 2  # sum of r_t
A_SUM_R2 = 3  # sum of r_t^2
A_SUM_E = 4  # sum of (r_t - rf_t)
A_SUM_E2 = 5  # sum of (r_t - rf_t)^2
A_MAX_DD = 6  # min over rows of W_t / max(W_0..t) - 1 (<= 0)
A_TURNOVER = 7  # sum over rebalance rows of sum|x| / 2 / value before trading
A_COSTS = 8  # dollars paid on every trade after row 0 (rebalances and flows)
A_COSTS_REB = 9  # dollars paid on rebalance trades
A_N_REB = 10  # rebalances (rows with a rebalance that traded)
A_SUM_V = 11  # sum of values over rows 1..n-1 (for the cost drag)
N_ACC = 12

_JIT = {"cache": True, "error_model": "numpy", "boundscheck": False}


@njit(**_JIT)
def _values8(prices, t, S):
    """``Σ_i fl(S[i, k] p[t, i])`` left to right for the 8 lanes (the engine's event-row
    sum, bit for bit); eight scalar chains interleave, so the row costs one pass."""
    v0 = v1 = v2 = v3 = v4 = v5 = v6 = v7 = 0.0
    for i in range(S.shape[0]):
        pi = prices[t, i]
        v0 += S[i, 0] * pi
        v1 += S[i, 1] * pi
        v2 += S[i, 2] * pi
        v3 += S[i, 3] * pi
        v4 += S[i, 4] * pi
        v5 += S[i, 5] * pi
        v6 += S[i, 6] * pi
        v7 += S[i, 7] * pi
    return v0, v1, v2, v3, v4, v5, v6, v7


@njit(**_JIT, nogil=True)
def _run_block(
    prices,
    spread_cum,
    rf,
    flows,
    target,
    checks,
    acts,
    band_rows,
    cfg_mask,
    cfg_amask,
    cfg_bstart,
    cfg_brow,
    sizing,
    scope,
    c_rows,
    fixed,
    min_trade,
    initial_usd,
    j0,
    j1,
    acc,
    status,
    status_day,
    values,
):
    """Configurations ``j0 … j1-1`` on one price path (``values`` ``(K, n_days)`` or empty)."""
    n_days, n = prices.shape
    kb = BLOCK
    keep = values.shape[0] > 0
    S = np.empty((n, kb))
    tau = np.full(kb, -np.inf)
    V = np.zeros(kb)
    Vprev = np.empty(kb)
    Vpre = np.empty(kb)
    W = np.ones(kb)
    peak = np.ones(kb)
    dd = np.zeros(kb)
    ev = np.zeros(kb, np.bool_)
    look = np.zeros(kb, np.bool_)
    pending = np.zeros(kb, np.bool_)
    alive = np.ones(kb, np.bool_)
    a = np.zeros((kb, 12))
    s_r = np.zeros(BLOCK)
    s_r2 = np.zeros(BLOCK)
    s_e = np.zeros(BLOCK)
    s_e2 = np.zeros(BLOCK)
    s_v = np.zeros(BLOCK)
    # scratch of the event code (one configuration at a time)
    h = np.empty(n)
    w = np.empty(n)
    ws = np.empty(n)
    lo = np.empty(n)
    hi = np.empty(n)
    tmp = np.empty(n)
    x = np.empty(n)
    sg = np.empty(n)
    e = np.empty(n)
    breached = np.empty(n, np.bool_)
    sized = np.empty(n, np.bool_)
    active = np.empty(n, np.bool_)

    # lanes past the block's end repeat its last configuration (results discarded)
    lane = np.empty(kb, np.int64)
    for k in range(kb):
        lane[k] = min(j0 + k, j1 - 1)
    lmask = np.empty(kb, np.int64)
    lamask = np.empty(kb, np.int64)
    for k in range(kb):
        lmask[k] = cfg_mask[lane[k]]
        lamask[k] = cfg_amask[lane[k]]
    for k in range(kb):
        j = lane[k]
        v = 0.0
        for i in range(n):
            hi0 = target[i] * initial_usd
            S[i, k] = hi0 / prices[0, i]
            v += hi0
        V[k] = v
        Vprev[k] = v
        if keep and j0 + k < j1:
            values[j, 0] = v

    for t in range(1, n_days):
        # value every configuration at the row's prices (asset-major: vectorizes over k)
        v0, v1, v2, v3, v4, v5, v6, v7 = _values8(prices, t, S)
        V[0] = v0
        V[1] = v1
        V[2] = v2
        V[3] = v3
        V[4] = v4
        V[5] = v5
        V[6] = v6
        V[7] = v7
        Vpre[:] = V
        F = flows[t]
        if F != 0.0:
            for k in range(kb):
                if not alive[k]:
                    continue
                j = lane[k]
                for i in range(n):
                    h[i] = S[i, k] * prices[t, i]
                m, cost, st = solve_flow(h, target, F, c_rows[j], fixed[j], active, e, x)
                if st != STATUS_OK:
                    alive[k] = False
                    status[j] = st
                    status_day[j] = t
                    continue
                v = 0.0
                for i in range(n):
                    if active[i]:
                        h[i] += x[i]
                        S[i, k] = h[i] / prices[t, i]
                    v += h[i]
                V[k] = v
                a[k, 8] += cost
                tau[k] = -np.inf
        # a look row the drift guard clears cannot fire: nothing to do unless an
        # action row must clear a pending flag
        ct = spread_cum[t]
        n_ev = 0
        for k in range(kb):
            lk = checks[t, lmask[k]]
            look[k] = lk
            acting = pending[k] and (lamask[k] < 0 or acts[t, lamask[k]])
            ev[k] = alive[k] and ((lk and ct >= tau[k]) or acting)
            n_ev += ev[k]
        if n_ev > 0:
            for k in range(kb):
                if not ev[k]:
                    continue
                j = lane[k]
                lk = look[k]
                ak = acts[t, cfg_amask[j]] if cfg_amask[j] >= 0 else lk
                fires = False
                n_breached = 0
                Vk = V[k]
                brow = cfg_bstart[j] + (t if cfg_brow[j] else 0)
                if ct >= tau[k]:
                    # multiply-only screen: no asset within 1e-13 of its threshold means
                    # no breach (its rounding error is ~1e-15 V); else the engine's test
                    lim = (PREFILTER_MARGIN - BREACH_TOL) * Vk
                    min_num = np.inf
                    max_h = 0.0
                    n_cand = 0
                    for i in range(n):
                        hi_ = S[i, k] * prices[t, i]
                        num = band_rows[brow, i] * Vk - abs(hi_ - target[i] * Vk)
                        min_num = min(min_num, num)
                        max_h = max(max_h, hi_)
                        n_cand += num < lim
                    if n_cand > 0:
                        for i in range(n):
                            h[i] = S[i, k] * prices[t, i]
                            w[i] = h[i] / Vk
                            d = abs(w[i] - target[i])
                            bi = band_rows[brow, i]
                            breached[i] = bi < 0.0 or d > bi + BREACH_TOL
                            n_breached += breached[i]
                        fires = n_breached > 0
                    # re-arm: every asset has slack >= min_num / V and weight <= max_h / V
                    if fires or min_num <= 0.0 or cfg_brow[j]:
                        tau[k] = -np.inf
                    else:
                        tau[k] = ct + np.log1p(min_num / max_h) - GUARD_MARGIN
                if lk and fires:
                    pending[k] = True
                if not (ak and pending[k]):
                    continue
                pending[k] = False
                if not fires:
                    continue
                n_sized = 0
                for i in range(n):
                    sized[i] = scope[j] == 0 or breached[i]
                    n_sized += sized[i]
                if n_sized == 0:
                    continue
                c = c_rows[j]
                if sizing[j] == 0 and n_sized == n:
                    m, Vp, h_frozen, st = solve_rebalance(
                        h, Vk, target, c, fixed[j], min_trade[j], active, x, sg
                    )
                else:
                    desired_weights(w, target, band_rows[brow], sizing[j], sized, ws, lo, hi, tmp)
                    m, Vp, h_frozen, st = solve_rebalance(
                        h, Vk, ws, c, fixed[j], min_trade[j], active, x, sg
                    )
                if st != STATUS_OK:
                    alive[k] = False
                    status[j] = st
                    status_day[j] = t
                    continue
                if m == 0:
                    continue
                v = 0.0
                cost = 0.0
                gross = 0.0
                for i in range(n):
                    if active[i]:
                        xi = x[i] * (Vp - h_frozen) - h[i]
                        cost += c[i] * abs(xi) + fixed[j]
                        gross += abs(xi)
                        h[i] += xi
                        S[i, k] = h[i] / prices[t, i]
                    v += h[i]
                V[k] = v
                tau[k] = -np.inf
                a[k, 8] += cost
                a[k, 9] += cost
                a[k, 7] += gross / 2.0 / Vpre[k]
                a[k, 10] += 1.0
        # the row's return and its accumulators
        rft = rf[t]
        for k in range(BLOCK):
            r = (V[k] - F) / Vprev[k] - 1.0
            ex = r - rft
            s_r[k] += r
            s_r2[k] += r * r
            s_e[k] += ex
            s_e2[k] += ex * ex
            s_v[k] += V[k]
            wk = W[k] * (1.0 + r)
            W[k] = wk
            pk = max(peak[k], wk)
            peak[k] = pk
            dd[k] = min(dd[k], wk / pk - 1.0)
            Vprev[k] = V[k]
        if keep:
            for k in range(kb):
                if j0 + k < j1:
                    values[j0 + k, t] = V[k]
    for k in range(j1 - j0):
        j = j0 + k
        acc[j, 0] = V[k] if alive[k] else np.nan
        acc[j, 1] = W[k]
        acc[j, 6] = dd[k]
        acc[j, 2] = s_r[k]
        acc[j, 3] = s_r2[k]
        acc[j, 4] = s_e[k]
        acc[j, 5] = s_e2[k]
        acc[j, 11] = s_v[k]
        for col in (7, 8, 9, 10):
            acc[j, col] = a[k, col]
        if not alive[k]:
            for col in range(12):
                acc[j, col] = np.nan
    return 0


@njit(**_JIT, nogil=True)
def _run_jobs(
    jobs,
    prices,
    spread_cum,
    rf,
    flows,
    target,
    checks,
    acts,
    band_rows,
    cfg_mask,
    cfg_amask,
    cfg_bstart,
    cfg_brow,
    sizing,
    scope,
    c_rows,
    fixed,
    min_trade,
    initial_usd,
    block_start,
    acc,
    status,
    status_day,
    values,
):
    """Run the (path, block) jobs ``jobs`` (see :func:`sweep_paths`)."""
    n_blocks = block_start.shape[0] - 1
    for job in jobs:
        p = job // n_blocks
        b = job % n_blocks
        _run_block(
            prices[p],
            spread_cum[p],
            rf[p],
            flows,
            target,
            checks,
            acts,
            band_rows,
            cfg_mask,
            cfg_amask,
            cfg_bstart,
            cfg_brow,
            sizing,
            scope,
            c_rows,
            fixed,
            min_trade,
            initial_usd,
            block_start[b],
            block_start[b + 1],
            acc[p],
            status[p],
            status_day[p],
            values[p],
        )
    return 0


def sweep_paths(
    prices,
    spread,
    rf,
    flows,
    target,
    checks,
    acts,
    band_rows,
    cfg_mask,
    cfg_amask,
    cfg_bstart,
    cfg_brow,
    sizing,
    scope,
    c_rows,
    fixed,
    min_trade,
    initial_usd,
    block_start,
    keep_values=False,
    n_threads=None,
):
    """Run every configuration on every price path.

    Parameters
    ----------
    prices
        ``(n_paths, n_days, n_assets)`` price indices (> 0); path 0 is usually the
        real data, the others bootstrap resamples.
    spread
        ``(n_paths, n_days)`` :func:`spread_cum` of each path (the drift guard).
    rf
        ``(n_paths, n_days)`` risk-free return per row (fractions; zeros if none).
    flows
        ``(n_days,)`` dollars in (+) / out (-) at each close, the same for every path.
    target
        ``(n_assets,)`` target weights.
    checks, acts
        ``(n_days, n_masks)`` / ``(n_days, n_amasks)`` bool look and action masks;
        configuration ``j`` uses column ``cfg_mask[j]`` (and ``cfg_amask[j]``, or -1
        to act on look days).
    band_rows
        ``(R, n_assets)`` stacked half-width arrays; configuration ``j`` reads row
        ``cfg_bstart[j]`` (constant) or ``cfg_bstart[j] + t`` (``cfg_brow[j]``).
    sizing, scope
        ``(K,)`` int64 codes (as :class:`rebal.policy.CompiledPolicy`).
    c_rows
        ``(K, n_assets)`` proportional cost rates (fractions).
    fixed, min_trade
        ``(K,)`` dollars per trade and the smallest rebalance trade.
    initial_usd
        Dollars bought at row 0.
    block_start
        ``(n_blocks + 1,)`` configuration boundaries of the blocks that share a pass
        (at most :data:`BLOCK` configurations each).
    keep_values
        Also return the ``(n_paths, K, n_days)`` values (memory!).
    n_threads
        Worker threads (default: the CPUs available); each takes the next job
        (one block on one path) when it is free, so a busy core slows only itself.

    Returns
    -------
    ``(acc, status, status_day, values)``: ``acc`` ``(n_paths, K, N_ACC)`` (see the
    ``A_*`` columns; NaN for a configuration that failed), ``status`` /
    ``status_day`` ``(n_paths, K)`` (0 = ok, else the engine's codes and the row).
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    n_paths, n_days, _ = prices.shape
    K = sizing.shape[0]
    n_blocks = block_start.shape[0] - 1
    acc = np.zeros((n_paths, K, N_ACC))
    status = np.zeros((n_paths, K), np.int64)
    status_day = np.full((n_paths, K), -1, np.int64)
    values = np.zeros((n_paths, K if keep_values else 0, n_days if keep_values else 0))
    n_jobs = n_paths * n_blocks
    if n_threads is None:
        n_threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    n_threads = max(1, min(int(n_threads), n_jobs))
    args = (
        prices,
        spread,
        rf,
        flows,
        target,
        checks,
        acts,
        band_rows,
        cfg_mask,
        cfg_amask,
        cfg_bstart,
        cfg_brow,
        sizing,
        scope,
        c_rows,
        fixed,
        min_trade,
        float(initial_usd),
        block_start,
        acc,
        status,
        status_day,
        values,
    )
    # small chunks of jobs, handed out in order: dynamic balance at ~1 ms granularity
    chunk = max(1, min(4, n_jobs // (4 * n_threads)))
    chunks = [
        np.arange(a, min(a + chunk, n_jobs), dtype=np.int64) for a in range(0, n_jobs, chunk)
    ]
    if n_threads == 1:
        for c in chunks:
            _run_jobs(c, *args)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(lambda c: _run_jobs(c, *args), chunks))
    return acc, status, status_day, values
