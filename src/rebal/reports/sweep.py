"""The sweep report: grid table, heatmap / line charts with baselines, walk-forward, bootstrap.

``sweep_report(result, path)`` writes one self-contained HTML file (plotly.js
embedded, as the comparison report). Charts:

- alpha, Sharpe and turnover versus the first axis (one line per value of the
  second axis, the remaining axes at their best-scoring values), with each baseline
  (buy-and-hold, calendars …) as a dashed horizontal line;
- a heatmap of the criterion over the first two axes (same slicing);
- walk-forward: in-sample versus out-of-sample alpha per test window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from rebal.reports.charts import PALETTE, apply_layout
from rebal.reports.html import esc, figure_html, page_html, table_html, write_page
from rebal.reports.tables import SWEEP_HEADERS, SWEEP_SELECTION_NOTE, StringTable

__all__ = ["sweep_figures", "sweep_report", "sweep_report_html"]

_PCT = {"alpha", "cagr", "annual_volatility", "max_drawdown", "annual_turnover"}
_BASELINE_COLORS = ("#555555", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


def _slice_index(result: Any) -> tuple[list[Any], list[Any], np.ndarray]:
    """Axis 0 values, axis 1 values (or [None]) and a ``(len0, len1)`` array of grid
    indices with the other axes fixed at the best point's values."""
    axes = result.sweep.spec.grid.axes
    best = result.sweep.points[result.best].params
    a0 = list(axes[0].values)
    a1 = list(axes[1].values) if len(axes) > 1 else [None]
    index = np.full((len(a0), len(a1)), -1, dtype=np.int64)
    for p in result.sweep.points:
        prm = p.params
        if any(prm[a.name] != best[a.name] for a in axes[2:]):
            continue
        i = a0.index(prm[axes[0].name])
        j = a1.index(prm[axes[1].name]) if len(axes) > 1 else 0
        index[i, j] = p.index
    return a0, a1, index


def _line_figure(result: Any, metric: str, title: str) -> go.Figure:
    axes = result.sweep.spec.grid.axes
    a0, a1, index = _slice_index(result)
    values = result.metric(metric)
    scale = 100.0 if metric in _PCT else 1.0
    fig = go.Figure()
    x = [str(v) if not isinstance(v, (int, float)) else v for v in a0]
    for j, v1 in enumerate(a1):
        y = [values[k] * scale if k >= 0 else None for k in index[:, j]]
        name = (
            axes[1].name + "=" + str(v1)
            if v1 is not None
            else result.sweep.spec.grid.policy["kind"]
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                name=name,
                line={"color": PALETTE[j % len(PALETTE)]},
            )
        )
    # Baselines: dashed lines across the chart, named in the legend (labels drawn on
    # the chart overlap when two baselines are close).
    for b, name in enumerate(result.baseline_names):
        yb = values[result.n_points + b] * scale
        fig.add_trace(
            go.Scatter(
                x=[x[0], x[-1]],
                y=[yb, yb],
                mode="lines",
                name=f"{name} (baseline)",
                line={"dash": "dash", "color": _BASELINE_COLORS[b % len(_BASELINE_COLORS)],
                      "width": 1.2},
                hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>",
            )
        )
    apply_layout(fig, title, height=460)
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1.0,
                              "yanchor": "top"}, margin={"r": 200})
    fig.update_xaxes(title_text=axes[0].name)
    fig.update_yaxes(title_text=title + (" (%)" if metric in _PCT else ""))
    return fig


def _heatmap(result: Any, metric: str) -> go.Figure | None:
    axes = result.sweep.spec.grid.axes
    if len(axes) < 2:
        return None
    a0, a1, index = _slice_index(result)
    values = result.metric(metric)
    scale = 100.0 if metric in _PCT else 1.0
    z = [
        [values[index[i, j]] * scale if index[i, j] >= 0 else None for i in range(len(a0))]
        for j in range(len(a1))
    ]
    bh_name, bh_value = _buy_and_hold(result, metric)
    label = metric + (" (%)" if metric in _PCT else "")
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(v) for v in a0],
            y=[str(v) for v in a1],
            # diverging, white at buy-and-hold: blue cells beat it, red cells trail it
            colorscale="RdBu",
            zmid=bh_value * scale,
            colorbar={"title": {"text": f"{label}<br>white = {bh_name}<br>"
                                        f"({bh_value * scale:.3g})"}},
            hovertemplate=f"{axes[0].name}=%{{x}}<br>{axes[1].name}=%{{y}}<br>{metric} "
                          "%{z:.4g}<extra></extra>",
        )
    )
    apply_layout(fig, f"{metric} over {axes[0].name} × {axes[1].name}: blue beats "
                      f"{bh_name}, red trails it")
    fig.update_xaxes(title_text=axes[0].name)
    fig.update_yaxes(title_text=axes[1].name)
    return fig


