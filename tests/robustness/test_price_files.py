"""Price files that used to be accepted with wrong or misleading output (issue 14,
"Accepted silently"): returns read as prices, a two-row file annualised, a long hole taken
as one return without a note, a decimal comma read as thousands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from robust_helpers import one_line_error

from rebal.data.loaders import gap_notes

REPO = Path(__file__).resolve().parents[2]
TARGET = ("--target", "A=0.5,B=0.5")


def _write(tmp_path: Path, rows: list[tuple[str, float, float]]) -> str:
    path = tmp_path / "p.csv"
    path.write_text("date,A,B\n" + "".join(f"{d},{float(a)!r},{float(b)!r}\n" for d, a, b in rows))
    return str(path)


def _bdays(n: int, start: str = "2020-01-01") -> list[str]:
    days = np.arange(np.datetime64(start), np.datetime64(start) + 3 * n)
    return [str(d) for d in days[np.is_busday(days)][:n]]


def test_returns_given_as_prices_are_refused(cli, tmp_path):
    rng = np.random.default_rng(3)
    r = rng.normal(0.0004, 0.01, size=(300, 2))
    path = _write(tmp_path, [(d, a, b) for d, (a, b) in zip(_bdays(300), r, strict=True)])
    one_line_error(cli("backtest", "--prices", path, *TARGET), path, "look like returns",
                   "--kind returns")


def test_returns_with_kind_returns_compound_exactly(cli, tmp_path):
    days = _bdays(300)
    rng = np.random.default_rng(4)
    r = rng.normal(0.0004, 0.01, size=(300, 2))
    path = _write(tmp_path, [(d, a, b) for d, (a, b) in zip(days, r, strict=True)])
    ran = cli("backtest", "--prices", path, *TARGET, "--kind", "returns", "--policy",
              "buy-and-hold", "--json")
    assert ran.code == 0, ran.err
    # buy-and-hold of 50/50 from row 0: each half grows by its own compounded returns
    growth = np.prod(1 + r[1:], axis=0)
    expected = 1_000_000 * (0.5 * growth[0] + 0.5 * growth[1])
    assert json.loads(ran.out)["final_value"] == pytest.approx(expected, rel=1e-12)


def test_prices_given_as_returns_are_refused(cli, tmp_path):
    days = _bdays(50)
    path = _write(tmp_path, [(d, 100.0 + i, 50.0 + i) for i, d in enumerate(days)])
    one_line_error(cli("backtest", "--prices", path, *TARGET, "--kind", "returns"),
                   "look like price levels", "--kind prices")


def test_two_rows_have_no_annual_rates(cli, tmp_path):
    path = _write(tmp_path, [("2020-01-02", 100.0, 100.0), ("2020-01-03", 100.33, 100.33)])
    ran = cli("backtest", "--prices", path, *TARGET, "--json")
    assert ran.code == 0, ran.err
    data = json.loads(ran.out)
    for key in ("cagr", "annual_volatility", "sharpe"):
        assert data[key] is None and data["buy_and_hold"][key] is None
    assert data["total_return"] == pytest.approx(0.0033, abs=1e-12)
    assert any("undefined for less than a year" in n for n in data["data"]["notes"])
    text = cli("backtest", "--prices", path, *TARGET)
    assert "131" not in text.out
    assert "None" not in text.out
    assert "no drawdown" in text.out
    assert "note: the data spans 2 rows" in text.err


def test_a_year_of_rows_keeps_annual_rates(cli, tmp_path):
    days = _bdays(253)
    path = _write(tmp_path, [(d, 100.0 * 1.0003**i, 100.0) for i, d in enumerate(days)])
    data = json.loads(cli("backtest", "--prices", path, *TARGET, "--json").out)
    assert data["cagr"] is not None


def test_one_row_file_says_so(cli, tmp_path):
    path = _write(tmp_path, [("2020-01-02", 100.0, 100.0)])
    one_line_error(cli("backtest", "--prices", path, *TARGET), "the file has 1 data row",
                   "at least 2 rows")


def test_long_gap_gets_a_note(cli, tmp_path):
    days = _bdays(400)
    kept = days[:100] + days[250:]
    path = _write(tmp_path, [(d, 100.0 + i, 100.0) for i, d in enumerate(kept)])
    ran = cli("backtest", "--prices", path, *TARGET)
    assert ran.code == 0
    gap = (np.datetime64(days[250]) - np.datetime64(days[99])).astype(int)
    assert f"note: 1 gap longer than 7 calendar days between rows; the longest {days[99]} → " \
           f"{days[250]} ({gap} days)" in ran.err


def test_gap_notes_by_hand():
    d = np.array(["2020-01-03", "2020-01-06", "2020-01-07", "2020-01-17", "2020-01-20"],
                 dtype="datetime64[D]")
    # steps 3, 1, 10, 3: one gap over 7 days
    assert gap_notes(d) == ["1 gap longer than 7 calendar days between rows; the longest "
                            "2020-01-07 → 2020-01-17 (10 days) is taken as one return, with "
                            "no trading inside it"]
    assert gap_notes(d[:3]) == []
    months = np.array(["2000-01-31", "2000-02-29", "2000-03-31", "2000-05-31", "2000-06-30"],
                      dtype="datetime64[D]")
    # median step 30.5 days: a missing April (61 days) is over 1.6 x 30.5 = 48.8
    assert "1 gap longer than 49 calendar days" in gap_notes(months)[0]


def test_holidays_are_not_gaps():
    d = np.array(["2019-12-20", "2019-12-23", "2019-12-24", "2019-12-26", "2019-12-27",
                  "2019-12-30", "2020-01-02"], dtype="datetime64[D]")
    assert gap_notes(d) == []


@pytest.mark.parametrize(("price", "ok"), [('"430,50"', False), ('"10,5"', False),
                                           ('"1,430.50"', True), ('"1,430"', True),
                                           ('"14,30.5"', False)])
def test_decimal_comma_refused_in_trades(cli, tmp_path, price, ok):
    trades = (REPO / "examples" / "tax" / "trades.csv").read_text()
    path = tmp_path / "t.csv"
    path.write_text(trades.replace(",430.00,", f",{price},", 1))
    ran = cli("tax", "audit", str(path), "--household",
              str(REPO / "examples" / "tax" / "household.yaml"), "--json")
    if ok:
        assert ran.code == 0, ran.err
    else:
        one_line_error(ran, "line 2", "field 'price'", "groups of three digits")
