"""Treaty withholding on foreign dividends paid to a U.S. resident, by country.

The rates are package data (``tax/params/treaty_dividend_withholding.csv``: IRS Tax
Treaty Table 1, portfolio dividends, tax year 2024; the file's header says how they are
read). A U.S. holder of a foreign company's shares (security ``country:``) has the
treaty rate withheld from each dividend; in a taxable account that tax is a foreign tax
credit (IRC §901, Form 1116, or directly on Schedule 3 when all foreign tax is at most
$300, $600 married filing jointly — §904(j)); in an IRA or other tax-advantaged account
no credit is available, so it is lost.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources

from rebal.errors import ConfigError

__all__ = ["FOREIGN_TAX_PRESETS", "TREATY_FILE", "treaty_countries", "treaty_dividend_rate"]

FOREIGN_TAX_PRESETS: dict[str, tuple[float, float]] = {"developed_ex_us": (0.03, 0.08)}
"""``{name: (dividend yield, foreign-tax share of dividends)}`` a household file may name
instead of its fund's figures. ``developed_ex_us``: a broad developed-markets ex-US index
fund — yield 3 %, foreign tax 8 % of dividends, round figures in the range such funds have
reported in recent years (foreign tax paid, Form 1099-DIV box 7, over dividends). An
assumption, stated as such in the plan: give the fund's own figures when known."""

TREATY_FILE = "treaty_dividend_withholding.csv"
"""The package-data file of treaty rates (under ``rebal/tax/params``)."""


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, float]]:
    text = (resources.files("rebal.tax") / "params" / TREATY_FILE).read_text("utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    out: dict[str, tuple[str, float]] = {}
    for rec in csv.DictReader(io.StringIO("\n".join(rows))):
        out[rec["country"]] = (rec["name"], float(rec["dividend_rate_pct"]) / 100.0)
    return out


def treaty_countries() -> tuple[str, ...]:
    """ISO 3166 two-letter codes of the countries in the table, sorted."""
    return tuple(sorted(_table()))


def treaty_dividend_rate(country: str) -> float:
    """The treaty's portfolio-dividend withholding rate for ``country`` (ISO two-letter
    code), a fraction (0.15 = 15 %).

    Raises
    ------
    ConfigError
        A country not in the table (naming the ones there are).
    """
    code = country.strip().upper()
    table = _table()
    if code not in table:
        raise ConfigError(f"no treaty withholding rate for country {country!r}; the table "
                          f"({TREATY_FILE}) has {', '.join(sorted(table))}")
    return table[code][1]
