"""The store's speed: import 100,000 lots into SQLite, load a 2,000-lot household, list
10,000 households with their latest drift status (issue 17's targets: 10 s, 50 ms, 200 ms).

    python3 benchmarks/bench_store.py            # --rounds 3

Each round runs the three measurements one after the other (interleaved), each on a fresh
SQLite file in a temporary directory; prints the median, min and max of the rounds and the
load average (the machine is shared: compare medians, and only with the load beside them).

- import: ``rebal.services.imports.import_file("lots", "generic", …)`` end to end: read the
  CSV (``rebal.brokers``), build the lots, write them in one transaction, rebuild and
  validate the household from the store before commit.
- load: ``household_data`` + ``household_from_dict`` of a 2,000-lot household on an open
  store (what ``rebal plan --household`` does after opening), and the same with opening
  the store (schema check) included.
- list: ``rebal.store.households.list_households`` over 10,000 households with three drift
  checks each (the latest shown), on an open store; and ``services.store.list_households``
  end to end (open + query + formatting).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _seed import seed_households  # noqa: E402
EXAMPLE = ROOT / "examples" / "households" / "diy_small.yaml"
H = "DIY investor (single)"


def _lots_csv(path: Path, n: int) -> None:
    syms = ("VTI", "ITOT", "VXUS", "IXUS", "BND", "AGG")
    with path.open("w") as f:
        f.write("symbol,quantity,cost_basis,acquired,lot_id\n")
        for i in range(n):
            day = dt.date(2015, 1, 1) + dt.timedelta(days=i % 3650)
            f.write(f"{syms[i % 6]},{1 + i % 7},{100 + i % 997}.25,{day},L{i}\n")


def bench_import(tmp: Path, lots: Path) -> float:
    from rebal.services.imports import import_file
    from rebal.services.store import add_household

    db = f"sqlite:///{tmp / f'imp-{time.monotonic_ns()}.db'}"
    add_household(str(EXAMPLE), db)
    t0 = time.perf_counter()
    report = import_file("lots", "generic", str(lots), household=H, account="brokerage", db=db)
    elapsed = time.perf_counter() - t0
    assert report.lots_after == 100_000, report
    return elapsed


def bench_load(db: str) -> tuple[float, float]:
    from rebal.household import household_from_dict
    from rebal.services.store import load_stored_household
    from rebal.store import Store
    from rebal.store.households import household_data

    store = Store.open(db)
    with store:
        t0 = time.perf_counter()
        with store.read() as conn:
            h = household_from_dict(household_data(conn, H))
        warm = time.perf_counter() - t0
    assert len(h.lots) == 2_000 + 6, len(h.lots)  # + brokerage 4, roth 2
    t0 = time.perf_counter()
    load_stored_household(H, db)
    return warm, time.perf_counter() - t0


def bench_list(db: str) -> tuple[float, float]:
    from rebal.services.store import list_households as service_list
    from rebal.store import Store
    from rebal.store.households import list_households

    store = Store.open(db)
    with store:
        t0 = time.perf_counter()
        with store.read() as conn:
            rows = list_households(conn)
        warm = time.perf_counter() - t0
    assert len(rows) == 10_000 and rows[0]["max_abs_drift"] == 0.02
    t0 = time.perf_counter()
    service_list(db)
    return warm, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        lots100k = tmp / "lots100k.csv"
        _lots_csv(lots100k, 100_000)
        lots2k = tmp / "lots2k.csv"
        _lots_csv(lots2k, 2_000)
        load_db = f"sqlite:///{tmp / 'load.db'}"
        from rebal.services.imports import import_file
        from rebal.services.store import add_household

        add_household(str(EXAMPLE), load_db)
        import_file("lots", "generic", str(lots2k), household=H, account="ira", db=load_db)
        list_db = f"sqlite:///{tmp / 'list.db'}"
        seed_households(list_db, 10_000)
        bench_load(load_db)  # warm the imports
        bench_list(list_db)
        res: dict[str, list[float]] = {k: [] for k in
                                       ("import", "load", "load+open", "list", "list+open")}
        for _ in range(args.rounds):
            res["import"].append(bench_import(tmp, lots100k))
            a, b = bench_load(load_db)
            res["load"].append(a)
            res["load+open"].append(b)
            a, b = bench_list(list_db)
            res["list"].append(a)
            res["list+open"].append(b)
    load = os.getloadavg()
    targets = {"import": 10.0, "load": 0.050, "list": 0.200}
    print(f"rounds: {args.rounds}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"(2 shared cores: timings move with other load)")
    for k, v in res.items():
        target = targets.get(k)
        unit, scale = ("s", 1.0) if k == "import" else ("ms", 1e3)
        print(f"{k:10s} median {statistics.median(v) * scale:9.1f} {unit}  "
              f"(min {min(v) * scale:.1f}, max {max(v) * scale:.1f})"
              + (f"  target <= {target * scale:g} {unit}" if target else ""))


if __name__ == "__main__":
    main()
