"""One function per figure: each returns a :class:`plotly.graph_objects.Figure`.

Nothing here shows or writes a figure (:mod:`rebal.reports.html` assembles the
report). Numbers come from :mod:`rebal.reports.series` and
:mod:`rebal.reports.tables`; these functions only draw.

Axis units: weights and returns on percent axes (fractions formatted with
``%``), drift in percentage points, money in dollars. Daily series longer than
``max_rows`` rows are drawn at weekly points (the last close of each week; for
drawdowns the week's deepest point), which the report states in a caption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rebal.errors import ConfigError
from rebal.reports import series as S
from rebal.reports.tables import COMPARE_COLUMNS, Column, Kind, format_value, metrics_table

if TYPE_CHECKING:
    from rebal.metrics import Metrics

__all__ = [
    "FONT",
    "PALETTE",
    "account_allocation_figure",
    "after_tax_wealth_figure",
    "class_allocation_figure",
    "drawdown_figure",
    "drift_figure",
    "growth_figure",
    "metrics_table_figure",
    "rolling_figure",
    "schedule_figure",
    "schedule_weights_figure",
    "tax_by_year_figure",
    "tax_comparison_figure",
    "turnover_costs_figure",
    "yearly_returns_figure",
]

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
"""Local fonts only: the report never loads a web font."""

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
)


def series_color(i: int) -> str:
    """The ``i``-th series' colour (the palette, cycled), so a policy keeps its colour
    across every chart of a report."""
    return PALETTE[i % len(PALETTE)]


def apply_layout(fig: go.Figure, title: str, *, height: int = 440,
            legend_below: bool = False) -> go.Figure:
    """Common look; ``legend_below`` for stacked subplots, whose titles sit where a
    top legend would."""
    legend = (
        {"orientation": "h", "yanchor": "top", "y": -0.07, "x": 0.0, "xanchor": "left"}
        if legend_below else
        {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1.0, "xanchor": "right"}
    )
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template="plotly_white",
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 70, "r": 30, "t": 70, "b": 90 if legend_below else 50},
        legend=legend,
        hovermode="x unified",
    )
    return fig


def _check_same_dates(results: Sequence[Any]) -> np.ndarray:
    if not results:
        raise ConfigError("a chart needs at least one backtest result")
    dates = np.asarray(results[0].dates, dtype="datetime64[D]")
    for r in results[1:]:
        other = np.asarray(r.dates, dtype="datetime64[D]")
        if other.shape != dates.shape or (other != dates).any():
            raise ConfigError(
                f"results {results[0].policy_name!r} and {r.policy_name!r} cover different "
                "dates; a comparison needs the same data"
            )
    return dates


def _x(dates: np.ndarray, rows: np.ndarray) -> list[str]:
    return [str(d) for d in dates[rows]]


# ---------------------------------------------------------------- comparison


def metrics_table_figure(
    entries: Sequence[tuple[str, Metrics]],
    columns: Sequence[Column] = COMPARE_COLUMNS,
    *,
    baseline: str = "buy-and-hold",
) -> go.Figure:
    """The comparison table as a plotly table (the same strings as the CLI's)."""
    table = metrics_table(entries, columns, baseline=baseline)
    cells = [list(col) for col in zip(*table.rows, strict=True)] if table.rows else []
    fig = go.Figure(
        go.Table(
            header={"values": list(table.header), "align": ["left"] + ["right"] * len(columns),
                    "fill": {"color": "#eef2f7"}, "font": {"family": FONT, "size": 13}},
            cells={"values": cells, "align": ["left"] + ["right"] * len(columns),
                   "font": {"family": FONT, "size": 13}, "height": 26},
        )
    )
    apply_layout(fig, "Metrics", height=90 + 28 * len(table.rows))
    fig.update_layout(margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def growth_figure(results: Sequence[Any], *, max_rows: int = S.MAX_CHART_ROWS) -> go.Figure:
    """Growth of the initial investment for every policy, with linear/log buttons.

    Traces: one line per result, named by its policy. The y axis is dollars,
    linear at first; the "Log" button switches it to a log axis.
    """
    dates = _check_same_dates(results)
    rows = S.chart_rows(dates, max_rows)
    x = _x(dates, rows)
    fig = go.Figure()
    for i, r in enumerate(results):
        fig.add_trace(go.Scatter(
            x=x, y=S.growth_path(r)[rows], name=r.policy_name, mode="lines",
            line={"color": series_color(i), "width": 1.6},
            hovertemplate="%{y:$,.0f}",
        ))
    apply_layout(fig, "Growth of the initial investment", height=480)
    fig.update_yaxes(title_text="value (dollars)", tickprefix="$", tickformat=",.0f",
                     type="linear")
    fig.update_layout(updatemenus=[{
        "type": "buttons", "direction": "left", "showactive": True, "active": 0,
        "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
        "pad": {"b": 4},
        "buttons": [
            {"label": "Linear", "method": "relayout", "args": [{"yaxis.type": "linear"}]},
            {"label": "Log", "method": "relayout", "args": [{"yaxis.type": "log"}]},
        ],
    }])
    fig.update_layout(title={"y": 0.97})
    return fig


def drawdown_figure(results: Sequence[Any], *, max_rows: int = S.MAX_CHART_ROWS) -> go.Figure:
    """Underwater curve of every policy (fractions ≤ 0 on a percent axis).

    When downsampled, each weekly point is that week's deepest drawdown.
    """
    dates = _check_same_dates(results)
    rows = S.chart_rows(dates, max_rows)
    x = _x(dates, rows)
    fig = go.Figure()
    for i, r in enumerate(results):
        dd = S.drawdown_path(r)
        y = dd[rows] if rows.shape[0] == dd.shape[0] else S.min_by_bucket(dd, rows)
        fig.add_trace(go.Scatter(
            x=x, y=y, name=r.policy_name, mode="lines",
            line={"color": series_color(i), "width": 1.3}, hovertemplate="%{y:.1%}",
        ))
    apply_layout(fig, "Drawdown from the previous peak", height=400)
    fig.update_yaxes(title_text="drawdown", tickformat=".0%")
    return fig


def rolling_figure(
    results: Sequence[Any], *, window: int | None = None, max_rows: int = S.MAX_CHART_ROWS
) -> go.Figure:
    """Trailing one-year return (top) and volatility (bottom) of every policy.

    Traces: two per result (return, volatility), in the legend once per policy.
    """
    dates = _check_same_dates(results)
    rows = S.chart_rows(dates, max_rows)
    w = S.rolling_window(results[0]) if window is None else int(window)
    rows = rows[rows >= w]
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
        subplot_titles=(f"Trailing {w}-row return", f"Trailing {w}-row volatility (annualised)"),
    )
    x = _x(dates, rows)
    for i, r in enumerate(results):
        stats = S.rolling_stats(r, w)
        common = {"mode": "lines", "line": {"color": series_color(i), "width": 1.3},
                  "legendgroup": r.policy_name, "name": r.policy_name}
        fig.add_trace(go.Scatter(x=x, y=stats.total_return[rows], hovertemplate="%{y:.1%}",
                                 **common), row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=stats.volatility[rows], hovertemplate="%{y:.1%}",
                                 showlegend=False, **common), row=2, col=1)
    apply_layout(fig, "Rolling one-year return and volatility", height=640, legend_below=True)
    fig.update_yaxes(tickformat=".0%")
    return fig


