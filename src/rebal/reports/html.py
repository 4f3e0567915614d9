"""Self-contained HTML reports: one file, plotly.js embedded once, no network at all.

The page holds plotly.js inline (``include_plotlyjs=True`` semantics, once, in
the head) and every figure after it with ``include_plotlyjs=False``; styles are
inline and fonts are the reader's system fonts, so the file opens offline.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import plotly
import plotly.io as pio
from plotly.offline import get_plotlyjs

from rebal.errors import ConfigError, RebalError
from rebal.reports import charts
from rebal.reports import series as S
from rebal.reports.meta import DEFAULT_EPISODES, ReportMeta, SubPeriod, meta_from_results
from rebal.reports.plan_tables import (
    account_table,
    class_table,
    comparison_lines,
    conversion_table,
    currency_table,
    do_not_buy_table,
    not_done_table,
    private_line_table,
    private_view_table,
    steps_table,
    tax_table,
    trade_table,
)
from rebal.reports.tables import (
    COMPARE_COLUMNS,
    DETAIL_COLUMNS,
    Kind,
    StringTable,
    format_value,
    metrics_table,
    period_table,
    yearly_table,
)

__all__ = [
    "compare_report",
    "compare_report_html",
    "plan_report",
    "plan_report_html",
]

PLOT_CONFIG = {"displaylogo": False, "responsive": True}

_CSS = """
:root { --fg:#1d2330; --muted:#5b6475; --line:#d9dee7; --band:#f5f7fa; --accent:#1f77b4; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
       Arial, sans-serif; color:var(--fg); background:#fff; line-height:1.45; }
header.top { background:#10263f; color:#fff; padding:22px 32px 18px; }
header.top h1 { margin:0 0 6px; font-size:26px; font-weight:600; }
header.top .sub { color:#c9d6e8; font-size:14px; }
nav { position:sticky; top:0; z-index:10; background:#fff; border-bottom:1px solid var(--line);
      padding:8px 32px; font-size:14px; display:flex; flex-wrap:wrap; row-gap:4px; }
nav a { color:var(--accent); text-decoration:none; margin-right:16px; white-space:nowrap; }
main { padding:8px 32px 40px; max-width:1500px; }
section { margin:26px 0 8px; }
section h2 { font-size:20px; margin:0 0 8px; font-weight:600; border-bottom:2px solid var(--line);
             padding-bottom:4px; }
p.caption, .notes { color:var(--muted); font-size:13px; margin:4px 0 10px; }
dl.facts { display:grid; grid-template-columns: max-content 1fr; gap:4px 18px; margin:8px 0;
           font-size:14px; }
dl.facts dt { font-weight:600; color:var(--muted); }
dl.facts dd { margin:0; }
ul.conventions { font-size:13px; color:var(--muted); margin:6px 0 0; padding-left:18px; }
.scroll { overflow-x:auto; }
table.data { border-collapse:collapse; font-size:13.5px; margin:6px 0 8px;
             font-variant-numeric: tabular-nums; }
table.data th, table.data td { padding:5px 10px; border-bottom:1px solid var(--line);
                               text-align:right; white-space:nowrap; }
table.data th { background:var(--band); font-weight:600; border-bottom:2px solid var(--line);
                white-space:normal; vertical-align:bottom; }
table.data th:first-child, table.data td:first-child { text-align:left; }
/* wide tables scroll sideways inside their box; the row labels stay in view */
.scroll { max-width:100%; }
table.data td:first-child { position:sticky; left:0; background:#fff; z-index:1; }
table.data th:first-child { position:sticky; left:0; z-index:2; }
table.data tr:hover td { background:#fafbfd; }
table.data td.wrap, table.data th.wrap { white-space:normal; text-align:left; min-width:220px; }
table.data td.left { text-align:left; }
.callout { background:#eef6ee; border-left:4px solid #2ca02c; padding:8px 12px; margin:10px 0;
           font-size:15px; }
.callout.warn { background:#fdf3e7; border-left-color:#ff7f0e; }
details summary { cursor:pointer; color:var(--accent); font-size:14px; margin:6px 0; }
footer { color:var(--muted); font-size:12px; padding:16px 32px; border-top:1px solid var(--line); }
.plotly-graph-div { margin:4px 0; }
"""

esc = html.escape


def table_html(table: StringTable, *, wrap: Sequence[int] = (), left: Sequence[int] = (),
                css_id: str | None = None) -> str:
    """An HTML table from a :class:`StringTable`; columns in ``wrap`` may wrap."""
    def cls(i: int) -> str:
        if i in wrap:
            return ' class="wrap"'
        if i in left:
            return ' class="left"'
        return ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(table.header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{esc(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in table.rows
    )
    ident = f' id="{esc(css_id)}"' if css_id else ""
    notes = "".join(f'<p class="notes">{esc(n)}</p>' for n in table.notes)
    return (f'<div class="scroll"><table class="data"{ident}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>{notes}")


def figure_html(fig: Any, div_id: str) -> str:
    height = fig.layout.height or 450
    return str(pio.to_html(
        fig, include_plotlyjs=False, full_html=False, div_id=div_id, config=PLOT_CONFIG,
        default_width="100%", default_height=f"{int(height)}px",
    ))


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def page_html(title: str, header: str, sections: Sequence[tuple[str, str, str]]) -> str:
    nav = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t, _ in sections)
    body = "".join(_section(a, t, b) for a, t, b in sections)
    from rebal import __version__ as rebal_version

    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">/* plotly.js, embedded by plotly.py {plotly.__version__}'
        f" (MIT licence) */\n{get_plotlyjs()}</script></head><body>"
        f"{header}<nav>{nav}</nav><main>{body}</main>"
        f"<footer>Generated by rebal {esc(str(rebal_version))} on {stamp}. "
        "Self-contained: opens offline; charts are interactive (hover, zoom, legend clicks)."
        "</footer></body></html>\n"
    )


def write_page(text: str, path: str | Path) -> Path:
    out = Path(path)
    if out.parent and not out.parent.exists():
        raise ConfigError(f"report path {out}: folder {out.parent} does not exist")
    out.write_text(text, encoding="utf-8")
    return out


# ---------------------------------------------------------------- comparison


def _baseline_index(
    names: Sequence[str], baseline: str | None, policies: Sequence[Any] | None = None
) -> int | None:
    if baseline is not None:
        if baseline not in names:
            raise ConfigError(f"baseline {baseline!r} is not among the policies: {list(names)}")
        return list(names).index(baseline)
    if policies is not None and len(policies) == len(names):
        from rebal.policy.kinds import PolicyKind, kind_of

        for i, p in enumerate(policies):
            if kind_of(p) is PolicyKind.BUY_AND_HOLD:
                return i
        return None
    # without the policies, the name is all there is
    for i, n in enumerate(names):
        key = n.lower().replace("-", " ").replace("_", " ")
        if ("buy" in key and "hold" in key) or key in ("b&h", "bh"):
            return i
    return None


def _compare_header(meta: ReportMeta) -> str:
    span_years = (meta.n_rows - 1) / meta.periods_per_year
    facts = [
        ("Data", meta.data_source),
        ("Span", f"{meta.start.isoformat()} to {meta.end.isoformat()} · {meta.n_rows:,} "
                 f"{meta.frequency_text} rows · {span_years:.1f} years"),
        ("Target", meta.target_text),
        ("Initial value", f"${meta.initial_usd:,.0f}"),
        ("Costs", meta.costs),
        ("Risk-free rate", meta.risk_free),
    ]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    conv = "".join(f"<li>{esc(c)}</li>" for c in (*meta.conventions, *meta.notes))
    return (
        f'<header class="top"><h1>{esc(meta.title)}</h1><div class="sub">'
        f"{esc(meta.target_text)} · {esc(meta.start.isoformat())} – {esc(meta.end.isoformat())}"
        f"</div></header><section id=\"about\" style=\"padding:0 32px\"><dl class=\"facts\">{dl}"
        f'</dl><ul class="conventions">{conv}</ul></section>'
    )


def _sub_period_section(results: Sequence[Any], sub_periods: Sequence[SubPeriod] | None,
                        monthly: bool) -> str:
    dates = results[0].dates
    given = sub_periods is not None
    periods = list(sub_periods) if sub_periods is not None else [
        p for p in DEFAULT_EPISODES if S.covers(dates, p.start, p.end)]
    labels: list[str] = []
    values: list[list[float | None]] = []
    uncovered = False
    for p in periods:
        labels.append(f"{p.label} ({p.start.isoformat()} – {p.end.isoformat()})")
        if S.covers(dates, p.start, p.end):
            values.append([float(v) for v in S.window_returns(results, p.start, p.end)])
        else:
            uncovered = True
            values.append([None] * len(results))
    if not periods:
        return ('<p class="caption">None of the standard market episodes lies inside the '
                "data; pass sub-periods to see returns over windows of your choice.</p>")
    table = period_table(labels, [r.policy_name for r in results], values,
                         first_header="Sub-period")
    notes = ["Compounded return from the last close before the start to the last close on or "
             "before the end (rebal.metrics.window_return)."]
    if not given:
        notes.append("Standard market episodes that the data covers in full.")
    if uncovered:
        notes.append("— : the data does not cover that window in full.")
    if monthly:
        notes.append("Monthly data: windows snap to month-end closes.")
    return table_html(table) + "".join(f'<p class="caption">{esc(n)}</p>' for n in notes)


def compare_report_html(
    results: Sequence[Any],
    *,
    metrics: Sequence[Any] | None = None,
    baseline: str | None = None,
    meta: ReportMeta | None = None,
    drift_policy: str | None = None,
    policies: Sequence[Any] | None = None,
    bands: Mapping[str, np.ndarray | None] | None = None,
    sub_periods: Sequence[SubPeriod] | None = None,
    max_rows: int = S.MAX_CHART_ROWS,
    alpha_intervals: Mapping[str, Any] | None = None,
    alpha_intervals_title: str | None = None,
    tax_results: Sequence[Any] | None = None,
    tax_metrics: Sequence[Any] | None = None,
    summary_table: StringTable | None = None,
    harvesting: bool | None = None,
    hedge_table: StringTable | None = None,
) -> str:
    """The comparison report of several policies on the same data, as one HTML string.

    Parameters
    ----------
    results
        :class:`~rebal.backtest.results.BacktestResult` per policy, on the same dates and target.
    metrics
        Their :class:`~rebal.metrics.Metrics` in the same order (e.g. the very
        objects the CLI printed); default ``result.metrics(benchmark=baseline)``.
    baseline
        Name of the baseline policy for the relative columns; default the
        buy-and-hold one (by its kind when ``policies`` are given, else the one
        named like buy-and-hold), if any.
    meta
        The header; default :func:`~rebal.reports.meta.meta_from_results` (costs
        "not stated").
    drift_policy
        Policy shown first in the drift chart (default: a band policy).
    policies
        The :class:`~rebal.policy.Policy` objects, in ``results`` order, to draw
        the bands in force on the drift chart (or give ``bands`` directly).
    bands
        Policy name → ``(n_days, n_assets)`` band half-widths.
    sub_periods
        Windows for the sub-period table (default: standard market episodes
        inside the data).
    max_rows
        Longer daily series are drawn at weekly points.
    alpha_intervals
        Policy name → :class:`~rebal.sweep.uncertainty.AlphaInterval` (``rebal compare
        --bootstrap N``): a table right under the metrics table with each policy's alpha,
        its bootstrap interval and P(alpha > 0), in the CLI's text; policies without one
        are left out.
    alpha_intervals_title
        That table's caption (default: a generic one).
    tax_results, tax_metrics
        After-tax runs (:class:`~rebal.backtest.taxable.results.TaxableBacktestResult`)
        and their :class:`~rebal.backtest.taxable.results.TaxMetrics`, one per policy in
        ``results`` order: adds an "After tax" section (after-tax table, after-tax
        wealth, taxes paid per year, harvested losses) right after the metrics, and
        the pre-tax sections say they are pre-tax.
    summary_table
        The terminal's table (``rebal compare``'s, e.g. with after-tax columns),
        shown first in the "After tax" section.
    harvesting
        Whether loss harvesting was on (to say why no loss was harvested).
    hedge_table
        A study's hedge figures (:func:`rebal.reports.tables.hedge_table`): adds a
        "Currency hedge" section with its notes (the carry line).
    """
    results = list(results)
    if not results:
        raise ConfigError("a comparison report needs at least one backtest result")
    names = [r.policy_name for r in results]
    if len(set(names)) != len(names):
        raise ConfigError(f"policy names must be unique in a report, got {names}")
    base_i = _baseline_index(names, baseline, policies)
    if metrics is None:
        base = results[base_i] if base_i is not None else None
        metrics = [r.metrics(benchmark=base) if base is not None else r.metrics()
                   for r in results]
    elif len(metrics) != len(results):
        raise ConfigError(f"{len(metrics)} metrics for {len(results)} results")
    meta = meta if meta is not None else meta_from_results(results)
    base_name = names[base_i] if base_i is not None else "baseline"
    if bands is None and policies is not None:
        if len(policies) != len(results):
            raise ConfigError(f"{len(policies)} policies for {len(results)} results")
        derived: dict[str, np.ndarray | None] = {}
        for r, p in zip(results, policies, strict=True):
            try:
                derived[r.policy_name] = S.policy_bands(r, p)
            except RebalError:
                derived[r.policy_name] = None
        bands = derived

    entries = list(zip(names, metrics, strict=True))
    main = metrics_table(entries, COMPARE_COLUMNS, baseline=base_name)
    detail = metrics_table(entries, DETAIL_COLUMNS, baseline=base_name)
    downsampled = S.chart_rows(results[0].dates, max_rows).shape[0] < len(results[0].dates)
    sample_note = (
        f'<p class="caption">{len(results[0].dates):,} rows of data: the charts draw weekly '
        "points (each week's last close; for drawdowns, the week's deepest point) to keep the "
        "file small. Every table uses every row.</p>" if downsampled else "")
    col_notes = "".join(
        f"<li><b>{esc(c.header.format(baseline=base_name))}</b>: {esc(c.note)}</li>"
        for c in (*COMPARE_COLUMNS, *DETAIL_COLUMNS) if c.note)
    metrics_body = (
        table_html(main, css_id="metrics-table")
        + ("" if base_i is not None else
           '<p class="caption">No baseline policy: the alpha columns are empty.</p>')
        + _alpha_intervals_html(names, alpha_intervals, alpha_intervals_title, base_name)
        + "<details><summary>More metrics</summary>"
        + table_html(detail) + f'<ul class="conventions">{col_notes}</ul></details>'
    )
    yearly = yearly_table(results)
    drift_fig = charts.drift_figure(results, selected=drift_policy, bands=bands,
                                    max_rows=max_rows)
    w = S.rolling_window(results[0])
    taxable = bool(tax_results)
    pre = " (pre-tax)" if taxable else ""
    sections = [("metrics", "Metrics" + pre, metrics_body)]
    if taxable:
        sections.append(("aftertax", "After tax", _after_tax_section(
            list(tax_results or ()), list(tax_metrics or ()), summary_table, harvesting,
            max_rows)))
    if hedge_table is not None:
        sections.append(("hedge", "Currency hedge", table_html(hedge_table, css_id="hedge-table")
                         + "".join(f'<p class="caption">{esc(n)}</p>'
                                   for n in hedge_table.notes)))
    sections += [
        ("growth", "Growth" + pre,
         figure_html(charts.growth_figure(results, max_rows=max_rows), "fig-growth")
         + '<p class="caption">The initial investment compounded at each policy\'s '
           "time-weighted returns (costs included, cash flows excluded). Use the Linear/Log "
           "buttons to switch the scale; click a legend entry to hide a policy.</p>"
         + sample_note),
        ("drawdowns", "Drawdowns" + pre,
         figure_html(charts.drawdown_figure(results, max_rows=max_rows), "fig-drawdown")),
        ("rolling", "Rolling one-year" + pre,
         figure_html(charts.rolling_figure(results, max_rows=max_rows), "fig-rolling")
         + f'<p class="caption">Over the trailing {w} rows (one year): compounded return and '
           "annualised volatility (sample standard deviation × √rows per year).</p>"),
        ("drift", "Allocation drift" + pre,
         figure_html(drift_fig, "fig-drift")
         + '<p class="caption">Each asset\'s weight minus its target after each close\'s '
           "trades, for the policy picked in the menu. Diamonds mark rebalances at the drift "
           "of the asset furthest beyond its band just before trading; hover for the rule that "
           "fired, the band in force and, for advanced triggers, the tier, score and regime. "
           "Dotted lines are the band edges.</p>"),
        ("yearly", "Calendar years" + pre,
         figure_html(charts.yearly_returns_figure(results), "fig-yearly")
         + "<details><summary>Yearly returns table</summary>" + table_html(yearly)
         + "</details>"),
        ("subperiods", "Sub-periods" + pre,
         _sub_period_section(results, sub_periods, meta.periods_per_year < 52)),
        ("trading", "Turnover and costs" + pre,
         figure_html(charts.turnover_costs_figure(results), "fig-trading")
         + '<p class="caption">Turnover counts rebalance trades only (half the gross traded '
           "value ÷ the portfolio value before trading); costs count every trade.</p>"),
    ]
    return page_html(meta.title, _compare_header(meta), sections)


AFTER_TAX_TABLE_FIELDS = (
    "pre_tax_cagr", "after_tax_cagr", "after_tax_cagr_liquidated", "tax_drag_liquidated",
    "total_tax_paid_usd", "harvested_loss_usd", "n_harvests", "after_tax_value_usd",
    "liquidation_value_usd", "after_tax_alpha_liquidated",
)
"""Columns of the report's after-tax table (:class:`TaxMetrics` fields)."""


def _after_tax_section(tax_results: Sequence[Any], tax_metrics: Sequence[Any],
                       summary: StringTable | None, harvesting: bool | None,
                       max_rows: int) -> str:
    """The "After tax" section of a taxable study's comparison report."""
    from rebal.reports.tables import TAX_COLUMNS, column_for

    if len(tax_metrics) != len(tax_results):
        raise ConfigError(f"{len(tax_metrics)} tax metrics for {len(tax_results)} tax results")
    parts = ['<p class="caption">Every figure in this section is after tax: the taxable '
             "simulation pays each year's bill from the portfolio (and receives savings). The "
             "other sections show the same policies' tax-blind (pre-tax) runs.</p>"]
    if summary is not None:
        parts.append(table_html(summary, css_id="study-table"))
    cols = [column_for(f) for f in AFTER_TAX_TABLE_FIELDS]
    rows = [(r.policy_name, *(format_value(getattr(m, c.field), c.kind, c.digits) for c in cols))
            for r, m in zip(tax_results, tax_metrics, strict=True)]
    table = StringTable(header=("Strategy", *(c.header for c in cols)), rows=tuple(rows))
    parts.append(table_html(table, css_id="after-tax-table"))
    notes = "".join(f"<li><b>{esc(c.header)}</b>: {esc(c.note)}</li>"
                    for c in TAX_COLUMNS if c.field in AFTER_TAX_TABLE_FIELDS and c.note)
    parts.append(f'<ul class="conventions">{notes}</ul>')
    parts.append(figure_html(charts.after_tax_wealth_figure(tax_results, max_rows=max_rows),
                             "fig-after-tax-wealth"))
    parts.append(figure_html(charts.tax_by_year_figure(
        tax_results, "taxes_paid_usd", "Taxes paid from the portfolio per year"),
        "fig-taxes-by-year"))
    parts.append('<p class="caption">A year\'s bill is paid at the first close of the next '
                 "year, so it shows in the year it left the portfolio; negative = a saving "
                 "received.</p>")
    total_harvested = sum(float(m.harvested_loss_usd) for m in tax_metrics)
    if total_harvested > 0:
        parts.append(figure_html(charts.tax_by_year_figure(
            tax_results, "harvested_usd", "Losses harvested per year"), "fig-harvested"))
    else:
        why = ("loss harvesting is off in this study (no harvest: section)" if harvesting is False
               else "no lot fell far enough below its cost basis" if harvesting else
               "no harvest sale was made")
        parts.append(f'<p class="caption" id="no-harvest">Harvested losses: $0 for every policy '
                     f"— {esc(why)}.</p>")
    return "".join(parts)


def _alpha_intervals_html(names: Sequence[str], intervals: Mapping[str, Any] | None,
                          title: str | None, base_name: str) -> str:
    """The bootstrap alpha-interval table (empty without intervals)."""
    if not intervals:
        return ""
    from rebal.reports.tables import ALPHA_INTERVAL_HEADER, alpha_interval_cells

    rows = [alpha_interval_cells(intervals[n]) for n in names if n in intervals]
    rows += [alpha_interval_cells(a) for n, a in intervals.items() if n not in names]
    table = StringTable(
        header=ALPHA_INTERVAL_HEADER,
        rows=tuple(rows),
        notes=(
            "Alpha: CAGR minus the baseline's (fraction per year). The interval and "
            "P(alpha > 0) come from paired stationary-bootstrap resamples of the assets' "
            "joint daily returns: every policy runs on the same resampled paths; the "
            "interval is the centred basic bootstrap interval, which contains the alpha on "
            "the real data (see docs/sweeps.md).",
        ),
    )
    caption = title or f"Alpha vs {base_name}: stationary-bootstrap intervals"
    return (f'<h3 id="bootstrap-alpha">{esc(caption)}</h3>'
            + table_html(table, css_id="alpha-intervals-table"))


def compare_report(results: Sequence[Any], path: str | Path, **options: Any) -> Path:
    """Write :func:`compare_report_html` to ``path``; returns the path."""
    return write_page(compare_report_html(results, **options), path)


def compare_report_from_study(study_result: Any, path: str | Path, **options: Any) -> Path:
    """Write the comparison report of a :class:`rebal.studies.result.StudyResult` to ``path``.

    The report shows the very :class:`~rebal.metrics.Metrics` the CLI prints (each
    policy's, against the study's buy-and-hold baseline), the study's sub-periods,
    and its cost model. Explicit ``options`` win (e.g. ``alpha_intervals=`` and
    ``alpha_intervals_title=`` from ``rebal compare --bootstrap N``, see
    :func:`compare_report_html`).
    """
    import datetime as _dt


    study = study_result.study
    outcomes = list(study_result.outcomes)
    policies: list[Any] = [p for _, p in study.policies]
    if all(o.name != study_result.baseline.name for o in outcomes):
        outcomes.insert(0, study_result.baseline)
        from rebal.policy import Policy

        policies.insert(0, Policy.buy_and_hold(study_result.baseline.name))

    def day(d: np.datetime64) -> _dt.date:
        return _dt.date.fromisoformat(str(d)[:10])

    sub_periods = [SubPeriod(label=p.name, start=day(p.start), end=day(p.end))
                   for p in study.periods] or None
    kw: dict[str, Any] = {}
    if study.tax is not None and all(o.tax_result is not None for o in outcomes):
        from rebal.reports.tables import study_table

        kw.update(tax_results=[o.tax_result for o in outcomes],
                  tax_metrics=[o.tax_metrics for o in outcomes],
                  summary_table=study_table(study_result),
                  harvesting=study.tax.harvest is not None)
    if study.hedge is not None and all(o.hedge is not None for o in outcomes):
        from rebal.reports.tables import hedge_table

        kw["hedge_table"] = hedge_table(outcomes, study_result.hedge_notes,
                                        study.hedge.spec.label)
    kw |= {
        "metrics": [o.metrics for o in outcomes],
        "baseline": study_result.baseline.name,
        "policies": policies,
        "sub_periods": sub_periods,
        "meta": meta_from_results([o.result for o in outcomes], title=study.title,
                                  costs=study.costs),
    }
    kw.update(options)
    return compare_report([o.result for o in outcomes], path, **kw)


# ---------------------------------------------------------------- plan


def _plan_header(plan: Any, title: str) -> str:
    mode = plan.settings.get("mode") if isinstance(plan.settings, Mapping) else None
    facts = [("Household", plan.household), ("As of", plan.as_of.isoformat()),
             ("Method", plan.method + (f" · mode {mode}" if mode else "")),
             ("Trades", f"{len(plan.trades)}"),
             ("Bands after the plan", "every class inside its band" if plan.in_bands_after
              else "some classes remain outside their band")]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    return (f'<header class="top"><h1>{esc(title)}</h1><div class="sub">{esc(plan.household)}'
            f" · {esc(plan.as_of.isoformat())}</div></header>"
            f'<section id="about" style="padding:0 32px"><dl class="facts">{dl}</dl></section>')


def _tax_callout(plan: Any) -> str:
    tax = plan.tax.total_usd
    mine = format_value(tax, Kind.USD)
    if plan.naive is None:
        return f'<div class="callout">Estimated tax of this plan: <b>{mine}</b>.</div>'
    naive = plan.naive.tax.total_usd
    saving = naive - tax
    kind = "callout" if saving >= 0 else "callout warn"
    return (f'<div class="{kind}">Estimated tax: <b>{mine}</b> for this plan'
            + (" (harvested losses lower the year's tax)" if tax < 0 else "")
            + f" versus <b>{format_value(naive, Kind.USD)}</b> for a naive pro-rata rebalance "
            f"selling FIFO — {'saving' if saving >= 0 else 'costing'} "
            f"<b>{format_value(abs(saving), Kind.USD)}</b>.</div>")


def _side(trade: Any) -> str:
    return str(getattr(trade.side, "value", trade.side)).lower()


def _schedule_section(schedule: Any) -> str:
    """A :class:`~rebal.planner.Schedule`: money per month, the glide path, tax now vs later."""
    months = list(schedule.months)
    if not months:
        return '<p class="caption">The schedule is empty.</p>'
    labels = [m.date.isoformat() for m in months]
    series = {
        "contribution": [float(m.contribution_usd) for m in months],
        "buys": [sum(t.value_usd for t in m.plan.trades if _side(t) == "buy") for m in months],
        "sales": [sum(t.value_usd for t in m.plan.trades if _side(t) == "sell")
                  for m in months],
        "tax": [float(m.plan.tax.total_usd) for m in months],
    }
    parts = [
        figure_html(charts.schedule_figure(labels, series, title="Money moved each month"),
                     "fig-schedule"),
        figure_html(charts.schedule_weights_figure(schedule), "fig-glide"),
    ]
    rows = []
    for k, m in enumerate(months):
        outside = [c.asset_class for c in m.plan.classes if c.breached_after]
        rows.append((labels[k], *(format_value(series[name][k], Kind.USD, 0) for name in series),
                     str(len(m.plan.trades)), ", ".join(outside) if outside else "none"))
    parts.append(table_html(StringTable(
        header=("Month", *series, "Trades", "Outside band after"), rows=tuple(rows))))
    saving = schedule.tax_now_usd - schedule.tax_scheduled_usd
    parts.append(
        f'<div class="callout{"" if saving >= 0 else " warn"}">Tax of rebalancing now: '
        f"<b>{format_value(schedule.tax_now_usd, Kind.USD)}</b>; of the "
        f"{len(months)}-month schedule: <b>{format_value(schedule.tax_scheduled_usd, Kind.USD)}"
        f"</b> ({'saves' if saving >= 0 else 'costs'} {format_value(abs(saving), Kind.USD)}). "
        + ("Every class is inside its band at the end." if schedule.in_bands_at_end else
           "Some classes are still outside their band at the end.") + "</div>")
    notes = tuple(getattr(schedule, "notes", ()) or ())
    parts.extend(f'<p class="caption">{esc(n)}</p>' for n in notes)
    per_month = "".join(
        f"<details><summary>Trades of {esc(labels[k])} ({len(m.plan.trades)})</summary>"
        + table_html(trade_table(m.plan), wrap=(0, 8, 9), left=(1, 2, 3)) + "</details>"
        for k, m in enumerate(months) if m.plan.trades)
    return "".join(parts) + per_month


def plan_report_html(plan: Any, *, schedule: Any = None, title: str | None = None) -> str:
    """The report of a :class:`~rebal.planner.result.TradePlan`, as one HTML string.

    Sections: household allocation before/after against targets and bands,
    accounts before/after, the trades with reasons and lots, the tax summary
    beside the naive plan's, the do-not-buy list, the multi-month schedule
    (when a :class:`~rebal.planner.Schedule` is given), and notes.
    """
    title = title or f"Rebalancing plan — {plan.household}"
    trades = trade_table(plan)
    sections = [
        ("allocation", "Allocation",
         figure_html(charts.class_allocation_figure(plan), "fig-classes")
         + '<p class="caption">Household weight of each asset class before and after the '
           "plan; red marks are the targets with their bands.</p>"
         + table_html(class_table(plan))),
        ("accounts", "Accounts",
         figure_html(charts.account_allocation_figure(plan), "fig-accounts")
         + table_html(account_table(plan))),
        ("steps", "Steps", table_html(steps_table(plan), left=(0,))),
        ("trades", "Trades",
         (table_html(trades, wrap=(0, 8, 9), left=(1, 2, 3)) if trades.rows else
          '<p class="caption">No trades: nothing needs doing.</p>')
         + '<p class="caption">Sales list the lots they relieve (gain, short/long term). '
           "Estimated tax per trade is at the plan's marginal rates; the exact total is in the "
           "tax summary.</p>"),
        ("notdone", "Not done, and why",
         table_html(not_done_table(plan), wrap=(3,), left=(0, 1, 3)) if plan.not_done else
         '<p class="caption">Nothing left undone: every harvestable loss is harvested, every '
         "class ends inside its band and no 0% long-term-gain room is left.</p>"),
        ("tax", "Tax", _tax_callout(plan)
         + "".join(f'<p class="caption">{esc(line)}</p>' for line in comparison_lines(plan))
         + figure_html(charts.tax_comparison_figure(plan), "fig-tax")
         + table_html(tax_table(plan))),
        ("donotbuy", "Do not buy",
         table_html(do_not_buy_table(plan), wrap=(5,), left=(1,)) if plan.do_not_buy else
         '<p class="caption">No wash-sale restrictions: no recent or planned loss sales.</p>'),
    ]
    if getattr(plan, "conversions", ()):
        sections.append(("fx", "FX conversions",
                         table_html(conversion_table(plan), left=(0, 1, 4))
                         + '<p class="caption">Conversions netted per account and currency '
                           "on the plan date; the FX cost applies to the net.</p>"))
    if any(c.currency != "USD" for c in getattr(plan, "currencies", ())):
        sections.append(("currency", "Currency exposure",
                         table_html(currency_table(plan), left=(0, 1))
                         + '<p class="caption">The holdings after the plan, by currency (a '
                           "fund's look-through currency mix) and region; cash left out. "
                           "Tax is computed in US dollars.</p>"))
    if getattr(plan, "private", ()):  # private funds: the three views and the two lines
        sections.insert(1, ("private", "Private funds",
                            table_html(private_view_table(plan.private_views), left=(0,))
                            + '<p class="caption">Each private class under the three exposure '
                              "views before the plan (* = the household's view; the unfunded "
                              "commitment is not in the denominator).</p>"
                            + table_html(private_line_table(plan), left=(0, 1))))
    if schedule is not None:
        sections.append(("schedule", "Schedule", _schedule_section(schedule)))
    notes = list(plan.notes)
    stats = plan.stats
    if getattr(stats, "n_variables", 0):
        notes.append(f"Optimization: {stats.n_variables:,} variables ({stats.n_integer:,} "
                     f"integer), {stats.n_constraints:,} constraints, status {stats.status}, "
                     f"{stats.total_seconds:.2f} s.")
    if notes:
        sections.append(("notes", "Notes", '<ul class="conventions">'
                         + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"))
    return page_html(title, _plan_header(plan, title), sections)


def plan_report(plan: Any, path: str | Path, **options: Any) -> Path:
    """Write :func:`plan_report_html` to ``path``; returns the path."""
    return write_page(plan_report_html(plan, **options), path)


def plotly_js() -> str:
    """The plotly.js bundle of the installed plotly.py (MIT licence), for pages that
    serve it once instead of inlining it (the web app)."""
    return str(get_plotlyjs())


def household_history_html(history: Sequence[Any]) -> str:
    """The household's value-history chart (:func:`rebal.reports.charts.household_history_figure`)
    as a ``<div>`` (plotly.js not included)."""
    from rebal.reports.charts import household_history_figure

    return figure_html(household_history_figure(history), "value-history-chart")
