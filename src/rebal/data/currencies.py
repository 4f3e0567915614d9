"""Currencies: ISO codes and the regional group of each (US, developed, emerging).

The group is the market classification of the currency's home market by MSCI's annual
market classification review (2024): the United States apart; developed = the euro area,
Japan, the United Kingdom, Switzerland, Canada, Australia, New Zealand, Sweden, Norway,
Denmark, Hong Kong, Singapore and Israel; emerging = China, Korea, India, Brazil, Mexico,
South Africa, Taiwan and the others listed below. (FTSE counts Korea as developed; rebal
follows MSCI, whose emerging-markets index funds hold Korea.) A currency not listed is
"other" — it is still counted, under its own code, in every exposure table.
"""

from __future__ import annotations

import re

from rebal.errors import ConfigError

__all__ = ["BASE_DEFAULT", "REGIONS", "check_code", "region_of"]

BASE_DEFAULT = "USD"
"""The currency rebal's tax engine and dollar amounts (``*_usd``) are in."""

_DEVELOPED = ("EUR", "JPY", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "HKD",
              "SGD", "ILS")
_EMERGING = ("CNY", "KRW", "INR", "BRL", "MXN", "ZAR", "TWD", "IDR", "THB", "MYR", "PHP",
             "PLN", "HUF", "CZK", "TRY", "CLP", "COP", "PEN", "SAR", "AED", "QAR", "KWD",
             "EGP")

REGIONS: dict[str, str] = {"USD": "us", **{c: "developed" for c in _DEVELOPED},
                           **{c: "emerging" for c in _EMERGING}}
"""``{ISO code: "us" | "developed" | "emerging"}`` (module docstring for the source)."""

_CODE = re.compile(r"^[A-Z]{3}$")


def region_of(ccy: str) -> str:
    """``"us"``, ``"developed"``, ``"emerging"`` or ``"other"`` for an ISO code."""
    return REGIONS.get(ccy, "other")


def check_code(code: object, *, field: str | None = None) -> str:
    """``code`` as an upper-case ISO 4217 code (three letters), else ``ConfigError``
    (prefixed ``"{field}: "`` when ``field`` is given). The one check of a currency code:
    household files, study files and CLI flags all use it."""
    text = str(code).strip().upper()
    if not _CODE.match(text):
        where = f"{field}: " if field else ""
        raise ConfigError(f"{where}not a currency code (three letters, e.g. EUR), got "
                          f"{str(code)[:40]!r}")
    return text