def _buy_and_hold(result: Any, metric: str) -> tuple[str, float]:
    """Name and ``metric`` value of the buy-and-hold column (alpha: 0 by definition)."""
    name = result.baseline_names[result.bh_index - result.n_points]
    return str(name), float(result.metric(metric)[result.bh_index])


def _walk_figure(result: Any) -> go.Figure | None:
    w = result.walk
    if w is None:
        return None
    x = [f"{x.test_start[:4]}" for x in w.windows]
    fig = go.Figure()
    for i, (field, trades, name) in enumerate(
        (
            ("in_sample_alpha", "in_sample_rebalances", "in-sample alpha"),
            ("out_of_sample_alpha", "out_of_sample_rebalances", "out-of-sample alpha"),
        )
    ):
        n = [getattr(window, trades) for window in w.windows]
        fig.add_trace(
            go.Bar(
                x=x,
                y=[100 * getattr(window, field) for window in w.windows],
                name=name,
                marker_color=PALETTE[i],
                customdata=n,
                hovertemplate=f"{name} %{{y:.2f}}%<br>%{{customdata}} rebalance(s)<extra></extra>",
                # a test window without a trade has no bar to see: say so on the chart
                text=["no trade" if k == 0 else "" for k in n] if i == 1 else None,
                textposition="outside",
                textangle=-90,
                constraintext="none",
                cliponaxis=False,
                textfont={"size": 10, "color": PALETTE[i]},
            )
        )
    apply_layout(
        fig, "Walk-forward: alpha of the chosen point, training vs the following test window"
    )
    fig.update_yaxes(title_text="alpha (% a year)")
    fig.update_xaxes(title_text="test window (year it starts)")
    return fig


def _walk_section(result: Any, fig: go.Figure) -> str:
    """Walk-forward bars, the per-window table (with the chosen point's rebalances) and,
    where the out-of-sample alpha is 0, why."""
    w = result.walk
    wt = StringTable(
        header=[
            "Train",
            "Test",
            "Chosen",
            "In-sample alpha",
            "Out-of-sample alpha",
            "Rebalances (train)",
            "Rebalances (test)",
            "OOS rank",
        ],
        rows=[
            [
                f"{x.train_start} … {x.train_end}",
                f"{x.test_start} … {x.test_end}",
                ", ".join(f"{k}={_fmt('', v)}" for k, v in x.params.items()),
                _fmt("alpha", x.in_sample_alpha),
                _fmt("alpha", x.out_of_sample_alpha),
                f"{x.in_sample_rebalances:,}",
                f"{x.out_of_sample_rebalances:,}",
                f"{x.out_of_sample_rank}/{result.n_points}",
            ]
            for x in w.windows
        ],
        notes=[
            f"Mean alpha in-sample {_fmt('alpha', w.mean_in_sample_alpha)}, "
            f"out-of-sample {_fmt('alpha', w.mean_out_of_sample_alpha)}; chosen by "
            f"{w.criterion.value} on {w.train_years:g} years, applied to the next "
            f"{w.test_years:g}. Rebalances: the chosen point's, after the initial purchase."
        ],
    )
    body = figure_html(fig, "sweep-walk") + table_html(wt, wrap=(2,))
    idle = [x for x in w.windows if x.out_of_sample_rebalances == 0]
    if idle:
        body += (
            f'<p class="callout warn" id="walk-idle">In {len(idle)} of {len(w.windows)} test '
            f"windows the chosen point made no rebalance: its trigger never fired within "
            f"{w.test_years:g} year{'s' if w.test_years != 1 else ''}, so it held exactly what "
            "buy-and-hold held (both bought the target at the same close) and its "
            "out-of-sample alpha is 0 (up to the initial purchase's cost). Wide bands need "
            "longer test windows to say anything.</p>"
        )
    return body


def sweep_figures(result: Any) -> dict[str, go.Figure]:
    """The report's figures by name (for tests and notebooks)."""
    figs = {
        "alpha": _line_figure(result, "alpha", "Alpha vs buy-and-hold"),
        "sharpe": _line_figure(result, "sharpe", "Sharpe ratio"),
        "turnover": _line_figure(result, "annual_turnover", "Annual turnover"),
    }
    heat = _heatmap(result, "alpha" if result.sweep.spec.criterion.value == "alpha" else "sharpe")
    if heat is not None:
        figs["heatmap"] = heat
    walk = _walk_figure(result)
    if walk is not None:
        figs["walk"] = walk
    return figs


