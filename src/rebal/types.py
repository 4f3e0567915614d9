"""Enums for every option, and array aliases.

Strings from files and the command line are parsed into these once, at the edge
(``Frequency.parse("quarterly")``); inside rebal only the enums travel.
"""

from __future__ import annotations

from enum import Enum
from typing import Self, TypeAlias

import numpy as np
import numpy.typing as npt

from rebal.errors import ConfigError

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
DateArray: TypeAlias = npt.NDArray[np.datetime64]


class ParseEnum(str, Enum):
    """A string enum that parses user text (case-, dash- and underscore-insensitive)."""

    @classmethod
    def parse(cls, text: str | ParseEnum, *, field: str | None = None) -> Self:
        if isinstance(text, cls):
            return text
        key = str(text).strip().lower().replace("-", "_").replace(" ", "_")
        for member in cls:
            if key in (member.value, member.name.lower()):
                return member
        choices = ", ".join(m.value for m in cls)
        name = field or cls.__name__
        raise ConfigError(f"{name}: unknown value {text!r}; choose one of {choices}")


class Frequency(ParseEnum):
    """How often a calendar fires: on the last trading day of each period."""

    DAILY = "daily"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"


class Sizing(ParseEnum):
    """How much to trade once a rebalance is triggered."""

    TO_TARGET = "target"
    TO_EDGE = "edge"
    HALFWAY = "halfway"


class Scope(ParseEnum):
    """Which assets a triggered rebalance sizes (the others absorb the residual)."""

    ALL = "all"
    BREACHED = "breached"


class AccountType(ParseEnum):
    """Tax treatment of an account."""

    TAXABLE = "taxable"
    TRADITIONAL = "traditional"  # traditional IRA, 401(k), 403(b)
    ROTH = "roth"
    HSA = "hsa"

    @property
    def tax_advantaged(self) -> bool:
        """True where sales realize no capital gain or loss."""
        return self is not AccountType.TAXABLE


class Owner(ParseEnum):
    SELF = "self"
    SPOUSE = "spouse"


class FilingStatus(ParseEnum):
    """Federal filing status (IRC §1)."""

    SINGLE = "single"
    MFJ = "mfj"  # married filing jointly
    MFS = "mfs"  # married filing separately
    HOH = "hoh"  # head of household
    QSS = "qss"  # qualifying surviving spouse


class LotMethod(ParseEnum):
    """Which lots a sale relieves (Treas. Reg. §1.1012-1(c)); all but FIFO and
    AVERAGE are specific-identification policies."""

    FIFO = "fifo"
    LIFO = "lifo"
    HIFO = "hifo"
    HCLTF = "hcltf"  # highest cost, long-term first
    TAX_MIN = "tax_min"
    SPECIFIC = "specific"
    AVERAGE = "average"  # §1.1012-1(e): RIC shares only, when elected


class Term(ParseEnum):
    """Holding-period character of a gain (IRC §1222)."""

    SHORT = "short"
    LONG = "long"


class Side(ParseEnum):
    BUY = "buy"
    SELL = "sell"


def _rebuild(cls: type, kwargs: dict[str, object]) -> object:
    return cls(**kwargs)


def reduce_frozen(obj: object) -> tuple[object, tuple[type, dict[str, object]]]:
    """``__reduce__`` for frozen dataclasses that hold read-only mappings
    (``MappingProxyType`` cannot be pickled or deep-copied): rebuild from the
    init fields, mappings as plain dicts, so results travel between processes."""
    from dataclasses import fields
    from types import MappingProxyType

    kwargs = {
        f.name: dict(v) if isinstance(v := getattr(obj, f.name), MappingProxyType) else v
        for f in fields(obj)  # type: ignore[arg-type]
        if f.init
    }
    return _rebuild, (type(obj), kwargs)
