"""The web app's speed: the households page over 10,000 households (target 300 ms) and a
household page (target 200 ms), server time (issue 18).

    python3 benchmarks/bench_web.py            # --rounds 5

One SQLite store in a temporary directory: 10,000 households inserted in bulk (three drift
checks each with the investable value, an open alert on every 7th, a plan on every 5th),
plus the example household ``diy_small.yaml`` stored through the service (a real one to
render). Each request goes through FastAPI's in-process TestClient, so the time is the
app's (routing, services, store, template) without a network. Rounds are interleaved
(every request once per round); prints the median, min and max and the load average (the
machine is shared: compare medians, and only with the load beside them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "households" / "diy_small.yaml"
H = "DIY investor (single)"


def make_many(db: str, n: int) -> None:
    """n households, three drift checks each, alerts on every 7th, plans on every 5th."""
    from rebal.store import Store
    from rebal.store import schema as t

    now = dt.datetime(2025, 7, 1)
    store = Store.open(db)
    with store, store.write() as conn:
        conn.execute(t.households.insert(), [
            dict(id=i + 1, name=f"household {i:05d}", as_of=dt.date(2025, 6, 30), settings={},
                 created_at=now, updated_at=now) for i in range(n)])
        conn.execute(t.drift_checks.insert(), [
            dict(household_id=i + 1, at=now + dt.timedelta(days=k), as_of=dt.date(2025, 6, 30),
                 action_needed=(i + k) % 3 == 0, max_abs_drift=0.01 * k,
                 summary={"value_usd": 1000.0 * (i % 997) + k})
            for k in range(3) for i in range(n)])
        conn.execute(t.alerts.insert(), [
            dict(household_id=i + 1, created_at=now, kind="drift", severity="action",
                 message="bonds is outside its band", key="drift:bonds", last_seen_at=now)
            for i in range(0, n, 7)])
        conn.execute(t.plans.insert(), [
            dict(household_id=i + 1, created_at=now, created_by="bench", inputs_hash="0" * 64,
                 as_of=dt.date(2025, 6, 30), status="proposed", n_trades=0, tax_usd=0.0,
                 naive_tax_usd=None, summary={}, payload="{}", updated_at=now,
                 updated_by="bench")
            for i in range(0, n, 5)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from rebal.services.store import add_household
    from rebal.web import create_app

    with tempfile.TemporaryDirectory() as d:
        db = f"sqlite:///{Path(d) / 'web.db'}"
        make_many(db, 10_000)
        add_household(str(EXAMPLE), db)
        c = TestClient(create_app(db))
        requests = {
            "households page (HTML, sorted by value, page 1 of 201)": "/?sort=value&desc=true",
            "households page, filtered ('household 09', htmx partial)": "/?q=household%2009",
            "households API (JSON, page 100)": "/api/households?page=100",
            "household page (HTML, diy_small)": "/households/" + quote(H, safe=""),
        }
        for url in requests.values():  # warm: imports, template compilation
            assert c.get(url).status_code == 200, url
        times: dict[str, list[float]] = {k: [] for k in requests}
        for _ in range(args.rounds):
            for name, url in requests.items():
                t0 = time.perf_counter()
                r = c.get(url, headers={"hx-request": "true"} if "htmx" in name else {})
                times[name].append(time.perf_counter() - t0)
                assert r.status_code == 200
        load = os.getloadavg()
        print(f"rebal web app, 10,001 households, {args.rounds} interleaved rounds; load "
              f"average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
        for name, ts in times.items():
            print(f"  {name:58s} median {1000 * statistics.median(ts):7.1f} ms "
                  f"(min {1000 * min(ts):.1f}, max {1000 * max(ts):.1f})")


if __name__ == "__main__":
    main()
