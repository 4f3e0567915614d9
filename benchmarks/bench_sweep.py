"""Benchmark: sweep throughput (configurations/s) on one thread, then two.

Run: ``python3 benchmarks/bench_sweep.py [--rows 8300] [--configs 1024] [--rounds 5]``

Data as ``bench_engine.py`` (20 real ETF columns, real daily return rows chained to
8,300 rows). Two grids of band policies with costs (5 bps + $1 per trade, equal
weights), each ``--configs`` points: absolute band widths × check daily / weekly /
monthly / quarterly × sizing to-target / to-edge, with widths

* 0.5 %–10 % (the headline grid: it keeps the hard cases, narrow daily bands sized
  to the edge, which trade on ~15 % of all rows), and
* 1 %–10 % (what a user sweeping band width usually asks; below 1 % on 5 % weights
  the band is noise-sized).

The headline is the sweep kernel on **one thread** (configurations per CPU second of
the process — on the shared hosts the wall rate follows the other sessions' load —
and per wall second; the kernel alone on compiled inputs). Every timed variant — the kernel on 1
and 2 threads on both grids, a quiet floor (the same number of configurations with
bands nobody breaches: the data pass alone), and the sweep end to end (compiling the
grid, the kernel, the metrics) on 1 and 2 threads — runs once per round, in an order
rotated every round; each is reported as the median and min–max over ``--rounds``
rounds of configurations per CPU second and per wall second, with the load average
before and after (the 2-thread figures need
both cores free: on the shared 2-core hosts read them against the load).

Also printed: one ``run_backtest`` (median), the plain-Python reference on one
configuration, the headline grid's rebalances and the kernel time per rebalance
above the quiet floor, and the largest difference between a sweep configuration's
final value and its own ``run_backtest``.
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


def _round_robin(variants: dict[str, object], rounds: int) -> dict[str, dict[str, list[float]]]:
    """Run each variant (a callable) once per round, the order rotated every round;
    wall and CPU seconds of every run, by variant."""
    names = list(variants)
    got: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            w0, c0 = time.perf_counter(), time.process_time()
            variants[name]()  # type: ignore[operator]
            got[name]["wall"].append(time.perf_counter() - w0)
            got[name]["cpu"].append(time.process_time() - c0)
    return got


def _rate(label: str, wall: list[float], cpu: list[float], k: int) -> str:
    """``k`` configurations per run: median and min-max configurations per CPU second
    (the process's CPU time: what a free core gives, whatever the load) and per wall
    second."""
    per_cpu = sorted(k / t for t in cpu)
    per_wall = sorted(k / t for t in wall)
    return (f"{label:44s} {statistics.median(per_cpu):7,.0f}/CPU-s (min {per_cpu[0]:,.0f}, "
            f"max {per_cpu[-1]:,.0f}; {statistics.median(cpu) / k * 1e6:5.1f} us CPU each); "
            f"wall {statistics.median(per_wall):7,.0f}/s (min {per_wall[0]:,.0f}, "
            f"max {per_wall[-1]:,.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8300)
    parser.add_argument("--configs", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from bench_engine import build_market

    from rebal.backtest import CostModel, run_backtest
    from rebal.executor import ThreadExecutor
    from rebal.policy import Policy
    from rebal.sweep import kernel as K
    from rebal.sweep.runner import Job, _Compiled, run_configs, run_kernel
    from reference_sim import check_days, reference_backtest

    load_before = os.getloadavg()
    market, span = build_market(args.rows)
    n = market.n_assets
    target = {a: 1.0 / n for a in market.assets}
    costs = CostModel(cost_bps=5.0, fixed_usd=1.0)
    checks = ["daily", "weekly", "monthly", "quarterly"]
    sizings = ["target", "edge"]
    n_w = max(1, args.configs // (len(checks) * len(sizings)))

    def grid(lo: float, hi: float = 0.10) -> tuple[np.ndarray, list[Job]]:
        widths = np.round(np.linspace(lo, hi, n_w), 6)
        return widths, [
            Job(policy=Policy.band(absolute=float(w), check=c, sizing=s), costs=costs)
            for w in widths
            for c in checks
            for s in sizings
        ]

    widths, jobs = grid(0.005)
    widths_1, jobs_1 = grid(0.01)
    _, jobs_quiet = grid(0.98, 0.99)  # bands nobody breaches: the data pass alone
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

    # the kernel alone on precompiled inputs (what "configurations per second" measures)
    w = np.full(n, 1.0 / n)
    prices = market.prices[None]
    spread = K.spread_cum(prices)
    rf = np.zeros((1, market.n_days))
    flows = np.zeros(market.n_days)
    executors = {1: ThreadExecutor(1), 2: ThreadExecutor(2)}

    def kernel_call(grid_jobs: list[Job], threads: int):  # type: ignore[no-untyped-def]
        comp = _Compiled(market, w, grid_jobs, None)
        o = comp.order
        bs = K.block_starts(o.size, threads)
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

        def run():  # type: ignore[no-untyped-def]
            # the kernel in parts on threads, as the runner runs it
            return list(run_kernel(*market_grid, bs, executor=executors[threads],
                                   workers=threads))
        return run

    variants = {
        "kernel, 1 thread, widths 0.5-10 % (HEADLINE)": kernel_call(jobs, 1),
        "kernel, 1 thread, widths 1-10 %": kernel_call(jobs_1, 1),
        "kernel, 1 thread, quiet floor (no breach)": kernel_call(jobs_quiet, 1),
        "kernel, 2 threads, widths 0.5-10 %": kernel_call(jobs, 2),
        "kernel, 2 threads, widths 1-10 %": kernel_call(jobs_1, 2),
        "end to end, 1 thread, widths 0.5-10 %":
            lambda: run_configs(market, target, jobs, n_threads=1),
        "end to end, 2 threads, widths 0.5-10 %":
            lambda: run_configs(market, target, jobs, n_threads=2),
    }
    for run in variants.values():  # one untimed call each (thread pools, first touches)
        run()  # type: ignore[operator]
    got = _round_robin(variants, args.rounds)
    load_after = os.getloadavg()
    stats = run_configs(market, target, jobs, n_threads=1)
    n_rebalances = float(np.nansum(stats.n_rebalances))

    dates = [str(d) for d in market.dates]
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
    reference = time.perf_counter() - t0

    sample = np.linspace(0, k - 1, 12).astype(int)
    worst = 0.0
    for j in sample:
        r = run_backtest(market, target, jobs[j].policy, costs=costs)
        worst = max(worst, abs(stats.final_value_usd[0, j] / r.final_value - 1.0))

    def med(name: str, clock: str = "wall") -> float:
        return statistics.median(got[name][clock])

    head = "kernel, 1 thread, widths 0.5-10 % (HEADLINE)"
    two = "kernel, 2 threads, widths 0.5-10 %"
    floor = "kernel, 1 thread, quiet floor (no breach)"
    print(f"data: {n} assets x {market.n_days} rows ({span}, real return rows chained)")
    print(
        f"grids: {k} band configurations each (widths {widths[0]:g}..{widths[-1]:g} or "
        f"{widths_1[0]:g}..{widths_1[-1]:g} x {checks} x {sizings}), 5 bps + $1/trade, "
        f"blocks of up to {K.BLOCK} lanes; CPUs available: {len(os.sched_getaffinity(0))}"
    )
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, after "
          f"{load_after[0]:.2f} {load_after[1]:.2f} (2 shared cores)")
    print(f"first call (JIT compile or cache load): {warm:.1f} s")
    print(f"{args.rounds} interleaved rounds; configurations per CPU second and per wall "
          f"second (median, min, max; a 2-thread CPU second counts both threads):")
    for name in variants:
        print("  " + _rate(name, got[name]["wall"], got[name]["cpu"], k))
    per_reb = (med(head, "cpu") - med(floor, "cpu")) / max(n_rebalances, 1.0)
    print(
        f"headline grid: {n_rebalances:,.0f} rebalances; kernel CPU above the quiet floor "
        f"{(med(head, 'cpu') - med(floor, 'cpu')) * 1e3:.1f} ms of "
        f"{med(head, 'cpu') * 1e3:.1f} ms = {per_reb * 1e6:.2f} us per rebalance "
        f"(the look rows the guard does not clear included)"
    )
    print(
        f"single run_backtest (5% daily band), median of 50: {single * 1e3:.3f} ms "
        f"= {1 / single:,.0f} backtests/s"
    )
    print(f"plain-Python reference (5% daily band), one run: {reference:.2f} s")
    print(
        f"ratios (wall): sweep 1 thread / single run_backtest = {k / med(head) * single:.1f}x, "
        f"2 threads / 1 thread = {med(head) / med(two):.2f}x, "
        f"reference / sweep-per-configuration (1 thread) = {reference * k / med(head):,.0f}x"
    )
    print(
        f"largest final-value difference sweep vs run_backtest (12 configs): {worst:.1e} relative; "
        f"reference vs run_backtest: {abs(res.final_value / ref.values[-1] - 1):.1e}"
    )


if __name__ == "__main__":
    main()
