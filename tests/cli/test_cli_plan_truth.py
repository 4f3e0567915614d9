"""`rebal plan` says what it did, what it did not do and how it ended (issue 13)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from rebal.planner.settings import SolveStatus

Runner = Callable[..., tuple[int, str, str]]  # the `cli` fixture (tests/cli/conftest.py)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "households"
STEPS = ("1. invest new money", "2. trade inside tax-advantaged accounts", "3. harvest losses",
         "4. realize gains at 0% or against harvested losses", "5. other taxable trades")


def test_steps_in_order_with_none_and_not_done(cli: Runner, tmp_path: Path) -> None:
    report = tmp_path / "plan.html"
    household = str(EXAMPLES / "balanced_illiquid.yaml")
    code, out, err = cli("plan", household, "--json")
    counts = {s["step"]: s["n_trades"] for s in json.loads(out)["steps"]}
    assert 0 in counts.values()  # at least one empty step to show as "none"
    code, out, err = cli("plan", household, "--report", str(report))
    assert code == 0, err
    positions = [out.index(label) for label in STEPS]
    assert positions == sorted(positions)
    for k, label in enumerate(STEPS, start=1):
        line = next(x for x in out.splitlines() if label in x and "│" in x)
        assert ("none" in line) == (counts[k] == 0), line
    assert "Not done, and why" in out and "PRIVRE is not tradable" in out
    assert "loss carried to next year: this plan" in out
    assert "per carried dollar" in out
    html = report.read_text()
    assert "Not done, and why" in html and "PRIVRE is not tradable" in html
    for label in STEPS:
        assert label in html


def test_json_has_steps_not_done_and_carryforward(cli: Runner) -> None:
    code, out, err = cli("plan", str(EXAMPLES / "article_client.yaml"), "--json",
                         "--carryforward-value", "0.1")
    assert code == 0, err
    plan = json.loads(out)
    assert [s["step"] for s in plan["steps"]] == [1, 2, 3, 4, 5]
    assert [s["n_trades"] for s in plan["steps"]] == [
        sum(1 for t in plan["trades"] if t["step"] == k) for k in range(1, 6)]
    assert plan["carryforward_value"] == 0.1
    tax, naive = plan["tax"], plan["naive"]["tax"]
    expect = ((naive["total_usd"] - 0.1 * naive["carryforward_left_usd"])
              - (tax["total_usd"] - 0.1 * tax["carryforward_left_usd"]))
    assert plan["saving_with_carryforward_usd"] == pytest.approx(expect)
    assert all({"kind", "subject", "amount_usd", "reason"} <= set(n) for n in plan["not_done"])


def test_time_limit_warns_and_exits_3(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    planner_plan = sys.modules["rebal.planner.plan"]  # the module (the package exports plan())
    real = planner_plan.solve

    def stopped(problem, **kw):  # the solver's answer, as if it ran out of time
        return replace(real(problem, **kw), status=SolveStatus.TIME_LIMIT)

    monkeypatch.setattr(planner_plan, "solve", stopped)
    code, out, err = cli("plan", str(EXAMPLES / "diy_small.yaml"), "--json",
                         "--time-limit", "7")
    assert code == 3
    assert json.loads(out)["stats"]["status"] == "time_limit"  # stdout stays one document
    assert err.strip().splitlines() == [
        "warning: the solver stopped at its 7 s time limit: the plan is feasible but may "
        "not be optimal (exit status 3; raise --time-limit)"]


def test_every_help_lists_exit_codes(cli: Runner) -> None:
    for argv in (["backtest"], ["compare"], ["sweep"], ["plan"], ["check"], ["demo"],
                 ["tax", "audit"], ["tax", "estimate"]):
        code, out, _ = cli(*argv, "--help")
        text = " ".join(out.split())
        assert code == 0 and "Exit status: 0 = " in text, argv
        assert ("3 = the solver stopped" in text) == (argv == ["plan"])
        assert ("10 = action needed" in text) == (argv == ["check"])
