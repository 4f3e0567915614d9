"""The backtest engine: one readable loop (in :func:`rebal.backtest.kernels.simulate`).

Conventions (``docs/conventions.md``):

- Day 0: the portfolio is bought at the close of row 0 at the target weights;
  no cost, not a rebalance, not turnover.
- Row t's returns apply to holdings from close t-1 to close t. Decisions at
  close t use data up to and including t; trades execute at close t.
- At each close t >= 1: (1) value the shares held at the row's prices (holdings
  grow by the row's returns); (2) trade the scheduled cash flow; (3) for each group
  (tier) in order, on its look/action days, if its trigger fires, rebalance it.
- Share accounting: between trades the portfolio holds fixed shares of each price
  index; the result keeps the share vector after each trading row and expands
  holdings and weights on demand.
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
from typing import Protocol, cast, runtime_checkable

import numpy as np

from rebal.backtest import kernels
from rebal.backtest.cashflows import CashFlows
from rebal.backtest.costs import CostModel
from rebal.backtest.results import BacktestResult, RebalanceLog, TradeTable
from rebal.checks import positive
from rebal.data.market import MarketData
from rebal.errors import ConfigError, DataError, RebalError
from rebal.policy.kinds import ALL_KINDS, PolicyKind, require_kind
from rebal.policy.policy import CompiledPolicy, Policy
from rebal.policy.target import target_array
from rebal.types import FloatArray, IntArray

__all__ = [
    "SUPPORTED_KINDS",
    "PolicyLike",
    "RawRun",
    "run_arrays",
    "run_backtest",
    "time_weighted_returns",
]

SUPPORTED_KINDS: frozenset[PolicyKind] = ALL_KINDS
"""The policy kinds the engine runs: every kind (tiers, action days and the score
included)."""


@runtime_checkable
class PolicyLike(Protocol):
    """Anything with a ``name`` and ``compile(market, target) -> CompiledPolicy``
    (the advanced policies of :mod:`rebal.policy`) runs like a :class:`Policy`."""

    name: str

    def compile(self, market: MarketData, target: FloatArray) -> CompiledPolicy: ...


_EMPTY = np.empty(0)  # writeable like the arrays it stands for: one kernel signature


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class RawRun:
    """The kernel's output, unlabelled (arrays as described in :class:`BacktestResult`).

    ``status`` is 0 on success; otherwise ``status_day`` is the row at fault
    (1 = a withdrawal exceeds the portfolio, 2 = costs exceed the portfolio).
    ``score`` is ``None`` unless the policy is a score trigger.
    """

    values: FloatArray
    costs_usd: FloatArray
    flows_usd: FloatArray
    share_days: IntArray
    shares: FloatArray
    prices: FloatArray
    trades: TradeTable
    rebalances: RebalanceLog
    score: FloatArray | None
    status: int
    status_day: int

    @property
    def returns(self) -> FloatArray:
        """``(n_days,)`` time-weighted returns (computed on each call)."""
        return time_weighted_returns(self.values, self.flows_usd)

    @property
    def holdings_usd(self) -> FloatArray:
        """``(n_days, n_assets)`` dollars after each close's trades (computed on each call)."""
        return kernels.holdings_from_shares(self.share_days, self.shares, self.prices)


def _readonly(a: np.ndarray) -> np.ndarray:
    """``a`` as the kernel's read-only array type (one compiled signature whether the
    caller's array is writeable or not; a view, so the caller's array is untouched)."""
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def _call_kernel(
    prices: FloatArray,
    target: FloatArray,
    compiled: CompiledPolicy,
    flows: FloatArray,
    c: FloatArray,
    fixed_usd: float,
    min_trade_usd: float,
    initial_usd: float,
) -> kernels.SimOutput:
    """Call the kernel on checked, contiguous float64 arrays; its packed outputs
    (:class:`rebal.backtest.kernels.SimOutput`), the two buffers frozen in place (fresh
    arrays the result owns: every slice of them is then a read-only view)."""
    # every field of the bundles as a local of the field's name, then the bundles built
    # positionally in field order (keywords cost ~1 µs a backtest, ~1 %)
    group = cast(IntArray, compiled.group)  # never None after __post_init__
    check = _readonly(compiled.kernel_check)
    act_days = compiled.act
    has_act = act_days is not None
    act = check if act_days is None else _readonly(act_days)
    band, sizing, scope = compiled.band, compiled.kernel_sizing, compiled.kernel_scope
    rule, trigger_kind = compiled.rule, compiled.trigger_kind
    w_drift, w_time = compiled.score_weights
    horizon_rows, threshold = compiled.score_horizon_rows, compiled.score_threshold
    market_factor = compiled.market_factor
    if market_factor is None:
        score_kind = trigger_kind == kernels.TRIGGER_SCORE
        market_factor = np.zeros(prices.shape[0]) if score_kind else _EMPTY
    regime = _EMPTY if compiled.regime is None else compiled.regime
    out = kernels.simulate(
        kernels.SimMarket(prices, target, initial_usd),
        kernels.SimPolicy(group, check, act, has_act, band, sizing, scope, rule, trigger_kind,
                          w_drift, w_time, horizon_rows, threshold, market_factor, regime),
        kernels.SimCosts(_readonly(flows), c, fixed_usd, min_trade_usd),
    )
    out.floats.setflags(write=False)
    out.ints.setflags(write=False)
    return out


