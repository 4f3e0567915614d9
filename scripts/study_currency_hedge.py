"""Study: unhedged, half, fully and dynamically hedged international stocks in a US
investor's 60/40-style portfolio, Feb 1999 – Aug 2024 (month ends).

    .venv/bin/python scripts/study_currency_hedge.py [--data ../shared/data]

Reads the shared real data (never copied into the project):

- US stocks: French US market, monthly (``Mkt-RF + RF``, ff3 monthly).
- International stocks in USD: French developed ex-US market, daily ``Mkt-RF`` plus the
  US ``RF`` of that month spread evenly over its days (the file's README: use the US RF),
  compounded to months.
- US bonds: a 10-year constant-maturity par bond built from the monthly 10-year
  Treasury yield (``rebal.data.bonds``; the yields are monthly averages).
- Cash / the hedge account's interest: the French 1-month T-bill RF.
- FX: rebal's shipped ECB euro reference rates (``rebal.datasets.load_fx()``), the
  rate at each calendar month end being the last quote on or before it.

The developed ex-US market's currency mix is not in the data; a basket stands in for it:
EUR 0.45, JPY 0.30, GBP 0.25 (rough developed ex-US market-cap shares of the euro area
with the rest of Europe folded in, Japan, and the UK with the other pound/dollar-bloc
markets folded in; documented in docs/currency.md). The fund's price is in USD; its
look-through exposure is that basket. Foreign short rates are not in the shared data, so
hedge carry is not modelled (zero) — every variant says so.

Portfolio: US 42 %, international 18 %, bonds 40 %, rebalanced quarterly, 5 bps a trade.
Hedge: one-month forwards rolled at each month end, band 0.05 (checked at each row =
month end), FX cost 5 bps on each settlement and on the notional traded.

A second, daily table runs the same on ETF closes (SPY 42 %, EFA 18 %, IEF 40 %,
2007-05-30 … 2025-09-26, every ETF present): EFA is a USD-listed fund of developed ex-US
stocks with the same stand-in basket as its look-through mix; the band is checked every
day (the notional stays fixed between the month-end rolls while the exposure moves); the
dynamic ratio uses 21-day FX vol over its expanding mean after a 252-day warm-up.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd

from rebal.backtest import CostModel, run_backtest
from rebal.currency import DynamicHedge, HedgeSpec, run_overlay
from rebal.data import MarketData
from rebal.data.bonds import constant_maturity_returns
from rebal.datasets import load_fx
from rebal.policy import parse_policy

BASKET = {"EUR": 0.45, "JPY": 0.30, "GBP": 0.25}
TARGET = {"US": 0.42, "INTL": 0.18, "BONDS": 0.40}
START, END = "1999-01", "2024-08"
COST_BPS, FX_BPS, BAND = 5.0, 5.0, 0.05


def load(data: Path) -> MarketData:
    """Month-end total-return indices of US, INTL (USD) and BONDS, RF as risk-free."""
    us = pd.read_csv(data / "ff3_factors_monthly_pct_1926_2024.csv")
    us["m"] = pd.PeriodIndex(us.iloc[:, 0].astype(str), freq="M")
    us = us.set_index("m")
    dev = pd.read_csv(data / "ff_developed_ex_us_5_factors_daily_pct_1990_2026.csv",
                      parse_dates=["Date"])
    dev["m"] = dev["Date"].dt.to_period("M")
    days_in = dev.groupby("m")["Date"].transform("count")
    rf_m = dev["m"].map(us["RF"])  # the US RF of the month, percent
    dev["r"] = dev["Mkt-RF"] / 100 + (1 + rf_m / 100) ** (1 / days_in) - 1
    intl = dev.groupby("m")["r"].apply(lambda r: float(np.prod(1 + r) - 1))
    y = pd.read_csv(data / "us10y_yield_monthly_1953_2026.csv", parse_dates=["Date"])
    y["m"] = y["Date"].dt.to_period("M")
    y = y.set_index("m")["US10Y_yield_pct"] / 100
    months = pd.period_range(START, END, freq="M")
    y_span = y.loc[months[0]:months[-1]].to_numpy()
    bonds = constant_maturity_returns(y_span, np.full(y_span.size, 1 / 12), maturity_years=10)
    r = np.column_stack([(us.loc[months, "Mkt-RF"] + us.loc[months, "RF"]).to_numpy() / 100,
                         intl.loc[months].to_numpy(), bonds])
    r[0] = 0.0  # row 0 (end of Jan 1999) is the start: nothing held before it
    rf = us.loc[months, "RF"].to_numpy() / 100
    rf[0] = 0.0
    dates = months.to_timestamp(how="end").values.astype("datetime64[D]")
    return MarketData(dates=dates, assets=("US", "INTL", "BONDS"),
                      prices=np.cumprod(1 + r, axis=0), risk_free=rf, periods_per_year=12,
                      source=str(data))


VARIANTS = {
    "unhedged": dict(ratio=0.0),
    "half hedged": dict(ratio=0.5),
    "fully hedged": dict(ratio=1.0),
    "dynamic (0.5 × FX vol / long-run)": dict(
        ratio=0.5, dynamic=DynamicHedge(floor=0.0, cap=1.0, window_rows=12,
                                        long_run="expanding", long_run_rows=36)),
}


ALT_BASKETS = {"EUR .55 / JPY .25 / GBP .20": {"EUR": 0.55, "JPY": 0.25, "GBP": 0.20},
               "EUR .35 / JPY .40 / GBP .25": {"EUR": 0.35, "JPY": 0.40, "GBP": 0.25}}
"""Other stand-in mixes, to see how much the conclusions hang on the choice."""


def run(data: Path, basket: dict[str, float] | None = None) -> dict[str, dict[str, object]]:
    """Every variant's figures (fractions; money in USD) and the local-return check."""
    basket = BASKET if basket is None else basket
    market = load(data)
    fx = load_fx()
    result = run_backtest(market, TARGET, parse_policy("quarterly"),
                          costs=CostModel(cost_bps=COST_BPS))
    out: dict[str, dict[str, object]] = {}
    for name, options in VARIANTS.items():
        spec = HedgeSpec(exposures={"INTL": basket}, band=BAND, cost_bps=FX_BPS,
                         roll="monthly", check="monthly", **options)  # type: ignore[arg-type]
        hedged = run_overlay(result, spec, fx)
        row = hedged.summary()
        row["annual_cost"] = hedged.total_costs / hedged.total.mean() / hedged.years
        row["mean_target"] = [float(x) for x in hedged.target.mean(axis=0)]
        out[name] = row
    out["_check"] = local_check(market, fx)
    return out