def _fmt(metric: str, v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    if metric in _PCT:
        return f"{100 * v:.2f}%"
    if metric == "sharpe":
        return f"{v:.3f}"
    if metric == "n_rebalances":
        return f"{v:,.0f}"
    return f"{v:g}" if isinstance(v, float) else str(v)


def sweep_report_html(result: Any, *, max_rows: int = 200) -> str:
    """The report as one HTML string."""
    from rebal.sweep.study import TABLE_METRICS

    sw = result.sweep
    study = sw.study
    m = study.market
    crit = sw.spec.criterion
    axes = [a.name for a in sw.spec.grid.axes]
    headers = list(SWEEP_HEADERS)
    rows = result.rows()
    key = result.metric(crit.table_metric)[: result.n_points]
    order = np.argsort(
        -crit.sense * np.nan_to_num(key, nan=-np.inf * crit.sense), kind="stable"
    )[:max_rows]
    grid_table = StringTable(
        header=[*axes, *headers],
        rows=[[_fmt(k, rows[i][k]) for k in [*axes, *TABLE_METRICS]] for i in order],
        notes=[f"{len(order)} of {result.n_points:,} configurations, best {crit.value} first."],
    )
    base_table = StringTable(
        header=["Policy", *headers],
        rows=[[_fmt(k, r[k]) for k in ["policy", *TABLE_METRICS]] for r in result.baseline_rows()],
        notes=[],
    )
    figs = sweep_figures(result)
    best_row = [[_fmt(k, rows[result.best][k]) for k in [*axes, *TABLE_METRICS]]]
    best_table = StringTable(header=[*axes, *headers], rows=best_row, notes=[])
    sections = [
        (
            "summary",
            "Best point and baselines",
            f'<p class="caption">Best by {esc(crit.value)} of {result.n_points:,} '
            "configurations:</p>"
            + table_html(best_table)
            + table_html(base_table),
        ),
        (
            "charts",
            "Charts",
            "".join(figure_html(f, f"sweep-{n}") for n, f in figs.items() if n != "walk"),
        ),
    ]
    if result.walk is not None:
        sections.append(("walk", "Walk-forward", _walk_section(result, figs["walk"])))
    if result.bootstrap is not None:
        b = result.bootstrap
        bt = StringTable(
            header=["Baseline", "Metric", "Best − baseline", "90% interval", "P(best better)"],
            rows=[
                [
                    n,
                    metric,
                    _fmt("sharpe" if metric == "sharpe" else "alpha", x["estimate"]),
                    f"[{_fmt('sharpe' if metric == 'sharpe' else 'alpha', x['low'])}, "
                    f"{_fmt('sharpe' if metric == 'sharpe' else 'alpha', x['high'])}]",
                    f"{x['p_better']:.0%}",
                ]
                for n, d in b["best_vs_baselines"].items()
                for metric, x in d.items()
            ],
            notes=[
                f"Stationary bootstrap of the joint daily returns: {b['n_samples']} paired "
                f"resamples, mean block {b['block']:.1f} rows, seed {b['seed']}. Interval: "
                "the centred basic bootstrap interval, which contains the difference on the "
                "real data (docs/sweeps.md explains why not the resamples' percentiles).",
                SWEEP_SELECTION_NOTE,
            ],
        )
        sections.append(("bootstrap", "Uncertainty", table_html(bt)))
    sections.append(("grid", "Grid", table_html(grid_table)))
    header = (
        f"<header><h1>{esc(study.title)}</h1><p>{esc(str(m.dates[0]))} … "
        f"{esc(str(m.dates[-1]))} ({m.n_days:,} rows); target "
        + esc(", ".join(f"{k} {v:.0%}" for k, v in study.target.items()))
        + f"; {result.n_points:,} configurations in {result.seconds:.2f} s. Alpha = CAGR − "
        "buy-and-hold CAGR on the same rows; trades at the close; costs paid from the "
        "portfolio.</p></header>"
    )
    return page_html(f"Sweep: {study.title}", header, sections)


def sweep_report(result: Any, path: str | Path) -> Path:
    """Write :func:`sweep_report_html` to ``path``."""
    return write_page(sweep_report_html(result), path)