def _rule_name(code: int) -> str:
    try:
        from rebal.policy.triggers import Rule

        return Rule(int(code)).name.lower().replace("_", " ")
    except (ImportError, ValueError):
        return f"rule {int(code)}"


def _log_field(log: Any, name: str, n: int) -> np.ndarray | None:
    raw = getattr(log, name, None)
    if raw is None:
        return None
    arr = np.asarray(raw)
    return arr if arr.shape == (n,) else None


def _event_text(result: Any, advanced: S.AdvancedSeries, dates: np.ndarray) -> tuple[
        np.ndarray, np.ndarray, list[str]]:
    """Rebalance markers of ``result``: rows, signed pre-trade drift (pp) and hover text."""
    log = result.rebalances
    n = len(log)
    days = np.asarray(log.day, dtype=np.int64)
    if n == 0:
        return days, np.zeros(0), []
    target = np.asarray(result.target, dtype=np.float64)
    assets = np.asarray(log.asset, dtype=np.int64)
    before = S.pre_rebalance_weights(result, days)
    signed = before[np.arange(n), assets] - target[assets]
    drift = np.asarray(log.drift, dtype=np.float64)
    # The log's |drift| is exact; the sign comes from the reconstructed pre-trade weights.
    y = np.where(signed < 0, -drift, drift) * 100.0
    band = np.asarray(log.band, dtype=np.float64)
    group = _log_field(log, "group", n)
    score = _log_field(log, "score", n)
    regime = _log_field(log, "regime", n)
    n_breached = np.asarray(log.n_breached, dtype=np.int64)
    texts = []
    for k in range(n):
        lines = [
            f"<b>{dates[days[k]]}</b> · {_rule_name(log.rule[k])} rebalance",
            f"{result.assets[assets[k]]}: drift {100 * drift[k]:.2f} pp"
            + (f" vs band ±{100 * band[k]:.2f} pp" if np.isfinite(band[k]) else ""),
            f"{n_breached[k]} asset(s) beyond the band",
        ]
        if group is not None:
            lines.append(f"tier/group {int(group[k])}")
        if score is not None and np.isfinite(score[k]):
            lines.append(f"score {float(score[k]):.1f}")
        if regime is not None and np.isfinite(regime[k]):
            lines.append(f"{advanced.regime_label} {float(regime[k]):.4g}")
        texts.append("<br>".join(lines))
    return days, y, texts


