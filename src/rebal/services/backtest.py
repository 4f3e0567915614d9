"""Service ``backtest``: one policy on one dataset, beside buy-and-hold on the same rows."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy.policy import Policy

if TYPE_CHECKING:
    from rebal.backtest.results import BacktestResult
    from rebal.currency import HedgeResult
    from rebal.metrics import Metrics

__all__ = ["DEFAULT_TARGET", "BacktestRequest", "BacktestRun", "MarketData", "Policy", "backtest",
           "backtest_currency_market", "backtest_market", "blank_annualised", "load_prices",
           "pick_target", "short_span", "window_notes"]

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
        Cash flow per period (dollars; + in, − out) and its period name (``None``:
        monthly; naming one without a contribution is refused).
    kind, sep, date_column
        For a prices file: ``"prices"`` or ``"returns"`` (what its value cells hold),
        the CSV separator (default ``,``) and the date column's name (default: the first
        named like a date).
    base, currencies, fx, fx_cost_bps
        The base currency (ISO code); column → currency of the columns not in it
        (converted at the daily rates before the backtest); the FX file (``None``: the
        shipped ECB table); the FX conversion cost (bps) added to every trade of a
        foreign column and charged by the hedge.
    hedge, hedge_band, hedge_dynamic, exposures, rates
        The hedge overlay (``docs/currency.md``): target hedge ratio in [0, 1] of every
        foreign currency (``None``: no hedge), its band, whether the ratio is scaled by
        FX volatility; column → look-through currency mix (weights) for funds; a file of
        short rates (annual percent per currency) for the carry (``None``: not modelled).
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
    flow_frequency: str | None = None
    kind: str = "prices"
    sep: str | None = None
    date_column: str | None = None
    base: str = "USD"
    currencies: Mapping[str, str] | None = None
    fx: str | None = None
    fx_cost_bps: float = 0.0
    hedge: float | Mapping[str, float] | None = None
    hedge_band: float = 0.05
    hedge_dynamic: bool = False
    exposures: Mapping[str, Mapping[str, float]] | None = None
    rates: str | None = None


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
    notes
        What the run did to the request (a ``--start`` before the data clipped …).
    hedge
        The hedge overlay over the policy's holdings (``None``: no ``--hedge``).
    """

    result: BacktestResult
    baseline: BacktestResult
    metrics: Metrics
    baseline_metrics: Metrics
    target: Mapping[str, float]
    cost_bps: float = 0.0
    from_file: bool = False
    notes: tuple[str, ...] = ()
    hedge: HedgeResult | None = None

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
            "data": {"source": self.market.source,
                     "notes": [*self.market.notes, *self.notes]},
            **({} if self.hedge is None
               else {"hedge": self.hedge.summary(self.result.flows_usd)}),
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


def backtest_currency_market(
    market: MarketData,
    target: Mapping[str, float],
    policy: Policy | str,
    *,
    cost_bps: float = 0.0,
    base: str = "USD",
    currencies: Mapping[str, str] | None = None,
    fx: str | None = None,
    fx_cost_bps: float = 0.0,
    hedge: float | Mapping[str, float] | None = None,
    hedge_band: float = 0.05,
    hedge_dynamic: bool = False,
    exposures: Mapping[str, Mapping[str, float]] | None = None,
    rates: str | None = None,
    **options: Any,
) -> BacktestRun:
    """:func:`backtest_market` with columns in other currencies converted to ``base`` and
    the hedge overlay (the currency fields of :class:`BacktestRequest`; ``options`` are
    :func:`backtest_market`'s). Without currencies or a hedge it is
    :func:`backtest_market` itself."""
    chosen = dict(currencies or {})
    costs: float | dict[str, float] = cost_bps
    table = None
    if chosen or hedge is not None:
        from rebal.currency import conversion_cost_bps
        from rebal.services.currency import fx_table, in_base

        table = fx_table(fx)
        market = in_base(market, chosen, base, table)
        if chosen and fx_cost_bps:
            # only the portfolio's assets: the cost map may not name columns it does not hold
            costs = conversion_cost_bps([a for a in market.assets if a in target], cost_bps,
                                        chosen, base=base,
                                        fx_cost_bps=fx_cost_bps)
    elif fx is not None or fx_cost_bps:
        raise ConfigError("--fx and --fx-cost-bps need --currency or --hedge (no column "
                          "is in another currency)")
    run = backtest_market(market, target, policy, cost_bps=costs, **options)
    if hedge is None:
        if exposures or rates is not None:
            flag = "--exposure" if exposures else "--rates"
            raise ConfigError(f"{flag}: only used by the hedge (add --hedge RATIO)")
        return run
    from rebal.currency import run_overlay
    from rebal.services.currency import hedge_from_options

    held = run.result.assets
    spec = hedge_from_options(
        {a: c for a, c in chosen.items() if a in held},
        {a: m for a, m in (exposures or {}).items() if a in held},
        ratio=hedge, band=hedge_band, base=base, cost_bps=fx_cost_bps, dynamic=hedge_dynamic)
    if not spec.currencies:
        raise ConfigError("--hedge: no holding is in a foreign currency (name them "
                          "with --currency COL=EUR or --exposure COL=EUR:0.5,JPY:0.5)")
    assert table is not None
    short = None
    if rates is not None:
        from rebal.currency.rates import short_rate_returns
        from rebal.errors import InputError

        if not Path(rates).is_file():
            raise InputError("no such file", file=rates, field="--rates")
        short = short_rate_returns(rates, (spec.base, *spec.currencies), run.market.dates)
    return replace(run, hedge=run_overlay(run.result, spec, table, short_rates=short))


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


