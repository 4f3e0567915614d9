"""Benchmark: sweep throughput (backtests/s) vs single backtests and the plain reference.

Run: ``python3 benchmarks/bench_sweep.py [--rows 8300] [--configs 1024] [--repeats 3]``

Data as ``bench_engine.py`` (20 real ETF columns, real daily return rows chained to
8,300 rows). Grid: 5 bps + $1 per trade, equal weights; absolute band widths
0.5 %–10 % × check daily / weekly / monthly / quarterly × sizing target / edge
(band policies with costs), ``--configs`` points in all. Prints in one run: one
``run_backtest`` (median), the sweep's throughput with 1 and 2 worker threads
(best of ``--repeats``; the kernel only, and end to end with compiling the grid),
the plain-Python reference loop on one configuration, ratios, and the largest
difference between a sweep configuration's final value and its own ``run_backtest``.
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

    from rebal.policy import Policy
    from rebal.sim import CostModel, run_backtest
    from rebal.sweep import kernel as K
    from rebal.sweep.runner import Job, _Compiled, run_configs
    from reference_sim import check_days, reference_backtest

    market, span = build_market(args.rows)
    n = market.n_assets
    target = {a: 1.0 / n for a in market.assets}
    costs = CostModel(cost_bps=5.0, fixed_usd=1.0)
    checks = ["daily", "weekly", "monthly", "quarterly"]
    sizings = ["target", "edge"]
    n_w = max(1, args.configs // (len(checks) * len(sizings)))
    widths = np.round(np.linspace(0.005, 0.10, n_w), 6)
    jobs = [
        Job(policy=Policy.band(absolute=float(w), check=c, sizing=s), costs=costs)
        for w in widths
        for c in checks
        for s in sizings
    ]
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
    comp = _Compiled(market, w, jobs, None)
    o = comp.order
    prices = market.prices[None]
    spread = K.spread_cum(prices)
    rf = np.zeros((1, market.n_days))
    flows = np.zeros(market.n_days)
    bs = np.append(np.arange(0, o.size, K.BLOCK), o.size).astype(np.int64)
    kargs = (
        prices,
        spread,
        rf,
        flows,
        w,
        comp.checks,
        comp.acts,
        comp.band_rows,
        comp.cfg_mask[o],
        comp.cfg_amask[o],
        comp.cfg_bstart[o],
        comp.cfg_brow[o],
        comp.sizing[o],
        comp.scope[o],
        np.ascontiguousarray(comp.c_rows[o]),
        comp.fixed[o],
        comp.min_trade[o],
        1e6,
        bs,
    )
    rates = {}
    for threads in (1, 2):
        best = np.inf
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            K.sweep_paths(*kargs, False, threads)
            best = min(best, time.perf_counter() - t0)
        rates[threads] = k / best
    t0 = time.perf_counter()
    stats = run_configs(market, target, jobs, n_threads=2)
    e2e = time.perf_counter() - t0

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
        f"grid: {k} band configurations (widths {widths[0]:g}..{widths[-1]:g} x {checks} x "
        f"{sizings}), 5 bps + $1/trade; CPUs available: {len(os.sched_getaffinity(0))}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"first call (JIT compile or cache load): {warm:.1f} s")
    print(
        f"single run_backtest (5% daily band), median of 50: {single * 1e3:.3f} ms "
        f"= {1 / single:,.0f} backtests/s"
    )
    print(
        f"sweep kernel, 1 thread : {rates[1]:10,.0f} backtests/s  ({1e6 / rates[1]:.1f} us each)"
    )
    print(
        f"sweep kernel, 2 threads: {rates[2]:10,.0f} backtests/s  ({1e6 / rates[2]:.1f} us each)"
    )
    print(f"sweep end to end (compile grid + kernel, 2 threads): {k / e2e:,.0f} backtests/s")
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