def _default_drift_policy(results: Sequence[Any]) -> int:
    """A band-type policy if there is one, else the first that rebalances, else the first."""
    calendar = 1  # Rule.CALENDAR
    for i, r in enumerate(results):
        if len(r.rebalances) and (np.asarray(r.rebalances.rule) != calendar).any():
            return i
    for i, r in enumerate(results):
        if len(r.rebalances):
            return i
    return 0


def drift_figure(
    results: Sequence[Any],
    *,
    selected: str | None = None,
    bands: Mapping[str, np.ndarray | None] | None = None,
    max_rows: int = S.MAX_CHART_ROWS,
) -> go.Figure:
    """Allocation drift (weight − target, percentage points) with rebalance events.

    One policy is shown at a time; a dropdown switches between policies when
    there are several. Per policy the traces are, in order:

    - one line per asset: its drift after each close's trades;
    - ``band ±`` lines (dotted) when the policy's bands are known (``bands``)
      — one pair per distinct band;
    - ``rebalances``: markers at each rebalance at the fired asset's drift just
      before trading, with the rule, drift, band in force, tier, score and
      regime on hover;
    - on a second row, when the policy's bands change over time: the band in
      force; on a third row, when the policy logged them: its score and its
      regime series.

    Parameters
    ----------
    results
        Results on the same dates.
    selected
        The policy shown first (default: a band policy, else the first that
        rebalances).
    bands
        Policy name → ``(n_days, n_assets)`` half-widths (see
        :func:`rebal.reports.series.policy_bands`), ``None`` for no bands.
    """
    dates = _check_same_dates(results)
    names = [r.policy_name for r in results]
    if selected is None:
        shown = _default_drift_policy(results)
    elif selected in names:
        shown = names.index(selected)
    else:
        raise ConfigError(f"drift policy {selected!r} is not among the results: {names}")
    bands = dict(bands or {})
    rows = S.chart_rows(dates, max_rows)
    x = _x(dates, rows)
    advanced = [S.advanced_series(r) for r in results]

    def varying(b: np.ndarray | None) -> bool:
        return b is not None and bool((np.nanmax(b, axis=0) - np.nanmin(b, axis=0) > 1e-12).any())

    band_row = any(varying(bands.get(n)) for n in names)
    state_row = any(not a.empty for a in advanced)
    n_rows = 1 + band_row + state_row
    heights = [0.6] + [0.4 / (n_rows - 1)] * (n_rows - 1) if n_rows > 1 else [1.0]
    titles = ["weight − target (percentage points)"]
    if band_row:
        titles.append("band in force (± percentage points)")
    if state_row:
        titles.append("trigger state")
    specs: list[list[dict[str, Any]]] = [[{}]] * (n_rows - 1 if state_row else n_rows)
    if state_row:
        specs = [*specs, [{"secondary_y": True}]]
    fig = make_subplots(rows=n_rows, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        row_heights=heights, subplot_titles=titles, specs=specs)
    owner: list[int] = []  # policy index of each trace

    def add(trace: Any, policy: int, row: int = 1, secondary: bool | None = None) -> None:
        trace.visible = policy == shown
        if secondary is None:
            fig.add_trace(trace, row=row, col=1)
        else:
            fig.add_trace(trace, row=row, col=1, secondary_y=secondary)
        owner.append(policy)

    for p, r in enumerate(results):
        target = np.asarray(r.target, dtype=np.float64)
        drift_pp = (np.asarray(r.weights)[rows] - target) * 100.0
        for j, asset in enumerate(r.assets):
            add(go.Scatter(x=x, y=drift_pp[:, j], name=asset, mode="lines",
                           line={"color": series_color(j), "width": 1.2}, legendgroup=f"a{j}",
                           hovertemplate=f"{asset} %{{y:.2f}} pp<extra></extra>"), p)
        b = bands.get(r.policy_name)
        if b is not None:
            b_pp = np.asarray(b, dtype=np.float64)[rows] * 100.0
            distinct: list[int] = []
            for j in range(b_pp.shape[1]):
                if not any(np.allclose(b_pp[:, j], b_pp[:, k], equal_nan=True) for k in distinct):
                    distinct.append(j)
            for j in distinct:
                label = "band ±" if len(distinct) == 1 else f"band ± ({r.assets[j]})"
                add(go.Scatter(
                    x=[*x, None, *x], y=[*b_pp[:, j], None, *(-b_pp[:, j])], name=label,
                    mode="lines", line={"color": series_color(j) if len(distinct) > 1 else "#555",
                                        "width": 1, "dash": "dot"},
                    hoverinfo="skip"), p)
                if band_row:
                    # a fixed band is drawn too (a flat line), so the row is never empty
                    add(go.Scatter(x=x, y=b_pp[:, j], name=f"{label} in force", mode="lines",
                                   line={"color": series_color(j) if len(distinct) > 1 else "#555",
                                         "width": 1.2}, showlegend=False,
                                   hovertemplate="band ±%{y:.2f} pp<extra></extra>"), p, row=2)
        if band_row and b is None:
            add(_empty_panel_note(x, f"{r.policy_name}: no band (it does not trade on drift)"),
                p, row=2)
        days, y, texts = _event_text(r, advanced[p], dates)
        add(go.Scatter(x=[str(d) for d in dates[days]], y=y, name="rebalances", mode="markers",
                       marker={"symbol": "diamond", "size": 7, "color": "#111",
                               "line": {"color": "#fff", "width": 0.5}},
                       hovertext=texts, hoverinfo="text"), p)
        if state_row:
            a = advanced[p]
            state = n_rows
            if a.score is None and a.regime is None:
                add(_empty_panel_note(x, f"{r.policy_name}: no score or regime (not an "
                                         "advanced trigger)"), p, row=state, secondary=False)
            if a.score is not None:
                keep = np.isfinite(a.score)
                add(go.Scatter(x=[str(d) for d in dates[keep]], y=a.score[keep], name="score",
                               mode="lines", line={"color": "#9467bd", "width": 1},
                               hovertemplate="score %{y:.1f}<extra></extra>"),
                    p, row=state, secondary=False)
            if a.regime is not None:
                add(go.Scatter(x=x, y=a.regime[rows], name=a.regime_label, mode="lines",
                               line={"color": "#8c564b", "width": 1},
                               hovertemplate=f"{a.regime_label} %{{y:.4g}}<extra></extra>"),
                    p, row=state, secondary=a.score is not None)
    apply_layout(fig, f"Allocation drift — {names[shown]}", height=460 + 200 * (n_rows - 1),
            legend_below=True)
    fig.update_layout(hovermode="closest")
    # The trigger-state row's right-hand axis (the regime's, beside a score) shows only for
    # a policy that draws on it: with no trace it would carry meaningless ticks.
    right = next((k for k, v in fig.layout.to_plotly_json().items()
                  if k.startswith("yaxis") and isinstance(v, dict) and v.get("overlaying")), None)
    on_right = [False] * len(results)
    if right is not None:
        ref = "y" + right[len("yaxis"):]
        for trace, o in zip(fig.data, owner, strict=True):
            on_right[o] = on_right[o] or trace.yaxis == ref
        fig.layout[right].visible = on_right[shown]

    def view(p: int, name: str) -> dict[str, Any]:
        layout: dict[str, Any] = {"title.text": f"Allocation drift — {name}"}
        if right is not None:
            layout[f"{right}.visible"] = on_right[p]
        return layout

    if len(results) > 1:
        buttons = [{
            "label": name, "method": "update",
            "args": [{"visible": [o == p for o in owner]}, view(p, name)],
        } for p, name in enumerate(names)]
        fig.update_layout(updatemenus=[{
            "type": "dropdown", "active": shown, "buttons": buttons,
            "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "pad": {"b": 6},
        }])
        fig.update_layout(title={"x": 0.3})
    fig.update_yaxes(ticksuffix=" pp", row=1, col=1)
    # Every row is a date axis over the data's span, whichever policy is shown: an axis
    # left to autotype from hidden traces is linear (-1 … 6), and plotly.js then refuses
    # the shared-axis link ("ignored xaxis.matches").
    fig.update_xaxes(type="date", range=[x[0], x[-1]])
    return fig


