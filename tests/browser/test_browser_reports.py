"""Open every kind of HTML report in Chromium and check what a reader sees.

For every report: no console warning or error (plotly.js's ``ignored xaxis.matches``
included); every chart rendered, with data on every panel, and a date axis wherever it
plots dates; every option of every dropdown (the default view first) renders the same
way; no two labels of a chart overlap; tables fit at 1,400 px and scroll, not spill, at
1,000 px. Report-specific checks follow. Screenshots: ``test-artifacts/browser/``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

BAD_CONSOLE_TYPES = {"warning", "error", "trace", "assert"}  # as conftest.BAD_CONSOLE

pytest.importorskip("pytest_playwright", reason="pytest-playwright is not installed: "
                    'pip install -e ".[test]"')

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# ------------------------------------------------------------------ generic checks


def _day(s: str) -> dt.date:
    return dt.date.fromisoformat(str(s)[:10])


def check_chart(c: dict[str, Any], where: str) -> None:
    """One chart: rendered, data on every panel, dates on a date axis within the data."""
    label = f"{where}: chart {c['id']} ({c['title'][:50]!r})"
    assert c["svg"], f"{label} did not render"
    visible = [t for t in c["traces"] if t["visible"]]
    assert visible and sum(t["points"] for t in visible) > 0, f"{label} has no data"
    for name, ax in c["axes"].items():
        assert ax["traces"] > 0 and ax["points"] > 0, (
            f"{label}: panel {name} is empty (range {ax['range']}, type {ax['type']})")
        if ax["dates"]:
            assert ax["type"] == "date", f"{label}: {name} plots dates on a {ax['type']} axis"
            lo, hi = (_day(v) for v in ax["range"])
            assert lo.year >= 1900 and hi.year <= 2100, f"{label}: {name} range {ax['range']}"


def check_labels(c: dict[str, Any], where: str) -> None:
    """No two annotations overlap (subplot titles, baseline labels …)."""
    boxes = [b for b in c["boxes"] if b["w"] > 0 and b["h"] > 0]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap = (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
                       and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])
            assert not overlap, f"{where}: chart {c['id']}: labels {a['text']!r} and " \
                                f"{b['text']!r} overlap"


def apply_button(report: Any, div_id: str, menu: int, button: int) -> None:
    """Do what clicking a dropdown option does (plotly's own method and arguments)."""
    report.page.evaluate(
        """([id, m, b]) => { const gd = document.getElementById(id);
            const btn = gd._fullLayout.updatemenus[m].buttons[b];
            return Plotly[btn.method](gd, ...btn.args); }""", [div_id, menu, button])


def check_page(report: Any) -> None:
    """Every chart of one open report renders (every dropdown option included), no two
    labels overlap; a full-page screenshot is kept."""
    charts = report.charts()
    assert charts, f"{report.name}: no chart"
    for c in charts:
        check_chart(c, report.name)
        check_labels(c, report.name)
        for m, menu in enumerate(c["menus"]):
            if menu["type"] != "dropdown":
                continue
            default = menu["active"]
            for b, button in enumerate(menu["buttons"]):
                apply_button(report, c["id"], m, b)
                check_chart(report.chart(c["id"]), f"{report.name} [{button['label']}]")
            apply_button(report, c["id"], m, default)
    shot = report.screenshot()
    assert shot.stat().st_size > 50_000


def check_tables(report: Any) -> None:
    """Tables fit at 1,400 px; at 1,000 px the page never scrolls sideways and a wider
    table scrolls inside its own box with its labels column pinned."""
    js = """() => Array.from(document.querySelectorAll('table.data')).map(t => {
        const box = t.parentElement;
        return {id: t.id, head: t.querySelector('th') ? t.querySelector('th').textContent : '',
                scroll: box.scrollWidth, client: box.clientWidth,
                overflow: getComputedStyle(box).overflowX,
                sticky: t.querySelector('td') ?
                        getComputedStyle(t.querySelector('td')).position : 'sticky'}; })"""
    page = report.page
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    for width in (1400, 1000):
        page.set_viewport_size({"width": width, "height": 900})
        # plotly's responsive charts follow the window's resize event, after a moment
        with contextlib.suppress(Exception):  # the assertion below says what is wrong
            page.wait_for_function(
                "() => document.documentElement.scrollWidth <= window.innerWidth", timeout=5000)
        doc = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert doc[0] <= doc[1], f"{report.name} at {width}px: the page scrolls sideways {doc}"
        for t in page.evaluate(js):
            if width == 1400:
                assert t["scroll"] <= t["client"] + 1, (
                    f"{report.name}: table {t['id'] or t['head']!r} is cut at 1400px: {t}")
            elif t["scroll"] > t["client"] + 1:
                assert t["overflow"] in ("auto", "scroll") and t["sticky"] == "sticky", t
    page.screenshot(path=str(report.screenshot_path("-1000px")), full_page=False)
    page.set_viewport_size({"width": 1400, "height": 900})


# ------------------------------------------------------------------ the reports


@pytest.fixture(scope="module")
def core_run(tmp_path_factory: Any) -> Any:
    """The demo study (8 policies incl. advanced triggers) with bootstrap intervals."""
    from rebal.services.compare import compare_study
    from rebal.studies.load import load_study

    out = tmp_path_factory.mktemp("core") / "compare.html"
    return compare_study(load_study(EXAMPLES / "studies" / "default_core.yaml"),
                         bootstrap_samples=10, seed=1, report=out)


@pytest.fixture(scope="module")
def tax_run(tmp_path_factory: Any) -> Any:
    from rebal.services.compare import compare_study
    from rebal.studies.load import load_study

    out = tmp_path_factory.mktemp("tax") / "after_tax.html"
    study = load_study(EXAMPLES / "studies" / "taxable_default.yaml",
                       overrides={"data.start": "2003-01-01", "data.end": "2012-12-31"})
    return compare_study(study, report=out)


SWEEP_YAML = """\
title: "Browser-test sweep: 60/40 US_MKT/UST_INT"
data: {prices: us_daily, assets: [US_MKT, UST_INT]}
target: {US_MKT: 0.6, UST_INT: 0.4}
costs: {bps: 5}
policies:
  Buy-and-hold: buy-and-hold
  Annual: annual
  Quarterly: quarterly
sweep:
  policy: {kind: band, abs: 0.05, check: daily}
  axes:
    abs: [0.02, 0.06, 0.10, 0.14]
    check: [daily, quarterly]
  criterion: sharpe
  walk_forward: {train_years: 5, test_years: 1}
  bootstrap: {samples: 30, seed: 1}
"""


@pytest.fixture(scope="module")
def sweep_run(tmp_path_factory: Any) -> Any:
    from rebal.services.sweep import sweep_study
    from rebal.sweep.study import load_sweep

    d = tmp_path_factory.mktemp("sweep")
    (d / "sweep.yaml").write_text(textwrap.dedent(SWEEP_YAML), encoding="utf-8")
    return sweep_study(load_sweep(d / "sweep.yaml"), report=d / "sweep.html")


@pytest.fixture(scope="module")
def plan_page(tmp_path_factory: Any) -> Path:
    from rebal.household.io import load_household
    from rebal.planner import plan
    from rebal.reports import plan_report

    household = load_household(EXAMPLES / "households" / "article_client.yaml")
    return plan_report(plan(household), tmp_path_factory.mktemp("plan") / "plan.html")


@pytest.fixture(scope="module")
def core_page(core_run: Any, opener: Any) -> Any:
    return opener("compare", core_run.report)


@pytest.fixture(scope="module")
def tax_page(tax_run: Any, opener: Any) -> Any:
    return opener("after-tax", tax_run.report)


@pytest.fixture(scope="module")
def sweep_page(sweep_run: Any, opener: Any) -> Any:
    return opener("sweep", sweep_run.report)


# ------------------------------------------------------------------ tests


def test_compare_report_charts_and_dropdown(core_page: Any) -> None:
    check_page(core_page)
    # the drift chart's default view (a band policy): three rows, each a date axis with data
    drift = core_page.chart("fig-drift")
    assert len(drift["axes"]) == 3 and drift["menus"][0]["type"] == "dropdown"


def test_compare_report_no_console_warning(core_page: Any) -> None:
    """plotly.js logged ``ignored xaxis.matches`` when a shared axis had no visible trace."""
    assert not core_page.bad_console(), core_page.bad_console()


def test_compare_report_tables_fit_or_scroll(core_page: Any) -> None:
    check_tables(core_page)


def test_after_tax_report_has_after_tax_section(tax_page: Any) -> None:
    ids = [c["id"] for c in tax_page.charts()]
    assert {"fig-after-tax-wealth", "fig-taxes-by-year"} <= set(ids), ids
    # the after-tax section comes before the pre-tax charts
    assert ids.index("fig-after-tax-wealth") < ids.index("fig-growth")
    assert tax_page.chart("fig-after-tax-wealth")["axes"]["xaxis"]["type"] == "date"
    assert tax_page.page.locator("#after-tax-table").count() == 1
    assert "loss harvesting is off" in tax_page.page.inner_text("#no-harvest")


def test_after_tax_report_renders(tax_page: Any) -> None:
    check_page(tax_page)
    assert not tax_page.bad_console(), tax_page.bad_console()
    check_tables(tax_page)


def test_sweep_report_charts_before_the_grid_table(sweep_page: Any) -> None:
    order = sweep_page.page.evaluate(
        "() => Array.from(document.querySelectorAll('section')).map(s => s.id)")
    assert order.index("charts") < order.index("grid"), order
    assert order[-1] == "grid", order


def test_sweep_report_baselines_labelled_without_overlap(sweep_page: Any) -> None:
    for c in sweep_page.charts():
        check_labels(c, "sweep")
    # each baseline named once in each line chart's legend
    for name in ("sweep-alpha", "sweep-sharpe", "sweep-turnover"):
        legend = [t["name"] for t in sweep_page.chart(name)["traces"]]
        for b in ("Buy-and-hold", "Annual", "Quarterly"):
            assert legend.count(f"{b} (baseline)") == 1, legend


def test_sweep_heatmap_diverges_at_buy_and_hold(sweep_run: Any, sweep_page: Any) -> None:
    heat = sweep_page.page.evaluate(
        "() => document.getElementById('sweep-heatmap')._fullData[0]")
    res = sweep_run.result
    assert heat["zmid"] == pytest.approx(res.metric("sharpe")[res.bh_index])
    assert heat["colorscale"][0][1] != heat["colorscale"][-1][1]  # two-sided


def test_sweep_report_renders(sweep_page: Any) -> None:
    check_page(sweep_page)
    assert not sweep_page.bad_console(), sweep_page.bad_console()
    assert sweep_page.page.locator("#walk-idle").count() == 1
    check_tables(sweep_page)


@pytest.fixture(scope="module")
def plan_open(plan_page: Path, opener: Any) -> Any:
    return opener("plan", plan_page)


def test_plan_report_renders(plan_open: Any) -> None:
    check_page(plan_open)
    assert not plan_open.bad_console(), plan_open.bad_console()


def test_dropdown_check_catches_an_empty_default_panel(plan_open: Any) -> None:
    """The checks can fail: a two-row chart whose lower row is empty at load (the drift
    chart's old default view) is reported, and so is plotly's matches warning. (Drawn in
    the plan page, after its own checks, to reuse its plotly.js.)"""
    import json

    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    x = [str(d) for d in np.arange("2020-01-01", "2020-02-01", dtype="datetime64[D]")]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True)
    fig.add_trace(go.Scatter(x=x, y=np.arange(len(x))), row=1, col=1)
    fig.add_trace(go.Scatter(x=x, y=np.arange(len(x)), visible=False), row=2, col=1)
    seen = len(plan_open.console)
    plan_open.page.evaluate(
        """(spec) => { const div = document.createElement('div');
            div.id = 'fig-bad'; div.className = 'plotly-graph-div';
            document.body.appendChild(div);
            return Plotly.newPlot(div, spec.data, spec.layout); }""",
        json.loads(fig.to_json()))
    with pytest.raises(AssertionError, match="panel xaxis2 is empty"):
        check_chart(plan_open.chart("fig-bad"), "bad")
    assert any("ignored xaxis.matches" in m for t, m in plan_open.console[seen:]
               if t in BAD_CONSOLE_TYPES)
