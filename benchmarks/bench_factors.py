"""Factor-band backtests and rolling loadings on real daily data.

    python3 benchmarks/bench_factors.py            # --rounds 5 --data ../shared/data

Data: SPY, IWM, QQQ, EFA, VNQ adjusted closes (``etf_adjclose_daily_1993_2025.csv``) and
the daily US Fama-French 3 factors (``ff3_factors_daily_pct_1926_2024.csv``), 2004-09 …
2024-08 (5,015 rows). Cases, interleaved round by round: reading the factor file;
rolling loadings (window 252) on every row; a factor-band backtest (HML+SMB ±0.03,
window 252, 5 bps) looking daily and monthly; a plain 5 % band for scale. Prints the
median, spread (max − min) of the rounds and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from rebal.backtest import CostModel, run_backtest
from rebal.data import MarketData
from rebal.data.french import read_french
from rebal.factors import factor_returns_for, rolling_loadings
from rebal.policy import parse_policy

ASSETS = ("SPY", "IWM", "QQQ", "EFA", "VNQ")
TARGET = {"SPY": 0.4, "IWM": 0.15, "QQQ": 0.2, "EFA": 0.15, "VNQ": 0.1}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    data = Path(args.data)
    df = pd.read_csv(data / "etf_adjclose_daily_1993_2025.csv", parse_dates=["Date"])
    df = df[["Date", *ASSETS]].dropna()
    df = df[(df["Date"] >= "2004-09-01") & (df["Date"] <= "2024-08-30")]
    market = MarketData(dates=df["Date"].to_numpy().astype("datetime64[D]"), assets=ASSETS,
                        prices=df[list(ASSETS)].to_numpy(float))
    ff = data / "ff3_factors_daily_pct_1926_2024.csv"
    table = read_french(ff)
    f, ex, names = factor_returns_for(market, table)
    costs = CostModel(cost_bps=5.0)
    policies = {
        f"factor-band {c}": parse_policy(
            f"factor-band:file={ff},on=HML+SMB,band=0.03,window=252,check={c}")
        for c in ("daily", "monthly")
    }
    policies["band 5 %"] = parse_policy("band:abs=0.05")
    cases = {
        "read_french (daily file)": lambda: read_french(ff),
        "rolling_loadings w=252": lambda: rolling_loadings(ex, f, 252, assets=ASSETS,
                                                           names=names),
        **{f"backtest {k}": (lambda p=p: run_backtest(market, TARGET, p, costs=costs))
           for k, p in policies.items()},
    }
    for fn in cases.values():  # warm-up (numba compile, caches)
        fn()
    print(f"load average before: {os.getloadavg()}")
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.rounds):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    print(f"{market.n_days} rows x {len(ASSETS)} assets; {args.rounds} interleaved rounds")
    for name, ts in times.items():
        print(f"  {name:28s} median {np.median(ts) * 1e3:9.1f} ms   spread "
              f"{(max(ts) - min(ts)) * 1e3:8.1f} ms")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
