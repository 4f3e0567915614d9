"""`rebal plan`, `rebal check` and `rebal demo` through the real entry point."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from rebal.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ARTICLE = EXAMPLES / "households" / "article_client.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_plan_json_and_orders(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    code, out, err = run(capsys, "plan", str(ARTICLE), "--orders", str(orders), "--json")
    assert code == 0, err
    plan = json.loads(out)
    # the naive pro-rata FIFO rebalance, hand-worked in tests/household ($8,400.51 with
    # fractional shares; whole shares sell a little more)
    assert plan["naive"]["tax"]["total_usd"] == pytest.approx(8415.19, abs=0.01)
    assert plan["saving_usd"] == pytest.approx(
        plan["naive"]["tax"]["total_usd"] - plan["tax"]["total_usd"])
    assert plan["saving_usd"] > 0 and plan["in_bands_after"]
    with orders.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(plan["trades"])
    assert all(r["reason"] for r in rows)


def test_plan_table_and_modes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", str(ARTICLE))
    assert code == 0 and "naive pro-rata FIFO rebalance" in out and "Trades" in out
    code, _, err = run(capsys, "plan", str(ARTICLE), "--tax-free-only", "--full-rebalance")
    assert code == 2 and "at most one" in err


def test_check_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(ARTICLE))
    assert code == 10 and "action needed" in out  # stocks 75.8% vs 70% ± 3%
    code, out, _ = run(capsys, "check", str(ARTICLE), "--json")
    assert code == 10 and json.loads(out)["action_needed"] is True


def test_bad_household_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "h.yaml"
    text = ARTICLE.read_text().replace("cash_usd: 5000", "cash_usd: -5000", 1)
    assert text != ARTICLE.read_text()
    bad.write_text(text)
    code, out, err = run(capsys, "plan", str(bad))
    assert code == 2 and "h.yaml" in err and "cash_usd" in err
    assert "Traceback" not in out + err and err.strip().count("\n") == 0


def test_demo_writes_both_reports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "demo", "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    for name in ("compare.html", "plan.html"):
        assert (tmp_path / name).stat().st_size > 100_000
        assert str(tmp_path / name) in out
