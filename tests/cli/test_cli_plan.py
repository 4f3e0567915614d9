"""`rebal plan`, `rebal check` and `rebal demo` through the real entry point."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

Runner = Callable[..., tuple[int, str, str]]  # the `cli` fixture (tests/cli/conftest.py)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ARTICLE = EXAMPLES / "households" / "article_client.yaml"




def test_plan_json_and_orders(cli: Runner, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    code, out, err = cli("plan", str(ARTICLE), "--orders", str(orders), "--json")
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


def test_plan_table_and_modes(cli: Runner) -> None:
    code, out, _ = cli("plan", str(ARTICLE))
    assert code == 0 and "naive pro-rata FIFO rebalance" in out and "Trades" in out
    code, _, err = cli("plan", str(ARTICLE), "--tax-free-only", "--full-rebalance")
    assert code == 2 and "at most one" in err


def test_check_exit_codes(cli: Runner) -> None:
    code, out, _ = cli("check", str(ARTICLE))
    assert code == 10 and "action needed" in out  # stocks 75.8% vs 70% ± 3%
    code, out, _ = cli("check", str(ARTICLE), "--json")
    assert code == 10 and json.loads(out)["action_needed"] is True


def test_bad_household_is_one_line(cli: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "h.yaml"
    text = ARTICLE.read_text().replace("cash_usd: 5000", "cash_usd: -5000", 1)
    assert text != ARTICLE.read_text()
    bad.write_text(text)
    code, out, err = cli("plan", str(bad))
    assert code == 2 and "h.yaml" in err and "cash_usd" in err
    assert "Traceback" not in out + err and err.strip().count("\n") == 0


def test_demo_writes_both_reports(cli: Runner, tmp_path: Path) -> None:
    code, out, err = cli("demo", "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    for name in ("compare.html", "plan.html"):
        assert (tmp_path / name).stat().st_size > 100_000
        assert str(tmp_path / name) in out
