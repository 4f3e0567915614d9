"""``rebal compare --bootstrap N``: the same intervals in the table, the report and ``--json``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rebal.reports.tables import alpha_interval_cells
from rebal.sweep.uncertainty import AlphaInterval

STUDY = """\
title: "Bootstrap test"
data:
  prices: us_daily
  assets: [US_MKT, UST_INT]
  start: 2010-01-01
  end: 2012-12-31
target: {US_MKT: 0.6, UST_INT: 0.4}
costs: {bps: 5}
policies:
  Buy-and-hold: buy-and-hold
  Quarterly: quarterly
  5% band: band:abs=0.05
"""


def test_cells_are_formatted_by_hand_rules():
    """Hand-formatted: percent with two decimals, the probability to whole percent."""
    a = AlphaInterval(policy="P", alpha=0.0123, low=-0.004, high=0.02914, p_positive=0.834,
                      confidence=0.9)
    assert alpha_interval_cells(a) == ("P", "1.23%", "[-0.40%, 2.91%]", "83%")


@pytest.fixture
def study_file(tmp_path: Path) -> Path:
    p = tmp_path / "study.yaml"
    p.write_text(STUDY)
    return p


def test_cli_table_report_and_json_agree(cli, study_file, tmp_path):
    out_html = tmp_path / "out.html"
    code, out, err = cli("compare", str(study_file), "--bootstrap", "30", "--seed", "3",
                         "--report", str(out_html))
    assert code == 0, err
    html = out_html.read_text()
    # every interval the CLI printed appears, as printed, in the report's table
    printed = re.findall(r"\[-?\d+\.\d\d%, -?\d+\.\d\d%\]", out)
    assert len(printed) == 2, out
    for text in printed:
        assert f"<td>{text}</td>" in html
    assert "30 paired resamples, seed 3" in html

    code, out, err = cli("compare", str(study_file), "--bootstrap", "30", "--seed", "3",
                         "--json")
    assert code == 0, err
    data = json.loads(out)
    boot = data["bootstrap_alpha"]
    assert set(boot) == {"Quarterly", "5% band"}
    for name, a in boot.items():
        assert a["low"] <= a["high"] and 0.0 <= a["p_positive"] <= 1.0
        cells = alpha_interval_cells(AlphaInterval(name, a["alpha"], a["low"], a["high"],
                                                   a["p_positive"], a["confidence"]))
        assert f"<td>{cells[2]}</td>" in html  # same numbers as the report
    assert data["bootstrap"] == {"n_samples": 30, "seed": 3}
