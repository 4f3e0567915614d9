"""FX tables: cross rates through the anchor, quotes carried over short gaps only, one-line
errors; the shipped ECB table equals the shared data's independent copy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rebal.data.fx import read_fx
from rebal.datasets import load_fx
from rebal.errors import ConfigError, InputError

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / \
    "ecb_eur_fx_daily_1999_2026.csv"


def _table(tmp_path, text):
    path = tmp_path / "fx.csv"
    path.write_text(text)
    return read_fx(path)


def test_cross_rates_through_the_euro(tmp_path):
    t = _table(tmp_path, "Date,USD,JPY,GBP\n2025-01-02,1.04,163.0,0.83\n"
                         "2025-01-03,1.03,N/A,0.82\n2025-01-06,1.05,165.0,\n")
    days = np.array(["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-06"],
                    dtype="datetime64[D]")
    # dollars per pound = (USD per EUR) / (GBP per EUR): 1.04/0.83, 1.03/0.82, Saturday
    # carries Friday's, Monday has no GBP quote: Friday's cross (both quoted that day)
    np.testing.assert_allclose(t.rate("GBP", "USD", days),
                               [1.04 / 0.83, 1.03 / 0.82, 1.03 / 0.82, 1.03 / 0.82])
    # yen per dollar, Friday has no JPY: Thursday's cross, then Monday's
    np.testing.assert_allclose(t.rate("USD", "JPY", days),
                               [163 / 1.04, 163 / 1.04, 163 / 1.04, 165 / 1.05])
    np.testing.assert_allclose(t.rate("EUR", "USD", days[:1]), [1.04])
    np.testing.assert_allclose(t.rate("USD", "EUR", days[:1]), [1 / 1.04])
    assert (t.rate("USD", "USD", days) == 1).all()


def test_gaps_and_unknown_currencies_are_one_line(tmp_path):
    t = _table(tmp_path, "Date,USD_per_EUR\n2025-01-02,1.04\n2025-01-20,1.03\n")
    with pytest.raises(InputError, match=r"fx.csv, field 'USD': no USD/EUR rate within 5 "
                                         r"days before 2025-01-10 \(the last is 2025-01-02\)"):
        t.rate("USD", "EUR", np.array(["2025-01-10"], dtype="datetime64[D]"))
    with pytest.raises(InputError, match="no USD/EUR rate on or before 2024-12-31"):
        t.rate("USD", "EUR", np.array(["2024-12-31"], dtype="datetime64[D]"))
    with pytest.raises(ConfigError, match=r"^currency: no FX rates for 'CHF'"):
        t.rate("CHF", "USD", np.array(["2025-01-02"], dtype="datetime64[D]"))
    with pytest.raises(InputError, match=r"line 3, field 'USD': a rate must be a positive"):
        _table(tmp_path, "Date,USD\n2025-01-02,1.04\n2025-01-03,-1\n")
    with pytest.raises(InputError, match=r"line 3, field 'Date': dates must increase"):
        _table(tmp_path, "Date,USD\n2025-01-03,1.04\n2025-01-02,1.03\n")


@pytest.mark.skipif(not SHARED.exists(), reason="shared data not available")
def test_shipped_table_equals_the_shared_ecb_copy():
    shipped = load_fx()
    other = read_fx(SHARED)
    assert shipped.anchor == "EUR" and shipped.dates[0] == np.datetime64("1999-01-04")
    common = np.intersect1d(shipped.dates, other.dates)
    assert common.size > 6_500
    a = np.searchsorted(shipped.dates, common)
    b = np.searchsorted(other.dates, common)
    compared = 0
    for k, ccy in enumerate(other.currencies):
        if ccy not in shipped.currencies:
            continue
        x = shipped.rates[a, shipped.currencies.index(ccy)]
        y = other.rates[b, k]
        both = np.isfinite(x) & np.isfinite(y)
        np.testing.assert_allclose(x[both], y[both], rtol=1e-12, err_msg=ccy)
        compared += int(both.sum())
    assert compared > 100_000
