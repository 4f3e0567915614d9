"""The shipped datasets: shapes, spans, integrity and known real values."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from rebal import datasets
from rebal.datasets import resolve_prices
from rebal.errors import ConfigError, DataError


def year_return(market, asset: str, year: int) -> float:
    col = market.asset_index(asset)
    years = market.dates.astype("datetime64[Y]").astype(int) + 1970
    rows = np.flatnonzero(years == year)
    return float(market.prices[rows[-1], col] / market.prices[rows[0] - 1, col] - 1)


def test_names_and_describe():
    assert set(datasets.names()) == {"us_daily", "us_monthly"}
    info = datasets.describe("us_daily")
    assert tuple(info.assets) == ("US_MKT", "UST_INT", "UST_LONG", "TBILL")
    assert "UST_LONG" in str(info)
    with pytest.raises(ConfigError, match="unknown dataset 'nope'"):
        datasets.describe("nope")


def test_us_daily():
    m = datasets.load("us_daily")
    assert m.assets == ("US_MKT", "UST_INT", "UST_LONG", "TBILL")
    assert m.prices.shape == (6065, 4)
    assert str(m.dates[0]) == "1993-01-29" and str(m.dates[-1]) == "2017-02-28"
    assert m.periods_per_year == 252
    assert np.all(np.isfinite(m.prices)) and np.all(m.prices > 0)
    np.testing.assert_allclose(m.prices[0], 1.0)
    # French US market 2008: -36.75 % (SPY total return -36.8 %)
    assert year_return(m, "US_MKT", 2008) == pytest.approx(-0.3675, abs=5e-4)
    # risk-free = the T-bill asset's return; 3-month bills paid ~5 % in 2000, ~0 in 2013
    tb = m.returns()[:, m.asset_index("TBILL")]
    np.testing.assert_allclose(m.risk_free, tb, atol=1e-12)
    assert 0.055 < year_return(m, "TBILL", 2000) < 0.065
    assert 0.0 <= year_return(m, "TBILL", 2013) < 0.002
    assert np.all(m.risk_free >= 0) and m.risk_free.max() < 0.0015  # ≤ 3 days at 8.3 %
    assert "UST_LONG" in " ".join(m.notes) and "zipline" in m.source


def test_us_monthly():
    m = datasets.load("us_monthly")
    assert m.assets == ("US_MKT", "CORP_AAA", "TBILL")
    assert m.prices.shape == (1110, 3)
    assert str(m.dates[0]) == "1926-06-30" and str(m.dates[-1]) == "2018-11-30"
    assert m.periods_per_year == 12
    assert np.all(np.isfinite(m.prices))
    # French US market: July 1926 = 2.96 % + 0.22 %; 2008 = -36.75 %
    assert m.prices[1, 0] - 1 == pytest.approx(0.0318, abs=1e-9)
    assert year_return(m, "US_MKT", 2008) == pytest.approx(-0.3675, abs=5e-4)
    assert m.risk_free[1] == pytest.approx(0.0022, abs=1e-9)
    # long Aaa corporates lost heavily in 1980-81's rate spike, gained in 1982 and 2008's rally
    assert year_return(m, "CORP_AAA", 1982) > 0.25


def test_hash_is_checked(tmp_path, monkeypatch):
    src = datasets._files()
    copy = tmp_path / "files"
    shutil.copytree(str(src), copy)
    blob = bytearray((copy / "us_monthly.csv.gz").read_bytes())
    blob[-20] ^= 0xFF
    (copy / "us_monthly.csv.gz").write_bytes(bytes(blob))
    monkeypatch.setattr(datasets, "_files", lambda: copy)
    with pytest.raises(DataError, match="corrupt or modified"):
        datasets.load("us_monthly")


def test_resolve_prices_default_and_path(tmp_path):
    assert resolve_prices("default").assets[0] == "US_MKT"
    assert resolve_prices("us_monthly").periods_per_year == 12
    f = tmp_path / "p.csv"
    f.write_text("date,A\n2020-01-02,1\n2020-01-03,2\n")
    assert resolve_prices(str(f)).assets == ("A",)
    from rebal.errors import InputError

    with pytest.raises(InputError, match="not a dataset name"):
        resolve_prices(str(tmp_path / "missing.csv"))