def window_notes(
    market: MarketData, start: str | None, end: str | None
) -> tuple[MarketData, tuple[str, ...]]:
    """``market`` cut to ``--start``/``--end`` (``YYYY-MM-DD``), and a note for each bound
    outside the data (the run then starts or ends at the data's own first or last row).

    Raises
    ------
    ConfigError
        A bound that is not a date, or ``--end`` before ``--start``.
    """
    from rebal.data.validate import parse_day

    lo = None if start is None else parse_day(start, option="--start")
    hi = None if end is None else parse_day(end, option="--end")
    if lo is not None and hi is not None and hi < lo:
        raise ConfigError(f"--end {hi} is before --start {lo}")
    notes = []
    first, last = market.dates[0], market.dates[-1]
    if lo is not None and lo > last:
        raise ConfigError(f"--start {lo} is after the data's last row {last} (the data spans "
                          f"{first} … {last})")
    if hi is not None and hi < first:
        raise ConfigError(f"--end {hi} is before the data's first row {first} (the data spans "
                          f"{first} … {last})")
    if lo is not None and lo < first:
        notes.append(f"--start {lo} is before the data's first row; the backtest starts on "
                     f"{first}")
    if hi is not None and hi > last:
        notes.append(f"--end {hi} is after the data's last row; the backtest ends on {last}")
    if lo is not None or hi is not None:
        market = market.between(lo, hi)
    return market, tuple(notes)


def _load_request_prices(request: BacktestRequest) -> tuple[MarketData, bool]:
    """The request's market data and whether it came from the user's file."""
    from rebal import datasets

    from_file = request.prices.strip().lower() not in (*datasets.names(), "default")
    options = {k: v for k, v in (("kind", request.kind), ("sep", request.sep),
                                 ("date_column", request.date_column))
               if v is not None and not (k == "kind" and v == "prices")}
    if not options:
        return load_prices(request.prices), from_file
    if not from_file:
        flags = ", ".join("--" + k.replace("_", "-") for k in options)
        raise ConfigError(f"{flags}: only for a prices file, not the dataset "
                          f"{request.prices!r}")
    return load_prices(request.prices, **options), from_file


