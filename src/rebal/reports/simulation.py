"""The simulation's tables (terminal and HTML) and its HTML report.

Tables read a :class:`rebal.simulation.SimulationResult` by attribute only. The report adds
after-tax wealth, taxes per year, drift by class and trades by step over time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rebal.reports.tables import Kind, StringTable, format_value

__all__ = ["comparison_table", "metrics_table", "simulation_report", "simulation_report_html",
           "tax_alpha_line", "years_table"]


def _pct(x: Any, digits: int = 2) -> str:
    return format_value(x, Kind.PCT, digits)


def _usd(x: Any) -> str:
    return format_value(x, Kind.USD, 0)


def comparison_table(result: Any) -> StringTable:
    """One row per strategy: CAGRs before/after tax, taxes, carryforward, trades."""
    header = ("Strategy", "Pre-tax CAGR", "After-tax CAGR", "After liquidation",
              "Taxes paid", "Owed at end", "Carryforward end", "Trades", "Acted/decisions",
              "Dec. deferred")
    rows = [(s.strategy, _pct(s.pre_tax_cagr, 3), _pct(s.after_tax_cagr, 3),
             _pct(s.after_liquidation_cagr, 3), _usd(s.taxes_paid_usd),
             _usd(s.tax_owed_at_end_usd),
             _usd(s.carryforward_st_end_usd + s.carryforward_lt_end_usd), str(s.n_trades),
             f"{s.acted}/{s.decisions}", str(s.deferred_to_january))
            for s in result.strategies]
    notes = ["CAGRs are time-weighted (contributions are flows; pre-tax also treats tax "
             "payments as flows); after-tax subtracts the taxes still owed at the end; after "
             "liquidation also the tax of selling every taxable lot at the last close",
             "Dec. deferred: December plans made tax-free because their gains would cost no "
             "more tax in January"]
    return StringTable(header=header, rows=rows, notes=notes)


def metrics_table(result: Any) -> StringTable:
    """The article's metrics per strategy (relative ones against buy-and-hold)."""
    header = ("Strategy", "Reb. alpha", "Sharpe", "Sharpe impr.", "Max DD", "DD reduction",
              "Turnover/yr", "Cost ratio", "Tax efficiency", "Alloc. precision")

    def rel(x: Any, digits: int) -> str:
        return "" if x is None else _pct(x, digits)

    rows = [(s.strategy, rel(s.rebalancing_alpha, 3), format_value(s.sharpe, Kind.NUM, 3),
             "" if s.sharpe_improvement is None else format_value(s.sharpe_improvement,
                                                                  Kind.NUM, 3),
             _pct(s.max_drawdown, 1), rel(s.drawdown_reduction, 2), _pct(s.turnover, 1),
             _pct(s.cost_ratio, 4), format_value(s.tax_efficiency, Kind.NUM, 3),
             _pct(s.allocation_precision, 2)) for s in result.strategies]
    notes = ["Reb. alpha, Sharpe impr., DD reduction: against buy-and-hold (pre-tax); Sharpe "
             "with a zero risk-free rate; turnover = value bought + sold per year / average "
             "value; tax efficiency = after-tax CAGR / pre-tax CAGR; allocation precision = "
             "mean |class weight − target|"]
    return StringTable(header=header, rows=rows, notes=notes)


def years_table(result: Any, strategy: str) -> StringTable:
    """Year by year for one strategy: realized gains, harvested losses, tax, carryforward."""
    s = result.summary(strategy)
    header = ("Year", "ST gains", "LT gains", "Losses harvested", "Disallowed (wash)",
              "Tax", "Carryforward out")
    rows = [(str(y.year), _usd(y.st_gains_usd + 0.0), _usd(y.lt_gains_usd),
             _usd(y.harvested_usd), _usd(y.disallowed_usd), _usd(y.tax_usd),
             _usd(y.st_carry_out_usd + y.lt_carry_out_usd)) for y in s.years]
    return StringTable(header=header, rows=rows)


