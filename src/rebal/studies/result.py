"""A study's results: one :class:`PolicyOutcome` per policy, and their JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rebal.backtest.results import BacktestResult
from rebal.metrics import Metrics
from rebal.studies.columns import HEDGE_COLUMNS, Column
from rebal.studies.load import Study
from rebal.studies.taxes import StudyTax

if TYPE_CHECKING:
    from rebal.backtest.taxable.results import TaxableBacktestResult, TaxMetrics
    from rebal.currency import HedgeResult

__all__ = ["PolicyOutcome", "StudyResult", "tax_summary"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyOutcome:
    """One policy's backtest in a study.

    Attributes
    ----------
    name
        The policy's name in the study.
    result
        The :class:`BacktestResult`.
    metrics
        Its :class:`Metrics` versus the buy-and-hold baseline.
    periods
        Period name → compounded return over the period (fraction).
    tax_result, tax_metrics
        With a ``tax:`` section: the :class:`~rebal.backtest.taxable.results.TaxableBacktestResult`
        (its ``pre_tax`` is ``result``) and its :class:`~rebal.backtest.taxable.results.TaxMetrics`
        versus the after-tax buy-and-hold baseline; else ``None``.
    hedge
        With a ``hedge:`` section: the :class:`~rebal.currency.HedgeResult` over
        ``result``'s holdings; else ``None``.
    """

    name: str
    result: BacktestResult
    metrics: Metrics
    periods: Mapping[str, float]
    tax_result: TaxableBacktestResult | None = None
    tax_metrics: TaxMetrics | None = None
    hedge: HedgeResult | None = None

    def value(self, column: Column) -> float | int | None:
        """The table cell of ``column`` (fractions as fractions)."""
        if column.is_period:
            return self.periods[column.key]
        if column.is_hedge:
            if self.hedge is None:
                return None
            return self.hedge.summary(self.result.flows_usd)[  # type: ignore[no-any-return]
                HEDGE_COLUMNS[column.key]]
        if column.is_tax:
            return None if self.tax_metrics is None else \
                getattr(self.tax_metrics, column.key)  # type: ignore[no-any-return]
        return getattr(self.metrics, column.key)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyResult:
    """Every policy of a study, run.

    Attributes
    ----------
    study
        The study.
    outcomes
        One per listed policy, in file order.
    baseline
        The buy-and-hold outcome (a listed one when present).
    """

    study: Study
    outcomes: tuple[PolicyOutcome, ...]
    baseline: PolicyOutcome

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.study.columns

    def rows(self) -> list[dict[str, Any]]:
        """One dict per policy: ``{"policy": name, <column label>: value, …}``."""
        return [
            {"policy": o.name, **{c.label: o.value(c) for c in self.columns}}
            for o in self.outcomes
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: data span, columns, rows, and every policy's metrics."""
        m = self.study.market

        def clean(v: Any) -> Any:
            if isinstance(v, float) and v != v:
                return None
            if isinstance(v, (np.floating, np.integer)):
                return clean(v.item())
            return v

        return {
            "title": self.study.title,
            "description": self.study.description,
            "data": {
                "source": m.source,
                "assets": list(m.assets),
                "start": str(m.dates[0]),
                "end": str(m.dates[-1]),
                "rows": m.n_days,
                "aux": list(m.aux),
                "risk_free": m.risk_free is not None,
                "history_start": None if self.study.history is None
                else str(self.study.history.dates[0]),
                "notes": list(m.notes),
            },
            "target": dict(self.study.target),
            "columns": [c.label for c in self.columns],
            "baseline": self.baseline.name,
            "rows": [{k: clean(v) for k, v in r.items()} for r in self.rows()],
            "policies": [
                {
                    "name": o.name,
                    "metrics": o.metrics.to_dict(),
                    "periods": {k: clean(v) for k, v in o.periods.items()},
                    **({} if o.hedge is None else
                       {"hedge": {k: clean(v) for k, v in
                                  o.hedge.summary(o.result.flows_usd).items()}}),
                    **({} if o.tax_metrics is None else
                       {"tax_metrics": {k: clean(v) for k, v in o.tax_metrics.to_dict().items()},
                        "tax_notes": list(o.tax_result.notes) if o.tax_result else []}),
                }
                for o in self.outcomes
            ],
            **({} if self.study.tax is None else {"tax": tax_summary(self.study.tax)}),
            **({} if self.study.hedge is None else
               {"hedge": {"label": self.study.hedge.spec.label,
                          "currencies": list(self.study.hedge.spec.currencies),
                          "notes": list(self.hedge_notes)}}),
        }

    @property
    def hedge_notes(self) -> tuple[str, ...]:
        """What the hedge did and did not model (the carry line), once per study."""
        seen: dict[str, None] = {}
        for o in self.outcomes:
            for note in () if o.hedge is None else o.hedge.notes:
                seen[note] = None
        return tuple(seen)


def tax_summary(t: StudyTax) -> dict[str, Any]:
    """JSON-safe summary of a study's after-tax settings (``--json``'s ``tax``)."""
    s = t.settings
    rates = {f: getattr(s.rates, f) for f in s.rates.__dataclass_fields__}
    rates = {k: v.value if hasattr(v, "value") else v for k, v in rates.items()}
    return {
        "rates": {"kind": type(s.rates).__name__, **rates},
        "lot_method": s.lot_method.value,
        "pay_month_day": list(s.pay_month_day),
        "dividend_yield": {k: float(v) for k, v in s.dividend_yield.items()
                           if np.ndim(v) == 0},
        "harvest": None if t.harvest is None else {
            "substitutes": dict(t.harvest.substitutes),
            "min_loss_pct": t.harvest.min_loss_frac,
            "min_loss_usd": t.harvest.min_loss_usd,
            "swap_back": t.harvest.swap_back,
        },
        "accounts": None if t.accounts is None else [
            {"id": a.id, "type": a.type.value, "initial_usd": a.initial_usd,
             "target": None if a.target is None else dict(a.target)} for a in t.accounts
        ],
    }


