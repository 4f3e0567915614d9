"""The treaty withholding table (IRS Tax Treaty Table 1, portfolio dividends, 2024)."""

from __future__ import annotations

import pytest

from rebal.data.currencies import region_of
from rebal.errors import ConfigError
from rebal.tax.treaty import treaty_countries, treaty_dividend_rate


@pytest.mark.parametrize("country, rate", [
    ("JP", 0.10), ("MX", 0.10), ("CN", 0.10),  # the 10 % treaties
    ("IN", 0.25), ("IL", 0.25),  # the 25 % general rates
    ("DE", 0.15), ("gb", 0.15), ("CH", 0.15), ("CA", 0.15),
])
def test_rates_as_in_table_1(country, rate):
    assert treaty_dividend_rate(country) == rate


def test_table_covers_twenty_countries_and_refuses_others():
    assert len(treaty_countries()) >= 20
    with pytest.raises(ConfigError, match=r"no treaty withholding rate for country 'BR'.*JP"):
        treaty_dividend_rate("BR")  # Brazil has no income tax treaty with the US


def test_regions_follow_msci():
    assert [region_of(c) for c in ("USD", "EUR", "JPY", "KRW", "CNY", "XAU")] == [
        "us", "developed", "developed", "emerging", "emerging", "other"]
