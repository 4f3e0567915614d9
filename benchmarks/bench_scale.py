"""Benchmark: many households and a big sweep on Dask, against the local pools.

Run: ``python3 benchmarks/bench_scale.py [--households 200] [--lots 20] [--configs 100000]
[--rounds 3]``  (needs ``pip install -e '.[dask]'``)

1. **Households.** ``--households`` generated households
   (:func:`rebal.household.synthetic.synthetic_household`: 3 accounts, ``--lots`` lots,
   fractional shares) planned by :func:`rebal.services.batch.plan_batch` on local
   processes and on a Dask LocalCluster, each with 1 and 2 workers. Prints households
   per second (median and range of ``--rounds`` interleaved rounds; the executor is
   started outside the timing, as a long-running cluster would be), the scaling
   efficiency on 2 workers (rate with 2 ÷ twice the rate with 1), and from the Dask
   2-worker rate an estimate of the workers needed for 1 million households in an hour.
2. **Sweep.** ``--configs`` band configurations (widths × check × sizing; 60/40 on the
   shipped ``us_daily`` data) through :func:`rebal.sweep.runner.run_configs` on the
   local thread pool and on Dask (2 workers each): configurations per second and Dask's
   overhead (time on Dask ÷ time on threads − 1).

The machine's load average is printed before and after: on a shared 2-core machine the
2-worker figures need the second core free.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def _summary(xs: list[float]) -> str:
    return f"{statistics.median(xs):,.1f} (range {min(xs):,.1f}–{max(xs):,.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--lots", type=int, default=20)
    parser.add_argument("--configs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from rebal.executor import ProcessExecutor
    from rebal.executor.dask import DaskExecutor
    from rebal.household.synthetic import synthetic_household
    from rebal.services.batch import BatchPlanRequest, HouseholdJob, plan_batch

    print(f"load average before: {os.getloadavg()}  cpus: {os.cpu_count()}")
    jobs = [HouseholdJob(name=f"h{s}", data=synthetic_household(s, n_lots=args.lots))
            for s in range(args.households)]
    request = BatchPlanRequest(jobs=jobs, round_size=len(jobs))

    def timed(ex: object) -> Callable[[], float]:
        def run() -> float:
            t0 = time.perf_counter()
            out = plan_batch(request, executor=ex)  # type: ignore[arg-type]
            dt = time.perf_counter() - t0
            assert out.n_failed == 0, out.to_dict()["jobs"][:3]
            return len(jobs) / dt
        return run

    rates: dict[str, list[float]] = {}
    with DaskExecutor.start(workers=1) as d1, DaskExecutor.start(workers=2) as d2:
        contenders = {
            "processes, 1 worker": timed(ProcessExecutor(1, start_method="fork")),
            "processes, 2 workers": timed(ProcessExecutor(2, start_method="fork")),
            "dask, 1 worker": timed(d1),
            "dask, 2 workers": timed(d2),
        }
        for run in contenders.values():  # warm: imports and numba caches on every worker
            run()
        for _ in range(args.rounds):
            for name, run in contenders.items():
                rates.setdefault(name, []).append(run())

    print(f"\n{args.households} households × 3 accounts × {args.lots} lots, planned "
          f"(households per second, median of {args.rounds} interleaved rounds):")
    for name, xs in rates.items():
        print(f"  {name:22} {_summary(xs)}")
    for kind in ("processes", "dask"):
        r1 = statistics.median(rates[f"{kind}, 1 worker"])
        r2 = statistics.median(rates[f"{kind}, 2 workers"])
        print(f"  {kind}: scaling efficiency on 2 workers {r2 / (2 * r1):.0%}")
    one = statistics.median(rates["dask, 1 worker"])
    eff = statistics.median(rates["dask, 2 workers"]) / (2 * one)
    need = 1_000_000 / 3600
    print(f"  1 million households in one hour = {need:,.0f} per second; one worker (one "
          f"core) plans {one:,.1f} per second here, so at the scaling efficiency measured "
          f"here ({eff:.0%}) ≈ {need / (one * eff):,.0f} workers, at 80 % ≈ "
          f"{need / (one * 0.8):,.0f} workers (same household size; the store's writes, "
          "one process, not the bottleneck)")
    load = os.getloadavg()[0]
    print(f"  load average now: {load:.2f} on {os.cpu_count()} CPUs"
          + (" — other work holds part of the second core: 2 workers cannot fully scale"
             if load >= 1.0 else ""))

    # -- the sweep ----------------------------------------------------------------------
    import numpy as np

    from rebal import datasets
    from rebal.backtest import CostModel
    from rebal.executor import ThreadExecutor
    from rebal.policy import Policy
    from rebal.sweep.runner import Job, run_configs

    market = datasets.load("us_daily").select(["US_MKT", "UST_INT"])
    target = {"US_MKT": 0.6, "UST_INT": 0.4}
    checks, sizings = ["daily", "weekly", "monthly", "quarterly"], ["target", "edge", "halfway"]
    n_w = max(1, args.configs // (len(checks) * len(sizings)))
    widths = np.round(np.linspace(0.005, 0.20, n_w), 8)
    costs = CostModel(cost_bps=5.0)
    grid = [Job(policy=Policy.band(absolute=float(w), check=c, sizing=s), costs=costs)
            for w in widths for c in checks for s in sizings]
    run_configs(market, target, grid[:64], n_threads=1)  # compile or load the kernel
    secs: dict[str, list[float]] = {}
    with DaskExecutor.start(workers=2, preload=("rebal.sweep.kernel",)) as d2:
        sweeps = {"threads, 2": ThreadExecutor(2), "dask, 2 workers": d2}
        run_configs(market, target, grid[:4096], n_threads=2, executor=d2)  # warm workers
        for _ in range(args.rounds):
            for name, ex in sweeps.items():
                t0 = time.perf_counter()
                run_configs(market, target, grid, n_threads=2, executor=ex)
                secs.setdefault(name, []).append(time.perf_counter() - t0)
    print(f"\nsweep of {len(grid):,} configurations ({market.n_days:,} rows, 2 assets), "
          f"configurations per second (median of {args.rounds} interleaved rounds):")
    for name, xs in secs.items():
        print(f"  {name:22} {_summary([len(grid) / x for x in xs])}")
    over = statistics.median(secs["dask, 2 workers"]) / statistics.median(secs["threads, 2"])
    print(f"  Dask overhead vs the thread pool: {over - 1:+.1%}")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
