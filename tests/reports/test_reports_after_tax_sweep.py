"""The numbers behind the after-tax section and the sweep report, checked against
independent calculations (no browser needed; tests/browser checks what renders)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _table(html: str, css_id: str) -> list[list[str]]:
    """Body rows of the table with ``id=css_id`` (cells as text)."""
    m = re.search(rf'<table class="data" id="{css_id}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert m, f"no table {css_id}"
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>",
                                                                             m.group(1))]


def _pct(cell: str) -> float:
    return float(cell.rstrip("%")) / 100.0


def _usd(cell: str) -> float:
    return float(cell.replace("$", "").replace(",", ""))


@pytest.fixture(scope="module")
def tax_run(tmp_path_factory: Any) -> Any:
    from rebal.services.compare import compare_study
    from rebal.studies.load import load_study

    study = load_study(EXAMPLES / "studies" / "taxable_default.yaml",
                       overrides={"data.start": "2004-01-01", "data.end": "2011-12-31"})
    return compare_study(study, report=tmp_path_factory.mktemp("tax") / "r.html")


def test_after_tax_table_and_charts_match_independent_sums(tax_run: Any) -> None:
    from rebal.reports import charts
    from rebal.reports.tables import study_table

    html = tax_run.report.read_text(encoding="utf-8")
    assert "Metrics (pre-tax)" in html and "Growth (pre-tax)" in html
    outcomes = {o.name: o for o in tax_run.result.outcomes}
    rows = _table(html, "after-tax-table")
    assert [r[0] for r in rows] == list(outcomes)
    for r in rows:
        t = outcomes[r[0]].tax_result
        years = (len(t.dates) - 1) / 252.0
        after_tax = ((t.values[-1] - t.owed_usd) / t.initial_usd) ** (1.0 / years) - 1.0
        liquidated = (t.liquidation_value_usd / t.initial_usd) ** (1.0 / years) - 1.0
        paid = sum(float(v) for v in t.taxes_paid_usd)
        # columns: pre-tax, after tax, after tax liq., drag liq., taxes paid, harvested, …
        assert _pct(r[2]) == pytest.approx(after_tax, abs=5e-5)
        assert _pct(r[3]) == pytest.approx(liquidated, abs=5e-5)
        assert _usd(r[5]) == pytest.approx(paid, abs=0.5)
        assert _usd(r[6]) == 0.0
    # the terminal's table, word for word
    assert [tuple(r) for r in _table(html, "study-table")] == [
        tuple(c.replace("&amp;", "&") for c in r) for r in study_table(tax_run.result).rows]
    # taxes per year: each bar is the tax paid at that year's closes (plain loop)
    results = [o.tax_result for o in outcomes.values()]
    fig = charts.tax_by_year_figure(results, "taxes_paid_usd", "t")
    for trace, t in zip(fig.data, results, strict=True):
        by_year: dict[str, float] = {}
        for d, v in zip(t.dates, t.taxes_paid_usd, strict=True):
            by_year[str(d)[:4]] = by_year.get(str(d)[:4], 0.0) + float(v)
        assert list(trace.x) == list(by_year)
        np.testing.assert_allclose(trace.y, list(by_year.values()), atol=1e-6)
    assert sum(fig.data[0].y) == 0.0 and sum(fig.data[1].y) > 0  # buy-and-hold sells nothing
    # after-tax wealth: the household value on the drawn dates
    wealth = charts.after_tax_wealth_figure(results)
    for trace, t in zip(wealth.data, results, strict=True):
        index = {str(d): i for i, d in enumerate(t.dates)}
        np.testing.assert_allclose(trace.y, [t.values[index[x]] for x in trace.x])
    assert "loss harvesting is off in this study" in html


SWEEP_YAML = """\
title: "Report test sweep"
data: {prices: us_daily, assets: [US_MKT, UST_INT]}
target: {US_MKT: 0.6, UST_INT: 0.4}
costs: {bps: 5}
policies:
  Buy-and-hold: buy-and-hold
  Annual: annual
sweep:
  policy: {kind: band, abs: 0.05, check: daily}
  axes:
    abs: [0.03, 0.08, 0.14]
    check: [daily, quarterly]
  criterion: sharpe
  walk_forward: {train_years: 5, test_years: 1}
  bootstrap: {samples: 30, seed: 3}
