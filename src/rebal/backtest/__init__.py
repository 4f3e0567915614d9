"""The backtest simulator: engine, numba kernels, costs and cash flows."""

from rebal.backtest.cashflows import CashFlows
from rebal.backtest.costs import CostModel
from rebal.backtest.engine import (
    PolicyLike,
    RawRun,
    run_arrays,
    run_backtest,
    time_weighted_returns,
)

__all__ = [
    "CashFlows",
    "CostModel",
    "PolicyLike",
    "RawRun",
    "run_arrays",
    "run_backtest",
    "time_weighted_returns",
]
