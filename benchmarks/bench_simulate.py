"""Household simulation benchmark: 16 years of monthly decisions, 4 accounts, 10 funds, ~200 lots.

Run:  python3 benchmarks/bench_simulate.py            (3 interleaved rounds)
      python3 benchmarks/bench_simulate.py --rounds 5 --every quarter

Targets (issue #16): ≤ 10 s for the planner strategy, ≤ 0.5 s for naive (the whole
``run_strategy`` loop: daily valuation, decisions, ledger, yearly tax).

The household (seeded, deterministic): classes us/intl/bonds 50/20/30 (±3 pp bands), ten
funds — two substitutes per class in the taxable account (another wash-sale group each),
the 401(k)'s three index funds, and a Roth fund — each following a column of the shipped
default data (US_MKT, UST_INT; international follows US_MKT there); a taxable account
(whole shares) with 192 lots bought 1995–2000 at bases from −30 % to +60 % of the start
price (``simulation.lots: keep``), a 401(k), a Roth and a spouse's IRA holding plain
positions. Simulated 2001-01-02 … 2016-12-30 on ``--prices default``.

Prints the median, min and max of each strategy's wall time over the rounds (strategies
interleaved within each round), the number of plans solved, and the load average: the
machine's two cores are shared, so the figures move with other work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, timedelta

import numpy as np

from rebal.datasets import resolve_prices
from rebal.simulation import SimSettings, simulation_from_dict
from rebal.simulation.engine import run_strategy
from rebal.simulation.market import sim_prices
from rebal.tax.rates import extra_years

FUNDS = [  # symbol, class, column, substitute
    ("USA", "us", "US_MKT", "USB"), ("USB", "us", "US_MKT", "USA"),
    ("INA", "intl", "US_MKT", "INB"), ("INB", "intl", "US_MKT", "INA"),
    ("BDA", "bonds", "UST_INT", "BDB"), ("BDB", "bonds", "UST_INT", "BDA"),
    ("K_US", "us", "US_MKT", None), ("K_IN", "intl", "US_MKT", None),
    ("K_BD", "bonds", "UST_INT", None), ("R_ALL", "us", "US_MKT", None),
]


def make_spec(n_lots: int = 192, seed: int = 16) -> object:
    rng = np.random.default_rng(seed)
    securities = []
    for sym, cls, _col, sub in FUNDS:
        s = {"symbol": sym, "asset_class": cls, "price_usd": 100.0, "cost_bps": 2}
        if sub:
            s["substitutes"] = [sub]
        securities.append(s)
    lots = []
    first = date(1995, 1, 3)
    taxable_funds = ["USA", "INA", "BDA", "USB"]
    for i in range(n_lots):
        sym = taxable_funds[i % len(taxable_funds)]
        q = float(rng.integers(5, 40))
        lots.append({"account": "taxable", "symbol": sym, "quantity": q,
                     "cost_basis_usd": round(q * 100.0 / rng.uniform(0.6, 1.3), 2),
                     "acquired": (first + timedelta(days=int(i * 2190 / n_lots))).isoformat()})
    lots += [{"account": "k401", "symbol": "K_US", "quantity": 3000},
             {"account": "k401", "symbol": "K_IN", "quantity": 1000},
             {"account": "k401", "symbol": "K_BD", "quantity": 3500},
             {"account": "roth", "symbol": "R_ALL", "quantity": 800},
             {"account": "ira_sp", "symbol": "K_BD", "quantity": 900}]
    data = {
        "as_of": "2025-06-30",
        "household": {"name": "Benchmark household", "filing_status": "mfj", "tax_year": 2025,
                      "ordinary_income_usd": 180000, "state_rate": 0.05,
                      "harvest": {"enabled": True, "min_loss_usd": 500, "min_loss_frac": 0.05},
                      "realize_zero_bracket_gains": True, "wash_sale": {"avoid": True}},
        "accounts": [
            {"id": "taxable", "type": "taxable", "cash_usd": 5000, "min_cash_usd": 2000,
             "whole_shares": True},
            {"id": "k401", "type": "traditional", "whole_shares": False},
            {"id": "roth", "type": "roth", "whole_shares": True, "cash_usd": 500},
            {"id": "ira_sp", "type": "traditional", "owner": "spouse", "whole_shares": False},
        ],
        "securities": securities,
        "targets": {"classes": {"us": {"weight": 0.5}, "intl": {"weight": 0.2},
                                "bonds": {"weight": 0.3}}},
        "lots": lots,
        "simulation": {"prices": {sym: col for sym, _c, col, _s in FUNDS},
                       "start": "2001-01-02", "end": "2016-12-30", "lots": "keep",
                       "income_growth": 0.025, "inflation": 0.025},
    }
    return simulation_from_dict(data, source="bench_simulate")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--every", default="month")
    ap.add_argument("--strategies", default="planner,naive")
    args = ap.parse_args()
    spec = make_spec()
    px = sim_prices(spec, resolve_prices("default"))
    names = args.strategies.split(",")
    times: dict[str, list[float]] = {n: [] for n in names}
    info: dict[str, str] = {}
    print(f"{len(px.dates)} days {px.dates[0]} … {px.dates[-1]}, decisions every {args.every}, "
          f"{len(spec.household.lots)} lots at the start")
    with extra_years(range(px.dates[0].year, px.dates[-1].year + 1), spec.inflation):
        for r in range(args.rounds):
            order = names if r % 2 == 0 else names[::-1]
            for name in order:
                t0 = time.perf_counter()
                run = run_strategy(spec, px, SimSettings(every=args.every), name)
                times[name].append(time.perf_counter() - t0)
                info[name] = (f"acted {run.acted}/{run.decisions} decision days, "
                              f"{len(run.trades)} ledger trades, "
                              f"plan/decide {run.plan_seconds:.2f} s")
    for name in names:
        ts = times[name]
        print(f"{name:22s} median {statistics.median(ts):7.3f} s  min {min(ts):7.3f}  "
              f"max {max(ts):7.3f}  ({info[name]})")
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
