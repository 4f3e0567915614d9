"""``rebal alts project`` and ``rebal alts pacing``: figures by hand, the --json equal to
the service's, and one-line errors naming the file and key."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FUND = """\
  - id: f1
    asset_class: private_equity
    commitment_usd: 1000
    vintage: 2010
    called_usd: {called}
    distributed_usd: {distributed}
    remaining_life_years: 10
    model: {{contribution_rates: [0.5], bow: 1, growth: 0.0, yield_rate: 0, life_years: 10}}
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "funds.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_project_by_hand(cli, tmp_path):
    f = _write(tmp_path, "as_of: 2011-01-01\nfunds:\n" + FUND.format(called=500, distributed=0))
    code, out, err = cli("alts", "project", f, "--years", "2", "--json")
    assert code == 0, err
    d = json.loads(out)
    fund = d["funds"][0]
    assert fund["unfunded_usd"] == 500 and fund["exposure_usd"]["nav"] == 500  # at cost
    assert fund["exposure_usd"]["nav_plus_unfunded"] == 1000
    assert fund["exposure_usd"]["proxy_rolled"] is None and fund["proxy_note"] == "no proxy given"
    # fund year 2 (L = 1 + 10 = 11): calls 0.5 of 500 = 250 over 12 months; 3 months:
    # 500 * (1 - 0.5^(3/12))
    assert fund["projected_calls_usd"]["next_3_months"] == pytest.approx(500 * (1 - 0.5 ** 0.25))
    assert fund["projected_calls_usd"]["next_12_months"] == pytest.approx(250.0)
    assert [y["calls_usd"] for y in d["by_year"]] == pytest.approx([250.0, 125.0])
    assert [y["unfunded_usd"] for y in d["by_year"]] == pytest.approx([250.0, 125.0])
    assert d["valuation_date"] == "2011-01-01"
    code, text, _ = cli("alts", "project", f, "--years", "2")
    assert code == 0 and "$250.00" in text and "no proxy given" in text


def test_project_json_equals_service(cli, capsys):
    from rebal.cli.console import print_json
    from rebal.services.alternatives import ProjectRequest, alts_project

    ex = str(ROOT / "examples" / "alternatives" / "funds.yaml")
    code, out, _ = cli("alts", "project", ex, "--json")
    assert code == 0
    print_json(alts_project(ProjectRequest(file=ex)).to_dict())
    assert json.loads(out) == json.loads(capsys.readouterr().out)


def test_proxy_rolled_against_the_dataset(cli, tmp_path):
    import csv

    text = ("as_of: 2011-06-30\nfunds:\n" + FUND.format(called=500, distributed=0)
            + "    nav_usd: 600\n    nav_as_of: 2010-12-31\n    proxy: US_MKT\n")
    f = _write(tmp_path, text)
    code, out, err = cli("alts", "project", f, "--years", "1", "--prices", "us_monthly", "--json")
    assert code == 0, err
    with gzip.open(ROOT / "src" / "rebal" / "datasets" / "files" / "us_monthly.csv.gz",
                   "rt") as fh:
        rows = {r["date"]: float(r["US_MKT"]) for r in csv.DictReader(fh)}
    growth = rows["2011-06-30"] / rows["2010-12-31"] - 1
    fund = json.loads(out)["funds"][0]
    assert fund["proxy_growth"] == pytest.approx(growth, rel=1e-12)
    assert fund["exposure_usd"]["proxy_rolled"] == pytest.approx(600 * (1 + growth))


@pytest.mark.parametrize(("fund", "extra", "message"), [
    (FUND.format(called=1200, distributed=0), (), "funds[0].called_usd: called_usd must be <= "),
    (FUND.format(called=0, distributed=50), (),
     "funds[0].distributed_usd: distributed_usd is 50.00 but nothing is called"),
    (FUND.format(called=100, distributed=0) + "    nav_usd: 90\n    nav_as_of: 2012-03-31\n", (),
     "funds[0].nav_as_of: nav_as_of (2012-03-31) is after the valuation date (2011-01-01)"),
    (FUND.format(called=100, distributed=0) + "    proxy: IWM\n", ("--prices", "us_monthly"),
     "funds[0].proxy: proxy 'IWM' is not in the prices"),
    (FUND.format(called=100, distributed=0) + "    colour: red\n", (),
     "funds[0].colour: unknown key 'colour'"),
    (FUND.format(called=100, distributed=0).replace("private_equity", "hedge_fund")
     .replace("    model: {contribution_rates: [0.5], bow: 1, growth: 0.0, yield_rate: 0, "
              "life_years: 10}\n", ""), (),
     "funds[0].asset_class: fund 'f1': no cash-flow model for asset class 'hedge_fund'"),
    (FUND.format(called=100, distributed=0).replace("bow: 1", "bow: -1"), (),
     "funds[0].model.bow: bow must be > 0"),
])
def test_bad_files_one_line_naming_file_and_key(cli, tmp_path, fund, extra, message):
    f = _write(tmp_path, "as_of: 2011-01-01\nfunds:\n" + fund)
    code, out, err = cli("alts", "project", f, *extra)
    assert code == 2 and out == ""
    line = " ".join(err.split())  # rich wraps long lines on stderr
    assert f"{f}, {message}" in line, err
    assert "Traceback" not in err


