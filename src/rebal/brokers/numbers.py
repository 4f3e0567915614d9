"""Numbers, dates and account numbers as brokers print them.

Brokers write ``$1,234.56``, ``-$12.00``, ``($12.00)`` (a negative), ``+1.5%``, ``--`` or
``n/a`` (no value), ``9,999.99`` shares. :func:`parse_amount` reads every one of these and
refuses anything else (a ``ValueError`` the table reader turns into an
:class:`rebal.errors.InputError` naming the file, line and column).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import lru_cache

__all__ = ["MISSING", "mask_account_number", "parse_amount", "parse_date"]

#: Cell texts that mean "no value" (compared lower-case, after stripping).
MISSING = frozenset({"", "--", "-", "n/a", "na", "none", "null", "—"})

# Optional sign, optional '$', digits with thousands commas or plain, optional fraction,
# optional exponent (IBKR writes plain floats), optional '%'.
_NUMBER = re.compile(
    r"""^(?P<sign>[+-]?)\s*\$?\s*
        (?P<digits>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)
        (?P<exp>[eE][+-]?\d+)?\s*%?$""",
    re.VERBOSE,
)


@lru_cache(maxsize=8192)
def parse_amount(text: str) -> float | None:
    """A broker's number as a float, or ``None`` for a missing value.

    Accepts ``1234.5``, ``1,234.50``, ``$1,234.50``, ``-$1,234.50``, ``$-1,234.50``,
    ``+$5.00``, ``(1,234.50)`` and ``($1,234.50)`` (parentheses: negative), ``12.5%``
    (returned as ``12.5``: the number printed, not a fraction), and ``--``/``n/a``/empty
    (``None``). Units are the file's (dollars, shares, percent points).

    Raises
    ------
    ValueError
        For anything else (letters, two signs, a sign inside parentheses, misplaced
        commas, NaN or infinity).
    """
    s = text.strip()
    if s.lower() in MISSING:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        s = s[1:-1].strip()
        negative = True
        if s[:1] in "+-" or s.startswith("$-") or s.startswith("$+"):
            raise ValueError(text)
    if s.startswith("$") and s[1:2] in ("-", "+"):  # "$-12.00"
        s = s[1] + s[2:]
    m = _NUMBER.match(s)
    if m is None:
        raise ValueError(text)
    value = float(m.group("digits").replace(",", "") + (m.group("exp") or ""))
    if not math.isfinite(value):
        raise ValueError(text)
    if m.group("sign") == "-":
        value = -value
    return -value if negative else value


_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%m/%d/%y", "%d-%b-%Y",
                 "%b-%d-%Y")


@lru_cache(maxsize=8192)  # real files repeat their dates; 100k-lot imports parse fast
def parse_date(text: str) -> date | None:
    """A broker's date, or ``None`` for a missing value.

    Accepts ``06/30/2025``, ``2025-06-30``, ``20250630``, ``2025/06/30``, ``06/30/25``,
    ``30-Jun-2025``, ``Jun-30-2025``, a time after the date (``20250630;093000``,
    ``2025-06-30, 09:30:00``, ``2025-06-30 09:30:00``), and Schwab's
    ``07/01/2025 as of 06/30/2025`` (the *as of* date is the trade date and is returned).

    Raises
    ------
    ValueError
        For anything else.
    """
    s = text.strip()
    if s.lower() in MISSING:
        return None
    if " as of " in s:
        s = s.split(" as of ", 1)[1].strip()
    s = re.split(r"[;,T ]", s, maxsplit=1)[0].strip()
    if len(s) == 10 and s[4] == "-" and s[7] == "-":  # ISO first: no strptime
        try:
            return date.fromisoformat(s)
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def mask_account_number(number: str | None) -> str:
    """An account number as rebal prints it: ``"****5678"`` (the last four characters,
    two for short numbers); already-masked numbers (``"...123"``, ``"XXXX-1234"``) keep
    only their visible tail; text without digits is a name and is returned as it is;
    ``""`` for ``None``/empty."""
    if not number:
        return ""
    if not any(ch.isdigit() for ch in number):
        return number  # a name ("brokerage"), not a number
    masked_in_file = bool(re.search(r"[.*]|^[Xx]", number.strip()))
    tail = re.sub(r"[^0-9A-Za-z]", "", number)
    tail = re.sub(r"^[Xx*]+", "", tail)
    if len(tail) > 4:
        return "****" + tail[-4:]
    return "****" + (tail if masked_in_file else tail[-2:])