def backtest(request: BacktestRequest) -> BacktestRun:
    """Run :class:`BacktestRequest`: load the prices, pick the target, backtest."""
    if request.flow_frequency is not None and not request.contribution_usd:
        raise ConfigError(f"--flow-frequency {request.flow_frequency} needs --contribution "
                          "(the amount of each flow)")
    market, from_file = _load_request_prices(request)
    target = pick_target(market, request.target)
    market, notes = window_notes(market, request.start, request.end)
    try:
        run = backtest_currency_market(
            market, target, request.policy, initial_usd=request.initial_usd,
            cost_bps=request.cost_bps, fixed_usd=request.fixed_usd,
            min_trade_usd=request.min_trade_usd, contribution_usd=request.contribution_usd,
            flow_frequency=request.flow_frequency or "monthly", from_file=from_file,
            base=request.base, currencies=request.currencies, fx=request.fx,
            fx_cost_bps=request.fx_cost_bps, hedge=request.hedge, hedge_band=request.hedge_band,
            hedge_dynamic=request.hedge_dynamic, exposures=request.exposures,
            rates=request.rates,
        )
    except ConfigError as exc:
        raise ConfigError(flag_names(str(exc))) from None
    return short_span(replace(run, notes=(*run.notes, *notes)))


ANNUALISED = ("cagr", "annual_volatility", "sharpe", "sortino", "calmar", "annual_turnover",
              "cost_drag_annual", "rebalancing_alpha", "sharpe_difference",
              "alpha_per_turnover")
"""The :class:`~rebal.metrics.Metrics` fields that are rates per year."""


def blank_annualised(metrics: Metrics) -> Metrics:
    """``metrics`` with its :data:`ANNUALISED` fields NaN when it spans less than a year
    (unchanged otherwise)."""
    import math

    if metrics.years >= 1.0:
        return metrics
    return replace(metrics, **{name: math.nan for name in ANNUALISED
                               if getattr(metrics, name) is not None})


def short_span(run: BacktestRun) -> BacktestRun:
    """``run`` with its annualised metrics undefined (NaN: ``—`` in tables, ``null`` in
    JSON) when the data spans less than one year, and a note saying so.

    Annualising a few rows extrapolates them to a year (two daily rows up 0.33 % read as
    a 131 % annual return); as the GIPS standards do for returns, rates per year are not
    shown for a span shorter than a year. Total return, final value, drawdown and costs
    stay."""
    years = run.metrics.years
    if years >= 1.0:
        return run
    rows = run.market.n_days
    note = (f"the data spans {rows} rows ({run.market.dates[0]} … {run.market.dates[-1]}, "
            f"{years:.2f} years): annual return, volatility, Sharpe, Sortino, Calmar, "
            "turnover, cost drag and alpha are per-year rates, undefined for less than a "
            "year (shown as —); final value and drawdown are shown")
    return replace(run, metrics=blank_annualised(run.metrics),
                   baseline_metrics=blank_annualised(run.baseline_metrics),
                   notes=(*run.notes, note))


CLI_FLAGS: Mapping[str, str] = {
    "CostModel.cost_bps": "--cost-bps", "CostModel.fixed_usd": "--fixed-cost",
    "CostModel.min_trade_usd": "--min-trade", "CashFlows.amount_usd": "--contribution",
    "initial_usd": "--initial", "target": "--target", "policy": "--policy",
    "hedge.ratio": "--hedge", "hedge.band": "--hedge-band", "hedge.cost_bps": "--fx-cost-bps",
    "hedge.exposures": "--exposure", "hedge.base": "--base", "base currency": "--base",
}
"""The engine's parameter names and the ``rebal backtest`` flags that set them."""


def flag_names(message: str) -> str:
    """``message`` with an engine parameter at its start named as the user typed it
    (``CostModel.cost_bps must be >= 0`` → ``--cost-bps must be >= 0``)."""
    for internal, flag in CLI_FLAGS.items():
        if message.startswith(internal) and message[len(internal):][:1] in (" ", ":", "["):
            rest = message[len(internal):]
            if rest.startswith("["):  # target['US_MKT'] must … → --target US_MKT must …
                key, _, tail = rest[1:].partition("]")
                rest = f" {key.strip(chr(39))}{tail}"
            return flag + rest
    return message


def engine_needs_compiling() -> bool:
    """Whether this run will compile the backtest engine first (numba's on-disk cache of
    its kernels is empty: the first run after installing, a few seconds)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("rebal.backtest.kernels")
    if spec is None or spec.origin is None:
        return False
    here = Path(spec.origin).parent / "__pycache__"
    if any(here.glob("kernels.*.nbi")):
        return False
    import os

    elsewhere = os.environ.get("NUMBA_CACHE_DIR")
    return not (elsewhere and any(Path(elsewhere).rglob("kernels.*.nbi")))
