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
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _seed import seed_households  # noqa: E402
EXAMPLE = ROOT / "examples" / "households" / "diy_small.yaml"
H = "DIY investor (single)"


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
        seed_households(db, 10_000, with_values=True, alerts_every=7, plans_every=5)
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
