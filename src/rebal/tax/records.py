"""The one record-to-dict loop of the tax engine's and the planner's ``to_dict`` methods.

A record (a disposition, a lot, a wash-sale check …) is written to JSON as its
dataclass fields in declaration order, each made plain by :func:`plain`, with a few
derived properties placed after the field they follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from enum import Enum
from typing import Any

__all__ = ["Record", "plain", "record_dict"]


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: an enum as its value, a date as ``YYYY-MM-DD``,
    a record as its ``to_dict()``, a tuple or list as a list of plain items, a dict
    with text keys and plain values; anything else unchanged."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    to_dict = getattr(value, "to_dict", None)
    return value if to_dict is None else to_dict()


def record_dict(
    record: Any, *, then: Mapping[str, str] | None = None, last: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every field of the dataclass ``record``, in order, made :func:`plain`.

    Parameters
    ----------
    record
        A dataclass instance.
    then
        ``{field: property}``: write the derived ``property`` right after ``field``.
    last
        Derived properties written after the fields, in this order.

    Returns
    -------
    dict
        ``{name: plain value}`` in field order.
    """
    then = then or {}
    out: dict[str, Any] = {}
    for f in fields(record):
        out[f.name] = plain(getattr(record, f.name))
        if f.name in then:
            out[then[f.name]] = plain(getattr(record, then[f.name]))
    for name in last:
        out[name] = plain(getattr(record, name))
    return out


class Record:
    """Base of the frozen records whose ``to_dict()`` is :func:`record_dict` of their
    fields (a record with derived keys overrides ``to_dict``)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self)
