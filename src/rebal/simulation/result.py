"""Summaries of simulated strategies, the tax alpha and its paired bootstrap interval.

Returns (``docs/simulate.md``):

- **pre-tax**: the time-weighted daily return with contributions and tax payments both
  treated as external flows, ``r_t = (V_t − F_t + T_t) / V_{t−1} − 1`` (``F``: new money,
  ``T``: tax paid that day);
- **after-tax**: taxes are a loss, ``r_t = (V_t − F_t) / V_{t−1} − 1``, and the taxes owed
  for the years not yet paid come off the last day's value; **after liquidation** also the
  extra tax of selling every taxable lot at the last close;
- CAGR = ``metrics.cagr`` of those returns with ``periods_per_year = n_returns / years``,
  ``years`` = calendar days / 365.25.

**Tax alpha** = after-tax CAGR (before liquidation) of the planner − that of the naive
strategy. Its interval: both strategies' monthly after-tax returns resampled on the same
stationary-bootstrap indices (``metrics.stationary_bootstrap_indices``, mean block
``optimal_block_length`` of the monthly differences, at least 3 months), the CAGR
difference of each resample, the 2.5 % and 97.5 % quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from rebal.metrics import (
    allocation_precision,
    annual_cost_fraction,
    cagr,
    max_drawdown_depth,
    optimal_block_length,
    sharpe,
    stationary_bootstrap_indices,
)
from rebal.simulation.engine import StrategyRun, YearRow
from rebal.tax.records import Record, record_dict

__all__ = ["SimulationResult", "StrategySummary", "TaxAlpha", "summarize", "tax_alpha"]


def _years(dates: tuple[date, ...]) -> float:
    return (dates[-1] - dates[0]).days / 365.25


def returns_of(run: StrategyRun, *, after_tax: bool, liquidate: bool = False) -> np.ndarray:
    """Daily time-weighted returns (see the module docstring), ``(n_days − 1,)``."""
    v = run.values.astype(float).copy()
    if after_tax:
        v[-1] -= run.final_tax_owed_usd + (run.liquidation_tax_usd if liquidate else 0.0)
        num = v[1:] - run.flows_external[1:]
    else:
        num = v[1:] - run.flows_external[1:] + run.tax_paid[1:]
    return num / v[:-1] - 1.0


def _cagr(run: StrategyRun, **kw: bool) -> float:
    r = returns_of(run, **kw)
    return float(cagr(r, len(r) / _years(run.dates)))


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategySummary(Record):
    """One strategy's results (fractions per year unless ``_usd``).

    ``turnover`` is the value traded (buys + sales) per year over the average household
    value; ``cost_ratio`` trading costs per year over it; ``tax_efficiency`` after-tax
    CAGR / pre-tax CAGR; ``allocation_precision`` the mean absolute class-weight deviation
    from target over the days after the first (:func:`rebal.metrics.allocation_precision`);
    ``sharpe`` with a zero risk-free rate; the relative figures compare with buy-and-hold
    (``None`` when it did not run).
    """

    strategy: str
    pre_tax_cagr: float
    after_tax_cagr: float
    after_liquidation_cagr: float
    final_value_usd: float
    taxes_paid_usd: float
    tax_owed_at_end_usd: float
    liquidation_tax_usd: float
    carryforward_st_end_usd: float
    carryforward_lt_end_usd: float
    disallowed_loss_usd: float
    n_trades: int
    decisions: int
    acted: int
    turnover: float
    cost_usd: float
    cost_ratio: float
    tax_efficiency: float
    sharpe: float
    max_drawdown: float
    allocation_precision: float
    rebalancing_alpha: float | None = None
    sharpe_improvement: float | None = None
    drawdown_reduction: float | None = None
    plan_seconds: float = 0.0
    deferred_to_january: int = 0
    notes: tuple[str, ...] = ()
    years: tuple[YearRow, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxAlpha(Record):
    """After-tax CAGR(planner) − after-tax CAGR(naive), with a paired bootstrap interval."""

    value: float
    low: float
    high: float
    n_samples: int
    mean_block_months: float
    after_liquidation: float


def summarize(run: StrategyRun, target: np.ndarray, baseline: StrategyRun | None = None,
              ) -> StrategySummary:
    """The :class:`StrategySummary` of ``run`` (``baseline``: buy-and-hold, if it ran)."""
    years = _years(run.dates)
    pre = returns_of(run, after_tax=False)
    ppy = len(pre) / years
    last = run.years[-1] if run.years else None
    out: dict[str, Any] = {}
    pre_cagr = float(cagr(pre, ppy))
    after = _cagr(run, after_tax=True)
    mdd = float(max_drawdown_depth(pre))
    sh = float(sharpe(pre, None, ppy))
    if baseline is not None:
        b = returns_of(baseline, after_tax=False)
        out = dict(rebalancing_alpha=pre_cagr - float(cagr(b, ppy)),
                   sharpe_improvement=sh - float(sharpe(b, None, ppy)),
                   drawdown_reduction=abs(float(max_drawdown_depth(b))) - abs(mdd))
    return StrategySummary(
        strategy=run.strategy, pre_tax_cagr=pre_cagr, after_tax_cagr=after,
        after_liquidation_cagr=_cagr(run, after_tax=True, liquidate=True),
        final_value_usd=float(run.values[-1]), taxes_paid_usd=float(run.tax_paid.sum()),
        tax_owed_at_end_usd=run.final_tax_owed_usd, liquidation_tax_usd=run.liquidation_tax_usd,
        carryforward_st_end_usd=last.st_carry_out_usd if last else 0.0,
        carryforward_lt_end_usd=last.lt_carry_out_usd if last else 0.0,
        disallowed_loss_usd=sum(y.disallowed_usd for y in run.years),
        n_trades=len(run.trades) - run.opening_trades, decisions=run.decisions,
        acted=run.acted, turnover=float(run.traded_usd.sum() / run.values.mean() / years),
        cost_usd=float(run.cost_usd.sum()),
        cost_ratio=annual_cost_fraction(float(run.cost_usd.sum()), run.values, years),
        tax_efficiency=after / pre_cagr if pre_cagr != 0 else float("nan"),
        sharpe=sh, max_drawdown=mdd,
        allocation_precision=allocation_precision(run.class_weights[1:], target),
        plan_seconds=run.plan_seconds, deferred_to_january=run.deferred,
        notes=tuple(run.notes), years=tuple(run.years), **out,
    )


def monthly_after_tax(run: StrategyRun) -> np.ndarray:
    """After-tax returns compounded within calendar months, ``(n_months,)``."""
    r = returns_of(run, after_tax=True)
    keys = [(d.year, d.month) for d in run.dates[1:]]
    out: list[float] = []
    growth, prev = 1.0, keys[0]
    for k, x in zip(keys, r, strict=True):
        if k != prev:
            out.append(growth - 1.0)
            growth, prev = 1.0, k
        growth *= 1.0 + x
    out.append(growth - 1.0)
    return np.asarray(out)


def tax_alpha(planner: StrategyRun, naive: StrategyRun, *, n_samples: int = 1000,
              seed: int = 0) -> TaxAlpha:
    """Tax alpha and its paired stationary-bootstrap 95 % interval (module docstring)."""
    value = _cagr(planner, after_tax=True) - _cagr(naive, after_tax=True)
    liq = (_cagr(planner, after_tax=True, liquidate=True)
           - _cagr(naive, after_tax=True, liquidate=True))
    a, b = monthly_after_tax(planner), monthly_after_tax(naive)
    n = len(a)
    if n < 6 or n_samples < 1:
        return TaxAlpha(value=value, low=float("nan"), high=float("nan"), n_samples=0,
                        mean_block_months=float("nan"), after_liquidation=liq)
    diff = a - b
    block = optimal_block_length(diff) if np.std(diff) > 0 else 3.0
    block = float(min(max(block, 3.0), n / 2))
    idx = stationary_bootstrap_indices(n, n_samples, block, seed=seed)
    ppy = n / _years(planner.dates)
    ca = cagr(a[idx].T, ppy)
    cb = cagr(b[idx].T, ppy)
    d = np.asarray(ca) - np.asarray(cb)
    return TaxAlpha(value=value, low=float(np.quantile(d, 0.025)),
                    high=float(np.quantile(d, 0.975)), n_samples=n_samples,
                    mean_block_months=block, after_liquidation=liq)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SimulationResult(Record):
    """Every strategy's summary, the tax alpha and the daily series for the report."""

    household: str
    source: str
    prices: str
    start: date
    end: date
    every: str
    contribution_usd: float
    contribution_account: str | None
    flow_frequency: str
    classes: tuple[str, ...]
    target: tuple[float, ...]
    strategies: tuple[StrategySummary, ...]
    tax_alpha: TaxAlpha | None = None
    notes: tuple[str, ...] = ()
    runs: tuple[StrategyRun, ...] = field(default=(), compare=False)

    def summary(self, strategy: str) -> StrategySummary:
        """The summary of ``strategy`` (``KeyError`` if it did not run)."""
        for s in self.strategies:
            if s.strategy == strategy:
                return s
        raise KeyError(strategy)

    def to_dict(self) -> dict[str, Any]:
        """JSON: everything but the daily series."""
        out = record_dict(self)
        out.pop("runs", None)
        return out
