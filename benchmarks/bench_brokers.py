"""Broker-file parsing benchmark: 100,000 lots (generic layout) and 100,000 transactions
(Schwab layout, with "$", "," and "as of" dates), read by :mod:`rebal.brokers`.

Run:  python3 benchmarks/bench_brokers.py            (--rows 100000 --rounds 3)

The files are generated (seeded) in a temporary directory. Each round reads both files, the
two alternating first; prints the median and spread (min–max) of wall and CPU seconds per
file over the rounds, and the load average (the machine's 2 cores are shared: wall times
move with other load, CPU times much less). Context: issue 17 asks for a 100,000-lot import
into the store in <= 10 s; parsing is the part measured here.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rebal.brokers import read_lots, read_transactions


def write_lots(path: Path, n: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("account,symbol,quantity,acquired,cost_basis,lot_id\n")
        for i in range(n):
            basis = rng.randint(100, 10**7) / 100
            f.write(f"brokerage,S{i % 500:03d},{rng.randint(1, 10000) / 10},"
                    f"20{10 + i % 15}-{1 + i % 12:02d}-{1 + i % 28:02d},\"${basis:,.2f}\",L{i}\n")


def write_schwab(path: Path, n: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write('"Date","Action","Symbol","Description","Quantity","Price","Fees & Comm",'
                '"Amount",\n')
        for i in range(n):
            qty = rng.randint(1, 500)
            price = rng.randint(1000, 50000) / 100
            day = f"{1 + i % 12:02d}/{1 + i % 28:02d}/20{10 + i % 15}"
            if i % 3 == 0:
                f.write(f'"{day}","Buy","S{i % 500:03d}","FUND","{qty:,}","${price:,.2f}","",'
                        f'"-${qty * price:,.2f}",\n')
            elif i % 3 == 1:
                f.write(f'"{day} as of {day}","Sell","S{i % 500:03d}","FUND","{qty:,}",'
                        f'"${price:,.2f}","$0.05","${qty * price - 0.05:,.2f}",\n')
            else:
                f.write(f'"{day}","Qualified Dividend","S{i % 500:03d}","FUND","","","",'
                        f'"${price:,.2f}",\n')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        lots, txns = Path(tmp) / "lots.csv", Path(tmp) / "transactions.csv"
        write_lots(lots, args.rows, rng)
        write_schwab(txns, args.rows, rng)
        jobs: dict[str, Callable[[], int]] = {
            "generic lots": lambda: len(read_lots(lots, "generic").lots),
            "schwab transactions": lambda: len(read_transactions(txns, "schwab").transactions),
        }
        wall: dict[str, list[float]] = {k: [] for k in jobs}
        cpu: dict[str, list[float]] = {k: [] for k in jobs}
        for r in range(args.rounds):
            order = list(jobs) if r % 2 == 0 else list(reversed(jobs))
            for name in order:
                t0, c0 = time.perf_counter(), time.process_time()
                count = jobs[name]()
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
                assert count == args.rows, (name, count)
    load = os.getloadavg()
    print(f"{args.rows:,} rows a file, {args.rounds} interleaved rounds; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for name in jobs:
        w, c = wall[name], cpu[name]
        print(f"  {name:20s} wall median {statistics.median(w):6.2f} s "
              f"(min {min(w):.2f}, max {max(w):.2f})   CPU median {statistics.median(c):6.2f} s "
              f"(min {min(c):.2f}, max {max(c):.2f})")


if __name__ == "__main__":
    main()
