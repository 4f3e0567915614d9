"""Loading market data files: good layouts and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rebal.data.loaders import attach_aux, load_prices, load_series
from rebal.errors import ConfigError, DataError, InputError

WIDE = """date,AAA,BBB,TB
2021-01-04,100,50,1.0
2021-01-05,101,49,1.0001
2021-01-06,102.01,49.49,1.0002
2021-01-07,99.9698,50,1.0003
"""


def write(tmp_path: Path, text: str, name: str = "p.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_wide_prices(tmp_path):
    m = load_prices(write(tmp_path, WIDE), risk_free="TB")
    assert m.assets == ("AAA", "BBB", "TB")
    assert [str(d) for d in m.dates] == ["2021-01-04", "2021-01-05", "2021-01-06", "2021-01-07"]
    np.testing.assert_allclose(m.returns()[:, 0], [0, 0.01, 0.01, -0.02])
    np.testing.assert_allclose(m.risk_free, [0, 1e-4, 1.0002 / 1.0001 - 1, 1.0003 / 1.0002 - 1])
    assert m.periods_per_year == 252
    assert m.notes == ()


def test_assets_subset_order_and_window(tmp_path):
    m = load_prices(
        write(tmp_path, WIDE), assets=["BBB", "AAA"], risk_free="TB", start="2021-01-05"
    )
    assert m.assets == ("BBB", "AAA")
    assert m.n_days == 3 and m.risk_free is not None and m.risk_free[0] == 0.0


def test_long_layout_equals_wide(tmp_path):
    rows = ["symbol,date,close"]
    for line in WIDE.splitlines()[1:]:
        d, a, b, _ = line.split(",")
        rows += [f"BBB,{d},{b}", f"AAA,{d},{a}"]
    m = load_prices(write(tmp_path, "\n".join(rows) + "\n"), assets=["AAA", "BBB"])
    w = load_prices(write(tmp_path, WIDE, "w.csv"), assets=["AAA", "BBB"])
    np.testing.assert_array_equal(m.prices, w.prices)
    np.testing.assert_array_equal(m.dates, w.dates)


def test_parquet_and_returns(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "Date": pa.array(
                np.array(["2020-01-31", "2020-02-29", "2020-03-31"], dtype="datetime64[D]")
            ),
            "X": [0.5, 0.10, -0.20],
            "RF": [0.01, 0.002, 0.001],
        }
    )
    path = tmp_path / "r.parquet"
    pq.write_table(table, path)
    m = load_prices(path, kind="returns", risk_free="RF")
    assert m.periods_per_year == 12
    np.testing.assert_allclose(m.prices[:, 0], [1.0, 1.1, 0.88])
    np.testing.assert_allclose(m.risk_free, [0.0, 0.002, 0.001])
    assert "not used" in m.notes[0]


def test_gzip_csv_with_time_and_offset(tmp_path):
    import gzip

    path = tmp_path / "p.csv.gz"
    path.write_bytes(
        gzip.compress(b"date,A\n2020-01-02 00:00:00+00:00,1\n2020-01-03T00:00:00Z,2\n")
    )
    assert load_prices(path).prices[:, 0].tolist() == [1.0, 2.0]


def test_alignment_to_common_span(tmp_path):
    text = "date,A,B\n2020-01-01,1,\n2020-01-02,1.1,NaN\n2020-01-03,1.2,5\n2020-01-06,1.3,5.5\n"
    m = load_prices(write(tmp_path, text))
    assert m.n_days == 2 and str(m.dates[0]) == "2020-01-03"
    assert m.notes == (
        "aligned to common span 2020-01-03 … 2020-01-06: dropped 2 rows before B's first price",
    )


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "date,A\n2020-01-02,1\n2020-13-03,2\n",
            "line 3, field 'date': unparsable date '2020-13-03'",
        ),
        (
            "date,A\n2020-01-02,1\n01/03/2020,2\n",
            "line 3, field 'date': unparsable date '01/03/2020'",
        ),
        (
            "date,A\n2020-01-02,1\n2020-01-02,2\n",
            "line 3, field 'date': duplicate date 2020-01-02 (also on line 2)",
        ),
        ("date,A\n2020-01-03,1\n2020-01-02,2\n", "line 3, field 'date': dates must increase"),
        ("date,A\n2020-01-02,1\n2020-01-03,abc\n", "line 3, field 'A': non-numeric value 'abc'"),
        ("date,A\n2020-01-02,1\n2020-01-03,0\n", "line 3, field 'A': non-positive price 0"),
        ("date,A\n2020-01-02,1\n2020-01-03,-2\n", "line 3, field 'A': non-positive price -2"),
        ("date,A\n2020-01-02,1\n2020-01-03,inf\n", "line 3, field 'A': value inf is not finite"),
        (
            "date,A,B\n2020-01-02,1,1\n2020-01-03,,1\n2020-01-06,1,1\n",
            "line 3, field 'A': missing price for A on 2020-01-03 "
            "(after its first price on 2020-01-02)",
        ),
        ("", ": the file is empty"),
        ("\n\n", ": the file is empty"),
        ("date,A\n", "line 2: no data rows after the header"),
        ("day_x,A\n2020-01-02,1\n", "line 1: missing date column"),
        ("date,A\n2020-01-02,1,3\n", "line 2: expected 2 fields like the header, got 3"),
        ("date,A,A\n2020-01-02,1,1\n", "line 1, field 'A': duplicate column name"),
        ("date,A\n\n2020-01-02,1\n\n2020-01-02,2\n", "line 5, field 'date': duplicate date"),
    ],
)
def test_bad_csv(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_prices(path)
    assert str(info.value).startswith(path + (", " if expected[0] != ":" else ""))
    assert expected in str(info.value)


def test_unknown_asset_and_date_column(tmp_path):
    path = write(tmp_path, WIDE)
    with pytest.raises(
        InputError, match=r"line 1, field 'ZZZ': unknown asset 'ZZZ'; the file has AAA, BBB, TB"
    ):
        load_prices(path, assets=["AAA", "ZZZ"])
    with pytest.raises(InputError, match=r"line 1, field 'when': missing date column 'when'"):
        load_prices(path, date_column="when")
    with pytest.raises(InputError, match=r"field 'RF': unknown risk-free column 'RF'"):
        load_prices(path, risk_free="RF")


def test_bad_returns_and_long_gaps(tmp_path):
    path = write(tmp_path, "date,A\n2020-01-02,0.1\n2020-01-03,-1.0\n")
    with pytest.raises(InputError, match=r"line 3, field 'A': return -1 is ≤ -1"):
        load_prices(path, kind="returns")
    long_text = (
        "date,asset,value\n2020-01-02,A,1\n2020-01-02,B,1\n2020-01-03,B,1\n"
        "2020-01-06,A,1\n2020-01-06,B,1\n"
    )
    with pytest.raises(InputError, match=r"field 'A': missing price for A on 2020-01-03"):
        load_prices(write(tmp_path, long_text, "l.csv"))
    dup = "date,asset,value\n2020-01-02,A,1\n2020-01-02,A,2\n"
    with pytest.raises(
        InputError, match=r"l2.csv, line 3, field 'date': duplicate date 2020-01-02"
    ):
        load_prices(write(tmp_path, dup, "l2.csv"))


def test_parquet_bad_value_names_row(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "bad.parquet"
    pq.write_table(
        pa.table({"date": ["2020-01-02", "2020-01-03", "2020-01-06"], "A": [1.0, -3.0, 2.0]}), path
    )
    with pytest.raises(InputError, match=r"bad.parquet, row 2, field 'A': non-positive price -3"):
        load_prices(path)


def test_options_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_prices(tmp_path / "nope.csv")
    path = write(tmp_path, WIDE)
    with pytest.raises(ConfigError, match="kind"):
        load_prices(path, kind="levels")
    with pytest.raises(DataError, match="holds 0 rows"):
        load_prices(path, start="2030-01-01")


# --------------------------------------------------------------------------- aux series


def test_load_series_and_attach_aux_use_only_past_values(tmp_path):
    market = load_prices(write(tmp_path, WIDE))
    vix = write(
        tmp_path, "Date,Close\n2021-01-01,20\n2021-01-05,25\n2021-01-06,\n2021-01-08,99\n", "v.csv"
    )
    dates, values = load_series(vix, column="Close")
    assert values.tolist() == [20.0, 25.0, 99.0]  # the blank row is dropped
    m = attach_aux(market, "VIX", dates, values)
    # 01-04 ← 01-01's 20; 01-05 ← 25; 01-06 and 01-07 ← 25 (never 01-08's 99)
    assert m.aux["VIX"].tolist() == [20.0, 25.0, 25.0, 25.0]
    assert "carried forward" in m.notes[-1]
    exact = attach_aux(market, "VIX", dates, values, fill="none")
    assert np.isnan(exact.aux["VIX"][[0, 2, 3]]).all() and exact.aux["VIX"][1] == 25.0
    with pytest.raises(DataError, match="after the market data's first row"):
        attach_aux(market, "VIX", dates[1:], values[1:])


def test_real_vix_file_attaches_to_default_data():
    vix = Path(__file__).resolve().parents[3] / "shared" / "data" / "vix_daily_cboe_1990_2026.csv"
    if not vix.is_file():
        pytest.skip(f"{vix} not available")
    from rebal import datasets

    dates, closes = load_series(vix, column="Close")
    m = attach_aux(datasets.load("us_daily"), "VIX", dates, closes)
    row = int(np.searchsorted(m.dates, np.datetime64("2008-11-20")))
    assert m.aux["VIX"][row] == pytest.approx(80.86)  # record close of 2008-11-20
    assert np.isfinite(m.aux["VIX"]).all()


def test_real_etf_file_aligns_to_2007():
    etf = (
        Path(__file__).resolve().parents[3] / "shared" / "data" / "etf_adjclose_daily_1993_2025.csv"
    )
    if not etf.is_file():
        pytest.skip(f"{etf} not available")
    m = load_prices(etf, risk_free="BIL")
    assert m.notes == (
        "aligned to common span 2007-05-30 … 2025-09-26: "
        "dropped 3,609 rows before BIL's first price",
    )
    assert m.n_assets == 21 and m.periods_per_year == 252
    spy = m.asset_index("SPY")
    years = m.dates.astype("datetime64[Y]").astype(int) + 1970
    rows = np.flatnonzero(years == 2008)
    assert m.prices[rows[-1], spy] / m.prices[rows[0] - 1, spy] - 1 == pytest.approx(
        -0.368, abs=1e-3
    )