DAILY_TARGET = {"SPY": 0.42, "EFA": 0.18, "IEF": 0.40}
DAILY_VARIANTS = {
    "unhedged": dict(ratio=0.0),
    "half hedged": dict(ratio=0.5),
    "fully hedged": dict(ratio=1.0),
    "dynamic (0.5 × 21-day FX vol / long-run)": dict(ratio=0.5, dynamic=DynamicHedge()),
}


def load_daily(data: Path) -> MarketData:
    """Daily adjusted closes of SPY, EFA, IEF from 2007-05-30 (all present)."""
    df = pd.read_csv(data / "etf_adjclose_daily_1993_2025.csv", parse_dates=["Date"])
    df = df[df["Date"] >= pd.Timestamp("2007-05-30")][["Date", *DAILY_TARGET]].dropna()
    return MarketData(dates=df["Date"].to_numpy().astype("datetime64[D]"),
                      assets=tuple(DAILY_TARGET), prices=df[list(DAILY_TARGET)].to_numpy(float),
                      source=str(data / "etf_adjclose_daily_1993_2025.csv"))


def run_daily(data: Path) -> dict[str, dict[str, object]]:
    """The daily variants on ETF closes (no risk-free series: the account earns 0)."""
    market = load_daily(data)
    fx = load_fx()
    result = run_backtest(market, DAILY_TARGET, parse_policy("quarterly"),
                          costs=CostModel(cost_bps=COST_BPS))
    out: dict[str, dict[str, object]] = {}
    for name, options in DAILY_VARIANTS.items():
        spec = HedgeSpec(exposures={"EFA": BASKET}, band=BAND, cost_bps=FX_BPS,
                         roll="monthly", check="daily", **options)  # type: ignore[arg-type]
        hedged = run_overlay(result, spec, fx)
        row = hedged.summary()
        row["annual_cost"] = hedged.total_costs / hedged.total.mean() / hedged.years
        out[name] = row
    return out


