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