def tax_alpha_line(result: Any) -> str:
    """The tax alpha in one sentence (empty when planner or naive did not run)."""
    a = result.tax_alpha
    if a is None:
        return ""
    text = f"tax alpha (after-tax CAGR planner − naive): {_pct(a.value, 2)}"
    if a.n_samples:
        text += (f", 95 % paired block-bootstrap interval [{_pct(a.low, 2)}, {_pct(a.high, 2)}]"
                 f" ({a.n_samples} resamples of monthly returns, mean block "
                 f"{a.mean_block_months:.0f} months)")
    return text + f"; after liquidation {_pct(a.after_liquidation, 2)}"


def simulation_report_html(result: Any) -> str:
    """The self-contained HTML report of a simulation."""
    import plotly.graph_objects as go

    from rebal.reports.charts import apply_layout, series_color
    from rebal.reports.html import esc, figure_html, page_html, table_html

    runs = result.runs
    x = [d.isoformat() for d in runs[0].dates] if runs else []
    wealth = go.Figure()
    for i, r in enumerate(runs):
        wealth.add_trace(go.Scatter(x=x, y=r.values, name=r.strategy, mode="lines",
                                    line={"color": series_color(i)}))
    apply_layout(wealth, "Household value after taxes paid (dollars, contributions included)")
    taxes = go.Figure()
    for i, s in enumerate(result.strategies):
        taxes.add_trace(go.Bar(x=[y.year for y in s.years], y=[y.tax_usd for y in s.years],
                               name=s.strategy, marker={"color": series_color(i)}))
    apply_layout(taxes, "Tax of each year (dollars; negative = saved by a loss deduction)")
    drift = go.Figure()
    for i, r in enumerate(runs):
        for k, c in enumerate(result.classes):
            drift.add_trace(go.Scatter(
                x=x, y=100 * (r.class_weights[:, k] - result.target[k]),
                name=f"{r.strategy}: {c}", mode="lines",
                line={"color": series_color(i), "dash": "solid" if k == 0 else "dot"}))
    apply_layout(drift, "Drift of each class from target (percentage points)")
    steps = go.Figure()
    for i, r in enumerate(runs):
        for step, items in sorted(r.steps.items()):
            years: dict[int, float] = {}
            for d, v in items:
                years[d.year] = years.get(d.year, 0.0) + v
            steps.add_trace(go.Bar(x=list(years), y=list(years.values()),
                                   name=f"{r.strategy}: {step}", marker={"color": series_color(i)},
                                   opacity=0.5 + 0.5 / (1 + len(r.steps))))
    apply_layout(steps, "Value traded by step and year (dollars)")
    steps.update_layout(barmode="stack")
    header = (f"<header><h1>Household simulation: {esc(result.household)}</h1>"
              f"<p>{esc(str(result.start))} to {esc(str(result.end))}, decisions every "
              f"{esc(result.every)}, prices {esc(result.prices)}</p>"
              f"<p><strong>{esc(tax_alpha_line(result))}</strong></p></header>")
    sections = [
        ("comparison", "Strategies compared", table_html(comparison_table(result))
         + table_html(metrics_table(result))
         + "".join(f'<p class="notes">{esc(n)}</p>' for n in result.notes)),
        ("wealth", "After-tax wealth", figure_html(wealth, "sim-wealth")),
        ("taxes", "Taxes per year", figure_html(taxes, "sim-taxes")
         + "".join(f"<h3>{esc(s.strategy)}</h3>" + table_html(years_table(result, s.strategy))
                   for s in result.strategies)),
        ("drift", "Drift by class", figure_html(drift, "sim-drift")),
        ("steps", "Trades by step", figure_html(steps, "sim-steps")),
    ]
    return page_html(f"Simulation — {result.household}", header, sections)


def simulation_report(result: Any, path: str | Path) -> Path:
    """Write :func:`simulation_report_html` to ``path``."""
    from rebal.reports.html import write_page

    return write_page(simulation_report_html(result), path)
