"""Tax efficiency (after-tax ÷ pre-tax CAGR) is undefined, shown "n/a" with the reason,
when the pre-tax CAGR is <= 0 (issue 14, "Accepted silently"); defined in docs/metrics.md."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from rebal.reports.tables import study_table
from rebal.studies import run_study, study_from_dict

REPO = Path(__file__).resolve().parents[2]


def _study(start: str, end: str):  # type: ignore[no-untyped-def]
    return study_from_dict({
        "title": "t",
        "data": {"prices": "us_daily", "assets": ["US_MKT", "UST_INT"], "start": start,
                 "end": end},
        "target": {"US_MKT": 0.9, "UST_INT": 0.1},
        "tax": {"rates": {"st": 0.35, "lt": 0.15}},
        "policies": {"Buy-and-hold": "buy-and-hold", "Annual": "annual"},
        "columns": ["annual_return", "tax_efficiency"],
    })


def test_falling_market_has_no_tax_efficiency():
    result = run_study(_study("2008-06-02", "2008-12-31"))
    for o in result.outcomes:
        assert o.tax_metrics.pre_tax_cagr < 0
        assert math.isnan(o.tax_metrics.tax_efficiency)
    table = study_table(result)
    assert all(row[-1] == "n/a" for row in table.rows)
    assert any("Tax eff. n/a: the pre-tax CAGR is <= 0" in n for n in table.notes)


def test_rising_market_tax_efficiency_is_the_ratio():
    result = run_study(_study("2012-01-03", "2012-12-31"))
    for o in result.outcomes:
        m = o.tax_metrics
        assert m.pre_tax_cagr > 0
        assert m.tax_efficiency == pytest.approx(m.after_tax_cagr / m.pre_tax_cagr, rel=1e-15)
    table = study_table(result)
    assert not any("Tax eff. n/a" in n for n in table.notes)


def test_defined_in_metrics_doc():
    text = (REPO / "docs" / "metrics.md").read_text()
    assert "`tax_efficiency` | `after_tax_cagr ÷ pre_tax_cagr`, defined only when " \
           "`pre_tax_cagr > 0`" in text
