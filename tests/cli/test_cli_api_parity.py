"""The Python API returns what the CLI prints: its to_dict() is the command's --json."""

from __future__ import annotations

import json
from pathlib import Path

import rebal
from rebal.cli.console import print_json

EX = Path(__file__).resolve().parents[2] / "examples"


def _as_printed(payload, capsys) -> dict:
    print_json(payload)
    return json.loads(capsys.readouterr().out)


def test_backtest_json_equals_api(cli, capsys):
    code, out, _ = cli("backtest", "--policy", "quarterly", "--start", "2012-01-01",
                       "--cost-bps", "5", "--json")
    assert code == 0
    run = rebal.backtest_policy("default", None, "quarterly", start="2012-01-01", cost_bps=5)
    assert json.loads(out) == _as_printed(run.to_dict(), capsys)


def test_compare_and_tax_json_equal_api(cli, capsys):
    study = str(EX / "studies" / "default_core.yaml")
    code, out, _ = cli("compare", study, "--set", "data.start=2012-01-01", "--json")
    assert code == 0
    run = rebal.compare(study, overrides={"data.start": "2012-01-01"})
    assert json.loads(out) == _as_printed(run.to_dict(), capsys)
    code, out, _ = cli("tax", "estimate", "--income", "60000", "--lt", "30000", "--json")
    assert code == 0
    est = rebal.estimate_tax(2025, "single", income=60_000, lt=30_000)
    assert json.loads(out) == _as_printed(est.to_dict(), capsys)
