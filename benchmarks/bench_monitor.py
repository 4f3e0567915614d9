"""Benchmark: ``rebal monitor`` over many stored households.

Run: ``python3 benchmarks/bench_monitor.py [--households 10000] [--lots 20] [--rounds 3]``

Builds a SQLite store (a temporary file) of ``--households`` generated households
(:func:`rebal.household.synthetic.synthetic_household`: 3 accounts, ``--lots`` lots in
all), then times, in interleaved rounds:

- a full run (``--all``: every household read from the store, evaluated by every rule,
  alerts deduplicated and written) serially and on 2 local processes;
- an incremental run (nothing changed since the last: fingerprints compared, nothing
  evaluated).

Prints medians and ranges, households per second, and the load average (the 2-process
figure needs the second core free). The issue's goal: 10,000 households ≤ 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--lots", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from rebal.executor import ExecutorKind, ExecutorSpec
    from rebal.household import household_from_dict
    from rebal.household.synthetic import synthetic_household
    from rebal.services.monitor import MonitorRequest, monitor
    from rebal.services.store import open_store
    from rebal.store.households import save_household

    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        t0 = time.perf_counter()
        store = open_store(url)
        with store, store.write() as conn:
            for seed in range(args.households):
                h = household_from_dict(synthetic_household(seed, n_lots=args.lots))
                save_household(conn, h.to_dict())
        print(f"store of {args.households:,} households × 3 accounts × {args.lots} lots built "
              f"in {time.perf_counter() - t0:,.1f} s")

        runs = {
            "full, serial": MonitorRequest(db=url, all_=True,
                                           executor=ExecutorSpec(ExecutorKind.SERIAL)),
            "full, 2 processes": MonitorRequest(
                db=url, all_=True, executor=ExecutorSpec(ExecutorKind.PROCESSES, 2)),
            "incremental (unchanged)": MonitorRequest(db=url),
        }
        secs: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for name, req in runs.items():
                t0 = time.perf_counter()
                out = monitor(req)
                secs.setdefault(name, []).append(time.perf_counter() - t0)
                assert out.n_failed == 0
        print(f"\nrebal monitor, {args.households:,} households (median of {args.rounds} "
              "interleaved rounds):")
        for name, xs in secs.items():
            med = statistics.median(xs)
            print(f"  {name:26} {med:8.2f} s (range {min(xs):.2f}–{max(xs):.2f}); "
                  f"{args.households / med:,.0f} households/s")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
