"""Study: ETF factor loadings over time, a portfolio's style drift, the factor-band
trigger against a plain 5 % band, and the trend overlay of the tactical tier.

    .venv/bin/python scripts/study_factor_drift.py [--data ../shared/data]

Reads the shared real data (never copied into the project): month-end total returns of
the ETFs and the US Fama-French 5 factors (monthly, percent), 2004-10 … 2024-08 (the
span every ETF and the factor file cover). Loadings: 36-month rolling OLS on the five
US factors (EFA and EEM too — their loadings on US factors say how US-style they
behave, not their regional factor exposures). Costs 10 bps per trade. Prints tables.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from rebal.backtest import CostModel, run_backtest
from rebal.data import MarketData
from rebal.data.french import read_french
from rebal.factors import (
    FactorBand,
    FactorBands,
    factor_returns_for,
    portfolio_exposure,
    rolling_loadings,
    trend_tilt,
)
from rebal.policy import DynamicPolicy, parse_policy
from rebal.policy.factor_band import FactorBandTrigger

ETFS = ("SPY", "IWM", "MDY", "QQQ", "EFA", "EEM", "VNQ")
TARGET = {"SPY": 0.30, "IWM": 0.10, "MDY": 0.10, "QQQ": 0.15, "EFA": 0.15, "EEM": 0.10,
          "VNQ": 0.10}
TACTICAL = ("QQQ", "EEM", "VNQ")
WINDOW = 36
COST_BPS = 10.0


def load(data: Path) -> tuple[MarketData, object]:
    df = pd.read_csv(data / "derived_etf_monthly_total_returns_1993_2025.csv")
    df = df[["Month", *ETFS]].dropna()
    df = df[df["Month"] <= "2024-08"]
    months = pd.PeriodIndex(df["Month"], freq="M")
    ends = months.to_timestamp(how="end").values.astype("datetime64[D]")
    first = (months[0] - 1).to_timestamp(how="end").to_datetime64().astype("datetime64[D]")
    r = df[list(ETFS)].to_numpy(dtype=float)
    prices = np.vstack([np.ones(len(ETFS)), np.cumprod(1 + r, axis=0)])
    market = MarketData(dates=np.concatenate([[first], ends]), assets=ETFS, prices=prices,
                        periods_per_year=12, source="derived_etf_monthly_total_returns")
    table = read_french(data / "ff5_factors_monthly_pct_1963_2024.csv")
    return market, table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    data = Path(ap.parse_args().data)
    market, table = load(data)
    f, ex, names = factor_returns_for(market, table)
    L = rolling_loadings(ex, f, WINDOW, assets=market.assets, names=names)
    print(f"data: {market.dates[0]} … {market.dates[-1]}, {market.n_days} month ends; "
          f"factors {', '.join(names)}; window {WINDOW} months\n")

    print("1. Loadings (± standard error) at chosen month ends; R² last")
    for date in ("2008-12-31", "2014-12-31", "2019-12-31", str(market.dates[-1])):
        t = int(np.searchsorted(market.dates, np.datetime64(date)))
        print(f"  {market.dates[t]}")
        for i, a in enumerate(market.assets):
            cells = "  ".join(f"{n} {L.beta[t, i, k]:+.2f}±{L.se[t, i, k]:.2f}"
                              for k, n in enumerate(names))
            print(f"    {a:4s} {cells}  R² {L.r2[t, i]:.2f}")
    print()

    tgt = np.array([TARGET[a] for a in market.assets])
    print("2. Loadings' range over time (min … max of the 36-month estimates)")
    ok = np.isfinite(L.beta[:, 0, 0])
    for i, a in enumerate(market.assets):
        b = L.beta[ok, i]
        cells = "  ".join(f"{n} {b[:, k].min():+.2f}…{b[:, k].max():+.2f}"
                          for k, n in enumerate(names))
        print(f"    {a:4s} {cells}")
    print()

    bh = run_backtest(market, TARGET, parse_policy("buy-and-hold"))
    w = bh.weights
    drift = portfolio_exposure(w, L.beta) - portfolio_exposure(tgt, L.beta)
    print("3. Buy-and-hold from 2004-10 (the portfolio never rebalanced): style drift "
          "= exposure − targets' exposure")
    print("    max |drift| " + "  ".join(f"{n} {np.nanmax(np.abs(drift[:, k])):.3f}"
                                         for k, n in enumerate(names)))
    print(f"    max |weight drift| {np.abs(w - tgt).max():.3f}")
    print("    at the end: " + "  ".join(f"{n} {drift[-1, k]:+.3f}" for k, n in enumerate(names)))
    print()

    print(f"4. Factor-band trigger vs a plain 5 % band ({COST_BPS:g} bps; monthly looks)")
    costs = CostModel(cost_bps=COST_BPS)
    policies = {
        "buy-and-hold": parse_policy("buy-and-hold"),
        "monthly": parse_policy("monthly"),
        "band 5% (abs)": parse_policy("band:abs=0.05,check=monthly"),
    }
    for label, bands in (
        ("factor HML ±0.10", (FactorBand("HML", 0.10),)),
        ("factor HML ±0.05", (FactorBand("HML", 0.05),)),
        ("factor HML,SMB ±0.05", (FactorBand("HML", 0.05), FactorBand("SMB", 0.05))),
        ("factor all 5 ±0.03", tuple(FactorBand(n, 0.03) for n in names)),
        ("factor HML,SMB ±0.02", (FactorBand("HML", 0.02), FactorBand("SMB", 0.02))),
    ):
        trig = FactorBandTrigger(table=table, bands=FactorBands(bands), window=WINDOW)
        policies[label] = DynamicPolicy(name=label, rules=trig)
    print(f"    {'policy':24s} {'rebal':>5s} {'turnover/yr':>11s} {'CAGR':>7s} {'vol':>6s} "
          f"{'maxDD':>7s} {'max|w-w*|':>9s} " + " ".join(f"max|d {n}|".rjust(11) for n in names))
    for label, pol in policies.items():
        res = run_backtest(market, TARGET, pol, costs=costs)
        m = res.metrics()
        d = portfolio_exposure(res.weights, L.beta) - portfolio_exposure(tgt, L.beta)
        after = np.arange(market.n_days) >= WINDOW  # rows with loadings
        print(f"    {label:24s} {res.n_rebalances:5d} {m.annual_turnover:11.3f} "
              f"{m.cagr:7.2%} {m.annual_volatility:6.2%} {m.max_drawdown:7.2%} "
              f"{np.abs(res.weights - tgt).max():9.3f} "
              + " ".join(f"{np.nanmax(np.abs(d[after, k])):11.3f}" for k in range(len(names))))
    print("    (max|d k| = the largest style drift of factor k on any month end with loadings)\n")

    print("5. Trend overlay of the tactical tier (QQQ, EEM, VNQ; band 0.05, 12-month "
          "trailing return; strength 0.5) vs plain monthly rebalancing of the same targets")
    tier = np.array([a in TACTICAL for a in market.assets])
    tilted = trend_tilt(market.prices, tgt, tier, band=0.05, lookback=12)
    for label, targets in (("plain monthly", np.tile(tgt, (market.n_days, 1))),
                           ("trend-tilted monthly", tilted)):
        stats = _monthly_to_targets(market.prices, targets, COST_BPS)
        print(f"    {label:22s} CAGR {stats['cagr']:6.2%}  vol {stats['vol']:6.2%}  "
              f"maxDD {stats['maxdd']:7.2%}  turnover/yr {stats['turnover']:.3f}")
    moved = np.abs(tilted - tgt).max(axis=1)
    print(f"    months tilted: {(moved > 0).sum()} of {market.n_days}; largest tilt "
          f"{moved.max():.3f} (band 0.05)")
    print()
    _regional(data, market)
    _momentum(market)


def _r2_summary(market: MarketData, table: object, asset: str, window: int) -> str:
    m = market.select([asset])
    f, ex, names = factor_returns_for(m, table)  # type: ignore[arg-type]
    L = rolling_loadings(ex, f, window, assets=(asset,), names=names)
    r2 = L.r2[:, 0]
    ok = np.isfinite(r2)
    return f"median R² {np.median(r2[ok]):.2f} (min {r2[ok].min():.2f})"


def _regional(data: Path, market: MarketData) -> None:
    print("6. International funds on their own region's factors vs on US factors")
    em = read_french(data / "ff_emerging_5_factors_monthly_pct_1992_2026.csv")
    us5 = read_french(data / "ff5_factors_monthly_pct_1963_2024.csv")
    print(f"    EEM monthly, 36 months: emerging 5 factors {_r2_summary(market, em, 'EEM', 36)}; "
          f"US 5 factors {_r2_summary(market, us5, 'EEM', 36)}")
    daily = pd.read_csv(data / "etf_adjclose_daily_1993_2025.csv", parse_dates=["Date"])
    daily = daily[["Date", "EFA", "SPY"]].dropna()
    daily = daily[(daily["Date"] > "2004-01-01") & (daily["Date"] <= "2024-08-30")]
    dm = MarketData(dates=daily["Date"].to_numpy().astype("datetime64[D]"), assets=("EFA", "SPY"),
                    prices=daily[["EFA", "SPY"]].to_numpy(float), source="ETF daily closes")
    dev = read_french(data / "ff_developed_ex_us_5_factors_daily_pct_1990_2026.csv")
    us3 = read_french(data / "ff3_factors_daily_pct_1926_2024.csv")
    print(f"    EFA daily, 252 days: developed ex-US 5 factors {_r2_summary(dm, dev, 'EFA', 252)}; "
          f"US 3 factors {_r2_summary(dm, us3, 'EFA', 252)}")
    print("    (daily international closes are not synchronous with the US close, which "
          "depresses daily R²)")
    print()


def _momentum(market: MarketData) -> None:
    from rebal.datasets import resolve_factor_file

    table = read_french(resolve_factor_file("us_ff3_mom_monthly"))
    m = market.between(None, "2017-03-31")
    f, ex, names = factor_returns_for(m, table)
    L = rolling_loadings(ex, f, WINDOW, assets=m.assets, names=names)
    k = names.index("Mom")
    print("7. Momentum loadings (shipped us_ff3_mom_monthly, FF3 + Mom, to 2017-03): "
          "min … max of the 36-month estimates, and on 2017-03-31")
    for i, a in enumerate(m.assets):
        b = L.beta[:, i, k]
        ok = np.isfinite(b)
        print(f"    {a:4s} Mom {b[ok].min():+.2f} … {b[ok].max():+.2f}; "
              f"2017-03 {b[-1]:+.2f} ± {L.se[-1, i, k]:.2f}")


def _monthly_to_targets(prices: np.ndarray, targets: np.ndarray, cost_bps: float) -> dict:
    """A plain loop: rebalance every month end to that row's target, paying
    ``cost_bps`` on the traded value (cost taken from the portfolio after trading)."""
    n = prices.shape[0]
    value = np.empty(n)
    hold = targets[0] * 1.0  # dollars per asset, V0 = 1
    value[0] = 1.0
    traded = 0.0
    for t in range(1, n):
        hold = hold * prices[t] / prices[t - 1]
        v = hold.sum()
        if t < n - 1:
            trade = np.abs(targets[t] * v - hold).sum()
            v -= cost_bps * 1e-4 * trade
            traded += trade / hold.sum()
            hold = targets[t] * v
        value[t] = v
    r = value[1:] / value[:-1] - 1
    years = (n - 1) / 12
    peak = np.maximum.accumulate(value)
    return {"cagr": value[-1] ** (1 / years) - 1, "vol": r.std(ddof=1) * np.sqrt(12),
            "maxdd": (value / peak - 1).min(), "turnover": traded / 2 / years}


if __name__ == "__main__":
    main()