def local_check(market: MarketData, fx: object) -> dict[str, object]:
    """International alone, fully hedged every month (band 0): the month's USD return plus
    the forwards' settlement per dollar held should be the local-currency return backed
    out of the USD return and the basket, ``(1 + r_USD) / (1 + f) − 1``, up to the cross
    term ``r_local × f`` — figures to compare."""
    alone = market.select(("INTL",))
    res = run_backtest(alone, {"INTL": 1.0}, parse_policy("buy-and-hold"))
    spec = HedgeSpec(exposures={"INTL": BASKET}, ratio=1.0, band=0.0, roll="monthly",
                     check="monthly")
    hedged = run_overlay(res, spec, fx)  # type: ignore[arg-type]
    spot = np.column_stack([fx.rate(c, "USD", market.dates) for c in spec.currencies])  # type: ignore[attr-defined]
    f = (np.diff(spot, axis=0) / spot[:-1]) @ np.array([BASKET[c] for c in spec.currencies])
    r_usd = alone.returns()[1:, 0]
    local = (1 + r_usd) / (1 + f) - 1
    pnl = hedged.settled[1:] + np.diff(hedged.unrealized)  # the forwards' P&L of each month
    r_hedged = r_usd + pnl / hedged.portfolio[:-1]
    ann = np.sqrt(12)
    return {"vol_usd": float(r_usd.std(ddof=1) * ann), "vol_local": float(local.std(ddof=1) * ann),
            "vol_hedged": float(r_hedged.std(ddof=1) * ann),
            "vol_basket_fx": float(f.std(ddof=1) * ann),
            "tracking_hedged_vs_local": float((r_hedged - local).std(ddof=1) * ann),
            "max_gap_hedged_vs_local": float(np.abs(r_hedged - local).max()),
            "max_cross_term": float(np.abs(local * f).max()),
            "corr_usd_fx": float(np.corrcoef(r_usd, f)[0, 1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    figures = run(args.data)
    check = figures.pop("_check")
    print(f"load average {os.getloadavg()[0]:.2f} (not a benchmark: no timings)")
    print("Monthly, French data, month ends 1999-01-31 … 2024-08-31")
    table(figures)
    print("international alone (annualised vol): in USD {vol_usd:.2%}, local (backed out) "
          "{vol_local:.2%}, fully hedged monthly {vol_hedged:.2%}, basket FX {vol_basket_fx:.2%};"
          " hedged vs local tracking {tracking_hedged_vs_local:.2%}; corr(USD return, FX) "
          "{corr_usd_fx:.2f}; largest monthly gap hedged − local {max_gap_hedged_vs_local:.4%} "
          "(largest |r_local × f| {max_cross_term:.4%})".format(**check))  # type: ignore[arg-type]
    for label, mix in ALT_BASKETS.items():
        alt = run(args.data, mix)
        print(f"basket {label}: " + "; ".join(
            f"{name} {f['cagr']:.2%} / vol {f['annual_volatility']:.2%}"
            for name, f in alt.items() if not name.startswith("_")))
    if (args.data / "etf_adjclose_daily_1993_2025.csv").exists():
        print()
        print("Daily, ETF closes SPY/EFA/IEF 42/18/40, 2007-05-30 … 2025-09-26 "
              "(no T-bill series: the hedge account earns 0)")
        table(run_daily(args.data))


def table(figures: dict[str, dict[str, object]]) -> None:
    """Print one markdown table of the variants, and their notes."""
    print("| variant | annual return | volatility | max drawdown | mean hedge ratio EUR/GBP/JPY"
          " | hedge turnover /yr | rolled /yr | resizes | hedge costs (USD) | cost /yr |"
          " hedge account end (USD) | account share (mean) | final value (USD) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, f in figures.items():
        ratios = "/".join(f"{x:.2f}" for x in f["mean_hedge_ratio"])  # type: ignore[union-attr]
        print(f"| {name} | {f['cagr']:.2%} | {f['annual_volatility']:.2%} | "
              f"{f['max_drawdown']:.2%} | {ratios} | {f['annual_turnover']:.3f} | "
              f"{f['annual_rolled']:.3f} | {f['n_resizes']} | {f['hedge_costs']:,.0f} | "
              f"{f['annual_cost']:.4%} | {f['account_final']:,.0f} | "
              f"{f['account_share_mean']:.2%} | {f['final_value']:,.0f} |")
    notes = {n for f in figures.values() for n in f["notes"]}  # type: ignore[attr-defined]
    print("notes:", "; ".join(sorted(notes)))


if __name__ == "__main__":
    main()
