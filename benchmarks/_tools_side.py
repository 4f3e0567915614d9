"""Tool side of ``bench_tools.py``: runs ``bt`` and ``vectorbt`` (benchmark-only extras,
possibly in another virtual environment) on the data in an ``.npz`` file and prints JSON.

Input keys: ``dates`` (ISO strings), ``assets``, ``prices`` (n_days, n_assets),
``weights``, and per policy ``rows_<name>`` (rebalance rows, rebal's convention) or
``band_<name>`` (bt's relative tolerance, checked every day). bt runs its own
``RunMonthly`` / ``RunQuarterly`` (end of period) where their dates are those rows,
``RunOnDate`` otherwise. No costs; fractional
positions; every tool buys at the first close.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")


def _time(fn, repeats):
    out = None
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return out, statistics.median(ts)


_PERIOD = {"monthly": ("M", "RunMonthly"), "quarterly": ("Q", "RunQuarterly")}


def bt_period_rule(df, name, rows):
    """bt's own calendar algo for ``name`` when its dates are rebal's rebalance rows
    (``RunMonthly(run_on_end_of_period=True)``: the last trading day of each period,
    not the final row), else ``None``. It is bt's fastest equivalent: ``RunOnDate``
    with a list of dates costs bt a lookup per row (about 1.6x slower overall)."""
    import bt

    if name not in _PERIOD:
        return None
    freq, algo = _PERIOD[name]
    idx = df.index
    last_of_period = idx.to_series().groupby(idx.to_period(freq)).max().to_numpy()
    ends = last_of_period[last_of_period < idx[-1]]
    if not np.array_equal(ends, idx[rows].to_numpy()):
        return None
    return getattr(bt.algos, algo)(run_on_end_of_period=True)


def run_bt(df, weights, rows=None, band=None, name=None):
    import bt

    w = dict(zip(df.columns, weights, strict=True))
    if band is None:
        dates = [df.index[0], *df.index[rows]]
        rule = bt_period_rule(df, name, rows)
        algos = [
            rule if rule is not None else bt.algos.RunOnDate(*dates),
            bt.algos.SelectAll(),
            bt.algos.WeighSpecified(**w),
            bt.algos.Rebalance(),
        ]
    else:
        algos = [
            bt.algos.SelectAll(),
            bt.algos.WeighSpecified(**w),
            bt.algos.Or([bt.algos.RunOnce(), bt.algos.RunIfOutOfBounds(band)]),
            bt.algos.Rebalance(),
        ]
    strat = bt.Strategy("s", algos)
    test = bt.Backtest(
        strat, df, initial_capital=1_000_000.0, integer_positions=False, progress_bar=False
    )
    res = bt.run(test)
    return float(res["s"].prices.iloc[-1] / 100.0 * 1_000_000.0)


def run_vbt(df, weights, rows):
    import vectorbt as vbt

    size = pd.DataFrame(np.nan, index=df.index, columns=df.columns)
    size.iloc[0] = weights
    size.iloc[rows] = weights
    pf = vbt.Portfolio.from_orders(
        df,
        size=size,
        size_type="targetpercent",
        group_by=True,
        cash_sharing=True,
        call_seq="auto",
        init_cash=1_000_000.0,
        fees=0.0,
        freq="1D",
    )
    return float(pf.value().iloc[-1])


def main() -> None:
    data = np.load(sys.argv[1], allow_pickle=False)
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    df = pd.DataFrame(
        data["prices"],
        index=pd.to_datetime(data["dates"]),
        columns=[str(a) for a in data["assets"]],
    )
    weights = data["weights"]
    out = {}
    for key in data.files:
        if key.startswith("rows_"):
            name, rows = key[5:], data[key]
            v, t = _time(lambda rows=rows, name=name: run_bt(df, weights, rows=rows, name=name),
                         repeats)
            rule = "RunOnDate" if bt_period_rule(df, name, rows) is None else _PERIOD[name][1]
            out[f"bt|{name}"] = {"final": v, "seconds": t, "rule": rule}
            run_vbt(df, weights, rows)  # numba warm-up
            v, t = _time(lambda rows=rows: run_vbt(df, weights, rows), repeats)
            out[f"vectorbt|{name}"] = {"final": v, "seconds": t}
        elif key.startswith("band_"):
            name, tol = key[5:], float(data[key])
            v, t = _time(lambda tol=tol: run_bt(df, weights, band=tol), repeats)
            out[f"bt|{name}"] = {"final": v, "seconds": t}
    import bt
    import vectorbt

    out["versions"] = {
        "bt": bt.__version__,
        "vectorbt": vectorbt.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