def _empty_panel_note(x: list[str], text: str) -> go.Scatter:
    """A text trace in the middle of a subplot that has nothing to draw for a policy."""
    return go.Scatter(x=[x[len(x) // 2]], y=[0.0], mode="text", text=[text], showlegend=False,
                      hoverinfo="skip", textfont={"color": "#5b6475"}, name="note")


def yearly_returns_figure(results: Sequence[Any]) -> go.Figure:
    """Calendar-year returns, one bar trace per policy (grouped); partial years marked ``*``."""
    from rebal.metrics import period_returns
    from rebal.types import Frequency

    dates = _check_same_dates(results)
    returns = np.column_stack([np.asarray(r.returns, dtype=np.float64)[1:] for r in results])
    pr = period_returns(returns, dates, Frequency.ANNUAL)
    labels = [lab + ("*" if p else "") for lab, p in zip(pr.labels, pr.partial, strict=True)]
    fig = go.Figure()
    for i, r in enumerate(results):
        fig.add_trace(go.Bar(x=labels, y=pr.returns[:, i], name=r.policy_name,
                             marker_color=series_color(i), hovertemplate="%{y:.2%}"))
    apply_layout(fig, "Calendar-year returns", height=440)
    fig.update_layout(barmode="group", bargap=0.15, bargroupgap=0.0)
    fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(type="category")
    return fig


def turnover_costs_figure(results: Sequence[Any]) -> go.Figure:
    """Turnover (top, one-sided, percent of the portfolio) and costs (bottom, dollars) per year.

    Traces: two bar traces per result.
    """
    _check_same_dates(results)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        subplot_titles=("Turnover of rebalance trades per year (one-sided)",
                                        "Trading costs per year"))
    for i, r in enumerate(results):
        yt = S.yearly_trading(r)
        x = [str(y) for y in yt.years]
        common = {"name": r.policy_name, "marker_color": series_color(i), "legendgroup": r.policy_name}
        fig.add_trace(go.Bar(x=x, y=yt.turnover, hovertemplate="%{y:.1%}", **common),
                      row=1, col=1)
        fig.add_trace(go.Bar(x=x, y=yt.costs_usd, hovertemplate="%{y:$,.0f}", showlegend=False,
                             **common), row=2, col=1)
    apply_layout(fig, "Turnover and costs per year", height=640, legend_below=True)
    fig.update_layout(barmode="group", bargap=0.15, bargroupgap=0.0)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    fig.update_yaxes(tickprefix="$", tickformat=",.0f", row=2, col=1)
    return fig


# ---------------------------------------------------------------- after tax


def after_tax_wealth_figure(tax_results: Sequence[Any], *,
                            max_rows: int = S.MAX_CHART_ROWS) -> go.Figure:
    """Household value after each close's trades and tax payments (dollars), one line
    per :class:`~rebal.backtest.taxable.results.TaxableBacktestResult`, with linear/log
    buttons as the growth chart (weekly points when longer than ``max_rows``)."""
    dates = _check_same_dates(tax_results)
    rows = S.chart_rows(dates, max_rows)
    x = _x(dates, rows)
    fig = go.Figure()
    for i, r in enumerate(tax_results):
        fig.add_trace(go.Scatter(
            x=x, y=np.asarray(r.values, dtype=np.float64)[rows], name=r.policy_name,
            mode="lines", line={"color": series_color(i), "width": 1.6}, hovertemplate="%{y:$,.0f}"))
    apply_layout(fig, "After-tax wealth: value after taxes paid from the portfolio", height=460)
    fig.update_yaxes(title_text="value (dollars)", tickprefix="$", tickformat=",.0f",
                     type="linear")
    fig.update_layout(updatemenus=[{
        "type": "buttons", "direction": "left", "showactive": True, "active": 0,
        "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "pad": {"b": 4},
        "buttons": [
            {"label": "Linear", "method": "relayout", "args": [{"yaxis.type": "linear"}]},
            {"label": "Log", "method": "relayout", "args": [{"yaxis.type": "log"}]},
        ],
    }], title={"y": 0.97})
    return fig


def tax_by_year_figure(tax_results: Sequence[Any], field: str, title: str) -> go.Figure:
    """One bar trace per policy of a :class:`~rebal.reports.series.YearlyTax` field
    (``"taxes_paid_usd"`` or ``"harvested_usd"``), by calendar year (dollars)."""
    _check_same_dates(tax_results)
    fig = go.Figure()
    for i, r in enumerate(tax_results):
        yt = S.yearly_tax(r)
        fig.add_trace(go.Bar(x=[str(y) for y in yt.years], y=getattr(yt, field),
                             name=r.policy_name, marker_color=series_color(i),
                             hovertemplate="%{y:$,.0f}"))
    apply_layout(fig, title, height=420)
    fig.update_layout(barmode="group", bargap=0.15, bargroupgap=0.0)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    return fig


# ---------------------------------------------------------------- plan


def class_allocation_figure(plan: Any) -> go.Figure:
    """Household weight of each asset class before and after the plan, against target and band.

    Traces: ``before`` and ``after`` bars, and ``target (band)``: a marker at
    the target with the band as an asymmetric error bar.
    """
    classes = list(plan.classes)
    x = [c.asset_class for c in classes]
    target = np.array([c.target for c in classes])
    lower = np.array([c.lower for c in classes])
    upper = np.array([c.upper for c in classes])
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=[c.weight_before for c in classes], name="before",
                         marker_color="#9ecae1", hovertemplate="before %{y:.2%}<extra></extra>"))
    fig.add_trace(go.Bar(x=x, y=[c.weight_after for c in classes], name="after",
                         marker_color="#1f77b4", hovertemplate="after %{y:.2%}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=x, y=target, name="target (band)", mode="markers",
        marker={"symbol": "line-ew-open", "size": 26, "color": "#d62728",
                "line": {"width": 3, "color": "#d62728"}},
        error_y={"type": "data", "symmetric": False, "array": upper - target,
                 "arrayminus": target - lower, "color": "#d62728", "thickness": 1.5, "width": 10},
        customdata=np.column_stack([lower, upper]),
        hovertemplate="target %{y:.2%}<br>band %{customdata[0]:.2%} – %{customdata[1]:.2%}"
                      "<extra></extra>"))
    apply_layout(fig, "Household allocation by asset class", height=440)
    fig.update_layout(barmode="group", hovermode="x")
    fig.update_yaxes(tickformat=".0%", title_text="weight of the household")
    return fig


