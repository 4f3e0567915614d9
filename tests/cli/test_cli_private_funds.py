"""`rebal check` and `rebal plan` on a household with private funds: the three exposure
views side by side (hand-worked weights), the two lines of a liquid substitute, and a bad
fund as a one-line error with exit status 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Runner = Callable[..., tuple[int, str, str]]  # the `cli` fixture (tests/cli/conftest.py)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "households" / "private_funds.yaml"
# hand-worked in tests/household/test_private_funds.py: liquid investable $875,500
LIQUID, PE_NAV, RE_NAV = 875_500.0, 118_000.0, 21_000.0


def test_check_shows_the_three_views(cli: Runner) -> None:
    code, out, err = cli("check", str(EXAMPLE), "--json")
    assert code == 10, err
    (pe, re_) = json.loads(out)["private"]
    assert pe["asset_class"] == "private_equity" and pe["view"] == "nav"
    assert pe["weight_nav"] == pytest.approx(PE_NAV / (LIQUID + PE_NAV + RE_NAV))
    assert pe["weight_nav_plus_unfunded"] == pytest.approx(163_000 / (LIQUID + PE_NAV + RE_NAV))
    rolled_pe, rolled_re = PE_NAV * 220 / 205, RE_NAV * 90 / 88
    assert pe["weight_proxy_rolled"] == pytest.approx(
        rolled_pe / (LIQUID + rolled_pe + rolled_re))
    assert re_["public_usd"] == 22_500
    code, out, _ = cli("check", str(EXAMPLE))
    assert "Private classes by exposure view" in out
    assert "11.63%* ($118,000)" in out and "16.07% ($163,000)" in out


def test_plan_shows_funds_and_substitute(cli: Runner) -> None:
    code, out, err = cli("plan", str(EXAMPLE), "--json")
    assert code == 0, err
    plan = json.loads(out)
    lines = {ln["asset_class"]: ln for ln in plan["private"]}
    re_ = lines["real_estate"]
    assert re_["substitute"] == "VNQ" and re_["private_usd"] == RE_NAV
    assert re_["shortfall_usd"] == pytest.approx(re_["target_usd"] - RE_NAV)
    bought = sum(t["value_usd"] for t in plan["trades"] if t["symbol"] == "VNQ"
                 and t["side"] == "buy")
    assert re_["substitute_after_usd"] == pytest.approx(22_500 + bought)
    assert len(plan["private_views"]) == 2
    code, out, _ = cli("plan", str(EXAMPLE))
    assert "liquid substitute VNQ (target − funds)" in out


def test_bad_fund_exits_2_with_one_line(cli: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "hh.yaml"
    bad.write_text(EXAMPLE.read_text().replace("called_usd: 105000", "called_usd: 155000"))
    code, _, err = cli("check", str(bad))
    assert code == 2
    line = err.strip()
    assert "\n" not in line and "private_funds[0].called_usd" in line
    assert "above the commitment" in line and str(bad) in line


def test_monitor_nav_stale_days_flag(cli: Runner) -> None:
    # the example's NAVs are as of 2025-03-31, 91 days before its as_of 2025-06-30
    code, out, _ = cli("monitor", str(EXAMPLE))
    assert "days old" not in out
    code, out, _ = cli("monitor", str(EXAMPLE), "--nav-stale-days", "90")
    assert "private fund buyout-2021: its NAV is 91 days old (as of 2025-03-31; limit 90 " \
           "days)" in out
    code, _, err = cli("monitor", str(EXAMPLE), "--nav-stale-days", "0")
    assert code == 2 and "--nav-stale-days must be at least 1" in err


def test_plan_report_has_the_private_section(cli: Runner, tmp_path: Path) -> None:
    report = tmp_path / "plan.html"
    code, _, err = cli("plan", str(EXAMPLE), "--report", str(report))
    assert code == 0, err
    html = report.read_text()
    assert "Private funds" in html and "11.63%* ($118,000)" in html
    assert "liquid substitute VNQ (target − funds)" in html
