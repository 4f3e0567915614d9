"""BacktestResult.metrics caches per benchmark object, never confusing two benchmarks."""

from __future__ import annotations

import gc

from rebal import datasets
from rebal.backtest import run_backtest
from rebal.policy import Policy, parse_policy


def test_metrics_cache_is_per_benchmark_object():
    market = datasets.load("us_daily").between("2012-01-01", None)
    target = {"US_MKT": 0.6, "UST_INT": 0.4}
    res = run_backtest(market, target, parse_policy("monthly"))
    first = run_backtest(market, target, Policy.buy_and_hold())
    m1 = res.metrics(first)
    assert res.metrics(first) is m1  # cached
    del first
    gc.collect()
    other = run_backtest(market, target, parse_policy("annual"))  # may reuse the old id
    m2 = res.metrics(other)
    assert m2 is not m1
    assert m2.rebalancing_alpha == res.metrics().cagr - other.metrics().cagr