def account_allocation_figure(plan: Any) -> go.Figure:
    """Dollars per account before and after the plan, stacked by asset class and cash.

    The x axis has two levels (account, before/after); one bar trace per class
    plus ``cash``.
    """
    accounts = list(plan.accounts)
    classes: list[str] = []
    for a in accounts:
        for name, _ in (*a.classes_before_usd, *a.classes_after_usd):
            if name not in classes:
                classes.append(name)
    level0 = [a.account for a in accounts for _ in (0, 1)]
    level1 = ["before", "after"] * len(accounts)
    fig = go.Figure()
    for i, name in enumerate(classes):
        ys = []
        for a in accounts:
            ys.append(dict(a.classes_before_usd).get(name, 0.0))
            ys.append(dict(a.classes_after_usd).get(name, 0.0))
        fig.add_trace(go.Bar(x=[level0, level1], y=ys, name=name, marker_color=series_color(i),
                             hovertemplate=f"{name} %{{y:$,.0f}}<extra></extra>"))
    cash = []
    for a in accounts:
        cash.extend([a.cash_before_usd, a.cash_after_usd])
    fig.add_trace(go.Bar(x=[level0, level1], y=cash, name="cash", marker_color="#c7c7c7",
                         hovertemplate="cash %{y:$,.0f}<extra></extra>"))
    apply_layout(fig, "Accounts before and after", height=460)
    fig.update_layout(barmode="stack", hovermode="closest")
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    return fig


