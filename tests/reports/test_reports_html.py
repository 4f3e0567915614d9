"""The HTML reports: self-contained, every section, the CLI's numbers."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from plotly.offline import get_plotlyjs

from rebal.errors import ConfigError
from rebal.reports import (
    SubPeriod,
    compare_report,
    compare_report_from_study,
    compare_report_html,
    meta_from_results,
    metrics_rows,
    plan_report_html,
)

EXTERNAL = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?\s*(https?:)?//",
                      re.IGNORECASE)
COMPARE_SECTIONS = ("metrics", "growth", "drawdowns", "rolling", "drift", "yearly", "subperiods",
                    "trading")


class _Tables(HTMLParser):
    """Rows of the table with a given id, as lists of cell texts."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


@pytest.fixture(scope="module")
def report_html(results, policies, costs) -> str:
    meta = meta_from_results(results, title="Test comparison", costs=costs)
    return compare_report_html(results, policies=policies, meta=meta)


def test_offline_and_plotly_embedded_once(report_html):
    assert EXTERNAL.search(report_html) is None
    assert "fonts.googleapis" not in report_html and "cdn.plot.ly/plotly" not in report_html
    bundle_head = get_plotlyjs()[:300]
    assert report_html.count(bundle_head) == 1
    assert report_html.count("Plotly.newPlot(") == 6  # one per figure


def test_every_section_present(report_html):
    for anchor in COMPARE_SECTIONS:
        assert f'<section id="{anchor}">' in report_html
        assert f'href="#{anchor}"' in report_html
    for div in ("fig-growth", "fig-drawdown", "fig-rolling", "fig-drift", "fig-yearly",
                "fig-trading"):
        assert f'id="{div}"' in report_html


def test_header_states_source_span_target_costs_conventions(report_html):
    assert "synthetic test data" in report_html
    assert "2015-01-02" in report_html and "800 daily rows" in report_html
    assert "STK 60% · BND 40%" in report_html
    assert "5 bps of each trade" in report_html
    assert "trades at that close" in report_html
    assert "the data&#x27;s T-bill series" in report_html


def test_metrics_table_has_the_cli_numbers(report_html, results):
    parser = _Tables("metrics-table")
    parser.feed(report_html)
    header, *rows = parser.rows
    assert header[-1] == "Alpha vs buy-and-hold"
    entries = [(r.policy_name, r.metrics(benchmark=results[0])) for r in results]
    assert [tuple(r) for r in rows] == metrics_rows(entries)


def test_downsampling_caption(results):
    html = compare_report_html(results[:2], max_rows=100)
    assert "the charts draw weekly points" in html
    assert "the charts draw weekly" not in compare_report_html(results[:2])


def test_sub_periods_given(core_results):
    html = compare_report_html(core_results, sub_periods=[
        SubPeriod(label="Year 2016", start="2016-01-01", end="2016-12-31"),
        SubPeriod(label="Beyond", start="2017-06-01", end="2019-12-31"),
    ])
    assert "Year 2016 (2016-01-01 – 2016-12-31)" in html
    assert "does not cover that window" in html


def test_no_baseline_leaves_alpha_empty(core_results):
    html = compare_report_html(core_results[1:3])
    assert "No baseline policy" in html


def test_bad_input(core_results):
    with pytest.raises(ConfigError, match="at least one"):
        compare_report_html([])
    with pytest.raises(ConfigError, match="unique"):
        compare_report_html([core_results[0], core_results[0]])
    with pytest.raises(ConfigError, match="baseline"):
        compare_report_html(core_results, baseline="nope")
    with pytest.raises(ConfigError, match="does not exist"):
        compare_report(core_results, "/nonexistent-dir/x.html")


def test_from_study(tmp_path):
    from rebal.reports.tables import study_table
    from rebal.studies import run_study, study_from_dict

    study = study_from_dict({
        "title": "Study title",
        "data": {"prices": "us_daily", "assets": ["US_MKT", "UST_INT"],
                 "start": "2010-01-01", "end": "2012-12-31"},
        "target": {"US_MKT": 0.6, "UST_INT": 0.4},
        "costs": {"bps": 5},
        "policies": {"Quarterly": "quarterly", "5% band": "band:abs=0.05"},
        "periods": {"Year 2011": {"start": "2011-01-01", "end": "2011-12-31"}},
        "columns": ["annual_return", "Year 2011", "alpha"],
    })
    result = run_study(study)
    path = compare_report_from_study(result, tmp_path / "study.html")
    text = path.read_text(encoding="utf-8")
    assert "Study title" in text and "5 bps" in text
    # the baseline is not listed in the study, so the report adds it
    assert "buy-and-hold (baseline)" in text
    assert "Year 2011" in text
    # the CLI's table and the report show the same formatted numbers
    for row in study_table(result).rows:
        assert row[0] in text and row[1] in text


def test_plan_report_sections(trade_plan):
    html = plan_report_html(trade_plan)
    assert EXTERNAL.search(html) is None
    for anchor in ("allocation", "accounts", "trades", "tax", "donotbuy", "notes"):
        assert f'<section id="{anchor}">' in html
    assert "$250.00</b> for this plan" in html and "$1,190.00" in html
    assert "saving <b>$940.00</b>" in html
    assert "L1: 100 sh, bought 2019-03-01, gain $5,000 LT" in html
    assert "BND, AGG" in html
    assert html.count("Plotly.newPlot(") == 3
