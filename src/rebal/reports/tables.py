"""Table rows as formatted strings, shared by the HTML reports and the CLI.

The command line's comparison table and the HTML report's metrics table both
come from :func:`metrics_table` (same columns, same formatting), so the two can
never disagree. No plotting here (the CLI imports this module without plotly).

Formatting: fractions print as percent with the column's decimals (``0.0523``
→ ``"5.23%"``), ratios as plain numbers, dollars as ``$1,234.56``; a missing
or undefined value (``None``, NaN) prints as ``"—"``.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rebal.metrics import Metrics
    from rebal.sweep.uncertainty import AlphaInterval

__all__ = [
    "ALPHA_INTERVAL_HEADER",
    "COMPARE_COLUMNS",
    "DETAIL_COLUMNS",
    "MISSING",
    "SWEEP_HEADERS",
    "TAX_COLUMNS",
    "Column",
    "Kind",
    "StringTable",
    "alpha_interval_cells",
    "alpha_interval_title",
    "format_value",
    "metrics_header",
    "metrics_rows",
    "metrics_table",
    "period_table",
    "yearly_table",
]

MISSING = "—"


class Kind(Enum):
    """How a column's values print."""

    PCT = "pct"  # fraction → percent
    NUM = "num"  # plain number
    INT = "int"  # count
    USD = "usd"  # dollars
    DATE = "date"  # ISO date


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def format_value(value: Any, kind: Kind, digits: int = 2) -> str:
    """One value as text: see the module docstring."""
    if _missing(value):
        return MISSING
    if kind is Kind.PCT:
        return f"{100.0 * float(value):.{digits}f}%"
    if kind is Kind.NUM:
        return f"{float(value):,.{digits}f}"
    if kind is Kind.INT:
        return f"{int(value):,d}"
    if kind is Kind.USD:
        v = float(value)
        return f"-${-v:,.{digits}f}" if v < 0 else f"${v:,.{digits}f}"
    if kind is Kind.DATE:
        return value.isoformat() if isinstance(value, _dt.date) else str(value)
    raise ValueError(f"unknown column kind {kind!r}")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the metrics table.

    Attributes
    ----------
    field
        The :class:`~rebal.metrics.Metrics` attribute shown.
    header
        Column title (``{baseline}`` is replaced by the baseline's name).
    kind, digits
        Formatting (:func:`format_value`).
    note
        What the column means, for tooltips and footnotes.
    """

    field: str
    header: str
    kind: Kind
    digits: int = 2
    note: str = ""


COMPARE_COLUMNS: tuple[Column, ...] = (
    Column("cagr", "Annual return", Kind.PCT, 2, "compound annual growth rate, time-weighted"),
    Column("annual_volatility", "Volatility", Kind.PCT, 2,
           "std of period returns × √periods per year"),
    Column("max_drawdown", "Max drawdown", Kind.PCT, 2, "deepest peak-to-trough fall"),
    Column("sharpe", "Sharpe", Kind.NUM, 2, "annualised, in excess of the risk-free rate"),
    Column("annual_turnover", "Turnover/yr", Kind.PCT, 1,
           "one-sided turnover of rebalance trades per year"),
    Column("n_rebalances", "Rebalances", Kind.INT, 0, "after the initial purchase"),
    Column("cost_drag_annual", "Costs/yr", Kind.PCT, 3,
           "costs paid ÷ mean portfolio value per year"),
    Column("rebalancing_alpha", "Alpha vs {baseline}", Kind.PCT, 2,
           "annual return minus the baseline's"),
)
"""The comparison table (the article's columns plus turnover, rebalances, costs, alpha)."""

DETAIL_COLUMNS: tuple[Column, ...] = (
    Column("final_value_usd", "Final value", Kind.USD, 0, "after the last close"),
    Column("total_return", "Total return", Kind.PCT, 1, "compounded over the span"),
    Column("sortino", "Sortino", Kind.NUM, 2, "downside deviation below the risk-free rate"),
    Column("calmar", "Calmar", Kind.NUM, 2, "annual return ÷ |max drawdown|"),
    Column("max_drawdown_peak_date", "DD peak", Kind.DATE, 0, "max drawdown: peak"),
    Column("max_drawdown_trough_date", "DD trough", Kind.DATE, 0, "max drawdown: trough"),
    Column("max_drawdown_recovery_date", "DD recovered", Kind.DATE, 0,
           "back at the peak's level (— = not within the data)"),
    Column("allocation_precision", "Mean |drift|", Kind.PCT, 2,
           "mean absolute deviation of weights from target"),
    Column("costs_total_usd", "Costs paid", Kind.USD, 0, "every trade"),
    Column("sharpe_difference", "Sharpe vs {baseline}", Kind.NUM, 2, "Sharpe minus the baseline's"),
    Column("drawdown_reduction", "DD reduction", Kind.PCT, 2,
           "baseline's |max drawdown| minus this one's (> 0 = shallower)"),
    Column("alpha_per_turnover", "Alpha/turnover", Kind.NUM, 3,
           "rebalancing alpha ÷ annual turnover"),
)
"""More metrics, shown in the HTML report under the comparison table."""

TAX_COLUMNS: tuple[Column, ...] = (
    Column("pre_tax_cagr", "Pre-tax", Kind.PCT, 2, "CAGR of the tax-blind run"),
    Column("after_tax_cagr", "After tax", Kind.PCT, 2,
           "CAGR of the final value less bills not yet paid"),
    Column("after_tax_cagr_liquidated", "After tax, liq.", Kind.PCT, 2,
           "CAGR if everything were sold at the last close and the gains taxed"),
    Column("tax_drag", "Tax drag", Kind.PCT, 2, "pre-tax minus after-tax CAGR"),
    Column("tax_drag_liquidated", "Drag, liq.", Kind.PCT, 2,
           "pre-tax minus after-tax CAGR after liquidation"),
    Column("tax_efficiency", "Tax eff.", Kind.NUM, 3, "after-tax ÷ pre-tax CAGR"),
    Column("tax_efficiency_liquidated", "Eff., liq.", Kind.NUM, 3,
           "after-tax (liquidated) ÷ pre-tax CAGR"),
    Column("total_tax_paid_usd", "Taxes paid", Kind.USD, 0,
           "bills paid from the portfolio (negative = savings received)"),
    Column("harvested_loss_usd", "Harvested", Kind.USD, 0,
           "losses recognized by harvest sales"),
    Column("n_harvests", "Harvests", Kind.INT, 0, "harvest trades"),
    Column("owed_usd", "Tax owed", Kind.USD, 0, "bills not yet paid at the last close"),
    Column("after_tax_value_usd", "After-tax value", Kind.USD, 0,
           "final value less the bills not yet paid"),
    Column("liquidation_value_usd", "Liquidation value", Kind.USD, 0,
           "after selling everything and paying the tax"),
    Column("total_costs_usd", "Costs (AT run)", Kind.USD, 0, "every trade"),
    Column("after_tax_alpha", "AT alpha", Kind.PCT, 2,
           "after-tax CAGR minus the baseline's"),
    Column("after_tax_alpha_liquidated", "AT alpha, liq.", Kind.PCT, 2,
           "after-tax CAGR after liquidation minus the baseline's"),
)
"""After-tax columns (:class:`rebal.backtest.taxable.results.TaxMetrics` fields) of study tables."""

HEDGE_COLUMNS: tuple[Column, ...] = (
    Column("hedged_cagr", "Hedged return", Kind.PCT, 2,
           "annual return of portfolio + hedge account + open forwards"),
    Column("hedged_volatility", "Hedged vol", Kind.PCT, 2, "its annualised volatility"),
    Column("hedged_max_drawdown", "Hedged max DD", Kind.PCT, 2, "its deepest fall"),
    Column("hedged_final_value_usd", "Hedged value", Kind.USD, 0, "at the last close"),
    Column("hedge_costs_usd", "Hedge costs", Kind.USD, 0,
           "FX cost of settlements and forwards traded"),
    Column("hedge_turnover", "Hedge turnover", Kind.NUM, 3,
           "notional traded a year / average value (rolls excluded)"),
    Column("n_hedge_resizes", "Hedge resizes", Kind.INT, 0, "forwards resized (band)"),
)
"""Hedge columns of study tables with ``hedge:`` (``docs/currency.md``)."""


@dataclass(frozen=True, slots=True)
class StringTable:
    """A table ready to print: a header and rows of strings (first column = labels)."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    notes: Sequence[str] = ()

    def __post_init__(self) -> None:
        # stored as tuples whatever sequences were given: immutable, hashable
        object.__setattr__(self, "header", tuple(self.header))
        object.__setattr__(self, "rows", tuple(tuple(r) for r in self.rows))
        object.__setattr__(self, "notes", tuple(self.notes))


def metrics_header(
    columns: Sequence[Column] = COMPARE_COLUMNS, *, baseline: str = "buy-and-hold"
) -> tuple[str, ...]:
    """``("Strategy", <column headers>…)``."""
    return ("Strategy", *(c.header.format(baseline=baseline) for c in columns))


def metrics_rows(
    entries: Sequence[tuple[str, Metrics]],
    columns: Sequence[Column] = COMPARE_COLUMNS,
) -> list[tuple[str, ...]]:
    """One row of strings per ``(policy name, Metrics)``, in the given order.

    Parameters
    ----------
    entries
        Policy names with their metrics (computed against the baseline for the
        relative columns; without one those print ``"—"``).
    columns
        Which metrics, in order (default: the comparison table).
    """
    rows = []
    for name, m in entries:
        cells = [format_value(getattr(m, c.field), c.kind, c.digits) for c in columns]
        rows.append((str(name), *cells))
    return rows


def metrics_table(
    entries: Sequence[tuple[str, Metrics]],
    columns: Sequence[Column] = COMPARE_COLUMNS,
    *,
    baseline: str = "buy-and-hold",
) -> StringTable:
    """The comparison table: header, one row per policy, and a risk-free note.

    The note says where Sharpe's risk-free rate came from (the data's T-bill
    series, or 0 when the data has none).
    """
    notes: list[str] = []
    sources = {getattr(m, "risk_free_source", None) for _, m in entries}
    sources.discard(None)
    if sources:
        values = sorted(getattr(s, "value", str(s)) for s in sources)
        if values == ["data"]:
            notes.append("Sharpe/Sortino: risk-free = the data's T-bill series.")
        elif values == ["zero"]:
            notes.append("Sharpe/Sortino: risk-free = 0 (the data has no T-bill series).")
        else:
            notes.append("Sharpe/Sortino: risk-free from the data where present, else 0.")
    return StringTable(
        header=metrics_header(columns, baseline=baseline),
        rows=tuple(metrics_rows(entries, columns)),
        notes=tuple(notes),
    )


def period_table(
    labels: Sequence[str],
    policy_names: Sequence[str],
    returns: Sequence[Sequence[float | None]],
    *,
    first_header: str = "Period",
    digits: int = 2,
) -> StringTable:
    """Returns per period (rows) and policy (columns), as percent strings.

    Parameters
    ----------
    labels
        Row labels (periods).
    policy_names
        Column headers.
    returns
        ``returns[i][j]``: fraction for period ``i`` and policy ``j`` (None/NaN → ``"—"``).
    """
    if len(returns) != len(labels):
        raise ValueError(f"{len(labels)} labels but {len(returns)} rows of returns")
    rows = []
    for label, row in zip(labels, returns, strict=True):
        if len(row) != len(policy_names):
            raise ValueError(
                f"period {label!r}: {len(row)} values for {len(policy_names)} policies"
            )
        rows.append((str(label), *(format_value(v, Kind.PCT, digits) for v in row)))
    return StringTable(header=(first_header, *policy_names), rows=tuple(rows))


def yearly_table(results: Sequence[Any]) -> StringTable:
    """Calendar-year returns of each result (rows = years, columns = policies).

    A year the data covers only in part is marked ``*`` and noted.
    """
    import numpy as np

    from rebal.metrics import period_returns
    from rebal.types import Frequency

    if not results:
        return StringTable(header=("Year",), rows=())
    first = results[0]
    returns = np.column_stack([np.asarray(r.returns, dtype=np.float64)[1:] for r in results])
    pr = period_returns(returns, first.dates, Frequency.ANNUAL)
    labels = [lab + ("*" if part else "") for lab, part in zip(pr.labels, pr.partial, strict=True)]
    table = period_table(
        labels, [r.policy_name for r in results], pr.returns.tolist(), first_header="Year"
    )
    notes = ("* partial year: the data covers only part of it.",) if pr.partial.any() else ()
    return StringTable(header=table.header, rows=table.rows, notes=notes)


def column_for(field: str, header: str | None = None) -> Column:
    """The table column of a :class:`~rebal.metrics.Metrics` or
    :class:`~rebal.backtest.taxable.results.TaxMetrics` field (known formatting, or percent for
    fractions, integers for counts, numbers otherwise)."""
    for col in (*COMPARE_COLUMNS, *DETAIL_COLUMNS, *TAX_COLUMNS, *HEDGE_COLUMNS):
        if col.field == field:
            return col if header is None else Column(col.field, header, col.kind, col.digits,
                                                     col.note)
    if field.startswith("n_"):
        kind = Kind.INT
    elif field.endswith("_usd"):
        kind = Kind.USD
    elif field in ("years", "periods_per_year", "sortino", "calmar"):
        kind = Kind.NUM
    else:
        kind = Kind.PCT
    return Column(field, header or field, kind, 0 if kind is Kind.INT else 2)


def hedge_table(outcomes: Sequence[Any], notes: Sequence[str], label: str) -> StringTable:
    """Every :data:`HEDGE_COLUMNS` figure of a study's policies with ``hedge:`` (one row
    each, from :meth:`rebal.currency.HedgeResult.summary`), its notes (the carry line)."""
    from rebal.studies.columns import HEDGE_COLUMNS as KEYS

    rows = []
    for o in outcomes:
        summary = o.hedge.summary(o.result.flows_usd)
        rows.append((str(o.name), *(format_value(summary[KEYS[c.field]], c.kind, c.digits)
                                    for c in HEDGE_COLUMNS)))
    return StringTable(
        header=("Strategy", *(c.header for c in HEDGE_COLUMNS)), rows=tuple(rows),
        notes=(f"Hedged = portfolio + hedge account + open forwards ({label}).", *notes,
               *(f"{c.header}: {c.note}." for c in HEDGE_COLUMNS)))


TAX_EFFICIENCY_FIELDS = ("tax_efficiency", "tax_efficiency_liquidated")
"""After-tax ÷ pre-tax CAGR: undefined (``n/a``) unless the pre-tax CAGR is > 0."""


def study_table(result: Any) -> StringTable:
    """The table of a :class:`rebal.studies.result.StudyResult`: one row per policy, the study's
    columns (metrics formatted as in :data:`COMPARE_COLUMNS`, sub-periods as percent)."""
    columns = result.columns
    header = ["Strategy"]
    for c in columns:
        if c.is_period:
            header.append(c.label)
        else:
            header.append(column_for(c.key).header.format(baseline=result.baseline.name)
                          if c.label == c.key or c.label.replace(" ", "_").lower() != c.key
                          else c.label)
    rows = []
    efficiency_na = False
    for o in result.outcomes:
        cells = [str(o.name)]
        for c in columns:
            col = Column(c.key, c.label, Kind.PCT) if c.is_period else column_for(c.key)
            value = o.value(c)
            if c.key in TAX_EFFICIENCY_FIELDS and _missing(value):
                efficiency_na = True
                cells.append("n/a")
                continue
            cells.append(format_value(value, col.kind, col.digits))
        rows.append(tuple(cells))
    base = metrics_table([(o.name, o.metrics) for o in result.outcomes])
    notes = list(base.notes)
    if efficiency_na:
        notes.append("Tax eff. n/a: the pre-tax CAGR is <= 0, where after-tax ÷ pre-tax CAGR "
                     "means nothing (docs/metrics.md).")
    if any(getattr(c, "is_tax", False) for c in columns):
        notes.append(
            "After tax (AT): bills paid from the portfolio; liq. = everything sold at the "
            f"last close and the gains taxed; AT alpha is versus {result.baseline.name} "
            "after tax.")
    if any(getattr(c, "is_hedge", False) for c in columns):
        notes.append("Hedged = portfolio + hedge account + open forwards "
                     f"({result.study.hedge.spec.label}); " + "; ".join(result.hedge_notes))
    return StringTable(header=tuple(header), rows=tuple(rows), notes=tuple(notes))


# ----------------------------------------------------------------------- sweeps
SWEEP_HEADERS = ("Annual return", "Volatility", "Max drawdown", "Sharpe", "Turnover",
                 "Rebalances", "Alpha")
"""Headers of a sweep's metric columns (:data:`rebal.sweep.study.TABLE_METRICS`, in order),
in the CLI table and the report alike."""


SWEEP_SELECTION_NOTE = (
    "The best point was chosen on the real data, so its real-data difference is biased "
    "upward (the winner of many tries) and the interval, centred on it, keeps that bias: "
    "the bootstrap measures the noise of one history, not the luck of the choice. The "
    "walk-forward section measures the edge on data the choice did not see."
)
"""Said under a sweep's bootstrap table (the CLI's and the report's)."""


