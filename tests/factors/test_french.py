"""The French-library reader: files as users download them, and the shared real files."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from factor_files import DAILY_RAW, MOM_RAW, MONTHLY_RAW, data_file

from rebal.data.french import align_factors, frequency_of, read_french
from rebal.errors import InputError


@pytest.fixture
def monthly(tmp_path):
    path = tmp_path / "F-F_Research_Data_Factors.CSV"
    path.write_text(MONTHLY_RAW)
    return path


def test_monthly_table_skips_preamble_and_reads_percent_as_fractions(monthly):
    t = read_french(monthly)
    assert t.frequency == "monthly"
    assert t.names == ("Mkt-RF", "SMB", "HML")
    assert t.dates.tolist() == [np.datetime64(d) for d in
                                ("1926-07-31", "1926-08-31", "1926-09-30", "1926-10-31")]
    np.testing.assert_allclose(t.returns[0], [0.0296, -0.0256, -0.0243])
    np.testing.assert_allclose(t.rf, [0.0022, 0.0025, 0.0023, 0.0032])
    assert np.isnan(t.returns[3, 1])  # -99.99 = missing
    assert t.lines.tolist() == [5, 6, 7, 8]


def test_annual_table_of_the_same_file(monthly):
    t = read_french(monthly, table="annual")
    assert t.frequency == "annual"
    assert t.dates.tolist() == [np.datetime64("1927-12-31"), np.datetime64("1928-12-31")]
    np.testing.assert_allclose(t.returns[:, 0], [0.2947, 0.3539])


def test_zip_reads_like_the_csv(monthly, tmp_path):
    z = tmp_path / "F-F_Research_Data_Factors_CSV.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(monthly, "F-F_Research_Data_Factors.CSV")
    a, b = read_french(monthly), read_french(z)
    np.testing.assert_array_equal(a.dates, b.dates)
    np.testing.assert_array_equal(a.returns, b.returns)


def test_daily_and_momentum_files(tmp_path):
    d = tmp_path / "daily.csv"
    d.write_text(DAILY_RAW)
    t = read_french(d)
    assert t.frequency == "daily" and t.dates[2] == np.datetime64("1926-07-06")
    m = tmp_path / "F-F_Momentum_Factor.CSV"
    m.write_text(MOM_RAW)
    mom = read_french(m)
    assert mom.names == ("Mom",) and mom.rf is None
    np.testing.assert_allclose(mom.returns[:, 0], [0.0057, -0.015])
    assert read_french(m, table="annual").returns[0, 0] == pytest.approx(0.2812)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (MONTHLY_RAW.replace("   -1.17", "   x1.17"), r"line 6, field 'SMB': not a number"),
        (MONTHLY_RAW.replace("192609,", "192605,"), r"line 7, field 'Date': dates must increase"),
        ("just some text\nno table here\n", "no table of factor returns"),
        (MONTHLY_RAW.replace("192608,", "19260815,"), r"line 6, field 'Date': a daily date"),
    ],
)
def test_bad_files_are_one_line_errors_naming_file_line_and_column(tmp_path, text, match):
    path = tmp_path / "ff.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        read_french(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_table_and_missing_column(monthly):
    with pytest.raises(InputError, match="no daily table in the file"):
        read_french(monthly, table="daily")
    with pytest.raises(InputError, match=r"field 'RMW': no factor column 'RMW'") as info:
        read_french(monthly).select(("Mkt-RF", "RMW"))
    assert str(monthly) in str(info.value)


def test_alignment_and_frequency_mismatch(monthly):
    t = read_french(monthly)
    month_ends = np.array(["1926-07-31", "1926-08-31", "1926-09-30"], dtype="datetime64[D]")
    f, rf = align_factors(t, month_ends)
    np.testing.assert_allclose(f[:, 2], [-0.0243, 0.0382, 0.0013])
    np.testing.assert_allclose(rf, [0.0022, 0.0025, 0.0023])
    # month-start dates of the same months match too (one row per month)
    f2, _ = align_factors(t, month_ends.astype("datetime64[M]").astype("datetime64[D]"))
    np.testing.assert_array_equal(f, f2)
    days = np.arange(np.datetime64("1926-07-01"), np.datetime64("1926-07-20"))
    with pytest.raises(InputError, match=r"field 'Date': the factor table is monthly but "
                                         r"the prices are daily") as info:
        align_factors(t, days)
    assert str(monthly) in str(info.value)
    late = np.array(["1926-09-30", "1926-10-31", "1926-11-30"], dtype="datetime64[D]")
    with pytest.raises(InputError, match="no factor row for the price date 1926-11-30"):
        align_factors(t, late)


def test_frequency_of_dates():
    d = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-03-01"))
    assert frequency_of(d[np.is_busday(d)]) == "daily"
    assert frequency_of(np.arange(np.datetime64("2000-01"), np.datetime64("2001-01"))
                        .astype("datetime64[D]")) == "monthly"
    assert frequency_of(np.array(["2000-12-31", "2001-12-31", "2002-12-31"],
                                 dtype="datetime64[D]")) == "annual"


# --- the shared real files (ISO-dated copies of the library's tables) -----------------------

def test_us_market_2008_matches_the_published_figure():
    """README spot check: the French US market (Mkt-RF + RF) returned −36.75 % in 2008."""
    t = read_french(data_file("ff3_factors_monthly_pct_1926_2024.csv"))
    rows = (t.dates >= np.datetime64("2008-01-01")) & (t.dates <= np.datetime64("2008-12-31"))
    market = t.column("Mkt-RF")[rows] + t.rf[rows]
    assert rows.sum() == 12
    assert np.prod(1 + market) - 1 == pytest.approx(-0.3675, abs=0.0005)


@pytest.mark.parametrize(
    ("name", "freq", "factors"),
    [
        ("ff5_factors_monthly_pct_1963_2024.csv", "monthly",
         ("Mkt-RF", "SMB", "HML", "RMW", "CMA")),
        ("ff3_factors_daily_pct_1926_2024.csv", "daily", ("Mkt-RF", "SMB", "HML")),
        ("ff_developed_ex_us_5_factors_daily_pct_1990_2026.csv", "daily",
         ("Mkt-RF", "SMB", "HML", "RMW", "CMA")),
        ("ff_emerging_5_factors_monthly_pct_1992_2026.csv", "monthly",
         ("Mkt-RF", "SMB", "HML", "RMW", "CMA")),
    ],
)
def test_shared_files_read(name, freq, factors):
    t = read_french(data_file(name))
    assert t.frequency == freq and t.names == factors and t.rf is not None
    assert np.isfinite(t.returns).all()
    assert 0 < np.nanmedian(t.rf) < 0.01  # fractions, not percent
    assert np.abs(t.returns).max() < 1


def test_an_impossible_date_names_its_line(tmp_path):
    path = tmp_path / "ff.csv"
    path.write_text(MONTHLY_RAW.replace("192609,", "192613,"))
    with pytest.raises(InputError, match=r"line 7, field 'Date': not a date: '1926-13'"):
        read_french(path)


def test_a_file_saved_by_excel_reads_the_same(tmp_path, monthly):
    """A byte-order mark, Windows line ends and trailing commas change nothing."""
    path = tmp_path / "excel.csv"
    text = ",Mkt-RF,SMB,HML,RF\r\n" + "".join(
        line + ",\r\n" for line in MONTHLY_RAW.splitlines()[4:8])
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    a, b = read_french(path), read_french(monthly)
    np.testing.assert_array_equal(a.dates, b.dates)
    np.testing.assert_array_equal(a.returns, b.returns)
