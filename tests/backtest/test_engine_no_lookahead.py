"""Decisions at close t use data up to t only: changing the future leaves the past alone."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest import CostModel, run_backtest
from rebal.data import MarketData
from rebal.policy import parse_policy


@pytest.mark.parametrize(
    "policy", ["monthly", "band:abs=0.03", "band:rel=0.2,check=weekly,to=edge"]
)
def test_replacing_the_future_does_not_change_the_past(etf4, target4, policy):
    cut = 2000
    rng = np.random.default_rng(3)
    prices = etf4.prices.copy()
    shock = np.cumprod(1.0 + rng.normal(0, 0.03, size=(etf4.n_days - cut, 4)), axis=0)
    prices[cut:] = prices[cut - 1] * shock
    other = MarketData(dates=etf4.dates, assets=etf4.assets, prices=prices)
    costs = CostModel(cost_bps=5.0)
    a = run_backtest(etf4, target4, parse_policy(policy), costs=costs)
    b = run_backtest(other, target4, parse_policy(policy), costs=costs)
    # row cut-1 is the last shared row; a calendar check there depends only on whether row
    # cut starts a new period, which is a date, not a price
    np.testing.assert_array_equal(a.holdings_usd[:cut], b.holdings_usd[:cut])
    assert a.rebalance_days[a.rebalance_days < cut].tolist() == \
        b.rebalance_days[b.rebalance_days < cut].tolist()


def _french_daily(path, dates, f, rf):
    rows = [f"{str(d).replace('-', '')}," + ",".join(f"{100 * x:.6f}" for x in (*r, q))
            for d, r, q in zip(dates, f, rf, strict=True)]
    path.write_text("preamble\n\n,Mkt-RF,SMB,HML,RF\n" + "\n".join(rows) + "\n")


def test_factor_band_reads_no_future_prices_or_factor_rows(tmp_path):
    """Loadings, drift and decisions on row t use prices and factor rows up to t only:
    rewriting both after ``cut`` leaves every decision and holding before it alone."""
    n, cut = 400, 250
    dates = np.arange(np.datetime64("2015-01-01"), np.datetime64("2017-01-01"))
    dates = dates[np.is_busday(dates)][:n]
    rng = np.random.default_rng(8)
    f = rng.normal(0, 0.008, (n, 3))
    f[100:, 2] += 0.003
    beta = np.array([[1.0, 0.1, 0.6], [1.1, -0.1, -0.4], [1.0, 0.9, 0.2]])
    r = f @ beta.T + rng.normal(0, 0.002, (n, 3))
    prices = 100 * np.cumprod(1 + r, axis=0)
    f2, p2 = f.copy(), prices.copy()
    f2[cut:] = rng.normal(0, 0.03, (n - cut, 3))
    p2[cut:] = prices[cut - 1] * np.cumprod(1 + rng.normal(0, 0.03, (n - cut, 3)), axis=0)
    target = {"VAL": 0.4, "GRO": 0.4, "SML": 0.2}
    runs = []
    for i, (ff, pp) in enumerate(((f, prices), (f2, p2))):
        path = tmp_path / f"ff{i}.csv"
        _french_daily(path, dates, ff, np.full(n, 0.0001))
        market = MarketData(dates=dates, assets=tuple(target), prices=pp)
        policy = parse_policy(f"factor-band:file={path},on=HML,band=0.02,window=60,check=weekly")
        runs.append(run_backtest(market, target, policy, costs=CostModel(cost_bps=5.0)))
    a, b = runs
    early = a.rebalance_days[a.rebalance_days < cut].tolist()
    assert len(early) >= 2
    assert early == b.rebalance_days[b.rebalance_days < cut].tolist()
    np.testing.assert_array_equal(a.holdings_usd[:cut], b.holdings_usd[:cut])
    np.testing.assert_array_equal(a.regime[:cut], b.regime[:cut])
    assert a.rebalance_days.tolist() != b.rebalance_days.tolist()
