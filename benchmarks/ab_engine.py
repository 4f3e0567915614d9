"""Paired A/B of the engine: this checkout against another revision, interleaved.

Two worker processes, one per source tree, pinned to the same CPU, take turns: each
turn one worker times a block of ``--calls`` backtests (bench_engine's data: 20 ETFs,
8,300 rows, monthly to target, 5 bps + $1 a trade) and reports the block's median (CPU
time of the worker by default, ``--clock wall`` for wall time); the
order alternates every round. The ratio of each round's pair (this / other) cancels the
machine's slow drift, which on these shared 2-core hosts is larger than the effects
measured (±5 % between runs of one process). A run against the same revision
(``--base HEAD``) shows the method's own spread (an A/A test).

    python benchmarks/ab_engine.py --base b49f7d9            # before the one-core redesign
    python benchmarks/ab_engine.py --base HEAD --rounds 40   # A/A

Prints, for ``run_backtest`` end to end and for the kernel alone (``run_arrays``): both
trees' medians (µs) and the paired ratio's median with its interquartile range.
Repeat the whole command a few times: each run's processes also differ in memory layout,
which moves a numba kernel by a percent or two.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKER = r"""
import statistics, sys, time
sys.path[:0] = [sys.argv[1] + "/benchmarks", sys.argv[1] + "/tests"]
import numpy as np
from bench_engine import build_market
from rebal.policy import Policy
try:
    from rebal.backtest import CostModel, run_arrays, run_backtest
except ImportError:  # a revision before the sim/ -> backtest/ rename
    from rebal.sim import CostModel, run_arrays, run_backtest
calls = int(sys.argv[2])
clock = time.process_time if sys.argv[3] == "cpu" else time.perf_counter
market, _ = build_market(8300)
target = {a: 1.0 / market.n_assets for a in market.assets}
policy = Policy.calendar("monthly")
costs = CostModel(cost_bps=5.0, fixed_usd=1.0)
w = np.array([target[a] for a in market.assets])
compiled = policy.compile(market, w)
rates = costs.rates(market.assets)
from rebal.data import MarketData
from rebal.metrics import compute_metrics
result = run_backtest(market, target, policy, costs=costs)
baseline = run_backtest(market, target, Policy.buy_and_hold(), costs=costs)
baseline_metrics = compute_metrics(baseline)
band = Policy.band(absolute=0.05)
fresh = []
def fresh_markets():  # new MarketData objects (nothing cached on them), built untimed
    fresh[:] = [MarketData(dates=market.dates, assets=market.assets, prices=market.prices)
                for _ in range(calls + 50)]
def fresh_results():  # new results of the monthly backtest (nothing formed), built untimed
    fresh[:] = [run_backtest(market, target, policy, costs=costs) for _ in range(calls + 50)]
jobs = {
    "e2e": lambda: run_backtest(market, target, policy, costs=costs),
    "kernel": lambda: run_arrays(None, w, compiled, prices=market.prices, cost_rates=rates,
                                 fixed_usd=costs.fixed_usd),
    "fresh": lambda: run_backtest(fresh.pop(), target, policy, costs=costs),
    "metrics": lambda: compute_metrics(fresh.pop(), baseline_metrics),
    "metrics2": lambda: compute_metrics(result, baseline),
    "band": lambda: run_backtest(market, target, band, costs=costs),
}
setup = {"fresh": fresh_markets, "metrics": fresh_results}
for name, job in jobs.items():
    setup.get(name, lambda: None)()
    for _ in range(50):
        job()
print("ready", flush=True)
for line in sys.stdin:
    setup.get(line.strip(), lambda: None)()
    job = jobs[line.strip()]
    times = []
    for _ in range(calls):
        t0 = clock()
        job()
        times.append(clock() - t0)
    print(statistics.median(times) * 1e6, flush=True)
"""


def _worker(tree: Path, calls: int, cpu: int, clock: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    # the data comes from this checkout's bench_engine (it reads ../shared/data beside it)
    cmd = [sys.executable, "-c", WORKER, str(ROOT), str(calls), clock]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu), *cmd]
    proc = subprocess.Popen(cmd, cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit(f"the worker for {tree} did not start")
    return proc


def _block(proc: subprocess.Popen[str], job: str) -> float:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(job + "\n")
    proc.stdin.flush()
    return float(proc.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="revision (or a source tree's path)")
    parser.add_argument("--rounds", type=int, default=80)
    parser.add_argument("--calls", type=int, default=100, help="backtests per block")
    parser.add_argument("--cpu", type=int, default=max(0, (os.cpu_count() or 1) - 1))
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="CPU time of the worker (time.process_time: less moved by "
                             "other load) or wall time (time.perf_counter)")
    parser.add_argument("--jobs", default="e2e,kernel",
                        help="comma-separated: e2e, kernel, fresh (run_backtest on a new "
                             "MarketData: calendar mask not cached), metrics (one "
                             "compute_metrics of a new monthly result against buy-and-hold's "
                             "Metrics), metrics2 (two compute_metrics: one result reused, "
                             "and its buy-and-hold baseline result), band (5 %% band)")
    args = parser.parse_args()

    tmp = None
    base = Path(args.base)
    if not base.is_dir():
        tmp = Path(tempfile.mkdtemp(prefix="rebal-ab-"))
        base = tmp / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base),
                        args.base], check=True)
    try:
        trees = {"this": ROOT, "base": base}
        procs = {name: _worker(tree, args.calls, args.cpu, args.clock)
                 for name, tree in trees.items()}
        load = os.getloadavg()
        print(f"this checkout vs {args.base}: {args.rounds} rounds of {args.calls} calls, "
              f"{args.clock} time, CPU {args.cpu}, {time.strftime('%Y-%m-%d %H:%M')}, load average "
              f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 shared cores)")
        labels = {"e2e": "run_backtest end to end", "kernel": "kernel alone (run_arrays)",
                  "fresh": "run_backtest, fresh market",
                  "metrics": "compute_metrics, new result",
                  "metrics2": "compute_metrics x2, reused",
                  "band": "run_backtest, 5 % band"}
        for job in args.jobs.split(","):
            got: dict[str, list[float]] = {"this": [], "base": []}
            for r in range(args.rounds):
                for name in (("this", "base") if r % 2 == 0 else ("base", "this")):
                    got[name].append(_block(procs[name], job))
            ratios = sorted(a / b for a, b in zip(got["this"], got["base"], strict=True))
            q = len(ratios) // 4
            label = labels[job]
            print(f"{label:27}: this {statistics.median(got['this']):7.1f} us, base "
                  f"{statistics.median(got['base']):7.1f} us; paired ratio this/base "
                  f"{statistics.median(ratios):.3f} (IQR {ratios[q]:.3f}-{ratios[-q - 1]:.3f})")
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait()
    finally:
        if tmp is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
