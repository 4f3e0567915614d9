"""The backtest engine: one readable loop (in :func:`rebal.sim.kernels.simulate`).

Conventions (``docs/conventions.md``):

- Day 0: the portfolio is bought at the close of row 0 at the target weights;
  no cost, not a rebalance, not turnover.
- Row t's returns apply to holdings from close t-1 to close t. Decisions at
  close t use data up to and including t; trades execute at close t.
- At each close t >= 1: (1) grow holdings by the row's returns; (2) trade the
  scheduled cash flow; (3) on a check day, if the trigger fires, rebalance.
- Costs are paid from the portfolio so post-trade weights are exactly the
  intended ones (``V' = V - C(trades(V'))`` solved to 1e-15 relative).
- Returns are time-weighted: ``r_t = (V_t - flow_t) / V_{t-1} - 1``.

Two entries: :func:`run_backtest` (labels in, :class:`BacktestResult` out) and
:func:`run_arrays` (precomputed arrays in, :class:`RawRun` out) for sweeps that
reuse one data pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rebal.data.market import MarketData
from rebal.errors import ConfigError, DataError, RebalError
from rebal.policy.policy import CompiledPolicy, Policy
from rebal.policy.target import target_array
from rebal.results import BacktestResult, RebalanceLog, TradeTable
from rebal.sim import kernels
from rebal.sim.cashflows import CashFlows
from rebal.sim.costs import CostModel
from rebal.types import FloatArray, IntArray

__all__ = ["RawRun", "run_arrays", "run_backtest"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class RawRun:
    """The kernel's output, unlabelled (arrays as described in :class:`BacktestResult`).

    ``status`` is 0 on success; otherwise ``status_day`` is the row at fault
    (1 = a withdrawal exceeds the portfolio, 2 = costs exceed the portfolio).
    """

    holdings_usd: FloatArray
    values: FloatArray
    costs_usd: FloatArray
    trades: TradeTable
    rebalances: RebalanceLog
    status: int
    status_day: int


def run_arrays(
    returns: FloatArray | None,
    target: FloatArray,
    compiled: CompiledPolicy,
    *,
    prices: FloatArray | None = None,
    initial_usd: float = 1_000_000.0,
    cost_rates: FloatArray | None = None,
    fixed_usd: float = 0.0,
    min_trade_usd: float = 0.0,
    flows_usd: FloatArray | None = None,
) -> RawRun:
    """Run the kernel on precomputed arrays (no validation beyond shapes).

    Parameters
    ----------
    returns
        ``(n_days, n_assets)`` simple returns; row t = close t-1 -> close t
        (``None`` when ``prices`` is given).
    target
        ``(n_assets,)`` weights summing to 1.
    compiled
        :meth:`Policy.compile` output on the same rows and assets.
    prices
        ``(n_days, n_assets)`` prices instead of ``returns``: the kernel then
        computes ``p[t] / p[t-1] - 1`` itself (identical numbers, no allocation).
    initial_usd
        Dollars bought at row 0.
    cost_rates
        ``(n_assets,)`` proportional costs as fractions (``CostModel.rates``).
    fixed_usd, min_trade_usd
        Dollars per trade; smallest rebalance trade made.
    flows_usd
        ``(n_days,)`` cash flows in dollars (row 0 must be 0).
    """
    if (returns is None) == (prices is None):
        raise ConfigError("run_arrays: give exactly one of returns and prices")
    is_prices = prices is not None
    series = np.ascontiguousarray(prices if is_prices else returns, dtype=np.float64)
    if series.ndim != 2:
        raise ConfigError(f"run_arrays: returns/prices must be 2-D, got shape {series.shape}")
    n_days, n_assets = series.shape
    target = np.ascontiguousarray(target, dtype=np.float64)
    c = np.zeros(n_assets) if cost_rates is None else np.ascontiguousarray(cost_rates, np.float64)
    flows = np.zeros(n_days) if flows_usd is None else np.ascontiguousarray(flows_usd, np.float64)
    if target.shape != (n_assets,) or c.shape != (n_assets,) or flows.shape != (n_days,):
        raise ConfigError("run_arrays: target, cost_rates and flows_usd do not match returns")
    if compiled.band.shape[1] != n_assets or compiled.check.shape[0] != n_days or (
        compiled.band.shape[0] not in (1, n_days)
    ):
        raise ConfigError(
            f"run_arrays: compiled policy has band {compiled.band.shape} and check "
            f"{compiled.check.shape}, data {series.shape}"
        )
    if flows[0] != 0.0:
        raise ConfigError("run_arrays: no cash flow on row 0 (the initial purchase)")
    out = kernels.simulate(
        series, is_prices, target, compiled.check, compiled.band, compiled.sizing, compiled.scope,
        compiled.rule, flows, c, float(fixed_usd), float(min_trade_usd), float(initial_usd),
    )
    (holdings, values, costs, t_day, t_asset, t_val, t_cost, t_reason,
     r_day, r_rule, r_asset, r_drift, r_band, r_nb, status, status_day) = out
    return RawRun(
        holdings_usd=holdings,
        values=values,
        costs_usd=costs,
        trades=TradeTable(day=t_day, asset=t_asset, value_usd=t_val, cost_usd=t_cost,
                          reason_code=t_reason),
        rebalances=RebalanceLog(day=r_day, rule=r_rule, asset=r_asset, drift=r_drift,
                                band=r_band, n_breached=r_nb),
        status=int(status),
        status_day=int(status_day),
    )


def _returns(prices: FloatArray) -> FloatArray:
    """``MarketData.returns()`` bit for bit, in one allocation (numpy's vectorized
    division is several times faster than the kernel's scalar one)."""
    out = np.empty_like(prices)
    out[0] = 0.0
    np.divide(prices[1:], prices[:-1], out=out[1:])
    out[1:] -= 1.0
    return out


def time_weighted_returns(values: FloatArray, flows_usd: FloatArray) -> FloatArray:
    """``r_t = (V_t - flow_t) / V_{t-1} - 1``, ``r_0 = 0`` (fractions)."""
    out = np.zeros_like(values)
    out[1:] = (values[1:] - flows_usd[1:]) / values[:-1] - 1.0
    return out


def run_backtest(
    market: MarketData,
    target: Mapping[str, float],
    policy: Policy,
    *,
    initial_usd: float = 1_000_000.0,
    costs: CostModel | None = None,
    cash_flows: CashFlows | None = None,
) -> BacktestResult:
    """Backtest ``policy`` on ``market`` for ``target`` weights.

    Parameters
    ----------
    market
        Prices; only the assets named in ``target`` are used (in market order).
    target
        Asset -> weight (fractions >= 0 summing to 1 within 1e-9).
    policy
        The rebalancing policy.
    initial_usd
        Dollars invested at the close of the first row.
    costs
        Trading costs (default: none).
    cash_flows
        Contributions / withdrawals (default: none).

    Raises
    ------
    ConfigError
        Bad target, policy, costs or flows (the message names the field).
    DataError
        A withdrawal or the costs exceed the portfolio (the message names the date).
    """
    if not isinstance(market, MarketData):
        raise ConfigError(f"market must be a MarketData, got {type(market).__name__}")
    if not isinstance(policy, Policy):
        raise ConfigError(f"policy must be a Policy, got {type(policy).__name__}")
    try:
        initial = float(initial_usd)
    except (TypeError, ValueError):
        raise ConfigError(f"initial_usd must be a number, got {initial_usd!r}") from None
    if not np.isfinite(initial) or initial <= 0:
        raise ConfigError(f"initial_usd must be > 0, got {initial_usd!r}")
    costs = CostModel() if costs is None else costs
    if not isinstance(costs, CostModel):
        raise ConfigError(f"costs must be a CostModel, got {type(costs).__name__}")
    if cash_flows is not None and not isinstance(cash_flows, CashFlows):
        raise ConfigError(f"cash_flows must be a CashFlows, got {type(cash_flows).__name__}")
    weights = target_array(target, market.assets)
    if len(target) != market.n_assets:
        used = [a for a in market.assets if a in target]
        weights = weights[[market.assets.index(a) for a in used]]
        market = market.select(used)
    compiled = policy.compile(market, weights)
    flows = np.zeros(market.n_days) if cash_flows is None else cash_flows.amounts(market.dates)
    raw = run_arrays(
        _returns(market.prices), weights, compiled,
        initial_usd=initial,
        cost_rates=costs.rates(market.assets),
        fixed_usd=costs.fixed_usd,
        min_trade_usd=costs.min_trade_usd,
        flows_usd=flows,
    )
    _raise_status(raw, market, flows)
    values = raw.values
    return BacktestResult(
        policy_name=policy.name,
        dates=market.dates,
        assets=market.assets,
        target=weights,
        initial_usd=initial,
        values=values,
        returns=time_weighted_returns(values, flows),
        holdings_usd=raw.holdings_usd,
        flows_usd=flows,
        costs_usd=raw.costs_usd,
        trades=raw.trades,
        rebalances=raw.rebalances,
        market=market,
    )


def _raise_status(raw: RawRun, market: MarketData, flows: IntArray | FloatArray) -> None:
    if raw.status == kernels.STATUS_OK:
        return
    day = market.dates[raw.status_day]
    if raw.status == kernels.STATUS_WITHDRAWAL_TOO_LARGE:
        raise DataError(
            f"cash flow on {day}: withdrawal of ${-flows[raw.status_day]:,.2f} (plus costs) "
            "exceeds the portfolio's value"
        )
    if raw.status == kernels.STATUS_COSTS_EXCEED_VALUE:
        raise DataError(f"rebalance on {day}: trading costs exceed the portfolio's value")
    raise RebalError(f"backtest failed on {day} (status {raw.status})")  # pragma: no cover
