"""Price series in a base currency: returns in base = local return × FX return, by hand;
unknown currencies and FX gaps are one-line errors naming the flag/file and key."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.currency import conversion_cost_bps, to_base
from rebal.data import MarketData
from rebal.data.fx import read_fx
from rebal.errors import ConfigError, InputError


def _fx(tmp_path, text="Date,USD,JPY\n2025-01-02,1.00,160\n2025-01-03,1.10,150\n"
                       "2025-01-06,1.21,165\n"):
    path = tmp_path / "fx.csv"
    path.write_text(text)
    return read_fx(path)


DATES = np.array(["2025-01-02", "2025-01-03", "2025-01-06"], dtype="datetime64[D]")


def _market():
    return MarketData(dates=DATES, assets=("SPY", "DAX", "NKY"),
                      prices=[[100.0, 50.0, 1000.0], [101.0, 55.0, 990.0], [99.0, 44.0, 1100.0]])


def test_returns_in_base_are_local_times_fx(tmp_path):
    out = to_base(_market(), {"DAX": "EUR", "NKY": "JPY"}, _fx(tmp_path))
    r = out.returns()
    # DAX: +10 % in euros while the euro gains 10 % (1.00 → 1.10 $): 1.1 × 1.1 − 1 = 21 %;
    # then −20 % in euros, the euro +10 %: 0.8 × 1.1 − 1 = −12 %
    np.testing.assert_allclose(r[1:, 1], [0.21, -0.12], rtol=1e-12)
    # NKY: dollars per yen = USD/JPY per euro: 1/160, 1.1/150, 1.21/165
    fx_ret = [(1.1 / 150) / (1 / 160) - 1, (1.21 / 165) / (1.1 / 150) - 1]
    loc = [990 / 1000 - 1, 1100 / 990 - 1]
    want = [(1 + a) * (1 + b) - 1 for a, b in zip(loc, fx_ret, strict=True)]
    np.testing.assert_allclose(r[1:, 2], want, rtol=1e-12)
    np.testing.assert_array_equal(out.prices[:, 0], _market().prices[:, 0])  # USD unchanged
    assert "DAX (EUR), NKY (JPY)" in out.notes[-1]
    # base EUR: the dollar column converts, the euro one does not
    eur = to_base(_market(), {"SPY": "USD", "DAX": "EUR"}, _fx(tmp_path), base="EUR")
    np.testing.assert_allclose(eur.prices[:, 0], [100 / 1.0, 101 / 1.1, 99 / 1.21])
    np.testing.assert_array_equal(eur.prices[:, 1], _market().prices[:, 1])


def test_bad_currencies_and_gaps_are_one_line(tmp_path):
    with pytest.raises(ConfigError, match=r"^--currency DAX=CHF: no FX rates for 'CHF' in "
                                          r".*fx.csv"):
        to_base(_market(), {"DAX": "CHF"}, _fx(tmp_path), field="--currency")
    with pytest.raises(ConfigError, match=r"^--currency: unknown column 'FTSE'"):
        to_base(_market(), {"FTSE": "GBP"}, _fx(tmp_path), field="--currency")
    with pytest.raises(ConfigError, match=r"^--currency DAX: not a currency code"):
        to_base(_market(), {"DAX": "euro"}, _fx(tmp_path), field="--currency")
    gappy = _fx(tmp_path, "Date,USD\n2024-12-20,1.0\n2025-01-06,1.1\n")
    with pytest.raises(InputError, match=r"fx.csv, field 'EUR': no EUR/USD rate within 5 days "
                                         r"before 2025-01-03 \(the last is 2024-12-20\)"):
        to_base(_market(), {"DAX": "EUR"}, gappy)


def test_conversion_cost_on_foreign_columns_only():
    assert conversion_cost_bps(("SPY", "DAX"), 5.0, {"DAX": "EUR"}, fx_cost_bps=3.0) == \
        {"SPY": 5.0, "DAX": 8.0}
    with pytest.raises(ConfigError, match="--fx-cost-bps must be >= 0"):
        conversion_cost_bps(("SPY",), 5.0, {}, fx_cost_bps=-1)
