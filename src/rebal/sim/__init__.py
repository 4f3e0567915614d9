"""The backtest simulator: engine, numba kernels, costs and cash flows."""

from rebal.sim.cashflows import CashFlows
from rebal.sim.costs import CostModel
from rebal.sim.engine import PolicyLike, RawRun, run_arrays, run_backtest, time_weighted_returns

__all__ = [
    "CashFlows",
    "CostModel",
    "PolicyLike",
    "RawRun",
    "run_arrays",
    "run_backtest",
    "time_weighted_returns",
]