def _shares(out: kernels.SimOutput, n_assets: int) -> FloatArray:
    """``(n_share_rows, n_assets)`` share vectors of the kernel's output (a view)."""
    return out.floats[out.f_shares:out.f_shares + out.n_share_rows * n_assets].reshape(
        out.n_share_rows, n_assets)


def _trades(out: kernels.SimOutput) -> TradeTable:
    return TradeTable._from_kernel(out.ints, out.floats, out.i_trades, out.f_trades,
                                   out.trade_cap, out.n_trades)


def _rebalances(out: kernels.SimOutput) -> RebalanceLog:
    return RebalanceLog._from_kernel(out.ints, out.floats, out.i_rebalances,
                                     out.f_rebalances, out.rebalance_cap, out.n_rebalances)


def _score(out: kernels.SimOutput, n_days: int, compiled: CompiledPolicy) -> FloatArray | None:
    """The score row of a score trigger's output (``None`` for any other trigger)."""
    if compiled.trigger_kind != kernels.TRIGGER_SCORE:
        return None
    return out.floats[2 * n_days:out.f_shares]


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
    """Run the kernel on precomputed arrays (no validation beyond shapes: prices
    must be finite and > 0, as :class:`MarketData` guarantees).

    Parameters
    ----------
    returns
        ``(n_days, n_assets)`` simple returns; row t = close t-1 -> close t
        (``None`` when ``prices`` is given). They are chained into a price
        index starting at 1 (the kernel holds shares of price indices), which
        rounds differently from the prices they came from by a few ulps.
    target
        ``(n_assets,)`` weights summing to 1.
    compiled
        :meth:`Policy.compile` output on the same rows and assets.
    prices
        ``(n_days, n_assets)`` total-return prices (> 0) instead of ``returns``
        (the fast path: read as they are).
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
    if prices is None:
        r = np.asarray(returns, dtype=np.float64)
        if r.ndim != 2:
            raise ConfigError(f"run_arrays: returns must be 2-D, got shape {r.shape}")
        series = np.empty_like(r)
        series[0] = 1.0
        np.cumprod(1.0 + r[1:], axis=0, out=series[1:])
    else:
        series = np.ascontiguousarray(prices, dtype=np.float64)
    if series.ndim != 2:
        raise ConfigError(f"run_arrays: prices must be 2-D, got shape {series.shape}")
    n_days, n_assets = series.shape
    target = np.ascontiguousarray(target, dtype=np.float64)
    c = np.zeros(n_assets) if cost_rates is None else np.ascontiguousarray(cost_rates, np.float64)
    flows = np.zeros(n_days) if flows_usd is None else np.ascontiguousarray(flows_usd, np.float64)
    if target.shape != (n_assets,) or c.shape != (n_assets,) or flows.shape != (n_days,):
        raise ConfigError("run_arrays: target, cost_rates and flows_usd do not match the data")
    if compiled.n_assets != n_assets or compiled.n_days != n_days:
        raise ConfigError(
            f"run_arrays: compiled policy has band {compiled.band.shape} and check "
            f"{compiled.check.shape}, data {series.shape}"
        )
    if flows[0] != 0.0:
        raise ConfigError("run_arrays: no cash flow on row 0 (the initial purchase)")
    out = _call_kernel(series, target, compiled, flows, c, float(fixed_usd),
                       float(min_trade_usd), float(initial_usd))
    return RawRun(
        values=out.floats[:n_days],
        costs_usd=out.floats[n_days:2 * n_days],
        flows_usd=flows,
        share_days=out.ints[:out.n_share_rows],
        shares=_shares(out, n_assets),
        prices=series,
        trades=_trades(out),
        rebalances=_rebalances(out),
        score=_score(out, n_days, compiled),
        status=out.status,
        status_day=out.status_day,
    )


def time_weighted_returns(values: FloatArray, flows_usd: FloatArray) -> FloatArray:
    """``r_t = (V_t - flow_t) / V_{t-1} - 1``, ``r_0 = 0`` (fractions)."""
    out = np.zeros_like(values)
    out[1:] = (values[1:] - flows_usd[1:]) / values[:-1] - 1.0
    return out


def run_backtest(
    market: MarketData,
    target: Mapping[str, float],
    policy: Policy | PolicyLike,
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
    if not isinstance(policy, (Policy, PolicyLike)):
        raise ConfigError(
            f"policy must be a Policy (or have a name and compile(market, target) -> "
            f"CompiledPolicy), got {type(policy).__name__}"
        )
    initial = positive("initial_usd", initial_usd)
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
    require_kind(policy, SUPPORTED_KINDS, loop="backtest engine", name=str(policy.name))
    compiled = policy.compile(market, weights)
    if not isinstance(compiled, CompiledPolicy):
        raise ConfigError(
            f"{type(policy).__name__}.compile must return a CompiledPolicy, "
            f"got {type(compiled).__name__}"
        )
    if compiled.n_days != market.n_days or compiled.n_assets != market.n_assets:
        raise ConfigError(
            f"{type(policy).__name__}.compile returned check {compiled.check.shape} / band "
            f"{compiled.band.shape} for {market.n_days} rows x {market.n_assets} assets"
        )
    n_days, n_assets = market.prices.shape
    flows = _zero_flows(market) if cash_flows is None else cash_flows.amounts(market.dates)
    out = _call_kernel(market.prices, weights, compiled, flows, costs.rates(market.assets),
                       costs.fixed_usd, costs.min_trade_usd, initial)
    if out.status != kernels.STATUS_OK:
        _raise_status(out.status, out.status_day, market, flows)
    weights.setflags(write=False)  # fresh arrays of this call, now the result's
    flows.setflags(write=False)
    regime = compiled.regime
    return BacktestResult._from_engine(
        policy_name=str(policy.name),
        dates=_readonly_dates(market),
        assets=market.assets,
        target=weights,
        initial_usd=initial,
        values=out.floats[:n_days],
        share_days=out.ints[:out.n_share_rows],
        shares=_shares(out, n_assets),
        flows_usd=flows,
        costs_usd=out.floats[n_days:2 * n_days],
        trades=_trades(out),
        rebalances=_rebalances(out),
        market=market,
        score=_score(out, n_days, compiled),
        regime=None if regime is None else _readonly(np.ascontiguousarray(regime)),
        regime_label=compiled.regime_label,
    )


def _readonly_dates(market: MarketData) -> np.ndarray:
    """``market.dates`` as a read-only view, cached on the market (it is frozen)."""
    cache = getattr(market, "_cache", None)
    hit = None if cache is None else cache.get("readonly_dates")
    if hit is not None and hit[0] is market.dates:
        return hit[1]
    dates = _readonly(market.dates)
    if cache is not None:
        cache["readonly_dates"] = (market.dates, dates)
    return dates


_ZEROS = np.zeros(0)
_ZEROS.setflags(write=False)


def _zero_flows(market: MarketData) -> FloatArray:
    """``(n_days,)`` zeros: no cash flow on ``market``'s rows — a read-only view of one
    shared buffer of zeros (nothing allocated per market: a fresh market costs nothing
    here)."""
    global _ZEROS
    n = market.n_days
    zeros = _ZEROS
    if zeros.shape[0] < n:
        zeros = np.zeros(max(n, 2 * zeros.shape[0]))
        zeros.setflags(write=False)
        _ZEROS = zeros
    return zeros[:n]


def _raise_status(
    status: int, status_day: int, market: MarketData, flows: IntArray | FloatArray
) -> None:
    if status == kernels.STATUS_OK:
        return
    day = market.dates[status_day]
    if status == kernels.STATUS_WITHDRAWAL_TOO_LARGE:
        raise DataError(
            f"cash flow on {day}: withdrawal of ${-flows[status_day]:,.2f} (plus costs) "
            "exceeds the portfolio's value"
        )
    if status == kernels.STATUS_COSTS_EXCEED_VALUE:
        raise DataError(f"rebalance on {day}: trading costs exceed the portfolio's value")
    raise RebalError(f"backtest failed on {day} (status {status})")  # pragma: no cover
