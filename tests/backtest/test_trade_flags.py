"""The trade table's ``is_rebalance`` says what its ``reason`` texts say."""

from __future__ import annotations

import numpy as np

from rebal.backtest import CashFlows, CostModel, run_backtest
from rebal.data import MarketData
from rebal.policy import Policy
from rebal.types import Frequency


def test_is_rebalance_matches_the_reason_texts() -> None:
    rng = np.random.default_rng(7)
    dates = np.busday_offset(np.datetime64("2020-01-01"), np.arange(300), roll="forward")
    prices = 100.0 * np.cumprod(1.0 + rng.normal(0.0, 0.01, size=(300, 3)), axis=0)
    market = MarketData(dates=dates, assets=("A", "B", "C"), prices=prices)
    flows = CashFlows(amount_usd=1_000.0, frequency=Frequency.parse("monthly"))
    res = run_backtest(market, {"A": 0.5, "B": 0.3, "C": 0.2}, Policy.calendar("monthly"),
                       costs=CostModel(cost_bps=5.0), cash_flows=flows)
    reasons = res.trades.reason
    assert {"rebalance", "flow"} <= set(reasons.tolist())  # both kinds are present
    assert np.array_equal(res.trades.is_rebalance, reasons == "rebalance")
