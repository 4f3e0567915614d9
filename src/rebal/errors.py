"""The exception hierarchy of rebal.

Every error a user can cause with bad input is a :class:`RebalError`; the CLI
turns each into one line of text and a non-zero exit status, never a traceback.

``RebalError``
  ├── ``ConfigError``   – a bad parameter of a policy, study or setting
  ├── ``InputError``    – a bad input file: names the file, row (or path) and field
  ├── ``DataError``     – market data that cannot support the request
  └── ``PlanInfeasible``– the planner's constraints cannot all hold
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SHOWN_CHARS = 200
"""Most characters of a user's value an error message repeats (:func:`shown`)."""


def shown(value: Any, limit: int = SHOWN_CHARS, *, quote: bool = True) -> str:
    """``repr(value)`` (``str`` when ``quote`` is false) cut to ``limit`` characters, with
    how long it was: an error never echoes a 2 GB value back at the user."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value) if quote else value
        head = repr(value[:limit]) if quote else value[:limit]
        return f"{head}… ({len(value):,} characters)"
    import reprlib

    cutter = reprlib.Repr()
    cutter.maxstring = cutter.maxother = limit
    cutter.maxlist = cutter.maxdict = cutter.maxtuple = cutter.maxset = 8
    text = cutter.repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


class RebalError(Exception):
    """Base class of every error rebal raises on purpose."""


class ConfigError(RebalError, ValueError):
    """A parameter is invalid, e.g. ``RelativeBand.width must be > 0, got -0.1``."""


class InputError(RebalError, ValueError):
    """A bad value in an input file.

    Parameters
    ----------
    message
        What is wrong, in words.
    file
        The file's path as the user gave it (``None`` for in-memory input).
    row
        1-based line number in the file (header = line 1) for tabular files, or
        a path inside a structured file such as ``accounts[2].cash``.
    field
        The column or key at fault.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"line {self.row}" if isinstance(self.row, int) else str(self.row))
        if self.field is not None:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class DataError(RebalError, ValueError):
    """Market data cannot support the request (missing prices, span not covered …)."""


class PlanInfeasible(RebalError):
    """The planner's constraints cannot all be satisfied.

    Parameters
    ----------
    message
        What could not be done.
    binding
        The constraints that make the problem infeasible, each in words.
    """

    def __init__(self, message: str, binding: Sequence[str] = ()) -> None:
        self.message = message
        self.binding = tuple(binding)
        text = message if not self.binding else f"{message} ({'; '.join(self.binding)})"
        super().__init__(text)