def tax_comparison_figure(plan: Any) -> go.Figure:
    """Estimated tax of the plan beside the naive plan's: federal, NIIT and state stacked."""
    plans = [("this plan", plan.tax)]
    if getattr(plan, "naive", None) is not None:
        plans.append(("naive pro-rata FIFO", plan.naive.tax))
    x = [label for label, _ in plans]
    fig = go.Figure()
    for name, field, color in (("federal", "federal_usd", "#1f77b4"),
                               ("NIIT", "niit_usd", "#9467bd"),
                               ("state", "state_usd", "#ff7f0e")):
        fig.add_trace(go.Bar(x=x, y=[getattr(t, field) for _, t in plans], name=name,
                             marker_color=color,
                             hovertemplate=f"{name} %{{y:$,.2f}}<extra></extra>"))
    totals = [t.total_usd for _, t in plans]
    fig.add_trace(go.Scatter(
        x=x, y=totals, mode="text", name="total",
        text=[("total " + format_value(v, Kind.USD, 0)) for v in totals],
        textposition=["top center" if v >= 0 else "bottom center" for v in totals],
        showlegend=False, hoverinfo="skip"))
    apply_layout(fig, "Estimated tax of the trades (negative = tax saved)", height=400)
    fig.update_layout(barmode="relative", hovermode="closest")
    span = max(1.0, *(abs(v) for v in totals))
    fig.update_yaxes(tickprefix="$", tickformat=",.0f", zeroline=True, zerolinecolor="#888",
                     range=[min(0.0, *totals) - 0.15 * span, max(0.0, *totals) + 0.15 * span])
    return fig


