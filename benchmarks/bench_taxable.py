"""Benchmark: a 33-year daily taxable backtest with lots and loss harvesting.

Data (real, from ``../shared/data``): Ken French daily US factors, 1991-08-30 …
2024-08-30 (33 years, 8,316 rows). Classes: US market (``Mkt-RF + RF``) 60 %
and T-bills (``RF``) 40 %; the market's harvesting substitute is a real tilted
series, market + 0.25 × SMB (small-cap tilt), which tracks it closely but is a
different security. Annual, quarterly and monthly rebalancing, 5 bps costs, HIFO,
flat 35 %/15 %, harvest at 5 % and $1,000 with swap-back.
Run: ``python benchmarks/bench_taxable.py [--rounds 5] [--repeat 3] [--profile]``.

Prints, per calendar: the median and min–max over ``--rounds`` interleaved rounds
(each round runs every calendar ``--repeat`` times and keeps the median) of wall time,
the median CPU time (steadier than wall on a loaded host), the load average, and the
largest relative difference of the daily values from the plain-Python
reference (``tests/reference_taxable.py``, run once per calendar).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reference_taxable import reference_taxable

from rebal.backtest import CostModel
from rebal.backtest.taxable.settings import FlatRates, TaxSettings
from rebal.backtest.taxable.simulator import run_taxable_backtest
from rebal.data.market import MarketData
from rebal.policy import Policy
from rebal.policy.schedule import period_end_mask
from rebal.tax.harvest import HarvestSettings
from rebal.types import Frequency

SHARED = Path(os.environ.get("REBAL_SHARED_DATA")
              or Path(__file__).resolve().parents[2] / "shared" / "data")
FF3 = SHARED / "ff3_factors_daily_pct_1926_2024.csv"


def market() -> MarketData:
    df = pd.read_csv(FF3, parse_dates=["Date"])
    df = df[df.Date >= "1991-08-30"].reset_index(drop=True)
    mkt = (df["Mkt-RF"] + df["RF"]) / 100
    tilt = mkt + 0.25 * df["SMB"] / 100
    rf = df["RF"] / 100
    r = np.column_stack([mkt, rf, tilt])
    r[0] = 0
    prices = 100 * np.cumprod(1 + r, axis=0)
    return MarketData(dates=df.Date.values.astype("datetime64[D]"),
                      assets=("MKT", "BILLS", "MKT_TILT"), prices=prices, source="FF3 daily")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile of the monthly run")
    args = parser.parse_args([a for a in sys.argv[1:] if a != "--evidence"])

    m = market()
    tax = TaxSettings(rates=FlatRates(st_rate=0.35, lt_rate=0.15), lot_method="hifo")
    hs = HarvestSettings(substitutes={"MKT": "MKT_TILT"}, min_loss_frac=0.05,
                         min_loss_usd=1000.0)
    kw = dict(tax=tax, harvest=hs, costs=CostModel(cost_bps=5), with_pre_tax=False)
    target = {"MKT": 0.6, "BILLS": 0.4}
    freqs = ("annual", "quarterly", "monthly")
    policies = {f: Policy.calendar(f) for f in freqs}
    results = {f: run_taxable_backtest(m, target, p, **kw) for f, p in policies.items()}  # warm
    load0 = os.getloadavg()
    medians: dict[str, list[float]] = {f: [] for f in freqs}
    cpu: dict[str, list[float]] = {f: [] for f in freqs}
    for r in range(args.rounds):
        order = freqs[r % 3:] + freqs[: r % 3]
        for f in order:
            times, cpus = [], []
            for _ in range(args.repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                run_taxable_backtest(m, target, policies[f], **kw)
                times.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            medians[f].append(statistics.median(times))
            cpu[f].append(statistics.median(cpus))
    load1 = os.getloadavg()
    print(f"data: {m.n_days} rows {m.dates[0]} .. {m.dates[-1]} ({(m.n_days - 1) / 252:.1f} y); "
          f"{args.rounds} interleaved rounds x {args.repeat}; load average "
          f"{load0[0]:.2f} -> {load1[0]:.2f} (2 shared cores)")
    for f in freqs:
        res, ts = results[f], medians[f]
        t0 = time.perf_counter()
        ref = reference_taxable(m.dates, m.prices, ["MKT", "BILLS"], [2, -1], [0.6, 0.4],
                                policy="check", band=-1.0,
                                check=period_end_mask(m.dates, Frequency(f)), st_rate=0.35,
                                lt_rate=0.15, method="hifo", cost=5e-4,
                                harvest=(0.05, 1000.0, True))
        t_ref = time.perf_counter() - t0
        rel = float(np.max(np.abs(res.values / ref["values"] - 1)))
        cents = float(np.max(np.abs(res.values - ref["values"])))
        print(f"{f:<10} engine median {statistics.median(ts) * 1e3:7.2f} ms "
              f"(min {min(ts) * 1e3:.2f}, max {max(ts) * 1e3:.2f}; CPU median "
              f"{statistics.median(cpu[f]) * 1e3:.2f} ms); {len(res.trades)} trades, "
              f"{len(res.harvests)} harvests; reference loop {t_ref * 1e3:.0f} ms; "
              f"max value difference {rel:.1e} relative, ${cents:.4f}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(3):
            run_taxable_backtest(m, target, policies["monthly"], **kw)
        prof.disable()
        print("where the monthly run's time goes (3 runs, tottime):")
        pstats.Stats(prof).sort_stats("tottime").print_stats(12)


def evidence() -> None:
    """The issue's tables: 60/40 and a 5-asset mix on the ETF file, 2007-06 … 2025-09."""
    from rebal.data.loaders import load_prices
    from rebal.policy import policy_from_spec

    etf = FF3.parent / "etf_adjclose_daily_1993_2025.csv"
    policies = [
        ("buy-and-hold", Policy.buy_and_hold()),
        ("annual", Policy.calendar("annual")),
        ("quarterly", Policy.calendar("quarterly")),
        ("5% band", Policy.band(absolute=0.05)),
        ("vol-scaled band", policy_from_spec({"kind": "vol_band", "base_band": 0.05,
                                              "floor": 0.02, "cap": 0.12}, name="vol band")),
    ]
    mixes = [
        ("60/40 SPY/AGG", {"SPY": 0.6, "AGG": 0.4}, {"SPY": "VTI", "AGG": "IEF"}),
        ("5-asset", {"SPY": 0.35, "EFA": 0.2, "AGG": 0.3, "VNQ": 0.1, "GLD": 0.05},
         {"SPY": "VTI", "EFA": "IEV", "AGG": "IEF", "VNQ": "IYR"}),
    ]
    for title, target, subs in mixes:
        m = load_prices(etf, assets=[*target, *subs.values()]).between("2007-06-01", None)
        tax = TaxSettings(rates=FlatRates(st_rate=0.35, lt_rate=0.15), lot_method="hifo")
        hs = HarvestSettings(substitutes=subs, min_loss_frac=0.05, min_loss_usd=1000.0)
        print(f"\n{title}, {m.dates[0]} .. {m.dates[-1]}, 5 bps, HIFO, ST 35% / LT 15%, "
              "state 0, taxes paid each January from the portfolio; $1M")
        print("| policy | TLH | pre-tax CAGR | after-tax CAGR | after liquidation | tax drag "
              "| tax drag liq. | efficiency liq. | taxes paid $ | harvests | harvested $ "
              "| AT alpha | AT alpha liq. |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for use_h in (False, True):
            base = None
            for name, pol in policies:
                r = run_taxable_backtest(m, target, pol, tax=tax, harvest=hs if use_h else None,
                                         costs=CostModel(cost_bps=5))
                if base is None:
                    base = r
                mt = r.metrics(base)
                print(f"| {name} | {'yes' if use_h else 'no'} | {mt.pre_tax_cagr:.2%} | "
                      f"{mt.after_tax_cagr:.2%} | {mt.after_tax_cagr_liquidated:.2%} | "
                      f"{mt.tax_drag:.2%} | {mt.tax_drag_liquidated:.2%} | "
                      f"{mt.tax_efficiency_liquidated:.3f} | {mt.total_tax_paid_usd:,.0f} | "
                      f"{mt.n_harvests} | {mt.harvested_loss_usd:,.0f} | "
                      f"{mt.after_tax_alpha:+.2%} | {mt.after_tax_alpha_liquidated:+.2%} |")


if __name__ == "__main__" and "--evidence" in sys.argv:
    evidence()
elif __name__ == "__main__":
    main()
