"""Benchmark: a 33-year daily taxable backtest with lots and loss harvesting.

Data (real, from ``../shared/data``): Ken French daily US factors, 1991-08-30 …
2024-08-30 (33 years, 8,316 rows). Classes: US market (``Mkt-RF + RF``) 60 %
and T-bills (``RF``) 40 %; the market's harvesting substitute is a real tilted
series, market + 0.25 × SMB (small-cap tilt), which tracks it closely but is a
different security. Annual rebalancing, 5 bps costs, HIFO, flat 35 %/15 %,
harvest at 5 % and $1,000 with swap-back. Run: ``python benchmarks/bench_taxable.py``.
"""

from __future__ import annotations

import cProfile
import pstats
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

FF3 = Path(__file__).resolve().parents[2] / "shared/data/ff3_factors_daily_pct_1926_2024.csv"


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


def main(repeat: int = 20) -> None:
    m = market()
    tax = TaxSettings(rates=FlatRates(st_rate=0.35, lt_rate=0.15), lot_method="hifo")
    hs = HarvestSettings(substitutes={"MKT": "MKT_TILT"}, min_loss_frac=0.05,
                         min_loss_usd=1000.0)
    kw = dict(tax=tax, harvest=hs, costs=CostModel(cost_bps=5), with_pre_tax=False)
    policy = Policy.calendar("annual")
    target = {"MKT": 0.6, "BILLS": 0.4}
    r = run_taxable_backtest(m, target, policy, **kw)  # warm-up (JIT, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = run_taxable_backtest(m, target, policy, **kw)
        times.append(time.perf_counter() - t0)
    med = float(np.median(times))
    print(f"data: {m.n_days} rows {m.dates[0]} .. {m.dates[-1]} ({(m.n_days - 1) / 252:.1f} y)")
    print(f"engine: median {med * 1e3:.2f} ms, min {min(times) * 1e3:.2f} ms over {repeat} runs; "
          f"{len(r.trades)} trades, {len(r.harvests)} harvests, {len(r.unit_days)} trading rows, "
          f"{len(r.year_taxes)} tax years")
    t0 = time.perf_counter()
    ref = reference_taxable(m.dates, m.prices, ["MKT", "BILLS"], [2, -1], [0.6, 0.4],
                            policy="check", band=-1.0,
                            check=period_end_mask(m.dates, Frequency.ANNUAL), st_rate=0.35,
                            lt_rate=0.15, method="hifo", cost=5e-4,
                            harvest=(0.05, 1000.0, True))
    t_ref = time.perf_counter() - t0
    rel = float(np.max(np.abs(r.values / ref["values"] - 1)))
    print(f"reference loop: {t_ref * 1e3:.0f} ms ({t_ref / med:.0f}x the engine); "
          f"max relative value difference {rel:.1e}")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(5):
        run_taxable_backtest(m, target, policy, **kw)
    prof.disable()
    print("where the time goes (5 runs, tottime):")
    pstats.Stats(prof).sort_stats("tottime").print_stats(8)




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
