"""Benchmark: sweep throughput (backtests/s) vs single backtests and the plain reference.

Run: ``python3 benchmarks/bench_sweep.py [--rows 8300] [--configs 1024] [--repeats 3]``

Data as ``bench_engine.py`` (20 real ETF columns, real daily return rows chained to
8,300 rows). Two grids of band policies with costs (5 bps + $1 per trade, equal
weights), each ``--configs`` points: absolute band widths × check daily / weekly /
monthly / quarterly × sizing to-target / to-edge, with widths

* 0.5 %–10 % (the headline grid: it keeps the hard cases, narrow daily bands sized
  to the edge, which trade on ~15 % of all rows), and
* 1 %–10 % (what a user sweeping band width usually asks; below 1 % on 5 % weights
  the band is noise-sized).

Prints in one run: one ``run_backtest`` (median), each grid's kernel throughput with
1 and 2 worker threads (best of ``--repeats``; the kernel alone on compiled inputs),
the headline grid end to end (compiling the grid + kernel, best of ``--repeats``, and the
compile step alone), the plain-Python reference
loop on one configuration, ratios, and the largest difference between a sweep
configuration's final value and its own ``run_backtest``. The machine's load average
is printed: the 2-thread figure needs both cores free.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8300)
    parser.add_argument("--configs", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from bench_engine import build_market

    from rebal.backtest import CostModel, run_backtest
    from rebal.executor import ThreadExecutor
    from rebal.policy import Policy
    from rebal.sweep import kernel as K
    from rebal.sweep.runner import Job, _Compiled, run_configs, run_kernel
    from reference_sim import check_days, reference_backtest

    market, span = build_market(args.rows)
    n = market.n_assets
    target = {a: 1.0 / n for a in market.assets}
    costs = CostModel(cost_bps=5.0, fixed_usd=1.0)
    checks = ["daily", "weekly", "monthly", "quarterly"]
    sizings = ["target", "edge"]
    n_w = max(1, args.configs // (len(checks) * len(sizings)))

    def grid(lo: float) -> tuple[np.ndarray, list[Job]]:
        widths = np.round(np.linspace(lo, 0.10, n_w), 6)
        return widths, [
            Job(policy=Policy.band(absolute=float(w), check=c, sizing=s), costs=costs)
            for w in widths
            for c in checks
            for s in sizings
        ]

    widths, jobs = grid(0.005)
    widths_1, jobs_1 = grid(0.01)
    k = len(jobs)

    t0 = time.perf_counter()
    run_configs(market, target, jobs[:16])  # JIT compile or cache load
    warm = time.perf_counter() - t0

    one = Policy.band(absolute=0.05)
    run_backtest(market, target, one, costs=costs)
    st = []
    for _ in range(50):
        t0 = time.perf_counter()
        res = run_backtest(market, target, one, costs=costs)
        st.append(time.perf_counter() - t0)
    single = statistics.median(st)

    # the kernel alone on precompiled inputs (what "backtests per second" measures)
    w = np.full(n, 1.0 / n)
    prices = market.prices[None]
    spread = K.spread_cum(prices)
    rf = np.zeros((1, market.n_days))
    flows = np.zeros(market.n_days)

    def kernel_rates(grid_jobs: list[Job]) -> dict[int, float]:
        comp = _Compiled(market, w, grid_jobs, None)
        o = comp.order
        bs = K.block_starts(o.size, 2)
        market_grid = (
            K.SweepMarket(prices=prices, spread=spread, rf=rf, flows=flows, target=w,
                          initial_usd=1e6),
            K.SweepGrid(
                checks=comp.checks,
                acts=comp.acts,
                band_rows=comp.band_rows,
                cfg_mask=comp.cfg_mask[o],
                cfg_amask=comp.cfg_amask[o],
                cfg_bstart=comp.cfg_bstart[o],
                cfg_brow=comp.cfg_brow[o],
                sizing=comp.sizing[o],
                scope=comp.scope[o],
                c_rows=np.ascontiguousarray(comp.c_rows[o]),
                fixed=comp.fixed[o],
                min_trade=comp.min_trade[o],
            ),
        )
        out = {}
        for threads in (1, 2):
            # the kernel in parts on threads, as the runner runs it
            executor = ThreadExecutor(threads)
            best = np.inf
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                list(run_kernel(*market_grid, bs, executor=executor, workers=threads))
                best = min(best, time.perf_counter() - t0)
            out[threads] = len(grid_jobs) / best
        return out

    rates = kernel_rates(jobs)
    rates_1 = kernel_rates(jobs_1)
    # end to end: Job list -> metrics (compiling the grid, the drift guard's spread,
    # the kernel, the metrics), best of --repeats like the kernel figures
    e2e = compile_s = np.inf
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        _Compiled(market, w, jobs, None)
        compile_s = min(compile_s, time.perf_counter() - t0)
        t0 = time.perf_counter()
        stats = run_configs(market, target, jobs, n_threads=2)
        e2e = min(e2e, time.perf_counter() - t0)

    dates = [str(d) for d in market.dates]
    ref_t = []
    ref = None
    for _ in range(2):
        t0 = time.perf_counter()
        ref = reference_backtest(
            dates,
            list(market.assets),
            market.prices.tolist(),
            target,
            check=check_days(dates, "daily"),
            band=dict.fromkeys(market.assets, 0.05),
            cost_bps=dict.fromkeys(market.assets, 5.0),
            fixed_usd=1.0,
        )
        ref_t.append(time.perf_counter() - t0)
    reference = statistics.median(ref_t)

    sample = np.linspace(0, k - 1, 12).astype(int)
    worst = 0.0
    for j in sample:
        r = run_backtest(market, target, jobs[j].policy, costs=costs)
        worst = max(worst, abs(stats.final_value_usd[0, j] / r.final_value - 1.0))
    assert ref is not None

    print(f"data: {n} assets x {market.n_days} rows ({span}, real return rows chained)")
    print(
        f"grids: {k} band configurations each (widths {widths[0]:g}..{widths[-1]:g} or "
        f"{widths_1[0]:g}..{widths_1[-1]:g} x {checks} x {sizings}), 5 bps + $1/trade, "
        f"blocks of up to {K.BLOCK} lanes; CPUs available: {len(os.sched_getaffinity(0))}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"first call (JIT compile or cache load): {warm:.1f} s")
    print(
        f"single run_backtest (5% daily band), median of 50: {single * 1e3:.3f} ms "
        f"= {1 / single:,.0f} backtests/s"
    )
    for label, wd, r in (
        ("0.5-10 % (headline)", widths, rates),
        ("1-10 %", widths_1, rates_1),
    ):
        print(
            f"sweep kernel, widths {label:19s} ({wd.size} widths x 4 checks x 2 sizings): "
            f"1 thread {r[1]:8,.0f}/s ({1e6 / r[1]:.0f} us each), "
            f"2 threads {r[2]:8,.0f}/s ({1e6 / r[2]:.0f} us each), scaling {r[2] / r[1]:.2f}x"
        )
    print(
        f"sweep end to end (compile grid + kernel, 2 threads), best of {args.repeats}: "
        f"{k / e2e:,.0f} backtests/s ({e2e * 1e3:.1f} ms; compiling the {k} policies "
        f"alone {compile_s * 1e3:.1f} ms)"
    )
    print(f"plain-Python reference (5% daily band), median of 2: {reference:.2f} s")
    print(
        f"ratios: sweep(2 threads)/single = {rates[2] * single:.1f}x, "
        f"2 threads/1 thread = {rates[2] / rates[1]:.2f}x, "
        f"reference/sweep-per-backtest = {reference * rates[2]:,.0f}x"
    )
    print(
        f"largest final-value difference sweep vs run_backtest (12 configs): {worst:.1e} relative; "
        f"reference vs run_backtest: {abs(res.final_value / ref.values[-1] - 1):.1e}"
    )


if __name__ == "__main__":
    main()
