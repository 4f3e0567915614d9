"""``rebal factors`` and ``rebal data fetch french``: closed-form loadings on the shipped
monthly data, the report, the JSON round trip, one-line errors, the offline download."""

from __future__ import annotations

import io
import json
import urllib.error
import zipfile

import numpy as np
import pytest

from rebal.datasets import resolve_prices
from rebal.services import codec
from rebal.services.factors import FactorsRequest, factors


@pytest.fixture(scope="module")
def ff_file(tmp_path_factory):
    """A French-layout monthly file built from the shipped ``us_monthly`` data:
    Mkt-RF = US_MKT − TBILL, RF = TBILL, and two unrelated factors (seeded noise)."""
    m = resolve_prices("us_monthly")
    r = m.prices[1:] / m.prices[:-1] - 1
    mkt, rf = r[:, m.assets.index("US_MKT")], r[:, m.assets.index("TBILL")]
    rng = np.random.default_rng(0)
    smb, hml = rng.normal(0, 0.03, (2, r.shape[0]))
    lines = ["This file was made by a test from rebal's us_monthly dataset.", "",
             ",Mkt-RF,SMB,HML,RF"]
    for d, row in zip(m.dates[1:], np.column_stack([mkt - rf, smb, hml, rf]), strict=True):
        lines.append(str(d)[:7].replace("-", "") + "," + ",".join(f"{100 * x:.10f}" for x in row))
    lines += ["", " Annual Factors: January-December ", ",Mkt-RF,SMB,HML,RF",
              "1927,1,2,3,4", "", "Copyright 2026"]
    path = tmp_path_factory.mktemp("ff") / "F-F_Research_Data_Factors.CSV"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_market_fund_loads_one_on_the_market_and_nothing_else(cli, ff_file):
    code, out, err = cli("factors", "--factors", str(ff_file), "--prices", "us_monthly",
                         "--target", "US_MKT=0.6,CORP_AAA=0.4", "--bands", "HML=0.1",
                         "--window", "60", "--json")
    assert code == 0, err
    doc = json.loads(out)
    us = doc["loadings"]["US_MKT"]
    assert us["beta"]["Mkt-RF"] == pytest.approx(1.0, abs=1e-9)
    assert us["beta"]["SMB"] == pytest.approx(0.0, abs=1e-9)
    assert us["r2"] == pytest.approx(1.0, abs=1e-9)
    assert doc["date"] == "2018-11-30" and doc["window_rows"] == 60
    # the target's exposure is the value-weighted loading
    corp = doc["loadings"]["CORP_AAA"]["beta"]
    for k in ("Mkt-RF", "SMB", "HML"):
        assert doc["exposure_target"][k] == pytest.approx(0.6 * us["beta"][k] + 0.4 * corp[k])


def test_table_report_and_bands(cli, ff_file, tmp_path):
    report = tmp_path / "f.html"
    code, out, err = cli("factors", "--factors", str(ff_file), "--prices", "us_monthly",
                         "--target", "US_MKT=0.6,CORP_AAA=0.4", "--bands", "HML=0.1,SMB=0.05",
                         "--start", "1990-01-01", "--report", str(report))
    assert code == 0, err
    assert "US_MKT" in out and "+1.00 ± 0.00" in out and "HML: drift under buy-and-hold" in out
    page = report.read_text()
    for anchor in ('id="loadings"', 'id="exposures"', 'id="drift"'):
        assert anchor in page
    run = factors(FactorsRequest(factors=str(ff_file), prices="us_monthly", start="1990-01-01",
                                 target={"US_MKT": 0.6, "CORP_AAA": 0.4},
                                 bands={"HML": 0.1, "SMB": 0.05}))
    # the count the page states, recomputed from the weights by hand
    p = run.weights  # buy-and-hold weights (the default policy)
    m = resolve_prices("us_monthly").between("1990-01-01", None).select(["US_MKT", "CORP_AAA"])
    hand = 0.6 * m.prices / m.prices[0] * [1, 0] + 0.4 * m.prices / m.prices[0] * [0, 1]
    np.testing.assert_allclose(p, hand / hand.sum(axis=1, keepdims=True))
    k = run.names.index("SMB")
    drift = np.einsum("ta,ta->t", p - run.target, run.beta[:, :, k])
    n = int((np.abs(drift) > 0.05).sum())
    assert f"SMB: {n} of {len(run.dates)} rows beyond ±0.05" in page


