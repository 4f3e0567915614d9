"""Performance metrics of rebalancing backtests: pure functions of numpy arrays.

Conventions (full statement and every formula: ``docs/metrics.md``):

- Returns are simple returns, fractions per period. The pure functions take
  genuine period returns; a backtest's row 0 is the purchase day and *not* a
  return, so pass ``result.returns[1:]`` (``compute_metrics`` does).
- ``years = n_returns / periods_per_year``.
- 1-D input is one series; 2-D ``(n, k)`` input is ``k`` series, column-wise.
- Undefined statistics are ``nan`` (never 0 or infinity); bad input raises
  :class:`~rebal.errors.DataError` or :class:`~rebal.errors.ConfigError`.
"""

from __future__ import annotations

from rebal.metrics.bootstrap import (
    optimal_block_length,
    paired_interval,
    stationary_bootstrap_indices,
)
from rebal.metrics.drawdown import (
    Drawdown,
    drawdown_series,
    max_drawdown,
    max_drawdown_depth,
    wealth_path,
)
from rebal.metrics.performance import (
    annual_volatility,
    cagr,
    calmar,
    downside_deviation,
    sharpe,
    sortino,
    total_return,
)
from rebal.metrics.periods import PeriodReturns, period_returns, window_return
from rebal.metrics.relative import (
    alpha_per_turnover,
    drawdown_reduction,
    rebalancing_alpha,
    sharpe_difference,
)
from rebal.metrics.summary import Metrics, RiskFreeSource, compute_metrics, with_benchmark
from rebal.metrics.trading import (
    allocation_precision,
    annual_cost_fraction,
    annual_turnover,
    turnover_by_day,
)

__all__ = [
    "Drawdown",
    "Metrics",
    "PeriodReturns",
    "RiskFreeSource",
    "allocation_precision",
    "alpha_per_turnover",
    "annual_cost_fraction",
    "annual_turnover",
    "annual_volatility",
    "cagr",
    "calmar",
    "compute_metrics",
    "downside_deviation",
    "drawdown_reduction",
    "drawdown_series",
    "max_drawdown",
    "max_drawdown_depth",
    "optimal_block_length",
    "paired_interval",
    "period_returns",
    "rebalancing_alpha",
    "sharpe",
    "sharpe_difference",
    "sortino",
    "stationary_bootstrap_indices",
    "total_return",
    "turnover_by_day",
    "wealth_path",
    "window_return",
    "with_benchmark",
]
