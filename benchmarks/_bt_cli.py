"""The bt side of ``bench_cli.py``: a whole process doing what ``rebal backtest --policy
monthly --json`` does — read a wide prices CSV, rebalance to equal weights on the last
trading day of each month (bt's ``RunMonthly(run_on_end_of_period=True)``, rebal's
convention), run buy-and-hold beside it, print the final values and bt's statistics as
JSON. No costs, fractional positions, purchase at the first close.

Run: ``python benchmarks/_bt_cli.py PRICES.csv`` (in an interpreter that has bt).
"""

from __future__ import annotations

import json
import sys
import warnings

warnings.filterwarnings("ignore")


def main() -> None:
    import bt
    import pandas as pd

    df = pd.read_csv(sys.argv[1], index_col=0, parse_dates=True)
    w = {c: 1.0 / df.shape[1] for c in df.columns}

    def strategy(name: str, when: object) -> object:
        algos = [when, bt.algos.SelectAll(), bt.algos.WeighSpecified(**w), bt.algos.Rebalance()]
        return bt.Backtest(bt.Strategy(name, algos), df, initial_capital=1_000_000.0,
                           integer_positions=False, progress_bar=False)

    res = bt.run(strategy("monthly", bt.algos.RunMonthly(run_on_end_of_period=True)),
                 strategy("buy-and-hold", bt.algos.RunOnce()))
    stats = res.stats
    out = {
        name: {
            "final_value": float(res[name].prices.iloc[-1] / 100.0 * 1_000_000.0),
            "cagr": float(stats.loc["cagr", name]),
            "max_drawdown": float(stats.loc["max_drawdown", name]),
            "daily_vol": float(stats.loc["daily_vol", name]),
        }
        for name in ("monthly", "buy-and-hold")
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
