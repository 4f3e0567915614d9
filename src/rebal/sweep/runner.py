"""Run many (policy, costs) configurations on one market with the batched kernel.

:func:`run_configs` compiles each policy once (calendar masks and band arrays are
de-duplicated and shared), runs every configuration the batched kernel supports in
one pass per block of :data:`~rebal.sweep.kernel.BLOCK` (on every price path given:
the real data, or bootstrap resamples), runs the rest (score triggers, tiers)
through the engine one by one, and turns the kernel's accumulators into metrics
(:class:`SweepStats`). The metric conventions are those of
:func:`rebal.metrics.compute_metrics` (row 0 is the purchase, ``years = (n_days −
1) / periods_per_year``, sample std with ``ddof=1``, risk-free from the data's
T-bill series when present, else 0).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from rebal.backtest.cashflows import CashFlows
from rebal.backtest.costs import CostModel
from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.executor import Executor, ThreadExecutor, cpu_count
from rebal.policy.kinds import ALL_KINDS, PolicyKind, kind_of
from rebal.policy.policy import CompiledPolicy, Policy
from rebal.policy.target import target_array
from rebal.sweep import kernel as K
from rebal.types import FloatArray, IntArray

__all__ = ["KERNEL_KINDS", "SUPPORTED_KINDS", "Job", "SweepStats", "run_configs"]

SUPPORTED_KINDS: frozenset[PolicyKind] = ALL_KINDS
"""The policy kinds a sweep runs: every kind — those the batched kernel does not
take run through the engine."""
KERNEL_KINDS: frozenset[PolicyKind] = ALL_KINDS - {PolicyKind.SCORE}
"""The kinds the batched kernel takes, when they compile to one group with a band or
calendar trigger (a tiers policy with one tier does; the score never)."""

STAT_NAMES = (
    "final_value_usd",
    "total_return",
    "cagr",
    "annual_volatility",
    "max_drawdown",
    "sharpe",
    "annual_turnover",
    "n_rebalances",
    "costs_usd",
    "cost_drag_annual",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """One configuration: a policy and its costs."""

    policy: Policy
    costs: CostModel


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SweepStats:
    """Metrics of ``K`` configurations on ``P`` price paths (arrays ``(P, K)``).

    Fractions are fractions; ``max_drawdown`` is negative; ``annual_turnover`` is
    one-sided per year; ``costs_usd`` dollars after row 0; ``status`` 0 = ok, else
    the engine's failure code (the metrics are then NaN) at ``status_day``.
    ``values`` ``(P, K, n_days)`` only when asked.
    """

    final_value_usd: FloatArray
    total_return: FloatArray
    cagr: FloatArray
    annual_volatility: FloatArray
    max_drawdown: FloatArray
    sharpe: FloatArray
    annual_turnover: FloatArray
    n_rebalances: FloatArray
    costs_usd: FloatArray
    cost_drag_annual: FloatArray
    status: IntArray
    status_day: IntArray
    values: FloatArray | None = None

    def get(self, name: str) -> FloatArray:
        """A metric by name (``alpha`` needs a baseline: see :meth:`alpha`)."""
        if name not in STAT_NAMES:
            raise ConfigError(
                f"unknown sweep metric {name!r}; choose one of {', '.join(STAT_NAMES)}"
            )
        return getattr(self, name)  # type: ignore[no-any-return]


def _stats_from_acc(acc: FloatArray, n_days: int, ppy: float) -> dict[str, FloatArray]:
    n = n_days - 1
    years = n / ppy
    growth = acc[..., K.A_GROWTH]
    s1, s2 = acc[..., K.A_SUM_R], acc[..., K.A_SUM_R2]
    e1, e2 = acc[..., K.A_SUM_E], acc[..., K.A_SUM_E2]
    with np.errstate(invalid="ignore", divide="ignore"):
        var_r = np.maximum(s2 - s1 * s1 / n, 0.0) / (n - 1)
        var_e = np.maximum(e2 - e1 * e1 / n, 0.0) / (n - 1)
        sd_e = np.sqrt(var_e)
        sharpe = np.where(sd_e > 0, (e1 / n) / sd_e * np.sqrt(ppy), np.nan)
        mean_v = acc[..., K.A_SUM_V] / n
        return {
            "final_value_usd": acc[..., K.A_FINAL],
            "total_return": growth - 1.0,
            "cagr": growth ** (1.0 / years) - 1.0,
            "annual_volatility": np.sqrt(var_r) * np.sqrt(ppy),
            "max_drawdown": acc[..., K.A_MAX_DD],
            "sharpe": sharpe,
            "annual_turnover": acc[..., K.A_TURNOVER] / years,
            "n_rebalances": acc[..., K.A_N_REB],
            "costs_usd": acc[..., K.A_COSTS],
            "cost_drag_annual": acc[..., K.A_COSTS] / mean_v / years,
        }


def _supported(kind: PolicyKind, cp: CompiledPolicy) -> bool:
    return kind in KERNEL_KINDS and cp.n_groups == 1 and cp.trigger_kind == 0


def _acc_from_engine(raw, flows: FloatArray, rf: FloatArray) -> FloatArray:
    """The kernel's accumulators from one engine run (for unsupported policies)."""
    v = raw.values
    r = (v[1:] - flows[1:]) / v[:-1] - 1.0
    e = r - rf[1:]
    wealth = np.cumprod(1.0 + r)
    peak = np.maximum.accumulate(np.maximum(wealth, 1.0))
    acc = np.zeros(K.N_ACC)
    acc[K.A_FINAL] = v[-1]
    acc[K.A_GROWTH] = wealth[-1]
    acc[K.A_SUM_R], acc[K.A_SUM_R2] = r.sum(), (r * r).sum()
    acc[K.A_SUM_E], acc[K.A_SUM_E2] = e.sum(), (e * e).sum()
    acc[K.A_MAX_DD] = min(0.0, float((wealth / peak - 1.0).min()))
    tr = raw.trades
    reb = tr.reason_code == 1
    value_before = np.empty_like(v)
    costs_by_day = np.bincount(tr.day, weights=tr.cost_usd, minlength=v.shape[0])
    value_before[0] = v[0]
    value_before[1:] = v[1:] - flows[1:] + costs_by_day[1:]
    gross = np.bincount(tr.day[reb], weights=np.abs(tr.value_usd[reb]), minlength=v.shape[0])
    days = gross > 0
    acc[K.A_TURNOVER] = float((gross[days] / 2.0 / value_before[days]).sum())
    acc[K.A_COSTS] = float(tr.cost_usd[tr.day >= 1].sum())
    acc[K.A_COSTS_REB] = float(tr.cost_usd[reb].sum())
    acc[K.A_N_REB] = float(np.unique(raw.rebalances.day).size)
    acc[K.A_SUM_V] = float(v[1:].sum())
    return acc


