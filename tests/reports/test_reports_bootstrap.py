"""The comparison report's bootstrap alpha-interval table (``rebal compare --bootstrap N``)."""

from __future__ import annotations

from rebal.backtest import run_backtest
from rebal.sweep.uncertainty import AlphaInterval


def test_report_html_shows_given_intervals(market, policies, costs):
    from rebal.reports.html import compare_report_html

    target = {"STK": 0.6, "BND": 0.4}
    results = [run_backtest(market, target, p, costs=costs) for p in policies[:3]]
    names = [r.policy_name for r in results]
    iv = {
        names[1]: AlphaInterval(names[1], 0.0123, -0.004, 0.02914, 0.834, 0.9),
        names[2]: AlphaInterval(names[2], -0.0051, -0.0187, 0.0102, 0.25, 0.9),
    }
    html = compare_report_html(results, alpha_intervals=iv, alpha_intervals_title="My title")
    assert 'id="alpha-intervals-table"' in html and "My title" in html
    for text in ("1.23%", "[-0.40%, 2.91%]", "83%", "-0.51%", "[-1.87%, 1.02%]", "25%"):
        assert f"<td>{text}</td>" in html
    # the table sits right under the metrics table
    assert html.index('id="metrics-table"') < html.index('id="alpha-intervals-table"')
    assert "alpha-intervals-table" not in compare_report_html(results)