"""


@pytest.fixture(scope="module")
def sweep_run(tmp_path_factory: Any) -> Any:
    from rebal.services.sweep import sweep_study
    from rebal.sweep.study import load_sweep

    d = tmp_path_factory.mktemp("sweep")
    (d / "s.yaml").write_text(textwrap.dedent(SWEEP_YAML), encoding="utf-8")
    return sweep_study(load_sweep(d / "s.yaml"), report=d / "s.html")


def test_walk_forward_rebalances_and_why_alpha_is_zero(sweep_run: Any) -> None:
    """Each window's test-row rebalances equal an ordinary backtest of the chosen point on
    those rows; where there are none, the out-of-sample alpha is 0 (it held what
    buy-and-hold held), as the report says."""
    from rebal.backtest import run_backtest

    res = sweep_run.result
    market = res.sweep.study.market
    dates = [str(d) for d in market.dates]
    idle = 0
    for w in res.walk.windows:
        first = dates.index(w.test_start)
        test = market.between(market.dates[first - 1], np.datetime64(w.test_end))
        point = res.sweep.points[w.chosen]
        ref = run_backtest(test, dict(res.sweep.study.target), point.policy, costs=point.costs)
        assert w.out_of_sample_rebalances == ref.metrics().n_rebalances, w
        if w.out_of_sample_rebalances == 0:
            idle += 1
            assert abs(w.out_of_sample_alpha) < 1e-4, w
    assert idle > 0
    html = sweep_run.report.read_text(encoding="utf-8")
    assert f"In {idle} of {len(res.walk.windows)} test windows the chosen point made no " \
           "rebalance" in html
    assert "Rebalances (test)" in html
    from rebal.reports.sweep import sweep_figures

    oos = sweep_figures(res)["walk"].data[1]
    assert [t == "no trade" for t in oos.text] == [
        w.out_of_sample_rebalances == 0 for w in res.walk.windows]


def test_sweep_report_order_heatmap_and_intervals(sweep_run: Any) -> None:
    from rebal.reports.sweep import sweep_figures

    res = sweep_run.result
    html = sweep_run.report.read_text(encoding="utf-8")
    assert html.index('id="charts"') < html.index('id="grid"')
    heat = sweep_figures(res)["heatmap"].data[0]
    assert heat.zmid == pytest.approx(res.metric("sharpe")[res.bh_index])
    # every bootstrap interval contains its own estimate
    for d in res.bootstrap["best_vs_baselines"].values():
        for x in d.values():
            assert x["low"] <= x["estimate"] <= x["high"], x


def test_yearly_tax_by_hand() -> None:
    """Taxes paid and losses harvested summed by calendar year, on a hand-made result."""
    from types import SimpleNamespace

    from rebal.reports import charts
    from rebal.reports.series import yearly_tax

    dates = np.array(["2020-12-30", "2020-12-31", "2021-01-04", "2021-06-01", "2022-01-03"],
                     dtype="datetime64[D]")
    fake = SimpleNamespace(
        policy_name="p", dates=dates,
        taxes_paid_usd=np.array([0.0, 0.0, 1200.0, 0.0, -300.0]),
        harvests=SimpleNamespace(day=np.array([1, 3, 3]), loss_usd=np.array([50.0, 20.0, 5.0])),
    )
    yt = yearly_tax(fake)
    assert yt.years.tolist() == [2020, 2021, 2022]
    assert yt.taxes_paid_usd.tolist() == [0.0, 1200.0, -300.0]
    assert yt.harvested_usd.tolist() == [50.0, 25.0, 0.0]
    fig = charts.tax_by_year_figure([fake], "harvested_usd", "Losses harvested per year")
    assert list(fig.data[0].x) == ["2020", "2021", "2022"]
    assert list(fig.data[0].y) == [50.0, 25.0, 0.0]


def test_after_tax_section_shows_harvests_or_says_why_not() -> None:
    from types import SimpleNamespace

    from rebal.reports.html import AFTER_TAX_TABLE_FIELDS, _after_tax_section

    dates = np.array(["2020-12-31", "2021-01-04", "2021-06-01"], dtype="datetime64[D]")

    def fake(loss: float) -> tuple[Any, Any]:
        r = SimpleNamespace(policy_name=f"p{loss:g}", dates=dates,
                            values=np.array([1e6, 1.01e6, 1.02e6]),
                            taxes_paid_usd=np.array([0.0, 100.0, 0.0]),
                            harvests=SimpleNamespace(day=np.array([2] if loss else [], dtype=int),
                                                     loss_usd=np.array([loss] if loss else [])))
        m = SimpleNamespace(**{f: 0.0 for f in AFTER_TAX_TABLE_FIELDS})
        m.harvested_loss_usd, m.n_harvests = loss, int(bool(loss))
        return r, m

    with_loss = [fake(0.0), fake(750.0)]
    html = _after_tax_section([r for r, _ in with_loss], [m for _, m in with_loss], None,
                              True, 3000)
    assert 'id="fig-harvested"' in html and "no-harvest" not in html
    none = [fake(0.0)]
    html = _after_tax_section([none[0][0]], [none[0][1]], None, True, 3000)
    assert "no lot fell far enough below its cost basis" in html
    html = _after_tax_section([none[0][0]], [none[0][1]], None, False, 3000)
    assert "loss harvesting is off" in html
