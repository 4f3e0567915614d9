"""`rebal tax audit` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Runner = Callable[..., tuple[int, str, str]]  # the `cli` fixture (tests/cli/conftest.py)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"




def test_audit_json_wash_sale_by_hand(cli: Runner) -> None:
    code, out, _ = cli("tax", "audit", str(EXAMPLES / "tax" / "trades.csv"),
                       "--household", str(EXAMPLES / "tax" / "household.yaml"), "--json")
    assert code == 0
    sales = {d["id"]: d for d in json.loads(out)["dispositions"]}
    bnd = next(d for d in sales.values() if d["symbol"] == "BND")
    # 200 sh sold at a $600 loss ($3/sh); 1.5 sh bought within 30 days -> $4.50 washed (§1091(b))
    assert bnd["gain_usd"] == pytest.approx(-600.0)
    assert bnd["disallowed_usd"] == pytest.approx(4.5)
    assert bnd["recognized_usd"] == pytest.approx(-595.5)


def test_audit_table_and_household_file(cli: Runner, tmp_path: Path) -> None:
    code, out, _ = cli("tax", "audit", str(EXAMPLES / "tax" / "trades.csv"),
                       "--household", str(EXAMPLES / "tax" / "household.yaml"))
    assert code == 0 and "Recognized gains by year" in out and "W (perm.)" in out
    # a full household file (planner format) is accepted too
    trades = tmp_path / "t.csv"
    trades.write_text("date,account,symbol,side,quantity,price\n"
                      "2025-01-02,brokerage,VTI,buy,10,300\n2025-02-03,brokerage,VTI,sell,10,280\n"
                      "2025-02-10,roth,VTI,buy,5,281\n")
    code, out, err = cli("tax", "audit", str(trades), "--household",
                         str(EXAMPLES / "households" / "diy_small.yaml"), "--json")
    assert code == 0, err
    sale = json.loads(out)["dispositions"][0]
    # Rev. Rul. 2008-5: 5 of 10 shares replaced in the Roth -> $100 lost for good
    assert sale["permanently_disallowed_usd"] == pytest.approx(100.0)


def test_audit_bad_row_is_one_line(cli: Runner, tmp_path: Path) -> None:
    trades = tmp_path / "t.csv"
    trades.write_text("date,account,symbol,side,quantity,price\n"
                      "2025-01-02,brokerage,VOO,buy,10,300\n2025-02-03,brokerage,VOO,sell,-5,280\n")
    code, out, err = cli("tax", "audit", str(trades), "--household",
                         str(EXAMPLES / "tax" / "household.yaml"))
    assert code == 2 and "t.csv" in err and "line 3" in err and "quantity" in err
    assert "Traceback" not in out + err
