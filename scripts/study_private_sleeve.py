"""Study: a portfolio with a private-equity sleeve, 2005-01 … 2015-12 — the denominator
effect of 2008, what rebalancing the liquid part did, and a capital-call reserve.

    .venv/bin/python scripts/study_private_sleeve.py [--data ../shared/data]
        [--lag 3] [--smoothing 0.7] [--target 0.20] [--band 0.05] [--seed-vintages 8]

Reads the shared real data (never copied into the project): month-end total returns of
SPY (stocks), AGG (bonds), SHY (short Treasuries, a liquid reserve proxy) and IWM (the
buyout NAV proxy), and FRED's 3-month T-bill yield (cash). The model is
:mod:`rebal.studies.private_sleeve` (its docstring states every rule): funds' calls and
distributions by the Takahashi–Alexander model (buyout preset), their NAV moved by IWM's
return lagged ``--lag`` months and appraisal-smoothed (``s_t = (1-φ) r_t + φ s_{t-1}``,
φ = ``--smoothing``), commitments each January by ``rebal.alternatives.pace``; no trading
costs; $1,000,000 at the start with the private sleeve at target. Prints tables.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from rebal.policy.breach import breach_rule
from rebal.studies.private_sleeve import (
    SleeveSpec,
    load_sleeve_market,
    run_private_sleeve,
)

WINDOW = ("2008-09", "2009-03")
"""The months counted as "the bottom" (the S&P 500's fall from Lehman to its low)."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data",
                    default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--lag", type=int, default=3)
    ap.add_argument("--smoothing", type=float, default=0.7)
    ap.add_argument("--target", type=float, default=0.20)
    ap.add_argument("--band", type=float, default=0.05)
    ap.add_argument("--seed-vintages", type=int, default=8)
    ap.add_argument("--reserve-months", type=int, default=12)
    args = ap.parse_args()

    market = load_sleeve_market(args.data, extra=("SHY",), lag_months=args.lag,
                                smoothing=args.smoothing)
    common = dict(target_private=args.target, private_band_abs=args.band,
                  seed_vintages=args.seed_vintages)
    n = args.reserve_months
    variants = [
        SleeveSpec("liquid held, no reserve", liquid_band_abs=None, **common),
        SleeveSpec("liquid rebalanced (±5 pt), no reserve", **common),
        SleeveSpec(f"liquid held, cash reserve {n} mo", liquid_band_abs=None,
                   reserve_months=n, **common),
        SleeveSpec(f"liquid rebalanced, cash reserve {n} mo", reserve_months=n, **common),
        SleeveSpec(f"liquid rebalanced, SHY reserve {n} mo", reserve_months=n,
                   reserve_asset="SHY", **common),
    ]
    print(f"data: {market.source}")
    print(f"months {market.months[0]} … {market.months[-1]}; private target "
          f"{args.target:.0%} ± {args.band:.0%}; liquid part 60/40 SPY/AGG; buyout model; "
          f"no costs; stocks sold 'at the bottom' = {WINDOW[0]} … {WINDOW[1]}")
    results = [run_private_sleeve(market, spec) for spec in variants]

    base = results[0]
    print("\nprivate weight (NAV / total) around 2008, liquid held, no reserve:")
    months = base.months.astype(str).tolist()
    i0, i1 = months.index("2008-06"), months.index("2009-09")
    for k in range(i0, i1 + 1):
        spy = market.returns[k, market.assets.index("SPY")]
        print(f"  {months[k]}  SPY {spy:+6.1%}  reported NAV {market.nav_returns[k]:+6.1%}  "
              f"private weight {base.private_weight[k]:6.2%}"
              + ("  outside band" if breach_rule(float(base.private_weight[k]), args.target,
                                              args.band) else ""))

    print("\nfigures by variant (USD; weights as fractions of the total):")
    keys = [
        ("max private weight",
         lambda s: f"{s['max_private_weight']:.2%} ({s['max_private_weight_month']})"),
        ("months above band / outside",
         lambda s: f"{s['months_above_band']} / {s['months_outside_band']} "
                   f"(first above: {s['first_month_above_band']})"),
        ("months above ±2.5 pt / outside", None),
        ("stocks sold for calls, bottom",
         lambda s: f"{s['stock_sold_for_calls_in_window_usd']:,.0f}"),
        ("stocks sold, bottom (all)", lambda s: f"{s['stock_sold_in_window_usd']:,.0f}"),
        ("stocks bought, bottom", lambda s: f"{s['stock_bought_in_window_usd']:,.0f}"),
        ("calls / distr., bottom",
         lambda s: f"{s['calls_in_window_usd']:,.0f} / {s['distributions_in_window_usd']:,.0f}"),
        ("stocks sold for calls, all", lambda s: f"{s['stock_sold_for_calls_usd']:,.0f}"),
        ("stocks sold otherwise, all", None),
        ("liquid rebalances (bottom)",
         lambda s: f"{s['liquid_rebalances']} ({s['rebalances_in_window']})"),
        ("final total", lambda s: f"{s['final_total_usd']:,.0f}"),
        ("CAGR", lambda s: f"{s['cagr']:.2%}"),
        ("max drawdown", lambda s: f"{s['max_drawdown']:.1%}"),
        ("calls / distributions",
         lambda s: f"{s['calls_usd']:,.0f} / {s['distributions_usd']:,.0f}"),
        ("unpaid calls", lambda s: f"{s['shortfall_usd']:,.0f}"),
    ]
    for res in results:
        s = res.summary(window=WINDOW)
        print(f"\n  {res.spec.label}")
        for name, fmt in keys:
            if name == "stocks sold otherwise, all":
                j = res.assets.index("SPY")
                print(f"    {name:32s} {res.sold_other_usd[:, j].sum():,.0f}")
            elif fmt is None:
                w = res.private_weight
                out = [breach_rule(float(x), args.target, 0.025) for x in w]
                above = [o and x > args.target for o, x in zip(out, w, strict=True)]
                first = res.months[above.index(True)] if any(above) else None
                print(f"    {name:32s} {sum(above)} / {sum(out)} (first above: {first})")
            else:
                print(f"    {name:32s} {fmt(s)}")
        if res.spec.reserve_months:
            r = res.assets.index(res.spec.reserve_asset)
            avg = float(np.mean(res.holdings_usd[:, r] / res.total_usd))
            print(f"    {'reserve, mean share of total':32s} {avg:.2%}")
    print("\ncommitments by year (USD; 'liquid held, no reserve'; vintages before 2005 are the "
          "seeded program):")
    print("  " + ", ".join(f"{y}: {v:,.0f}" for y, v in sorted(base.commitments.items())))


if __name__ == "__main__":
    main()
