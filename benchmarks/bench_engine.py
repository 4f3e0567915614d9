"""Benchmark: one 20-asset x ~8,300-day monthly backtest with costs, engine vs reference.

Run: ``python3 benchmarks/bench_engine.py [--rows 8300] [--repeats 200] [--ref-repeats 3]``

Data: the 20 non-cash ETFs of ``../shared/data/etf_adjclose_daily_1993_2025.csv``
(every column except BIL) over their common span (2007-05-30 onward, about
4,650 rows). To reach ~8,300 rows their real daily returns are chained: the
common span's return rows are played twice in a row (each row keeps all 20
assets' returns of the same real day, so cross-asset correlation is real) and
cut to ``--rows``; the dates are consecutive business days ending on the last
real date. Policy: monthly rebalancing to target (equal weights), 5 bps +
$1 per trade.

Prints the engine time (median per backtest after JIT warm-up: ``run_backtest``
end to end, and the kernel alone via ``run_arrays`` on the price matrix), the
plain-Python reference's time on the same input in the same run, their ratio, and
the final-value difference (relative, dollars, and the largest over all rows).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # reference_sim lives with the tests

# ../shared/data beside the repository; REBAL_SHARED_DATA names another place (a git
# worktree sits elsewhere)
SHARED_DATA = Path(os.environ.get("REBAL_SHARED_DATA")
                   or Path(__file__).resolve().parents[2] / "shared" / "data")
ETF_FILE = SHARED_DATA / "etf_adjclose_daily_1993_2025.csv"


def build_market(rows: int):
    import pandas as pd

    from rebal.data import MarketData

    df = pd.read_csv(ETF_FILE, parse_dates=["Date"])
    assets = [c for c in df.columns if c not in ("Date", "BIL")][:20]
    df = df[["Date", *assets]].dropna()
    prices = df[assets].to_numpy(dtype=np.float64)
    rets = prices[1:] / prices[:-1] - 1.0
    reps = int(np.ceil((rows - 1) / rets.shape[0]))
    chained = np.vstack([rets] * reps)[: rows - 1]
    path = np.vstack([np.ones((1, len(assets))), np.cumprod(1.0 + chained, axis=0)])
    path *= prices[0]
    last = np.datetime64(df["Date"].iloc[-1].date(), "D")
    dates = np.busday_offset(last, -np.arange(rows)[::-1], roll="backward")
    market = MarketData(dates=dates, assets=tuple(assets), prices=path,
                        source=f"{ETF_FILE.name}, common span chained to {rows} rows")
    span = f"{df['Date'].iloc[0].date()} … {df['Date'].iloc[-1].date()} ({len(df)} rows)"
    return market, span


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8300)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--ref-repeats", type=int, default=3)
    args = parser.parse_args()

    from rebal.backtest import CostModel, run_arrays, run_backtest
    from rebal.policy import Policy
    from reference_sim import check_days, reference_backtest

    market, span = build_market(args.rows)
    n = market.n_assets
    target = {a: 1.0 / n for a in market.assets}
    policy = Policy.calendar("monthly")
    costs = CostModel(cost_bps=5.0, fixed_usd=1.0)

    t0 = time.perf_counter()
    res = run_backtest(market, target, policy, costs=costs)  # JIT (or cache load)
    warmup = time.perf_counter() - t0

    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        res = run_backtest(market, target, policy, costs=costs)
        times.append(time.perf_counter() - t0)
    engine = statistics.median(times)

    w = np.array([target[a] for a in market.assets])
    compiled = policy.compile(market, w)
    rates = costs.rates(market.assets)
    ktimes = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        run_arrays(None, w, compiled, prices=market.prices, cost_rates=rates,
                   fixed_usd=costs.fixed_usd)
        ktimes.append(time.perf_counter() - t0)
    kernel = statistics.median(ktimes)

    dates = [str(d) for d in market.dates]
    prices = market.prices.tolist()
    checks = check_days(dates, "monthly")
    rtimes = []
    ref = None
    for _ in range(args.ref_repeats):
        t0 = time.perf_counter()
        ref = reference_backtest(dates, list(market.assets), prices, target, check=checks,
                                 band=None, cost_bps=dict.fromkeys(market.assets, 5.0),
                                 fixed_usd=1.0)
        rtimes.append(time.perf_counter() - t0)
    reference = statistics.median(rtimes)
    assert ref is not None
    rel_diff = abs(res.final_value - ref.values[-1]) / ref.values[-1]
    max_rel = max(abs(a - b) / b for a, b in zip(res.values.tolist(), ref.values, strict=True))

    print(f"data: {n} assets x {market.n_days} rows; real common span {span}, returns chained")
    print(f"policy: monthly to target, 5 bps + $1/trade; {res.n_rebalances} rebalances, "
          f"{len(res.trades)} trades, final value ${res.final_value:,.2f}")
    print(f"first call (JIT compile or cache load):          {warmup * 1e3:9.1f} ms")
    print(f"engine time, run_backtest end to end, median of {args.repeats}: "
          f"{engine * 1e3:7.3f} ms")
    print(f"engine time, kernel only (run_arrays on prices), median of {args.repeats}: "
          f"{kernel * 1e3:7.3f} ms")
    print(f"reference time (plain Python), median of {args.ref_repeats}: "
          f"{reference * 1e3:9.1f} ms")
    print(f"ratio reference / engine: {reference / engine:,.0f}x end to end, "
          f"{reference / kernel:,.0f}x kernel only (target >= 1,000x, engine < 1 ms)")
    print(f"final-value difference engine vs reference: {rel_diff:.2e} relative "
          f"(${abs(res.final_value - ref.values[-1]):.2e}); max over all rows {max_rel:.2e}")


if __name__ == "__main__":
    main()
