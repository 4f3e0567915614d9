"""Bad command-line values and output paths end in one line naming the flag, exit 2, and
nothing written (issue 14, "Tracebacks", "Accepted silently", "Messages")."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from robust_helpers import one_line_error

REPO = Path(__file__).resolve().parents[2]
HOUSEHOLD = REPO / "examples" / "households" / "diy_small.yaml"
STUDY = REPO / "examples" / "studies" / "default_core.yaml"


@pytest.mark.parametrize(("flag", "value", "why"), [
    ("--start", "2020/01/01", "expected YYYY-MM-DD"),
    ("--start", "2010-02-30", "no such day"),
    ("--start", "2010", "expected YYYY-MM-DD"),
    ("--start", "", "expected YYYY-MM-DD"),
    ("--end", "2011-02-29", "no such day"),
    ("--end", "abc", "expected YYYY-MM-DD"),
])
def test_bad_dates_name_the_flag(cli, flag, value, why):
    one_line_error(cli("backtest", flag, value), f"{flag}: {value!r} is not a date", why)


def test_end_before_start_says_so(cli):
    one_line_error(cli("backtest", "--start", "2015-01-01", "--end", "2010-01-01"),
                   "--end 2010-01-01 is before --start 2015-01-01")


def test_start_before_the_data_is_a_note(cli):
    ran = cli("backtest", "--start", "1900-01-01", "--end", "2099-12-31", "--json")
    assert ran.code == 0
    notes = json.loads(ran.out)["data"]["notes"]
    assert "--start 1900-01-01 is before the data's first row; the backtest starts on " \
           "1993-01-29" in notes
    assert "--end 2099-12-31 is after the data's last row; the backtest ends on 2017-02-28" \
           in notes
    text = cli("backtest", "--start", "1900-01-01")
    assert "note: --start 1900-01-01 is before the data's first row" in text.err


@pytest.mark.parametrize(("argv", "needles"), [
    (["--cost-bps", "-5"], ["--cost-bps must be >= 0, got -5"]),
    (["--cost-bps", "20000"], ["--cost-bps must be <= 1000"]),
    (["--fixed-cost", "-1"], ["--fixed-cost must be >= 0"]),
    (["--min-trade", "-10"], ["--min-trade must be >= 0"]),
    (["--initial", "0"], ["--initial must be > 0"]),
    (["--contribution", "nan"], ["--contribution must be finite"]),
    (["--target", "US_MKT=0.6"], ["--target weights must sum to 1"]),
    (["--flow-frequency", "weekly"], ["--flow-frequency weekly needs --contribution"]),
    (["--kind", "returns"], ["--kind: only for a prices file"]),
    (["--target", "XYZ=1"], ["--target: unknown asset 'XYZ'"]),
    (["--target", "US_MKT=-0.2,UST_INT=1.2"], ["--target US_MKT must be a finite weight"]),
    (["--start", "9999-01-01"], ["--start 9999-01-01 is after the data's last row 2017-02-28"]),
    (["--end", "1900-01-01"], ["--end 1900-01-01 is before the data's first row 1993-01-29"]),
])
def test_backtest_errors_name_the_flag(cli, argv, needles):
    ran = cli("backtest", *argv)
    one_line_error(ran, *needles)
    for internal in ("CostModel", "CashFlows", "initial_usd"):
        assert internal not in ran.err


@pytest.mark.parametrize(("argv", "needle"), [
    (["--income", "-50000"], "--income must be >= 0, got -50000"),
    (["--income", "nan"], "--income must be a finite number"),
    (["--state-rate", "5"], "--state-rate is a fraction (0.05 = 5%), got 5"),
    (["--st-carryforward", "-100"], "--st-carryforward must be >= 0"),
    (["--qualified-dividends", "-5"], "--qualified-dividends must be >= 0"),
    (["--income", "1000", "--investment-income", "5000"], "at most --income"),
])
def test_tax_estimate_refuses_nonsense(cli, argv, needle):
    ran = cli("tax", "estimate", *argv)
    one_line_error(ran, needle)
    assert "federal_tax" not in ran.err


def test_tax_estimate_negative_gains_are_losses(cli):
    assert cli("tax", "estimate", "--income", "50000", "--st", "-3000").code == 0


def test_compare_bootstrap_negative(cli, tmp_path):
    one_line_error(cli("compare", str(STUDY), "--bootstrap", "-5"), "--bootstrap must be 0")
    one_line_error(cli("compare", str(STUDY), "--bootstrap", "1"), "at least 20")


# -- outputs: every path checked before anything is written -----------------------------


def test_plan_orders_then_report_dir_writes_nothing(cli, tmp_path):
    orders = tmp_path / "o.csv"
    one_line_error(cli("plan", str(HOUSEHOLD), "--orders", str(orders), "--report",
                       str(tmp_path)), f"--report {tmp_path}: is a folder")
    assert not orders.exists()


@pytest.mark.parametrize("flag", ["--orders", "--report"])
def test_plan_output_is_a_dir(cli, tmp_path, flag):
    one_line_error(cli("plan", str(HOUSEHOLD), flag, str(tmp_path)),
                   f"{flag} {tmp_path}: is a folder")


def test_plan_output_folder_missing(cli, tmp_path):
    one_line_error(cli("plan", str(HOUSEHOLD), "--orders", str(tmp_path / "no" / "o.csv")),
                   "--orders", "does not exist")


def test_plan_two_flags_one_file(cli, tmp_path):
    same = str(tmp_path / "x")
    one_line_error(cli("plan", str(HOUSEHOLD), "--orders", same, "--report", same),
                   "name the same file")
    assert not Path(same).exists()


def test_compare_report_dir(cli, tmp_path):
    one_line_error(cli("compare", str(STUDY), "--report", str(tmp_path)), "--report", "is a folder")


@pytest.mark.parametrize("sub", ["", "/inside"])
def test_demo_out_is_a_file(cli, tmp_path, sub):
    f = tmp_path / "f.txt"
    f.write_text("x")
    one_line_error(cli("demo", "--quiet", "--out", str(f) + sub), "--out", "a file")
    assert f.read_text() == "x"


# -- price files ----------------------------------------------------------------------------


def _prices(sep: str = ",", date: str = "date") -> str:
    rows = [sep.join([date, "A", "B"])]
    for i in range(40):
        rows.append(sep.join([f"2020-02-{i + 1:02d}" if i < 28 else f"2020-03-{i - 27:02d}",
                              f"{100 + i:.2f}", f"{100 - i / 2:.2f}"]))
    return "\n".join(rows) + "\n"


def test_corrupt_gz_is_one_line(cli, tmp_path):
    path = tmp_path / "p.csv.gz"
    path.write_bytes(gzip.compress(_prices().encode())[:60] + b"\x00garbage")
    one_line_error(cli("backtest", "--prices", str(path), "--target", "A=0.5,B=0.5"),
                   str(path), "damaged or not gzip")


def test_semicolon_file_points_to_sep(cli, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(_prices(";"))
    one_line_error(cli("backtest", "--prices", str(path), "--target", "A=0.5,B=0.5"),
                   str(path), "line 1", "--sep ';'")
    ran = cli("backtest", "--prices", str(path), "--target", "A=0.5,B=0.5", "--sep", ";",
              "--json")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["final_value"] > 0


def test_tab_separator_by_name(cli, tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text(_prices("\t"))
    assert cli("backtest", "--prices", str(path), "--target", "A=0.5,B=0.5", "--sep",
               "tab").code == 0


def test_date_column_flag(cli, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(_prices(date="when"))
    one_line_error(cli("backtest", "--prices", str(path), "--target", "A=0.5,B=0.5"),
                   "missing date column", "--date-column")
    assert cli("backtest", "--prices", str(path), "--target", "A=0.5,B=0.5",
               "--date-column", "when").code == 0


def test_bad_sep(cli, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(_prices())
    one_line_error(cli("backtest", "--prices", str(path), "--target", "A=0.5,B=0.5",
                       "--sep", "ab"), "--sep: 'ab' is not a separator")


def test_prices_path_is_a_dir(cli, tmp_path):
    one_line_error(cli("backtest", "--prices", str(tmp_path), "--target", "A=0.5,B=0.5"),
                   "is a directory")


@pytest.mark.parametrize(("argv", "needle"), [
    (["--tax-budget", "-5"], "--tax-budget must be a finite amount >= 0"),
    (["--monthly-contribution", "500"], "--monthly-contribution needs --months"),
])
def test_plan_flags_refused(cli, argv, needle):
    one_line_error(cli("plan", str(HOUSEHOLD), *argv), needle)


def test_long_bad_value_in_household_is_cut(cli, tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(HOUSEHOLD.read_text().replace("filing_status: single",
                                                  "filing_status: " + "y" * 100_000))
    ran = cli("plan", str(path))
    one_line_error(ran, "filing_status", "100,000 characters")
    assert len(ran.err) < 500


def test_control_characters_in_yaml(cli, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("\x00\x01 junk")
    one_line_error(cli("compare", str(path)), "invalid YAML")


def _study(tmp_path: Path, data: str) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(f"title: t\ndata: {{prices: us_daily, assets: [US_MKT, UST_INT], {data}}}\n"
                    "target: {US_MKT: 0.6, UST_INT: 0.4}\npolicies: {A: annual}\n")
    return str(path)


def test_study_end_before_start_says_so(cli, tmp_path):
    one_line_error(cli("compare", _study(tmp_path, "start: 2015-01-01, end: 2010-01-01")),
                   "data.end 2010-01-01 is before data.start 2015-01-01")


def test_study_span_outside_the_data_is_a_note(cli, tmp_path):
    path = _study(tmp_path, "start: 1900-01-01, end: 2030-01-01")
    ran = cli("compare", path)
    assert ran.code == 0
    assert "note: data.start 1900-01-01 is before the data's first row; the study starts on " \
           "1993-01-29" in ran.err
    assert "note: data.end 2030-01-01 is after the data's last row; the study ends on " \
           "2017-02-28" in ran.err
    notes = json.loads(cli("compare", path, "--json").out)["data"]["notes"]
    assert any(n.startswith("data.start 1900-01-01") for n in notes)


def test_audit_year_without_sales_says_so(cli):
    ran = cli("tax", "audit", str(REPO / "examples" / "tax" / "trades.csv"), "--household",
              str(REPO / "examples" / "tax" / "household.yaml"), "--year", "1800")
    assert ran.code == 0
    assert "note: no sales in 1800; the history's sales are in 2024–2025" in ran.err


def test_short_study_has_no_annual_rates(cli, tmp_path):
    path = _study(tmp_path, "start: 2015-01-01, end: 2015-03-31")
    ran = cli("compare", path, "--json")
    assert ran.code == 0, ran.err
    data = json.loads(ran.out)
    assert data["rows"]
    for row in data["rows"]:
        assert row["cagr"] is None and row["annual_volatility"] is None, row
        assert row["max_drawdown"] is not None
    assert any("undefined for less than a year" in n for n in data["data"]["notes"])
    text = cli("compare", path)
    assert "note: the data spans 62 rows" in text.err


def test_study_span_note_with_quiet(cli, tmp_path):
    ran = cli("compare", _study(tmp_path, "start: 1900-01-01"), "--quiet")
    assert ran.code == 0
    assert "note: data.start 1900-01-01 is before the data's first row" in ran.err
