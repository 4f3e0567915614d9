"""How sure is an "alpha"? Paired stationary-bootstrap intervals for policy differences.

Method
------
1. The assets' **joint** daily returns (rows 1 … n−1 of the prices, all assets of a
   row together, and the T-bill return of that row) are resampled with the
   stationary bootstrap of Politis & Romano (1994): blocks of consecutive rows of
   geometric length with mean ``b``, wrapping around the end
   (:func:`rebal.metrics.bootstrap.stationary_bootstrap_indices`).
2. Block length rule (when not given): ``b = max over assets of the
   Politis–White (2004/2009) length of the asset's daily returns and of their
   squares`` (:func:`default_block_length`). Returns alone have almost no serial
   correlation (b ≈ 1–3), which would destroy the volatility clustering that band
   policies react to; the squares keep it.
3. Each resample becomes a price path (``p'_0 = p_0``, ``p'_t = p'_{t−1}(1 + r_{idx})``)
   on the original dates (so calendars are unchanged; aux series are resampled by
   the same rows), and **every** policy runs on the **same** paths with the batched
   sweep kernel: differences are paired, and identical policies differ by exactly 0.
4. For a difference ``A − B`` of a metric: the 90 % interval is the centred basic
   bootstrap interval ``[est − (q95 − m), est + (m − q5)]`` of the resampled
   differences (``m`` their mean; :func:`rebal.metrics.bootstrap.paired_interval`
   says why not the plain 5th–95th percentiles: the resamples of a path-dependent
   statistic are not centred on the real-data value), and ``P(A beats B)`` is read
   from the same pivot (better = higher CAGR and Sharpe, lower volatility, shallower
   drawdown; ties count half).

Seeded and reproducible: the same ``seed`` gives the same resamples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.metrics.bootstrap import (
    optimal_block_length,
    paired_interval,
    stationary_bootstrap_indices,
)
from rebal.types import FloatArray, IntArray

if TYPE_CHECKING:
    from rebal.executor import Executor
    from rebal.studies.result import StudyResult

__all__ = [
    "BOOTSTRAP_METRICS",
    "AlphaInterval",
    "BootstrapResult",
    "Difference",
    "alpha_intervals_json",
    "bootstrap_alpha",
    "bootstrap_policies",
    "default_block_length",
    "fields_dict",
    "resample_market_paths",
]

BOOTSTRAP_METRICS = {"cagr": 1, "annual_volatility": -1, "max_drawdown": 1, "sharpe": 1}
"""Metric → sense of "better" (+1 higher is better; drawdowns are negative fractions)."""


def default_block_length(prices: FloatArray) -> float:
    """The documented block-length rule: max over assets of the Politis–White length of
    the daily returns and of the squared daily returns (rows)."""
    r = prices[1:] / prices[:-1] - 1.0
    out = 1.0
    for j in range(r.shape[1]):
        for series in (r[:, j], r[:, j] ** 2):
            try:
                out = max(out, optimal_block_length(series))
            except Exception:
                continue
    return float(out)


def resample_market_paths(
    market: MarketData, idx: IntArray
) -> tuple[FloatArray, FloatArray | None, dict[str, FloatArray]]:
    """Price paths, risk-free returns and aux series for resample indices.

    Parameters
    ----------
    market
        The original rows.
    idx
        ``(S, n_days − 1)`` indices into the return rows ``0 … n_days − 2`` (return
        row ``i`` is price row ``i + 1`` over row ``i``).

    Returns
    -------
    ``(paths (S, n_days, n_assets), rf (S, n_days) or None, aux {name: (S, n_days)})``.
    """
    p = market.prices
    r = p[1:] / p[:-1]
    n_s = idx.shape[0]
    paths = np.empty((n_s, *p.shape))
    paths[:, 0] = p[0]
    np.cumprod(r[idx], axis=1, out=paths[:, 1:])
    paths[:, 1:] *= p[0]
    rf = None
    if market.risk_free is not None:
        rf = np.zeros((n_s, p.shape[0]))
        rf[:, 1:] = market.risk_free[1:][idx]
    aux = {}
    for name, series in market.aux.items():
        a = np.empty((n_s, p.shape[0]))
        a[:, 0] = series[0]
        a[:, 1:] = series[1:][idx]
        aux[name] = a
    return paths, rf, aux


@dataclass(frozen=True, slots=True)
class Difference:
    """``A − B`` of one metric over the resamples (fractions as fractions).

    ``estimate`` is the difference on the real data; ``low``/``high`` the centred
    basic-bootstrap interval at ``confidence`` and ``p_better`` the bootstrap
    probability that A is better than B (:func:`rebal.metrics.bootstrap.paired_interval`;
    "better" per :data:`BOOTSTRAP_METRICS`).
    """

    metric: str
    a: str
    b: str
    estimate: float
    low: float
    high: float
    p_better: float
    confidence: float


@dataclass(frozen=True, slots=True)
class AlphaInterval:
    """A policy's rebalancing alpha (CAGR − buy-and-hold CAGR, fraction per year)."""

    policy: str
    alpha: float
    low: float
    high: float
    p_positive: float
    confidence: float


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class BootstrapResult:
    """Every policy's metrics on the real data and on each resample.

    Attributes
    ----------
    names
        Policy names (columns).
    actual
        Metric → ``(n_policies,)`` values on the real data.
    samples
        Metric → ``(n_samples, n_policies)`` values on the resamples.
    block, n_samples, seed
        Mean block length (rows), resamples, seed.
    """

    names: tuple[str, ...]
    actual: Mapping[str, FloatArray]
    samples: Mapping[str, FloatArray]
    block: float
    n_samples: int
    seed: int

    def _col(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise ConfigError(
                f"unknown policy {name!r}; choose one of {', '.join(self.names)}"
            ) from None

    def difference(
        self, a: str, b: str, metric: str = "cagr", confidence: float = 0.90
    ) -> Difference:
        """The paired difference ``a − b`` of ``metric`` (see :data:`BOOTSTRAP_METRICS`)."""
        if metric not in BOOTSTRAP_METRICS:
            raise ConfigError(
                f"metric must be one of {', '.join(BOOTSTRAP_METRICS)}, got {metric!r}"
            )
        if not 0 < confidence < 1:
            raise ConfigError(f"confidence must be in (0, 1), got {confidence!r}")
        ia, ib = self._col(a), self._col(b)
        d = self.samples[metric][:, ia] - self.samples[metric][:, ib]
        est = float(self.actual[metric][ia] - self.actual[metric][ib])
        lo, hi, better = paired_interval(
            est, d, confidence=confidence, sense=BOOTSTRAP_METRICS[metric]
        )
        return Difference(
            metric=metric,
            a=a,
            b=b,
            estimate=est,
            low=float(lo),
            high=float(hi),
            p_better=float(better),
            confidence=confidence,
        )

    def alpha(self, policy: str, baseline: str, confidence: float = 0.90) -> AlphaInterval:
        d = self.difference(policy, baseline, "cagr", confidence)
        return AlphaInterval(
            policy=policy,
            alpha=d.estimate,
            low=d.low,
            high=d.high,
            p_positive=d.p_better,
            confidence=confidence,
        )

    def to_dict(self, baseline: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "block": self.block,
            "n_samples": self.n_samples,
            "seed": self.seed,
            "policies": list(self.names),
        }
        if baseline is not None:
            out["alpha"] = {
                n: fields_dict(self.alpha(n, baseline)) for n in self.names if n != baseline
            }
        return out


def fields_dict(obj: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict (shallow: JSON-ready when the fields are)."""
    return {f: getattr(obj, f) for f in obj.__dataclass_fields__}


def bootstrap_policies(
    market: MarketData,
    target: Mapping[str, float],
    policies: Sequence[tuple[str, Any]],
    *,
    costs: Any = None,
    initial_usd: float = 1_000_000.0,
    cash_flows: Any = None,
    n_samples: int = 1000,
    seed: int = 0,
    block: float | None = None,
    history: MarketData | None = None,
    n_threads: int | None = None,
    executor: Executor | None = None,
) -> BootstrapResult:
    """Run ``policies`` on the real data and on ``n_samples`` paired stationary-bootstrap
    resamples of the joint daily returns (module docstring). Costs and cash flows are
    the same on every path. Policies whose arrays depend on the data (volatility bands,
    regimes) are compiled on the real data and keep those arrays on every resample
    (a stated simplification: their state is not re-estimated per resample).

    Parameters
    ----------
    market, target, costs, initial_usd, cash_flows, history
        As for :func:`rebal.backtest.run_backtest` (``costs`` a :class:`CostModel`).
    policies
        ``(name, Policy)`` pairs; names must be unique.
    n_samples
        Resamples (≥ 1).
    seed
        Integer seed of the resample indices.
    block
        Mean block length in rows (default :func:`default_block_length`).
    n_threads, executor
        Where the resamples run, in chunks of paths (default: ``n_threads`` threads);
        every executor gives the same numbers bit for bit.
    """
    from rebal.backtest.costs import CostModel
    from rebal.sweep.runner import Job, run_configs

    if int(n_samples) != n_samples or n_samples < 1:
        raise ConfigError(f"n_samples must be an integer >= 1, got {n_samples!r}")
    names = tuple(n for n, _ in policies)
    if len(set(names)) != len(names):
        raise ConfigError("bootstrap: policy names must be unique")
    used = [a for a in market.assets if a in target]
    mkt = market.select(used) if len(used) != market.n_assets else market
    b = default_block_length(mkt.prices) if block is None else float(block)
    idx = stationary_bootstrap_indices(mkt.n_days - 1, int(n_samples), b, seed=int(seed))
    paths, rf, _aux = resample_market_paths(mkt, idx)
    all_paths = np.concatenate([mkt.prices[None], paths], axis=0)
    rf0 = mkt.risk_free if mkt.risk_free is not None else np.zeros(mkt.n_days)
    all_rf = np.concatenate(
        [rf0[None], rf if rf is not None else np.zeros((n_samples, mkt.n_days))]
    )
    jobs = [Job(policy=p, costs=costs if costs is not None else CostModel()) for _, p in policies]
    stats = run_configs(
        mkt,
        dict(target),
        jobs,
        initial_usd=initial_usd,
        cash_flows=cash_flows,
        history=history,
        paths=all_paths,
        rf_paths=all_rf,
        n_threads=n_threads,
        executor=executor,
    )
    actual = {m: stats.get(m)[0].copy() for m in BOOTSTRAP_METRICS}
    samples = {m: stats.get(m)[1:].copy() for m in BOOTSTRAP_METRICS}
    return BootstrapResult(
        names=names,
        actual=actual,
        samples=samples,
        block=b,
        n_samples=int(n_samples),
        seed=int(seed),
    )


def bootstrap_alpha(
    source: StudyResult | tuple[MarketData, Mapping[str, float], Sequence[tuple[str, Any]], Any],
    n_samples: int = 1000,
    seed: int = 0,
    block: float | None = None,
    *,
    confidence: float = 0.90,
    executor: Executor | None = None,
) -> dict[str, AlphaInterval]:
    """Each policy's alpha versus buy-and-hold with a paired bootstrap interval.

    Parameters
    ----------
    source
        A :class:`rebal.studies.result.StudyResult`, or ``(market, target, policies, costs)``
        with ``policies`` a sequence of ``(name, Policy)`` (buy-and-hold is added).
    n_samples, seed, block, executor
        As for :func:`bootstrap_policies`.
    confidence
        Two-sided level of the interval.

    Returns
    -------
    Policy name → :class:`AlphaInterval` (the baseline itself is left out).
    """
    from rebal.policy.policy import Policy

    base_name = "buy-and-hold (baseline)"
    history = None
    flows = None
    initial = 1_000_000.0
    policies: list[tuple[str, Any]]
    if not isinstance(source, tuple):
        study = source.study
        market, target, costs = study.market, study.target, study.costs
        policies = list(study.policies)
        history, flows, initial = study.history, study.cash_flows, study.initial_usd
        base_name = source.baseline.name
    else:
        market, target, listed, costs = source
        policies = list(listed)
    names = [n for n, _ in policies]
    if base_name not in names:
        policies = [(base_name, Policy.buy_and_hold(base_name)), *policies]
    res = bootstrap_policies(
        market,
        target,
        policies,
        costs=costs,
        initial_usd=initial,
        cash_flows=flows,
        n_samples=n_samples,
        seed=seed,
        block=block,
        history=history,
        executor=executor,
    )
    return {n: res.alpha(n, base_name, confidence) for n, _ in policies if n != base_name}


def alpha_intervals_json(intervals: Mapping[str, AlphaInterval]) -> dict[str, dict[str, float]]:
    """``--json``'s ``bootstrap_alpha``: policy → alpha, low, high, p_positive, confidence
    (fractions)."""
    return {
        n: {
            "alpha": a.alpha,
            "low": a.low,
            "high": a.high,
            "p_positive": a.p_positive,
            "confidence": a.confidence,
        }
        for n, a in intervals.items()
    }