class _Compiled:
    """De-duplicated kernel inputs of a list of jobs on one market.

    Plain :class:`Policy` jobs never build a :class:`CompiledPolicy`: a grid has
    thousands of policies but a handful of schedules (look masks, cached on the
    market) and of triggers (band rows), and its configurations differ in the
    kernel only through indices into those and a few per-configuration codes. So
    the mask column is looked up per schedule, the band row per trigger (both
    de-duplicated by content), the cost row per cost model; per job only indices
    are appended. Other policies compile through ``Policy.compile`` as before.
    """

    def __init__(
        self,
        market: MarketData,
        weights: FloatArray,
        jobs: Sequence[Job],
        history: MarketData | None,
    ) -> None:
        from rebal.policy.dynamic import DynamicPolicy
        from rebal.policy.policy import BUILTIN_TRIGGERS, SCOPE_CODE, SIZING_CODE

        n_days, n = market.n_days, market.n_assets
        masks: dict[bytes, int] = {}
        amasks: dict[bytes, int] = {}
        bands: dict[bytes, int] = {}
        mask_cols: list[np.ndarray] = []
        amask_cols: list[np.ndarray] = []
        band_list: list[np.ndarray] = []
        n_band_rows = 0

        def mask_index(col: np.ndarray) -> int:
            key = col.tobytes()
            idx = masks.get(key)
            if idx is None:
                idx = masks[key] = len(mask_cols)
                mask_cols.append(col)
            return idx

        def band_index(band: np.ndarray) -> int:
            nonlocal n_band_rows
            key = band.tobytes()
            idx = bands.get(key)
            if idx is None:
                idx = bands[key] = n_band_rows
                band_list.append(band)
                n_band_rows += band.shape[0]
            return idx

        # per distinct schedule: mask column; per trigger: (band start, band has a
        # row per day, mask column or -1 for the schedule's); per cost model: index
        sched_cache: dict[object, int] = {}
        trig_cache: dict[object, tuple[int, bool, int]] = {}
        cost_cache: dict[int, int] = {}
        cost_models: list[CostModel] = []
        cp_cache: dict[int, CompiledPolicy] = {}
        no_trade: tuple[int, bool, int] | None = None

        k = len(jobs)
        cfg_mask = [0] * k
        cfg_amask = [-1] * k
        cfg_bstart = [0] * k
        cfg_brow = [False] * k
        sizing = [0] * k
        scope = [0] * k
        cost_idx = [0] * k
        self.fallback: list[tuple[int, CompiledPolicy]] = []
        for j, job in enumerate(jobs):
            costs = job.costs
            ci = cost_cache.get(id(costs))
            if ci is None:
                ci = cost_cache[id(costs)] = len(cost_models)
                cost_models.append(costs)
            cost_idx[j] = ci
            policy = job.policy
            if type(policy) is Policy:
                trigger = policy.trigger
                # the built-in triggers are frozen values; others may not hash
                tkey = trigger if type(trigger) in BUILTIN_TRIGGERS else id(trigger)
                tb = None if policy.cash_flow_only else trig_cache.get(tkey)
                if tb is None:
                    band = None if policy.cash_flow_only else trigger.bands(market, weights)
                    if band is None:  # never trades: no look days, a zero band row
                        if no_trade is None:
                            no_trade = (
                                band_index(np.zeros((1, n))),
                                False,
                                mask_index(np.zeros(n_days, dtype=np.bool_)),
                            )
                        tb = no_trade
                    else:
                        band = np.ascontiguousarray(band, dtype=np.float64)
                        if band.ndim != 2 or band.shape[0] not in (1, n_days):
                            raise ConfigError(
                                f"policy {policy.name!r}: band shape {band.shape}, "
                                f"expected (1 | {n_days}, {n})"
                            )
                        if np.isnan(band.min()):
                            raise ConfigError("CompiledPolicy.band must not contain NaN")
                        tb = (band_index(band), band.shape[0] > 1, -1)
                    if not policy.cash_flow_only:
                        trig_cache[tkey] = tb
                cfg_bstart[j], cfg_brow[j], mi = tb
                if mi < 0:
                    schedule = policy.schedule
                    cached = sched_cache.get(schedule)
                    if cached is None:
                        cached = sched_cache[schedule] = mask_index(
                            np.ascontiguousarray(schedule.market_mask(market))
                        )
                    mi = cached
                cfg_mask[j] = mi
                sizing[j] = SIZING_CODE[policy.sizing]
                scope[j] = SCOPE_CODE[policy.scope]
                continue
            cp = cp_cache.get(id(policy))
            if cp is None:
                if isinstance(policy, DynamicPolicy) and history is not None:
                    policy = policy.with_history(history)
                cp = policy.compile(market, weights)
                cp_cache[id(job.policy)] = cp
            if not _supported(kind_of(job.policy), cp):
                self.fallback.append((j, cp))
                continue
            cfg_mask[j] = mask_index(cp.kernel_check[:, 0])
            if cp.act is not None:
                akey = cp.act[:, 0].tobytes()
                if akey not in amasks:
                    amasks[akey] = len(amask_cols)
                    amask_cols.append(cp.act[:, 0])
                cfg_amask[j] = amasks[akey]
            cfg_bstart[j] = band_index(cp.band)
            cfg_brow[j] = cp.band.shape[0] > 1
            sizing[j] = int(cp.kernel_sizing[0])
            scope[j] = int(cp.kernel_scope[0])
        self.cfg_mask = np.array(cfg_mask, dtype=np.int64)
        self.cfg_amask = np.array(cfg_amask, dtype=np.int64)
        self.cfg_bstart = np.array(cfg_bstart, dtype=np.int64)
        self.cfg_brow = np.array(cfg_brow, dtype=np.bool_)
        self.sizing = np.array(sizing, dtype=np.int64)
        self.scope = np.array(scope, dtype=np.int64)
        ci_arr = np.array(cost_idx, dtype=np.int64)
        self.c_rows = np.stack([c.rates(market.assets) for c in cost_models])[ci_arr]
        self.fixed = np.array([c.fixed_usd for c in cost_models], dtype=np.float64)[ci_arr]
        self.min_trade = np.array([c.min_trade_usd for c in cost_models], dtype=np.float64)[ci_arr]
        self.checks = (
            np.ascontiguousarray(np.stack(mask_cols, axis=1))
            if mask_cols
            else np.zeros((n_days, 1), np.bool_)
        )
        self.acts = (
            np.ascontiguousarray(np.stack(amask_cols, axis=1))
            if amask_cols
            else np.zeros((n_days, 1), np.bool_)
        )
        self.band_rows = (
            np.ascontiguousarray(np.concatenate(band_list, axis=0))
            if band_list
            else np.zeros((1, n))
        )
        # kernel configurations in an order that puts alike look masks in one block
        # (a stable sort by mask column, then by per-day band rows)
        is_kern = np.ones(k, np.bool_)
        if self.fallback:
            is_kern[[j for j, _ in self.fallback]] = False
        kern = np.flatnonzero(is_kern)
        self.order = kern[np.lexsort((self.cfg_brow[kern], self.cfg_mask[kern]))].astype(np.int64)


