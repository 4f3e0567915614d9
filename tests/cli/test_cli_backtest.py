"""`rebal backtest` and `rebal tax estimate` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from rebal import datasets
from rebal.backtest import CostModel, run_backtest
from rebal.policy import parse_policy

Runner = Callable[..., tuple[int, str, str]]  # the `cli` fixture (tests/cli/conftest.py)


def test_backtest_json_matches_the_api(cli: Runner) -> None:
    code, out, _ = cli(
        "backtest", "--target", "US_MKT=0.6,UST_INT=0.4", "--policy", "band:abs=0.05",
        "--cost-bps", "5", "--start", "2000-01-01", "--end", "2010-12-31", "--json",
    )
    assert code == 0
    payload = json.loads(out)
    market = datasets.load("us_daily").between("2000-01-01", "2010-12-31")
    result = run_backtest(
        market, {"US_MKT": 0.6, "UST_INT": 0.4}, parse_policy("band:abs=0.05"),
        costs=CostModel(cost_bps=5),
    )
    assert payload["final_value"] == pytest.approx(result.final_value, rel=1e-12)
    assert payload["n_rebalances"] == result.n_rebalances
    # every metric by name, as fractions
    for key in ("cagr", "annual_volatility", "max_drawdown", "sharpe", "sortino", "calmar",
                "annual_turnover", "rebalancing_alpha", "allocation_precision"):
        assert key in payload
    assert -1.0 < payload["max_drawdown"] < 0.0
    assert abs(payload["cagr"]) < 1.0


def test_backtest_table_output(cli: Runner) -> None:
    code, out, _ = cli("backtest", "--policy", "quarterly", "--start", "2005-01-01")
    assert code == 0
    assert "Annual return" in out and "buy-and-hold" in out and "quarterly" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--policy", "bandz:abs=0.05"], "unknown kind 'bandz'"),
        (["--target", "US_MKT=0.6,UST_IN=0.4"], "unknown asset 'UST_IN'"),
        (["--target", "US_MKT=0.7,UST_INT=0.4"], "sum"),
        (["--target", "US_MKT=abc"], "not a number"),
        (["--policy", "band:abs=-0.05"], "abs"),
        (["--prices", "no/such/file.csv"], "no/such/file.csv"),
    ],
)
def test_backtest_bad_input_is_one_line(
    cli: Runner, argv: list[str], needle: str
) -> None:
    code, out, err = cli("backtest", *argv)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err + out
    assert err.strip().count("\n") == 0


def test_backtest_bad_price_file_names_file_line_and_column(
    cli: Runner, tmp_path
) -> None:
    bad = tmp_path / "prices.csv"
    bad.write_text("date,AAA,BBB\n2020-01-02,100,50\n2020-01-03,101,-1\n2020-01-06,102,51\n")
    code, _, err = cli("backtest", "--prices", str(bad), "--target", "AAA=0.5,BBB=0.5")
    assert code == 2
    assert "prices.csv" in err and "line 3" in err and "BBB" in err


def test_tax_estimate_e19(cli: Runner) -> None:
    # TAX_RULES.md E19: 2025 single, wages 60,000, LTCG 30,000 -> $8,956.50
    code, out, _ = cli("tax", "estimate", "--year", "2025", "--status", "single",
                       "--income", "60000", "--lt", "30000", "--json")
    assert code == 0
    assert json.loads(out)["federal_income_tax"] == pytest.approx(8956.50, abs=0.005)