def schedule_figure(months: Sequence[str], series: Mapping[str, Sequence[float]], *,
                    title: str = "Schedule", money: bool = True) -> go.Figure:
    """A month-by-month schedule: one bar trace per named series (e.g. buys, sells, tax).

    Parameters
    ----------
    months
        Month labels (``"2025-07"`` …).
    series
        Series name → one value per month (dollars when ``money``, else fractions).
    """
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        if len(values) != len(months):
            raise ConfigError(f"schedule series {name!r} has {len(values)} values for "
                              f"{len(months)} months")
        fig.add_trace(go.Bar(x=list(months), y=list(values), name=name, marker_color=series_color(i),
                             hovertemplate=("%{y:$,.0f}" if money else "%{y:.2%}")))
    apply_layout(fig, title, height=400)
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")
    if money:
        fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    else:
        fig.update_yaxes(tickformat=".0%")
    return fig


def schedule_weights_figure(schedule: Any) -> go.Figure:
    """The glide path of a schedule: each class's household weight after each month.

    Traces: one line per class (weight after that month's plan, starting from the
    weight before the first month) and one dotted target line per class.
    """
    months = list(schedule.months)
    if not months:
        raise ConfigError("schedule has no months")
    first = months[0].plan
    x = ["start", *(m.date.isoformat() for m in months)]
    fig = go.Figure()
    for i, c in enumerate(first.classes):
        after = []
        for m in months:
            match = [k for k in m.plan.classes if k.asset_class == c.asset_class]
            after.append(match[0].weight_after if match else float("nan"))
        fig.add_trace(go.Scatter(x=x, y=[c.weight_before, *after], name=c.asset_class,
                                 mode="lines+markers", line={"color": series_color(i)},
                                 hovertemplate=f"{c.asset_class} %{{y:.2%}}<extra></extra>"))
        fig.add_trace(go.Scatter(x=x, y=[c.target] * len(x), name=f"{c.asset_class} target",
                                 mode="lines", line={"color": series_color(i), "dash": "dot",
                                                     "width": 1},
                                 hoverinfo="skip", showlegend=False))
    apply_layout(fig, "Class weights month by month (dotted: targets)", height=380)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=".0%")
    return fig