def kernel_parts(n_paths: int, n_blocks: int, workers: int) -> list[tuple[int, int, int, int]]:
    """``(p0, p1, b0, b1)`` parts of the kernel's (price path × block) jobs: about four a
    worker (dynamic balance), cut along blocks first, then along paths; one part when
    there is one worker."""
    if workers <= 1 or n_paths * n_blocks <= 1:
        return [(0, n_paths, 0, n_blocks)]
    want = 4 * workers
    n_b = min(n_blocks, want)
    n_p = min(n_paths, -(-want // n_b))
    b_cuts = np.linspace(0, n_blocks, n_b + 1).round().astype(int)
    p_cuts = np.linspace(0, n_paths, n_p + 1).round().astype(int)
    return [
        (int(p_cuts[i]), int(p_cuts[i + 1]), int(b_cuts[j]), int(b_cuts[j + 1]))
        for i in range(n_p)
        for j in range(n_b)
        if p_cuts[i + 1] > p_cuts[i] and b_cuts[j + 1] > b_cuts[j]
    ]


def run_kernel(
    market: K.SweepMarket,
    grid: K.SweepGrid,
    block_start: IntArray,
    *,
    keep_values: bool = False,
    executor: Executor,
    workers: int,
) -> Iterator[tuple[tuple[int, int, int, int], K.SweepOutput]]:
    """The sweep kernel on every path of ``market`` and configuration of ``grid``, cut
    into :func:`kernel_parts` run on ``executor`` (one kernel call a part, each on one
    thread: the kernel is ``nogil``).

    Parameters
    ----------
    market, grid
        The kernel's bundles (see :func:`rebal.sweep.kernel.sweep_paths`).
    block_start
        ``(n_blocks + 1,)`` configuration boundaries (:func:`~rebal.sweep.kernel.block_starts`).
    keep_values
        Also return each part's daily values.
    executor
        Runs the parts.
    workers
        How many parts run at once (the parts are about four a worker).

    Returns
    -------
    Iterator
        ``((p0, p1, b0, b1), output)`` per part, in order: paths ``p0:p1`` and the
        configurations ``block_start[b0]:block_start[b1]``.
    """
    parts = kernel_parts(market.prices.shape[0], block_start.shape[0] - 1, workers)
    run_part = _KernelPart(market, grid, block_start, keep_values)
    return zip(parts, executor.map(run_part, parts), strict=True)


@dataclass(frozen=True, slots=True, eq=False)
class _KernelPart:
    """One call of the kernel on paths ``p0:p1`` and blocks ``b0:b1`` (a module-level
    callable, so it pickles for local processes and Dask workers)."""

    market: K.SweepMarket
    grid: K.SweepGrid
    block_start: IntArray
    keep_values: bool

    def __call__(self, part: tuple[int, int, int, int]) -> K.SweepOutput:
        p0, p1, b0, b1 = part
        c0, c1 = int(self.block_start[b0]), int(self.block_start[b1])
        return K.sweep_paths(self.market.paths(p0, p1), self.grid.configs(c0, c1),
                             self.block_start[b0 : b1 + 1] - c0, self.keep_values)


def run_configs(
    market: MarketData,
    target: dict[str, float] | FloatArray,
    jobs: Sequence[Job],
    *,
    initial_usd: float = 1_000_000.0,
    cash_flows: CashFlows | None = None,
    history: MarketData | None = None,
    paths: FloatArray | None = None,
    rf_paths: FloatArray | None = None,
    keep_values: bool = False,
    n_threads: int | None = None,
    executor: Executor | None = None,
) -> SweepStats:
    """Metrics of every job on ``market`` (and on extra price paths).

    Parameters
    ----------
    market
        The rows to run on (its assets in the target's order are used).
    target
        Asset → weight, or ``(n_assets,)`` weights in ``market.assets`` order.
    jobs
        The configurations.
    initial_usd, cash_flows
        As for :func:`rebal.backtest.run_backtest` (the flows are the same on every path).
    history
        Rows before ``market`` for the state-dependent triggers' estimators.
    paths
        ``(P, n_days, n_assets)`` price paths to run instead of ``market.prices``
        (bootstrap resamples; the policies are compiled on ``market``).
    rf_paths
        ``(P, n_days)`` risk-free returns per path (default: the market's on every path).
    keep_values
        Also keep every ``(n_days,)`` value path (``SweepStats.values``).
    n_threads
        Worker threads (default: every available CPU).
    executor
        Where the kernel's parts run (default :class:`rebal.executor.ThreadExecutor` of
        ``n_threads``: the kernel is compiled ``nogil``, so threads share the arrays
        without copies). Each part is blocks × price paths; the blocks are those of
        :func:`rebal.sweep.kernel.block_starts` whatever the executor, so every
        configuration's numbers are the same bit for bit.

    Returns
    -------
    SweepStats
        Arrays ``(P, K)`` (``P = 1`` without ``paths``).
    """
    if not jobs:
        raise ConfigError("a sweep needs at least one configuration")
    if isinstance(target, dict):
        weights = target_array(target, market.assets)
        if len(target) != market.n_assets:
            used = [a for a in market.assets if a in target]
            weights = weights[[market.assets.index(a) for a in used]]
            market = market.select(used)
            if history is not None:
                history = history.select(used)
    else:
        weights = np.ascontiguousarray(target, dtype=np.float64)
    n_days = market.n_days
    prices = market.prices[None] if paths is None else np.ascontiguousarray(paths)
    if prices.shape[1:] != market.prices.shape:
        raise ConfigError(f"paths must be (P, {n_days}, {market.n_assets}), got {prices.shape}")
    rf1 = market.risk_free if market.risk_free is not None else np.zeros(n_days)
    if rf_paths is None:
        rf = np.ascontiguousarray(np.broadcast_to(rf1, (prices.shape[0], n_days)))
    else:
        rf = np.ascontiguousarray(rf_paths, dtype=np.float64)
    flows = np.zeros(n_days) if cash_flows is None else cash_flows.amounts(market.dates)
    comp = _Compiled(market, weights, jobs, history)
    n_paths, n_jobs = prices.shape[0], len(jobs)
    acc = np.full((n_paths, n_jobs, K.N_ACC), np.nan)
    status = np.zeros((n_paths, n_jobs), np.int64)
    status_day = np.full((n_paths, n_jobs), -1, np.int64)
    values = np.full((n_paths, n_jobs, n_days), np.nan) if keep_values else None
    order = comp.order
    if order.size:
        bs = K.block_starts(order.size, n_threads, prices.shape[0])
        market_paths = K.SweepMarket(prices=prices, spread=K.spread_cum(prices), rf=rf,
                                     flows=flows, target=weights,
                                     initial_usd=float(initial_usd))
        grid = K.SweepGrid(
            checks=comp.checks, acts=comp.acts, band_rows=comp.band_rows,
            cfg_mask=comp.cfg_mask[order], cfg_amask=comp.cfg_amask[order],
            cfg_bstart=comp.cfg_bstart[order], cfg_brow=comp.cfg_brow[order],
            sizing=comp.sizing[order], scope=comp.scope[order],
            c_rows=np.ascontiguousarray(comp.c_rows[order]), fixed=comp.fixed[order],
            min_trade=comp.min_trade[order],
        )
        if executor is None:
            executor = ThreadExecutor(n_threads)
        workers = cpu_count() if n_threads is None else max(1, int(n_threads))
        for (p0, p1, b0, b1), (a, st, sd, vals) in run_kernel(
            market_paths, grid, bs, keep_values=keep_values, executor=executor, workers=workers
        ):
            cols = order[bs[b0] : bs[b1]]
            acc[p0:p1, cols] = a
            status[p0:p1, cols] = st
            status_day[p0:p1, cols] = sd
            if values is not None:
                values[p0:p1, cols] = vals
    if comp.fallback:
        from rebal.backtest.engine import run_arrays

        for p in range(n_paths):
            for j, cp in comp.fallback:
                raw = run_arrays(
                    None,
                    weights,
                    cp,
                    prices=prices[p],
                    initial_usd=initial_usd,
                    cost_rates=comp.c_rows[j],
                    fixed_usd=comp.fixed[j],
                    min_trade_usd=comp.min_trade[j],
                    flows_usd=flows,
                )
                status[p, j], status_day[p, j] = raw.status, raw.status_day
                if raw.status == 0:
                    acc[p, j] = _acc_from_engine(raw, flows, rf[p])
                    if values is not None:
                        values[p, j] = raw.values
    stats = _stats_from_acc(acc, n_days, market.periods_per_year)
    return SweepStats(**stats, status=status, status_day=status_day, values=values)
