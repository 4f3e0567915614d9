"""What a comparison report says about itself: :class:`ReportMeta` and :class:`SubPeriod`.

A report must stand on its own: where the data came from and what it spans,
the target, the costs, and the conventions (trades at the close, the
risk-free rate used). :func:`meta_from_results` fills these in from the
results; callers (the CLI, a study) pass what a result cannot know, such as
the cost model's wording.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rebal.errors import ConfigError

__all__ = ["DEFAULT_EPISODES", "ReportMeta", "SubPeriod", "costs_text", "meta_from_results"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SubPeriod:
    """A named calendar window ``[start, end]`` (both inclusive), as in
    :func:`rebal.metrics.window_return`."""

    label: str
    start: _dt.date
    end: _dt.date

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, str):
                try:
                    value = _dt.date.fromisoformat(value)
                except ValueError:
                    raise ConfigError(f"SubPeriod.{name}: {value!r} is not an ISO date") from None
                object.__setattr__(self, name, value)
            elif not isinstance(value, _dt.date):
                raise ConfigError(f"SubPeriod.{name} must be a date, got {value!r}")
        if self.end < self.start:
            raise ConfigError(
                f"SubPeriod {self.label!r}: end {self.end} is before start {self.start}"
            )


DEFAULT_EPISODES: tuple[SubPeriod, ...] = (
    SubPeriod(label="1973–74 bear market", start=_dt.date(1973, 1, 1), end=_dt.date(1974, 12, 31)),
    SubPeriod(label="1987 crash (Aug–Dec)", start=_dt.date(1987, 8, 1), end=_dt.date(1987, 12, 31)),
    SubPeriod(label="Dot-com bust 2000–02", start=_dt.date(2000, 3, 24), end=_dt.date(2002, 10, 9)),
    SubPeriod(label="Global financial crisis", start=_dt.date(2007, 10, 10),
              end=_dt.date(2009, 3, 9)),
    SubPeriod(label="Recovery 2009–13", start=_dt.date(2009, 3, 10), end=_dt.date(2013, 12, 31)),
    SubPeriod(label="COVID crash 2020", start=_dt.date(2020, 2, 20), end=_dt.date(2020, 3, 23)),
    SubPeriod(label="2022 rates shock", start=_dt.date(2022, 1, 1), end=_dt.date(2022, 12, 31)),
)
"""Well-known market episodes (S&P 500 peak-to-trough dates where they apply);
the report shows those the data covers in full when no sub-periods are given."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportMeta:
    """The header of a comparison report.

    Attributes
    ----------
    title
        Report title.
    data_source
        Where the prices came from (``MarketData.source``).
    start, end
        First and last row (the purchase close and the final close).
    n_rows
        Rows of data.
    periods_per_year
        Rows per year (252 daily, 12 monthly).
    target
        Asset → target weight (fractions).
    initial_usd
        Dollars invested at the first close.
    costs
        The cost model in words (e.g. ``"5 bps per trade"``).
    risk_free
        The risk-free rate used for Sharpe and Sortino, in words.
    conventions
        Sentences stating the simulation conventions.
    notes
        Anything else a reader needs (data alignment, cash flows …).
    """

    title: str = "Rebalancing policies compared"
    data_source: str
    start: _dt.date
    end: _dt.date
    n_rows: int
    periods_per_year: float
    target: Mapping[str, float]
    initial_usd: float
    costs: str = "not stated"
    risk_free: str
    conventions: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def frequency_text(self) -> str:
        ppy = self.periods_per_year
        if abs(ppy - 252) < 30:
            return "daily"
        if abs(ppy - 52) < 3:
            return "weekly"
        if abs(ppy - 12) < 1:
            return "monthly"
        return f"{ppy:g} rows a year"

    @property
    def target_text(self) -> str:
        return " · ".join(f"{a} {100 * w:.4g}%" for a, w in self.target.items())


def costs_text(costs: Any) -> str:
    """A :class:`~rebal.backtest.CostModel` (or ``None``) in words."""
    if costs is None:
        return "none"
    if isinstance(costs, str):
        return costs
    parts: list[str] = []
    bps = getattr(costs, "cost_bps", 0.0)
    if isinstance(bps, Mapping):
        if any(float(v) for v in bps.values()):
            parts.append(
                "proportional: " + ", ".join(f"{k} {float(v):g} bps" for k, v in bps.items())
            )
    elif float(bps):
        parts.append(f"{float(bps):g} bps of each trade")
    fixed = float(getattr(costs, "fixed_usd", 0.0))
    if fixed:
        parts.append(f"${fixed:,.2f} per trade")
    minimum = float(getattr(costs, "min_trade_usd", 0.0))
    if minimum:
        parts.append(f"no rebalance trade under ${minimum:,.0f}")
    return "; ".join(parts) if parts else "none"


def _unstated_costs(results: Sequence[Any]) -> str:
    paid = sum(float(np.sum(np.asarray(getattr(r, "costs_usd", 0.0)))) for r in results)
    if paid > 0:
        return "charged (model not stated); see Costs/yr and Costs paid per policy"
    return "none charged"


def _risk_free_text(result: Any) -> str:
    if getattr(result, "risk_free", None) is None:
        return "0 — the data has no T-bill series"
    return "the data's T-bill series (simple return per row)"


def meta_from_results(
    results: Sequence[Any],
    *,
    title: str = "Rebalancing policies compared",
    costs: Any = "",
    notes: Sequence[str] = (),
) -> ReportMeta:
    """A report header from the results themselves (they must share data and target).

    Parameters
    ----------
    results
        Backtest results on the same dates, assets and target.
    title
        Report title.
    costs
        A :class:`~rebal.backtest.CostModel`, a sentence, or ``None`` (no costs). Not
        given: said to be unstated, with whether any costs were charged.
    notes
        Extra lines for the header.
    """
    if not results:
        raise ConfigError("a report needs at least one backtest result")
    first = results[0]
    dates = np.asarray(first.dates, dtype="datetime64[D]")
    market = getattr(first, "market", None)
    source = getattr(market, "source", "") or "unnamed data"
    market_notes = tuple(getattr(market, "notes", ()) or ())
    has_flows = any(
        np.any(np.asarray(getattr(r, "flows_usd", np.zeros(1))) != 0) for r in results
    )
    conventions = (
        "Prices are total-return (dividends reinvested). The portfolio is bought at the "
        "close of the first row; every decision at a close uses data up to that close and "
        "trades at that close.",
        "Calendar policies trade at the last close of each period; bands are checked at "
        "every close unless the policy says otherwise, and a breach means strictly beyond "
        "the band.",
        f"Sharpe and Sortino use as risk-free rate {_risk_free_text(first)}.",
        "Returns are time-weighted: costs are a loss, cash flows are not; growth charts "
        "show the initial investment compounded at those returns.",
    )
    extra = list(market_notes)
    if has_flows:
        extra.append("The backtests include scheduled cash flows (contributions/withdrawals).")
    extra.extend(notes)
    return ReportMeta(
        title=title,
        data_source=str(source),
        start=dates[0].astype(_dt.date),
        end=dates[-1].astype(_dt.date),
        n_rows=int(dates.shape[0]),
        periods_per_year=float(first.periods_per_year),
        target={a: float(w) for a, w in zip(first.assets, first.target, strict=True)},
        initial_usd=float(first.initial_usd),
        costs=costs_text(costs) if costs != "" else _unstated_costs(results),
        risk_free=_risk_free_text(first),
        conventions=conventions,
        notes=tuple(extra),
    )
