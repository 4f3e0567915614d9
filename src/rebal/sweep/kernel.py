"""The batched sweep kernel: many configurations, one pass over the price rows.

A block of up to :data:`BLOCK` configurations walks the rows together: the block's
share vectors are one ``(n_assets, K)`` array, so each price row is read once and
valued for every lane (share accounting, ``V = s · p[t]``) by a vector loop over the
lanes (:func:`_values_row`). Jobs (a block on one price path) run on worker threads
(the kernel releases the GIL), so both cores work; :func:`block_starts` cuts the
configurations so every thread has work. Per configuration the kernel keeps compact
accumulators (growth, sums of returns and squares, drawdown, turnover, costs,
rebalances) — the ``(n_days,)`` value path only when asked.

Exactness. On every row the value of each configuration is the left-to-right sum
``Σ_i fl(s_i p_i)``: bit for bit what :func:`rebal.backtest.kernels.simulate` computes
on its event rows. A look row fires exactly as in the engine (the one breach rule,
:func:`rebal.policy.breach.drift_breaches`, on ``|h_i / V − target_i|``), and the
trades reuse the engine's helpers (``desired_weights``, ``solve_rebalance``,
``solve_flow``), so each configuration's path equals its single ``run_backtest`` up
to the ulps of the engine's reassociated quiet-row sums.

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
tested is first screened with multiplies only (:data:`PREFILTER_MARGIN`; every
lane in one vector pass when many need it, :func:`_screen_row`). Flows,
trades and per-row bands re-arm the guard at the next look row.

Supported per configuration: one group (no tiers), band or calendar triggers
(``trigger_kind`` 0), any look mask and optional action mask, constant or per-row
bands (volatility-scaled, regime tables), every sizing and scope, per-asset
proportional costs, fixed costs, minimum trade; the study's cash flows are
shared. Other policies (score trigger, tiers) run through the engine one by one
(:mod:`rebal.sweep.runner`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from rebal.backtest.kernels import (
    STATUS_OK,
    desired_weights,
    solve_flow,
    solve_rebalance,
)
from rebal.jit import njit_cached
from rebal.policy.breach import BREACH_TOL, drift_breaches
from rebal.types import BoolArray, FloatArray, IntArray

BLOCK = 128
"""Most configurations sharing one pass over the rows (wider blocks amortise the row's
fixed work: 8 → 128 lanes took a quiet row from ~14 to ~5 ns per configuration)."""

MIN_BLOCK = 16
"""Fewest configurations a block is cut to so that every thread gets work."""


def block_starts(k: int, n_threads: int | None = None, n_paths: int = 1) -> np.ndarray:
    """``(n_blocks + 1,)`` int64 boundaries of ``k`` configurations cut into blocks.

    At most :data:`BLOCK` a block (wide blocks amortise the row's fixed work), but at
    least four jobs (block × price path) per worker thread when that leaves
    :data:`MIN_BLOCK` or more in each block (so a 130-point sweep does not run as
    128 + 2 on two cores); equal sizes, rounded up to a multiple of 4 (one AVX2 vector
    of lanes).
    """
    if k <= 0:
        return np.zeros(1, np.int64)
    threads = _n_cpus() if n_threads is None else max(1, int(n_threads))
    want = -(-4 * threads // max(1, int(n_paths)))
    n_blocks = max(-(-k // BLOCK), min(-(-k // MIN_BLOCK), want))
    size = -(-k // n_blocks)
    size = -(-size // 4) * 4
    return np.append(np.arange(0, k, size), k).astype(np.int64)


def _n_cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


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
    # log is monotone: the spread of the logs is the log of the extreme ratios (two
    # logs a row instead of one per asset; the guard's margin covers any last-bit
    # difference of the library's vector log)
    ratio = prices[..., 1:, :] / prices[..., :-1, :]
    out = np.zeros(prices.shape[:-1])
    np.cumsum(
        np.log(ratio.max(axis=-1)) - np.log(ratio.min(axis=-1)), axis=-1, out=out[..., 1:]
    )
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

_JIT: dict[str, Any] = {"error_model": "numpy", "boundscheck": False}


@njit_cached(**_JIT)
def _values_row(prices, t, S, V):
    """``V[k] = Σ_i fl(S[i, k] p[t, i])`` left to right for every lane ``k`` (the engine's
    event-row sum, bit for bit). Asset-major over the ``(n_assets, K)`` shares, the lane
    loop is a vector loop (AVX2: four lanes per instruction, each lane's own order).
    ``K`` must reach here as a run-time value: numba leaves the SLP vectorizer off, so
    a compile-time lane count is unrolled into scalar code (half the speed)."""
    n, kb = S.shape
    for k in range(kb):
        V[k] = 0.0
    # four assets per pass over the lanes: the same left-to-right roundings
    # (((V + a) + b) + c) + d, a quarter of the loads and stores of V
    i = 0
    while i + 4 <= n:
        p0 = prices[t, i]
        p1 = prices[t, i + 1]
        p2 = prices[t, i + 2]
        p3 = prices[t, i + 3]
        for k in range(kb):
            V[k] = (((V[k] + S[i, k] * p0) + S[i + 1, k] * p1) + S[i + 2, k] * p2) + (
                S[i + 3, k] * p3
            )
        i += 4
    while i < n:
        pi = prices[t, i]
        for k in range(kb):
            V[k] += S[i, k] * pi
        i += 1


VSCREEN_MIN = 3 / 8
"""A row screens every lane in one vector pass when at least this fraction of the
block's lanes need the screen (the vector pass costs about 6 ns a lane, one lane's
scalar screen about 20 ns)."""


@njit_cached(**_JIT)
def _screen_row(prices, t, S, V, Bk, target, mnum, mxh):
    """The multiply-only screen of every lane at row ``t``, asset-major so the lane loop
    is a vector loop: ``mnum[k] = min_i (band_ik V_k − |h_ik − target_i V_k|)`` and
    ``mxh[k] = max_i h_ik`` with ``h_ik = S[i, k] p[t, i]``: the numbers of the kernel's
    per-lane screen, bit for bit (min and max are exact in any order, and
    ``b − |d| = min(b − d, b + d)`` exactly, as rounding is monotone)."""
    kb = V.shape[0]
    n = S.shape[0]
    for k in range(kb):
        mnum[k] = np.inf
        mxh[k] = 0.0
    # two assets a pass over the lanes (half the loads and stores of mnum, mxh);
    # selects, not min/max calls, so the lane loop vectorizes
    i = 0
    while i < n:
        i1 = min(i + 1, n - 1)  # an odd last asset is screened twice: min/max idempotent
        p0 = prices[t, i]
        p1 = prices[t, i1]
        t0 = target[i]
        t1 = target[i1]
        for k in range(kb):
            v = V[k]
            h0 = S[i, k] * p0
            h1 = S[i1, k] * p1
            d0 = h0 - t0 * v
            d1 = h1 - t1 * v
            b0 = Bk[i, k] * v
            b1 = Bk[i1, k] * v
            m = mnum[k]
            a = b0 - d0
            m = a if a < m else m
            a = b0 + d0
            m = a if a < m else m
            a = b1 - d1
            m = a if a < m else m
            a = b1 + d1
            m = a if a < m else m
            mnum[k] = m
            x = mxh[k]
            x = h0 if h0 > x else x
            x = h1 if h1 > x else x
            mxh[k] = x
        i += 2


class SweepMarket(NamedTuple):
    """The price paths and what every configuration shares: the first input of
    :func:`sweep_paths` (inside the kernel, the same bundle for one path: its arrays
    without the leading path axis).

    Attributes
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
    initial_usd
        Dollars bought at row 0.
    """

    prices: FloatArray
    spread: FloatArray
    rf: FloatArray
    flows: FloatArray
    target: FloatArray
    initial_usd: float

    def paths(self, p0: int, p1: int) -> SweepMarket:
        """The same market restricted to price paths ``p0:p1`` (views, no copies)."""
        return self._replace(prices=self.prices[p0:p1], spread=self.spread[p0:p1],
                             rf=self.rf[p0:p1])


class SweepGrid(NamedTuple):
    """The ``K`` configurations: the second input of :func:`sweep_paths`.

    Attributes
    ----------
    checks, acts
        ``(n_days, n_masks)`` / ``(n_days, n_amasks)`` bool look and action masks;
        configuration ``j`` uses column ``cfg_mask[j]`` (and ``cfg_amask[j]``, or -1
        to act on look days).
    band_rows
        ``(R, n_assets)`` stacked half-width arrays; configuration ``j`` reads row
        ``cfg_bstart[j]`` (constant) or ``cfg_bstart[j] + t`` (``cfg_brow[j]``).
    cfg_mask, cfg_amask, cfg_bstart, cfg_brow
        ``(K,)`` int64 (``cfg_brow`` bool) per configuration, as above.
    sizing, scope
        ``(K,)`` int64 codes (as :class:`rebal.policy.CompiledPolicy`).
    c_rows
        ``(K, n_assets)`` proportional cost rates (fractions).
    fixed, min_trade
        ``(K,)`` dollars per trade and the smallest rebalance trade.
    """

    checks: BoolArray
    acts: BoolArray
    band_rows: FloatArray
    cfg_mask: IntArray
    cfg_amask: IntArray
    cfg_bstart: IntArray
    cfg_brow: BoolArray
    sizing: IntArray
    scope: IntArray
    c_rows: FloatArray
    fixed: FloatArray
    min_trade: FloatArray

    def configs(self, c0: int, c1: int) -> SweepGrid:
        """The same grid restricted to configurations ``c0:c1`` (views, no copies)."""
        return self._replace(
            cfg_mask=self.cfg_mask[c0:c1], cfg_amask=self.cfg_amask[c0:c1],
            cfg_bstart=self.cfg_bstart[c0:c1], cfg_brow=self.cfg_brow[c0:c1],
            sizing=self.sizing[c0:c1], scope=self.scope[c0:c1], c_rows=self.c_rows[c0:c1],
            fixed=self.fixed[c0:c1], min_trade=self.min_trade[c0:c1])


class SweepOutput(NamedTuple):
    """What :func:`sweep_paths` returns (inside the kernel, the same bundle for one
    path, written in place).

    Attributes
    ----------
    acc
        ``(n_paths, K, N_ACC)`` accumulators (see the ``A_*`` columns; NaN for a
        configuration that failed).
    status, status_day
        ``(n_paths, K)`` int64: 0 = ok, else the engine's codes and the row.
    values
        ``(n_paths, K, n_days)`` value paths, or ``(n_paths, 0, 0)`` when not kept.
    """

    acc: FloatArray
    status: IntArray
    status_day: IntArray
    values: FloatArray


@njit_cached(**_JIT, nogil=True)
def _run_block(market, grid, j0, j1, kb, out):
    """Configurations ``j0 … j1-1`` on one price path (``values`` ``(K, n_days)`` or empty);
    ``kb`` lanes (:data:`BLOCK`, passed at run time so the lane loops stay vector loops).
    ``market`` and ``out`` hold one path's arrays."""
    # the fields by name (locals: the loops below read them as plain arrays)
    prices, spread_cum, rf, flows = market.prices, market.spread, market.rf, market.flows
    target, initial_usd = market.target, market.initial_usd
    checks, acts, band_rows = grid.checks, grid.acts, grid.band_rows
    cfg_mask, cfg_amask = grid.cfg_mask, grid.cfg_amask
    cfg_bstart, cfg_brow = grid.cfg_bstart, grid.cfg_brow
    sizing, scope, c_rows = grid.sizing, grid.scope, grid.c_rows
    fixed, min_trade = grid.fixed, grid.min_trade
    acc, status, status_day, values = out.acc, out.status, out.status_day, out.values
    n_days, n = prices.shape
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
    s_r = np.zeros(kb)
    s_r2 = np.zeros(kb)
    s_e = np.zeros(kb)
    s_e2 = np.zeros(kb)
    s_v = np.zeros(kb)
    # scratch of the event code (one configuration at a time)
    h = np.empty(n)
    w = np.empty(n)
    ws = np.empty(n)
    lo = np.empty(n)
    hi = np.empty(n)
    tmp = np.empty(n)
    bp = np.empty(2 * n)
    x = np.empty(n)
    sg = np.empty(n)
    e = np.empty(n)
    breached = np.empty(n, np.bool_)
    sized = np.empty(n, np.bool_)
    active = np.empty(n, np.bool_)

    # lanes past the block's end repeat its last configuration, held (never trade):
    # the valuation stays one dense (n, K) pass, the events cost nothing
    lane = np.empty(kb, np.int64)
    for k in range(kb):
        lane[k] = min(j0 + k, j1 - 1)
        alive[k] = j0 + k < j1
    lmask = np.empty(kb, np.int64)
    lamask = np.empty(kb, np.int64)
    for k in range(kb):
        lmask[k] = cfg_mask[lane[k]]
        lamask[k] = cfg_amask[lane[k]]
    # the lanes' constant half-widths asset-major, for the vector screen (a block
    # with any per-row band screens lane by lane)
    const_band = True
    for k in range(kb):
        const_band = const_band and not cfg_brow[lane[k]]
    Bk = np.empty((n, kb))
    if const_band:
        for k in range(kb):
            for i in range(n):
                Bk[i, k] = band_rows[cfg_bstart[lane[k]], i]
    mnum = np.empty(kb)
    mxh = np.empty(kb)
    m0 = lmask[0]
    uniform = True
    for k in range(kb):
        uniform = uniform and lmask[k] == m0 and lamask[k] < 0
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
        _values_row(prices, t, S, V)
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
        if uniform:
            # one look mask, acting on look rows (a flag never outlives its row): the
            # block's usual case, one load per row and a guard compare per lane on looks
            if checks[t, m0]:
                for k in range(kb):
                    look[k] = True
                    e_k = alive[k] and ct >= tau[k]
                    ev[k] = e_k
                    n_ev += e_k
        else:
            for k in range(kb):
                lk = checks[t, lmask[k]]
                look[k] = lk
                acting = pending[k] and (lamask[k] < 0 or acts[t, lamask[k]])
                ev[k] = alive[k] and ((lk and ct >= tau[k]) or acting)
                n_ev += ev[k]
        # many lanes to screen: one vector pass screens them all (the same numbers)
        vscreen = const_band and n_ev >= VSCREEN_MIN * kb
        if vscreen:
            _screen_row(prices, t, S, V, Bk, target, mnum, mxh)
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
                    if vscreen:
                        min_num = mnum[k]
                        max_h = mxh[k]
                    else:
                        min_num = np.inf
                        max_h = 0.0
                        for i in range(n):
                            hi_ = S[i, k] * prices[t, i]
                            num = band_rows[brow, i] * Vk - abs(hi_ - target[i] * Vk)
                            min_num = min(min_num, num)
                            max_h = max(max_h, hi_)
                    # some asset is within the screen's margin of its threshold
                    if min_num < lim:
                        for i in range(n):
                            h[i] = S[i, k] * prices[t, i]
                            w[i] = h[i] / Vk
                            d = abs(w[i] - target[i])
                            bi = band_rows[brow, i]
                            breached[i] = drift_breaches(d, bi)
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
                # the engine group loop's size-and-solve, kept written out: the rules and
                # the solve are the shared functions; only the dispatch is repeated
                if sizing[j] == 0 and n_sized == n:
                    m, Vp, h_frozen, st = solve_rebalance(
                        h, Vk, target, c, fixed[j], min_trade[j], active, x, sg
                    )
                else:
                    desired_weights(
                        w, target, band_rows[brow], sizing[j], sized, ws, lo, hi, tmp, bp
                    )
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
                # the engine's record_rebalance on lane k's shares S[:, k] (lane-major, no
                # trade log, turnover summed): a copy, as the bookkeeping differs
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
        for k in range(kb):
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


@njit_cached(**_JIT, nogil=True)
def _run_jobs(jobs, market_fields, grid_fields, block_start, kb, out_fields):
    """Run the (path, block) jobs ``jobs`` (see :func:`sweep_paths`) on the fields of a
    :class:`SweepMarket`, a :class:`SweepGrid` and a :class:`SweepOutput`, named here
    (plain tuples cross into numba faster, as in :func:`rebal.backtest.kernels.simulate`)."""
    market = SweepMarket(*market_fields)
    grid = SweepGrid(*grid_fields)
    out = SweepOutput(*out_fields)
    n_blocks = block_start.shape[0] - 1
    for job in jobs:
        p = job // n_blocks
        b = job % n_blocks
        _run_block(
            SweepMarket(market.prices[p], market.spread[p], market.rf[p], market.flows,
                        market.target, market.initial_usd),
            grid,
            block_start[b],
            block_start[b + 1],
            # a short block (few policies on many bootstrap paths) runs on as few lanes
            # as it fills, rounded up to a whole AVX2 vector
            min(kb, (block_start[b + 1] - block_start[b] + 3) // 4 * 4),
            SweepOutput(out.acc[p], out.status[p], out.status_day[p], out.values[p]),
        )
    return 0


def sweep_paths(
    market: SweepMarket,
    grid: SweepGrid,
    block_start: IntArray,
    keep_values: bool = False,
) -> SweepOutput:
    """Run every configuration of ``grid`` on every price path of ``market``.

    On the calling thread (the kernel is ``nogil``): the sweep runner cuts the work
    into parts for its executor (:func:`rebal.sweep.runner.run_kernel`).

    Parameters
    ----------
    market
        The price paths, their drift-guard spreads and risk-free rows, the shared
        flows, target and initial dollars (:class:`SweepMarket`).
    grid
        The configurations (:class:`SweepGrid`).
    block_start
        ``(n_blocks + 1,)`` configuration boundaries of the blocks that share a pass
        (at most :data:`BLOCK` configurations each; see :func:`block_starts`).
    keep_values
        Also return the ``(n_paths, K, n_days)`` values (memory!).

    Returns
    -------
    SweepOutput
        ``acc`` ``(n_paths, K, N_ACC)``, ``status`` / ``status_day`` ``(n_paths, K)``
        and ``values`` (see :class:`SweepOutput`).
    """
    n_paths, n_days, _ = market.prices.shape
    K = grid.sizing.shape[0]
    n_blocks = block_start.shape[0] - 1
    out = SweepOutput(
        acc=np.zeros((n_paths, K, N_ACC)),
        status=np.zeros((n_paths, K), np.int64),
        status_day=np.full((n_paths, K), -1, np.int64),
        values=np.zeros((n_paths, K if keep_values else 0, n_days if keep_values else 0)),
    )
    _run_jobs(
        np.arange(n_paths * n_blocks, dtype=np.int64),
        tuple(market._replace(initial_usd=float(market.initial_usd))),
        tuple(grid),
        block_start,
        BLOCK,
        tuple(out),
    )
    return out