def test_factors_run_round_trips_exactly(ff_file):
    run = factors(FactorsRequest(factors=str(ff_file), prices="us_monthly",
                                 target={"US_MKT": 1.0}, bands={"HML": 0.1}))
    back = codec.from_json(codec.to_json(run))
    assert json.dumps(back.to_dict(), sort_keys=True) == json.dumps(run.to_dict(), sort_keys=True)
    assert back.beta.tobytes() == run.beta.tobytes()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((), r"F-F_Research_Data_Factors\.CSV, field 'Date': the factor table is monthly but "
             r"the prices are daily"),
        (("--prices", "us_monthly", "--use", "Mkt-RF,RMW"),
         r"F-F_Research_Data_Factors\.CSV, field 'RMW': no factor column 'RMW'"),
        (("--prices", "us_monthly", "--window", "5000"),
         r"F-F_Research_Data_Factors\.CSV, field 'window': window of 5000 rows is longer"),
        (("--prices", "us_monthly", "--bands", "HML=-1"), r"--bands: bad item 'HML=-1'"),
        (("--prices", "us_monthly", "--bands", "RMW=0.1"), r"--bands names 'RMW'"),
        (("--prices", "us_monthly", "--table", "daily"), r"no daily table in the file"),
        (("--prices", "us_monthly", "--report", "/no/such/dir/f.html"),
         r"--report /no/such/dir/f.html: folder /no/such/dir does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2(cli, ff_file, args, match):
    import re

    code, stdout, err = cli("factors", "--factors", str(ff_file), *args)
    assert code == 2 and stdout == ""
    assert re.search(match, err), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_fetch_offline_is_one_line_and_writes_nothing(cli, tmp_path, monkeypatch):
    def offline(*_a, **_k):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    code, out, err = cli("data", "fetch", "french", "F-F_Research_Data_Factors",
                         "--cache", str(tmp_path / "c"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "cannot download https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/" \
           "F-F_Research_Data_Factors_CSV.zip (offline?" in err
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_fetch_caches_a_valid_download(cli, tmp_path, monkeypatch, ff_file):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(ff_file, "F-F_Research_Data_Factors.CSV")
    calls = []

    class Resp(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake(url, timeout):
        calls.append(url)
        return Resp(buf.getvalue())

    monkeypatch.setattr("urllib.request.urlopen", fake)
    cache = tmp_path / "c"
    code, out, err = cli("data", "fetch", "french", "F-F_Research_Data_Factors_CSV.zip",
                         "--cache", str(cache))
    assert code == 0, err
    path = cache / "F-F_Research_Data_Factors_CSV.zip"
    assert out.strip() == str(path) and path.exists()
    code, out2, _ = cli("data", "fetch", "french", "F-F_Research_Data_Factors", "--cache",
                        str(cache))
    assert code == 0 and out2 == out and len(calls) == 1  # the cache answered
    code, out3, _ = cli("factors", "--factors", str(path), "--prices", "us_monthly", "--json")
    assert code == 0 and json.loads(out3)["loadings"]["US_MKT"]["beta"]["Mkt-RF"] == \
        pytest.approx(1.0, abs=1e-9)


def test_fetch_rejects_a_page_that_is_not_a_factor_file(cli, tmp_path, monkeypatch):
    class Resp(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr("urllib.request.urlopen",
                        lambda url, timeout: Resp(b"<html>moved</html>"))
    code, _, err = cli("data", "fetch", "french", "X", "--cache", str(tmp_path))
    assert code == 2 and "is not a factor file" in err
    assert list(tmp_path.iterdir()) == []


def test_api_returns_what_the_cli_prints(cli, ff_file, capsys):
    import rebal
    from rebal.cli.console import print_json

    code, out, _ = cli("factors", "--factors", str(ff_file), "--prices", "us_monthly",
                       "--target", "US_MKT=0.6,CORP_AAA=0.4", "--bands", "HML=0.1", "--json")
    assert code == 0
    run = rebal.factor_exposures(ff_file, "us_monthly", {"US_MKT": 0.6, "CORP_AAA": 0.4},
                                 bands={"HML": 0.1})
    print_json(run.to_dict())
    assert json.loads(out) == json.loads(capsys.readouterr().out)


def test_drift_under_the_factor_band_policy_stays_in_its_band(ff_file):
    """The report's drift under ``factor-band`` (same file, window and band) is within the
    band on every look row with loadings, and it rebalanced; under buy-and-hold it is not."""
    policy = f"factor-band:file={ff_file},on=Mkt-RF,band=0.03,window=36"
    kw = {"factors": str(ff_file), "prices": "us_monthly", "target": {"US_MKT": 0.6,
          "CORP_AAA": 0.4}, "bands": {"Mkt-RF": 0.03}, "start": "1960-01-01"}
    run = factors(FactorsRequest(policy=policy, **kw))
    k = run.names.index("Mkt-RF")
    d = run.drift[36:-1, k]  # look rows with loadings (the last row is never a look)
    assert len(run.rebalance_days) > 5 and run.policy == policy
    assert np.abs(d).max() <= 0.03 + 1e-12
    hold = factors(FactorsRequest(**kw))
    assert np.abs(hold.drift[36:-1, k]).max() > 0.03 and hold.rebalance_days == ()


def test_fetch_unknown_name_and_bad_name(cli, tmp_path, monkeypatch):
    def missing(url, timeout):
        raise urllib.error.HTTPError(url, 404, "Not Found", None, None)

    monkeypatch.setattr("urllib.request.urlopen", missing)
    code, _, err = cli("data", "fetch", "french", "No_Such_File", "--cache", str(tmp_path))
    assert code == 2 and err.count("\n") == 1
    assert "the French library has no file 'No_Such_File' (HTTP 404" in err
    code, _, err = cli("data", "fetch", "french", "../etc/passwd", "--cache", str(tmp_path))
    assert code == 2 and "not a French-library file name: '../etc/passwd'" in err
    code, _, err = cli("data", "fetch", "yahoo", "SPY")
    assert code == 2 and "unknown source 'yahoo'" in err


def test_drift_table_is_the_last_row_of_each_year(ff_file):
    from rebal.reports.factors import drift_table

    run = factors(FactorsRequest(factors=str(ff_file), prices="us_monthly",
                                 target={"US_MKT": 0.6, "CORP_AAA": 0.4},
                                 bands={"Mkt-RF": 0.02}, end="2010-06-30"))
    table = drift_table(run, max_rows=3)
    assert [r[0] for r in table.rows] == ["2008-12-31", "2009-12-31", "2010-06-30"]
    t = int(np.flatnonzero(run.dates == np.datetime64("2009-12-31"))[0])
    d = float(run.drift[t, 0])
    assert table.rows[1][3] == f"{d:+.3f}" + (" *" if abs(d) > 0.02 else "")
    assert table.rows[1][1] == f"{run.exposure_target[t, 0]:+.3f}"