# ----------------------------------------------------------------------- bootstrap alpha
ALPHA_INTERVAL_HEADER = ("Policy", "Alpha", "90% interval", "P(alpha > 0)")
"""Columns of the alpha-interval table (``rebal compare --bootstrap N`` and its report)."""


def _pct_or_dash(x: float) -> str:
    return f"{100.0 * x:.2f}%" if math.isfinite(x) else "—"


def alpha_interval_cells(a: AlphaInterval) -> tuple[str, str, str, str]:
    """One row of the alpha-interval table as text: policy, alpha, ``[low, high]`` and
    P(alpha > 0) (percent, two decimals; the probability to whole percent). The CLI
    table and the HTML report both use it, so they show the same text."""
    return (
        a.policy,
        _pct_or_dash(a.alpha),
        f"[{_pct_or_dash(a.low)}, {_pct_or_dash(a.high)}]",
        f"{a.p_positive:.0%}" if math.isfinite(a.p_positive) else "—",
    )


def alpha_interval_title(baseline: str, n_samples: int, seed: int, confidence: float = 0.90) -> str:
    """The alpha-interval table's title (CLI and report)."""
    return (
        f"Alpha vs {baseline}: {confidence:.0%} stationary-bootstrap intervals "
        f"({n_samples} paired resamples, seed {seed})"
    )
