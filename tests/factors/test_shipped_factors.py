"""The shipped factor files: read like a download, intact, and true to the library
(checked against the shared copy of the French file, a later vintage)."""

from __future__ import annotations

import numpy as np
import pytest
from factor_files import data_file

from rebal.data.french import read_french
from rebal.datasets import FACTOR_FILES, resolve_factor_file


@pytest.mark.parametrize(
    ("name", "names", "first", "last", "rows"),
    [
        ("us_ff3_monthly", ("Mkt-RF", "SMB", "HML"), "1926-07-31", "2018-11-30", 1109),
        ("us_ff3_mom_monthly", ("Mkt-RF", "SMB", "HML", "Mom"), "1949-01-31", "2017-03-31", 819),
    ],
)
def test_shipped_files_read_as_downloads(name, names, first, last, rows):
    t = read_french(resolve_factor_file(name))
    assert t.names == names and t.frequency == "monthly" and t.n == rows
    assert str(t.dates[0]) == first and str(t.dates[-1]) == last
    assert np.isfinite(t.returns).all() and t.rf is not None


def test_a_user_path_passes_through_and_a_tampered_file_is_refused(tmp_path, monkeypatch):
    assert resolve_factor_file("my/own.csv") == "my/own.csv"
    import rebal.datasets as ds

    monkeypatch.setattr(ds, "FACTOR_FILES", {"us_ff3_monthly": ("us_ff3_monthly.csv", "0" * 64)})
    with pytest.raises(Exception, match="does not match its sha256"):
        ds.resolve_factor_file("us_ff3_monthly")
    assert set(FACTOR_FILES) == {"us_ff3_monthly", "us_ff3_mom_monthly"}


@pytest.mark.parametrize("name", ["us_ff3_monthly", "us_ff3_mom_monthly"])
def test_agrees_with_the_library_file(name):
    """The market and RF agree with the shared (2024) vintage to 0.03 percentage points a
    month; SMB and HML are revised between vintages but stay the same series."""
    shared = read_french(data_file("ff3_factors_monthly_pct_1926_2024.csv"))
    t = read_french(resolve_factor_file(name))
    k = np.searchsorted(shared.dates, t.dates)
    np.testing.assert_array_equal(shared.dates[k], t.dates)
    assert np.abs(t.column("Mkt-RF") - shared.column("Mkt-RF")[k]).max() <= 0.0003 + 1e-12
    assert np.abs(t.rf - shared.rf[k]).max() <= 0.0001 + 1e-12
    for f in ("SMB", "HML"):
        a, b = t.column(f), shared.column(f)[k]
        assert np.corrcoef(a, b)[0, 1] > 0.99
        assert np.median(np.abs(a - b)) < 0.001
