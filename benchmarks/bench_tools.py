"""Benchmark: rebal vs the open-source backtesters bt and vectorbt on the same data.

Run: ``python3 benchmarks/bench_tools.py [--python /tmp/bench-venv/bin/python] [--repeats 3]``

bt and vectorbt are benchmark-only extras (``pip install bt vectorbt``; see
``benchmarks/README.md``). They run in the interpreter given by ``--python``
(default: this one) through ``benchmarks/_tools_side.py``, with the data passed in a
temporary ``.npz`` file, so they may live in a separate virtual environment.

Data: real daily adjusted closes from ``/work/shared/data/etf_adjclose_daily_1993_2025.csv``
over the common span of the columns used: a 60/40 SPY/IEF portfolio and a 20-ETF
equal-weight mix (2007-04 … 2025-09, ~4,650 rows). Policies: monthly, quarterly
(rebalance rows = rebal's convention, the last trading day of each period, handed to
bt as ``RunOnDate`` and to vectorbt as order rows, so the timing is identical) and a
relative band of 10 % of each target checked daily (bt's ``RunIfOutOfBounds(0.10)``,
which is relative; vectorbt has no built-in band rule). No costs (the tools' cost
models differ), fractional positions, purchase at the first close.

Prints per case: times (rebal single ``run_backtest``; rebal sweep per backtest in a
1,024-configuration band grid on the same data; the plain-Python reference loop; bt;
vectorbt), ratios to rebal, and the final-value differences relative to rebal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
ETF_FILE = Path("/work/shared/data/etf_adjclose_daily_1993_2025.csv")


def _market(columns):
    import pandas as pd

    from rebal.data import MarketData

    df = pd.read_csv(ETF_FILE, parse_dates=["Date"])[["Date", *columns]].dropna()
    dates = df["Date"].to_numpy().astype("datetime64[D]")
    return MarketData(dates=dates, assets=tuple(columns), prices=df[columns].to_numpy(float))


def _median_time(fn, repeats):
    ts = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return out, statistics.median(ts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import pandas as pd

    from rebal.backtest import CostModel, run_backtest
    from rebal.policy import Policy
    from rebal.sweep.runner import Job, run_configs
    from reference_sim import check_days, reference_backtest

    all_cols = [c for c in pd.read_csv(ETF_FILE, nrows=1).columns if c not in ("Date", "BIL")][:20]
    cases = {
        "60/40 SPY/IEF": (["SPY", "IEF"], [0.6, 0.4]),
        "20-ETF equal weight": (all_cols, [1.0 / len(all_cols)] * len(all_cols)),
    }
    policies = {
        "monthly": Policy.calendar("monthly"),
        "quarterly": Policy.calendar("quarterly"),
        "band rel=10%": Policy.band(relative=0.10),
    }
    for case, (cols, w) in cases.items():
        market = _market(cols)
        target = dict(zip(cols, w, strict=True))
        dates = [str(d) for d in market.dates]
        payload = {
            "dates": np.array(dates),
            "assets": np.array(cols),
            "prices": market.prices,
            "weights": np.array(w),
        }
        rebal, ref = {}, {}
        for name, pol in policies.items():
            run_backtest(market, target, pol)
            res, t = _median_time(
                lambda pol=pol, m=market, tg=target: run_backtest(m, tg, pol), 20
            )
            rebal[name] = (res.final_value, t)
            if name == "band rel=10%":
                payload[f"band_{name}"] = np.array(0.10)
                band = {a: 0.10 * target[a] for a in cols}
                check = check_days(dates, "daily")
            else:
                cp = pol.compile(market, np.array(w))
                payload[f"rows_{name}"] = np.flatnonzero(cp.kernel_check[:, 0])
                band, check = None, check_days(dates, name)
            r, tr = _median_time(
                lambda band=band, check=check, d=dates, c=cols, m=market, tg=target: (
                    reference_backtest(d, c, m.prices.tolist(), tg, check=check, band=band)
                ),
                1,
            )
            ref[name] = (r.values[-1], tr)
        grid = [
            Job(policy=Policy.band(relative=float(x), check=c), costs=CostModel())
            for x in np.linspace(0.02, 0.5, 256)
            for c in ("daily", "weekly", "monthly", "quarterly")
        ]
        run_configs(market, target, grid[:8])
        _, ts = _median_time(
            lambda grid=grid, m=market, tg=target: run_configs(m, tg, grid), args.repeats
        )
        sweep_each = ts / len(grid)
        with tempfile.TemporaryDirectory() as tmp:
            f = Path(tmp) / "data.npz"
            np.savez(f, **payload)
            proc = subprocess.run(
                [
                    args.python,
                    str(ROOT / "benchmarks" / "_tools_side.py"),
                    str(f),
                    str(args.repeats),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        if proc.returncode != 0:
            print(proc.stderr[-2000:])
            raise SystemExit(f"tool side failed with {args.python}")
        tools = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"\n== {case}: {len(cols)} assets x {market.n_days} rows "
            f"({market.dates[0]} … {market.dates[-1]}), no costs; tools {tools['versions']}"
        )
        print(
            f"rebal sweep: {len(grid)} band configs in {ts:.3f} s = {sweep_each * 1e6:.0f} us "
            f"per backtest ({1 / sweep_each:,.0f} backtests/s)"
        )
        head = (
            f"{'policy':<14}{'tool':<18}{'time':>11}{'x rebal':>10}{'final value':>18}"
            f"{'diff vs rebal':>15}"
        )
        print(head)
        for name in policies:
            v0, t0 = rebal[name]
            rows = [
                ("rebal", v0, t0),
                ("rebal sweep/each", np.nan, sweep_each),
                ("reference loop", *ref[name]),
            ]
            for tool in ("bt", "vectorbt"):
                key = f"{tool}|{name}"
                if key in tools:
                    label = f"bt {tools[key]['rule']}" if "rule" in tools[key] else tool
                    rows.append((label, tools[key]["final"], tools[key]["seconds"]))
                else:
                    rows.append((tool, np.nan, np.nan))
            for tool, v, t in rows:
                diff = "" if not np.isfinite(v) else f"{v / v0 - 1:+.1e}"
                tt = (
                    "n/a"
                    if not np.isfinite(t)
                    else (f"{t * 1e3:.2f} ms" if t < 10 else f"{t:.1f} s")
                )
                ratio = "" if not np.isfinite(t) else f"{t / t0:,.1f}"
                val = "" if not np.isfinite(v) else f"${v:,.2f}"
                print(f"{name:<14}{tool:<18}{tt:>11}{ratio:>10}{val:>18}{diff:>15}")


if __name__ == "__main__":
    main()
