"""The factor report: loadings with standard errors, exposures over time, style drift
against its bands (``rebal factors --report``). Takes a
:class:`~rebal.services.factors.FactorsRun`-like result, never a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from rebal.reports.charts import PALETTE, apply_layout
from rebal.reports.html import esc, figure_html, page_html, table_html, write_page
from rebal.reports.tables import StringTable

__all__ = ["drift_figure", "drift_table", "exposure_figure", "factors_report",
           "factors_report_html", "loadings_table"]


def loadings_table(run: Any) -> StringTable:
    """Each asset's loadings ``β ± SE`` and R² on the last row with loadings."""
    t = run.last_row
    header = ["asset", *run.names, "R²"]
    rows = []
    for i, a in enumerate(run.assets):
        cells = [f"{run.beta[t, i, k]:+.2f} ± {run.se[t, i, k]:.2f}" for k in range(len(run.names))]
        rows.append([a, *cells, f"{run.r2[t, i]:.2f}"])
    rows.append(["target portfolio",
                 *[f"{run.exposure_target[t, k]:+.2f}" for k in range(len(run.names))], ""])
    notes = (
        f"OLS of each asset's excess returns (per row) on the factors over the {run.window} rows "
        f"ending {run.dates[t]}; ± one standard error (classical OLS). The portfolio row is "
        "the target weights' value-weighted loading.",
    )
    return StringTable(header=header, rows=rows, notes=notes)


def drift_table(run: Any, *, max_rows: int = 10) -> StringTable:
    """The banded factors' exposures and drift on the last row of each of the last
    ``max_rows`` years with loadings (``*`` = beyond the band)."""
    import numpy as np

    banded = [f for f in run.names if f in run.bands]
    header = ["date"]
    for f in banded:
        header += [f"{f} target", f"{f} portfolio", f"{f} drift (±{run.bands[f]:g})"]
    ok = np.flatnonzero(np.isfinite(run.beta).all(axis=(1, 2)))
    years = run.dates[ok].astype("datetime64[Y]")
    last = ok[np.r_[years[1:] != years[:-1], True]] if ok.size else ok
    rows = []
    for t in last[-max_rows:]:
        row = [str(run.dates[t])]
        for f in banded:
            k = run.names.index(f)
            d = run.drift[t, k]
            mark = " *" if abs(d) > run.bands[f] else ""
            row += [f"{run.exposure_target[t, k]:+.3f}", f"{run.exposure_held[t, k]:+.3f}",
                    f"{d:+.3f}{mark}"]
        rows.append(row)
    notes = (f"Last row of each year under {run.policy}; * = the drift is beyond its band.",)
    return StringTable(header=header, rows=rows, notes=notes)


def _color(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def _x(run: Any) -> list[str]:
    return [str(d) for d in run.dates]


def exposure_figure(run: Any) -> go.Figure:
    """Exposures over time: the target weights' (solid) and the policy's portfolio's
    (dotted)."""
    fig = go.Figure()
    x = _x(run)
    for k, name in enumerate(run.names):
        fig.add_trace(go.Scatter(x=x, y=run.exposure_target[:, k], name=f"{name} target",
                                 line={"color": _color(k)}))
        fig.add_trace(go.Scatter(x=x, y=run.exposure_held[:, k], name=f"{name} {run.policy}",
                                 line={"color": _color(k), "dash": "dot"}))
    fig.update_yaxes(title_text="exposure (loading)")
    return apply_layout(fig, "Portfolio factor exposures (value-weighted loadings)")


def drift_figure(run: Any) -> go.Figure:
    """Style drift of the policy's portfolio (exposure − target exposure) per factor,
    with each banded factor's ± band as dashed lines of its colour."""
    fig = go.Figure()
    x = _x(run)
    drift = run.drift
    for k, name in enumerate(run.names):
        fig.add_trace(go.Scatter(x=x, y=drift[:, k], name=f"{name} drift",
                                 line={"color": _color(k)}))
        if name in run.bands:
            w = run.bands[name]
            for sign in (1, -1):
                fig.add_trace(go.Scatter(
                    x=[x[0], x[-1]], y=[sign * w, sign * w], mode="lines",
                    name=f"{name} band ±{w:g}", showlegend=sign == 1,
                    line={"color": _color(k), "dash": "dash", "width": 1}))
    fig.update_yaxes(title_text="style drift (loading units)")
    return apply_layout(fig, f"Style drift under {run.policy} against the bands")


def factors_report_html(run: Any, *, title: str = "rebal factor exposures") -> str:
    """The report page."""
    breaches = run.breaches()
    said = "; ".join(f"{f}: {n} of {len(run.dates)} rows beyond ±{run.bands[f]:g}"
                     for f, n in breaches.items()) or "no bands given"
    header = (f'<header class="top"><h1>{esc(title)}</h1><div class="sub">factors: '
              f"{esc(run.factor_source)} · prices: {esc(run.price_source)} · window "
              f"{run.window} rows</div></header>")
    sections = [
        ("loadings", "Loadings with standard errors", table_html(loadings_table(run))),
        ("exposures", "Exposures over time", figure_html(exposure_figure(run), "exposures")),
        ("drift", "Style drift against the bands",
         f'<p class="caption">Drift = exposure of the portfolio run by {esc(run.policy)} '
         f"({len(run.rebalance_days)} rebalances, no costs) − target exposure, on the same "
         f"row's loadings; a rebalance to target sets it to 0. {esc(said)}.</p>"
         + figure_html(drift_figure(run), "drift")
         + (table_html(drift_table(run, max_rows=len(run.dates))) if run.bands else "")),
    ]
    return page_html(title, header, sections)


def factors_report(run: Any, path: str | Path, **options: Any) -> Path:
    """Write :func:`factors_report_html` to ``path``."""
    return write_page(factors_report_html(run, **options), path)

