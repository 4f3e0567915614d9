"""Service ``backtest``: one policy on one dataset, beside buy-and-hold on the same rows."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy.policy import Policy

if TYPE_CHECKING:
    from rebal.backtest.results import BacktestResult
    from rebal.metrics import Metrics

__all__ = ["DEFAULT_TARGET", "BacktestRequest", "BacktestRun", "MarketData", "Policy", "backtest",
           "backtest_market", "load_prices", "pick_target"]

DEFAULT_TARGET: Mapping[str, float] = {"US_MKT": 0.6, "UST_INT": 0.4}
"""The target used with the shipped data when none is given."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BacktestRequest:
    """What to backtest, as plain data.

    Attributes
    ----------
    prices
        ``"default"`` (the shipped ``us_daily``), a dataset name, or a CSV/Parquet path.
    target
        Asset → weight (fractions summing to 1); ``None``: :data:`DEFAULT_TARGET`
        when the data has those assets.
    policy
        A policy's short form (``"monthly"``, ``"band:abs=0.05,rel=0.25"`` …).
    start, end
        ``YYYY-MM-DD`` bounds (the portfolio is bought at the first row's close).
    initial_usd, cost_bps, fixed_usd, min_trade_usd
        Dollars invested; proportional cost (basis points); dollars per trade; the
        smallest rebalance trade (dollars).
    contribution_usd, flow_frequency
        Cash flow per period (dollars; + in, − out) and its period name.
    """

    prices: str = "default"
    target: Mapping[str, float] | None = None
    policy: str = "monthly"
    start: str | None = None
    end: str | None = None
    initial_usd: float = 1_000_000.0
    cost_bps: float = 0.0
    fixed_usd: float = 0.0
    min_trade_usd: float = 0.0
    contribution_usd: float = 0.0
    flow_frequency: str = "monthly"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class BacktestRun:
    """A policy's backtest and the buy-and-hold baseline on the same rows.

    Attributes
    ----------
    result, baseline
        The policy's and buy-and-hold's :class:`~rebal.backtest.results.BacktestResult`.
    metrics
        The policy's metrics versus the baseline.
    baseline_metrics
        Buy-and-hold's own metrics (``--json``'s ``buy_and_hold``).
    target
        The weights used (fractions).
    cost_bps
        The proportional cost (for the report line).
    from_file
        Whether the prices came from a user's file (its loading notes are worth showing).
    """

    result: BacktestResult
    baseline: BacktestResult
    metrics: Metrics
    baseline_metrics: Metrics
    target: Mapping[str, float]
    cost_bps: float = 0.0
    from_file: bool = False

    @property
    def market(self) -> MarketData:
        return self.result.market

    def to_dict(self) -> dict[str, Any]:
        """``rebal backtest --json``: fractions, not percent."""
        return {
            "policy": self.result.policy_name,
            "final_value": self.result.final_value,
            "n_rebalances": self.result.n_rebalances,
            **self.metrics.to_dict(),
            "buy_and_hold": self.baseline_metrics.to_dict(),
            "data": {"source": self.market.source, "notes": list(self.market.notes)},
        }


def backtest_market(
    market: MarketData,
    target: Mapping[str, float],
    policy: Policy | str,
    *,
    initial_usd: float = 1_000_000.0,
    cost_bps: float | Mapping[str, float] = 0.0,
    fixed_usd: float = 0.0,
    min_trade_usd: float = 0.0,
    contribution_usd: float = 0.0,
    flow_frequency: str = "monthly",
    from_file: bool = False,
) -> BacktestRun:
    """Backtest ``policy`` (a :class:`~rebal.policy.policy.Policy` or its short form) on
    ``market`` beside buy-and-hold; the units are those of :class:`BacktestRequest`."""
    from rebal.backtest import CashFlows, CostModel, run_backtest
    from rebal.policy import Policy, parse_policy
    from rebal.types import Frequency

    chosen = parse_policy(policy) if isinstance(policy, str) else policy
    costs = CostModel(cost_bps=cost_bps, fixed_usd=fixed_usd, min_trade_usd=min_trade_usd)
    flows = None
    if contribution_usd:
        flows = CashFlows(amount_usd=contribution_usd,
                          frequency=Frequency.parse(flow_frequency, field="--flow-frequency"))
    weights = dict(target)
    result = run_backtest(market, weights, chosen, initial_usd=initial_usd, costs=costs,
                          cash_flows=flows)
    baseline = run_backtest(market, weights, Policy.buy_and_hold(), initial_usd=initial_usd,
                            costs=costs, cash_flows=flows)
    return BacktestRun(
        result=result, baseline=baseline, metrics=result.metrics(baseline),
        baseline_metrics=baseline.metrics(), target=weights,
        cost_bps=cost_bps if isinstance(cost_bps, float | int) else 0.0, from_file=from_file,
    )


def load_prices(path: str | os.PathLike[str], **options: Any) -> MarketData:
    """``"default"``, a dataset name or a prices file (with ``options``, those of
    :func:`rebal.data.loaders.load_prices`) as :class:`MarketData`."""
    if options:
        from rebal.data.loaders import load_prices as load_file

        return load_file(path, **options)
    from rebal.datasets import resolve_prices

    return resolve_prices(path)


def pick_target(
    market: MarketData, target: Mapping[str, float] | None, *, option: str = "--target"
) -> dict[str, float]:
    """``target``, or :data:`DEFAULT_TARGET` when ``None`` and the data has its assets."""
    if target is not None:
        return dict(target)
    if not set(DEFAULT_TARGET) <= set(market.assets):
        raise ConfigError(
            f"{option} is required for this data (assets: {', '.join(market.assets)})"
        )
    return dict(DEFAULT_TARGET)


def backtest(request: BacktestRequest) -> BacktestRun:
    """Run :class:`BacktestRequest`: load the prices, pick the target, backtest."""
    from rebal import datasets

    market = load_prices(request.prices)
    target = pick_target(market, request.target)
    if request.start or request.end:
        market = market.between(request.start, request.end)
    from_file = request.prices.strip().lower() not in (*datasets.names(), "default")
    return backtest_market(
        market, target, request.policy, initial_usd=request.initial_usd,
        cost_bps=request.cost_bps, fixed_usd=request.fixed_usd,
        min_trade_usd=request.min_trade_usd, contribution_usd=request.contribution_usd,
        flow_frequency=request.flow_frequency, from_file=from_file,
    )
