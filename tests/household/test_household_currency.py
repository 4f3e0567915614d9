"""Currency in the household file: local prices at the as_of FX rate, the base currency,
currency mixes, foreign tax, and their one-line errors (issue 21).

Rates by hand from the ECB's reference rates of 2025-06-30 (the shared data's copy,
``ecb_eur_fx_daily_1999_2026.csv``): 1.1720 USD, 169.17 JPY, 0.8555 GBP per euro.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rebal.errors import InputError
from rebal.household import household_from_dict, load_household

USD_PER_EUR = 1.1720
JPY_PER_EUR = 169.17


def _with_sap(tiny: dict) -> dict:
    tiny["securities"].append({"symbol": "SAP", "currency": "EUR", "price": 200.0,
                               "asset_class": "stocks", "country": "DE",
                               "foreign_tax": {"yield": 0.015}})
    return tiny


def test_local_price_converts_at_the_as_of_rate(tiny):
    tiny = _with_sap(tiny)
    tiny["securities"].append({"symbol": "TM", "currency": "JPY", "price": 3000,
                               "asset_class": "stocks"})
    h = household_from_dict(tiny)
    sap = h.security("SAP")
    assert sap.currency == "EUR" and sap.price_local == 200.0
    assert sap.price_usd == pytest.approx(200.0 * USD_PER_EUR, rel=1e-12)  # 234.40
    assert h.security("TM").price_usd == pytest.approx(3000 * USD_PER_EUR / JPY_PER_EUR,
                                                       rel=1e-12)  # 20.7838
    assert dict(h.fx_rates_usd) == pytest.approx({"EUR": USD_PER_EUR,
                                                  "JPY": USD_PER_EUR / JPY_PER_EUR})
    assert "ECB" in h.fx_source and "2025-06-30" in h.fx_source
    # a USD security is unchanged and the base is USD by default
    assert h.security("A").price_usd == 100.0 and h.base_currency == "USD"


def test_treaty_country_sets_the_share(tiny):
    h = household_from_dict(_with_sap(tiny))
    ft = h.security("SAP").foreign_tax
    assert ft is not None and ft.share == 0.15 and ft.basis == "treaty DE"
    assert ft.annual_rate == pytest.approx(0.015 * 0.15)


def test_base_currency_is_a_view(tiny):
    tiny["household"]["base_currency"] = "EUR"
    h = household_from_dict(tiny)
    assert h.base_currency == "EUR"
    assert h.in_base(1172.0) == pytest.approx(1000.0)
    # the override (rebal check --base) wins over the file
    h2 = household_from_dict(tiny, base_currency="GBP")
    assert h2.in_base(1172.0) == pytest.approx(1000.0 * 0.8555)
    # prices stay dollars: the tax engine works in USD
    assert h2.security("A").price_usd == 100.0


def test_file_rates_win_and_round_trip(tiny):
    tiny = _with_sap(tiny)
    tiny["household"].update(fx_rates_usd={"EUR": 1.25}, fx_cost_bps=10)
    tiny["accounts"][1]["fx_cost_bps"] = 30
    tiny["securities"][2]["currency_mix"] = {"USD": 0.5, "EUR": 0.3, "JPY": 0.2}
    tiny["securities"][3]["foreign_tax"] = "developed_ex_us"
    h = household_from_dict(tiny)
    assert h.security("SAP").price_usd == pytest.approx(250.0)
    assert h.fx_source == "the household file's fx_rates_usd"
    assert h.fx_cost_rate("tx") == pytest.approx(0.001)
    assert h.fx_cost_rate("ira") == pytest.approx(0.003)
    ft = h.security("B").foreign_tax
    assert (ft.yield_frac, ft.share, ft.basis) == (0.03, 0.08, "preset developed_ex_us")
    again = household_from_dict(h.to_dict())
    assert again == h
    assert again.security("BAL").currency_fractions() == {"USD": 0.5, "EUR": 0.3, "JPY": 0.2}


def test_user_fx_file(tiny, write, tmp_path: Path):
    (tmp_path / "rates.csv").write_text("Date,USD,CHF\n2025-06-27,1.10,0.95\n",
                                        encoding="utf-8")
    tiny = _with_sap(tiny)
    tiny["household"]["fx_file"] = "rates.csv"
    h = load_household(write(tiny))
    assert h.security("SAP").price_usd == pytest.approx(200 * 1.10)  # carried 3 days
    assert "rates.csv" in h.fx_source


@pytest.mark.parametrize("change, where, text", [
    (lambda t: t["securities"][4].update(currency="XYZ"),
     "securities[4].currency", "no FX rates for 'XYZ'"),
    (lambda t: t["securities"][4].update(currency="EURO"),
     "securities[4].currency", "not a currency code (three letters, e.g. EUR), got 'EURO'"),
    (lambda t: t["securities"][4].update(price_usd=5.0),
     "securities[4].price_usd", "give its price in EUR as price"),
    (lambda t: t["securities"][4].update(country="XX"),
     "securities[4].country", "no treaty withholding rate for country 'XX'"),
    (lambda t: t["securities"][4].update(foreign_tax={"yield": 0.01, "share": 0.1}),
     "securities[4].foreign_tax", "the treaty rate is the foreign-tax share"),
    (lambda t: t["securities"][0].update(foreign_tax={"yield": 0.03, "share": 1.5}),
     "securities[0].foreign_tax.share", "must be ≤ 1.0, got 1.5"),
    (lambda t: t["securities"][0].update(foreign_tax={"yield": 0.03}),
     "securities[0].foreign_tax", "needs both yield and share"),
    (lambda t: t["securities"][0].update(currency_mix={"EUR": 0.5, "JPY": 0.4}),
     "securities[0].currency_mix", "sum to 1"),
    (lambda t: t["household"].update(base_currency="XYZ"),
     "household.base_currency", "no FX rates for 'XYZ'"),
    (lambda t: t["household"].update(fx_rates_usd={"USD": 1.1}),
     "household.fx_rates_usd.USD", "1 USD per USD by definition"),
    (lambda t: t["securities"][0].update(foreign_tax="emerging"),
     "securities[0].foreign_tax", "unknown foreign_tax preset 'emerging'"),
    (lambda t: t["securities"][4].update(price=None),
     "securities[4].price", "has no price (in EUR)"),
])
def test_errors_name_file_and_key(tiny, write, change, where, text):
    tiny = _with_sap(tiny)
    change(tiny)
    path = write(tiny)
    with pytest.raises(InputError) as err:
        load_household(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and where in msg and text in msg, msg


def test_no_rate_on_as_of(tiny, write, tmp_path: Path):
    (tmp_path / "rates.csv").write_text("Date,USD\n2025-06-01,1.10\n", encoding="utf-8")
    tiny = _with_sap(tiny)
    tiny["household"]["fx_file"] = "rates.csv"
    path = write(tiny)
    with pytest.raises(InputError) as err:
        load_household(path)
    msg = str(err.value)
    assert str(path) in msg and "securities[4].currency" in msg
    assert "within 5 days before 2025-06-30" in msg and "rates.csv" in msg, msg
    # a missing FX file: named, with the key
    tiny["household"]["fx_file"] = "nope.csv"
    with pytest.raises(InputError, match=r"household.fx_file: .*nope.csv"):
        load_household(write(tiny))