def test_pacing_cli_by_hand_and_errors(cli):
    code, out, err = cli("alts", "pacing", "--target", "0.1", "--liquid", "1000", "--growth",
                         "0.1", "--start-year", "2005", "--years", "1", "--lookahead", "1",
                         "--model", "venture", "--json")
    assert code == 0, err
    d = json.loads(out)
    # venture year 1: a dollar's NAV is 0.25 and the total is 1000 * 1.1 whatever K:
    # K = 0.1 * 1100 / 0.25 = 440
    assert d["years"][0]["commitment_usd"] == pytest.approx(440.0)
    assert d["years"][0]["private_weight"] == pytest.approx(0.10)
    code, _, err = cli("alts", "pacing", "--target", "1.5", "--liquid", "1000")
    assert code == 2 and "--target: target_weight must be < 1" in err
    code, _, err = cli("alts", "pacing", "--target", "0.1", "--liquid", "1000", "--model", "x")
    assert code == 2 and "--model must be one of venture, buyout, real_estate, got 'x'" in err


def test_pacing_counts_the_funds_held(cli, tmp_path):
    f = _write(tmp_path, "funds:\n" + FUND.format(called=0, distributed=0).replace(
        "vintage: 2010", "vintage: 2030"))
    args = ("alts", "pacing", "--target", "0.1", "--liquid", "10000", "--growth", "0",
            "--start-year", "2030", "--years", "1", "--lookahead", "1", "--model", "venture",
            "--json")
    code, out, err = cli(*args)
    assert code == 0, err
    alone = json.loads(out)["years"][0]["commitment_usd"]
    assert alone == pytest.approx(0.1 * 10000 / 0.25)  # venture: a dollar's year-1 NAV is 0.25
    code, out, err = cli(*args, "--funds", f)
    assert code == 0, err
    # the held 2030 fund (RC 50 %) already calls 500 of its 1000 into NAV in 2030: the gap
    # left is 1000 - 500 = 500, at 0.25 of NAV per dollar committed
    assert json.loads(out)["years"][0]["commitment_usd"] == pytest.approx(500 / 0.25)


def test_results_round_trip_through_the_codec():
    from rebal.services import codec
    from rebal.services.alternatives import (
        PacingRequest,
        ProjectRequest,
        alts_pacing,
        alts_project,
    )

    ex = str(ROOT / "examples" / "alternatives" / "funds.yaml")
    for run in (alts_project(ProjectRequest(file=ex, years=3)),
                alts_pacing(PacingRequest(target_weight=0.15, liquid_usd=1e6, liquid_growth=0.06,
                                          start_year=2026, years=3, funds_file=ex))):
        text = codec.to_json(run)
        back = codec.from_json(text)
        assert type(back) is type(run) and codec.to_json(back) == text
        assert json.dumps(back.to_dict(), default=str) == json.dumps(run.to_dict(), default=str)


def test_ids_and_dates_with_times(cli, tmp_path):
    fund = FUND.format(called=100, distributed=0)
    f = _write(tmp_path, "as_of: 2011-01-01 12:00:00\nfunds:\n" + fund.replace("id: f1", "id:")
               + "    nav_usd: 90\n    nav_as_of: 2010-12-31 18:00:00\n")
    code, _, err = cli("alts", "project", f)
    assert code == 2 and f"{f}, funds[0].id: id must be a text, got None" in " ".join(err.split())
    f = _write(tmp_path, "as_of: 2011-01-01 12:00:00\nfunds:\n" + fund
               + "    nav_usd: 90\n    nav_as_of: 2010-12-31 18:00:00\n")
    code, out, err = cli("alts", "project", f, "--years", "1", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["valuation_date"] == "2011-01-01" and d["funds"][0]["nav_as_of"] == "2010-12-31"
