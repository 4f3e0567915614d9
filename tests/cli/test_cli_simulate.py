"""`rebal simulate` through the real entry point: output, JSON, report, and bad input as one
line naming the file and key (or the flag), exit status 2, nothing written."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

Runner = Callable[..., tuple[int, str, str]]  # the `cli` fixture (tests/cli/conftest.py)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "households"
DEFAULT_SIM = EXAMPLES / "article_client_sim_default.yaml"


def test_simulate_tables_json_report(cli: Runner, tmp_path: Path) -> None:
    report = tmp_path / "sim.html"
    code, out, err = cli("simulate", str(DEFAULT_SIM), "--end", "2002-06-28", "--every",
                         "quarter", "--bootstrap", "100", "--report", str(report))
    assert code == 0, err
    assert "Strategies" in out and "tax alpha" in out and "naive: year by year" in out
    html = report.read_text(encoding="utf-8")
    for anchor in ("comparison", "wealth", "taxes", "drift", "steps"):
        assert f'id="{anchor}"' in html
    code, out, err = cli("simulate", str(DEFAULT_SIM), "--end", "2002-06-28", "--every",
                         "quarter", "--strategies", "planner,naive", "--bootstrap", "0",
                         "--json")
    assert code == 0, err
    payload = json.loads(out)
    by = {s["strategy"]: s for s in payload["strategies"]}
    assert set(by) == {"planner", "naive"}
    assert payload["tax_alpha"]["value"] == pytest.approx(
        by["planner"]["after_tax_cagr"] - by["naive"]["after_tax_cagr"])
    # the label says what the number is: the interval is absent without resamples
    assert payload["tax_alpha"]["n_samples"] == 0


def _sim(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(DEFAULT_SIM.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _one_line_error(cli: Runner, *argv: str) -> str:
    code, out, err = cli("simulate", *argv)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_security_without_price_column(cli: Runner, tmp_path: Path) -> None:
    path = _sim(tmp_path, lambda d: d["simulation"]["prices"].pop("AGG"))
    line = _one_line_error(cli, str(path), "--end", "2001-03-30")
    assert str(path) in line and "simulation.prices.AGG" in line and "no price column" in line


def test_unknown_price_column(cli: Runner, tmp_path: Path) -> None:
    path = _sim(tmp_path, lambda d: d["simulation"]["prices"].update(AGG="NOPE"))
    line = _one_line_error(cli, str(path), "--end", "2001-03-30")
    assert "simulation.prices.AGG" in line and "'NOPE'" in line


def test_price_column_starting_after_start(cli: Runner, tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    with prices.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["date", "US_MKT", "UST_INT", "LATE"])
        for i, day in enumerate(["2001-01-02", "2001-01-03", "2001-01-04", "2001-01-05",
                                 "2001-01-08", "2001-01-09"]):
            w.writerow([day, 1 + i / 100, 1 + i / 200, "" if i < 3 else 1 + i / 50])
    path = _sim(tmp_path, lambda d: d["simulation"]["prices"].update(BND="LATE"))
    line = _one_line_error(cli, str(path), "--prices", str(prices))
    assert "simulation.prices.BND" in line and "'LATE' starts on 2001-01-05" in line


def test_flows_into_unknown_account(cli: Runner, tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    line = _one_line_error(cli, str(DEFAULT_SIM), "--contribution", "1000",
                           "--contribution-account", "brokerage", "--report", str(report))
    assert "--contribution-account" in line and "'brokerage'" in line
    assert "taxable" in line and not report.exists()


def test_misspelt_strategy_and_frequency(cli: Runner) -> None:
    line = _one_line_error(cli, str(DEFAULT_SIM), "--strategies", "planner,naiv")
    assert "--strategies" in line and "'naiv'" in line and "per-account-calendar" in line
    line = _one_line_error(cli, str(DEFAULT_SIM), "--every", "fortnight")
    assert "--every" in line


def test_unknown_simulation_key_and_missing_section(cli: Runner, tmp_path: Path) -> None:
    path = _sim(tmp_path, lambda d: d["simulation"].update(strt="2001-01-02"))
    line = _one_line_error(cli, str(path))
    assert str(path) in line and "simulation.strt" in line
    path = _sim(tmp_path, lambda d: d.pop("simulation"))
    line = _one_line_error(cli, str(path))
    assert "simulation" in line
