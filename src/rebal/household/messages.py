"""Turn pydantic validation errors into one readable :class:`InputError`.

Users never see a pydantic dump: the first problem is reported as
``file, path: what is wrong, got X`` with the path written the way the file is
(``accounts[2].cash_usd``), and the number of further problems is appended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from rebal.errors import InputError, shown

_FRACTION_HINT = " (a fraction: 0.05 = 5 %)"
_FRACTION_KEYS = ("state_rate", "min_loss_frac", "weight", "band_abs", "band_rel", "expense_ratio")


def format_path(loc: Sequence[str | int], prefix: str = "") -> str:
    """``("accounts", 2, "cash_usd")`` → ``accounts[2].cash_usd``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    loc = err.get("loc") or ()
    key = next((p for p in reversed(loc) if isinstance(p, str)), "")
    hint = _FRACTION_HINT if key in _FRACTION_KEYS else ""
    bounds = {
        "greater_than": ("must be >", "gt"),
        "greater_than_equal": ("must be ≥", "ge"),
        "less_than": ("must be <", "lt"),
        "less_than_equal": ("must be ≤", "le"),
    }
    if kind in bounds:
        words, bound = bounds[kind]
        return f"{words} {ctx.get(bound)}{hint}, got {shown(got)}"
    if kind == "missing":
        return "required key is missing"
    if kind in ("float_parsing", "float_type"):
        return f"must be a number, got {shown(got)}"
    if kind == "finite_number":
        return f"must be a finite number, got {shown(got)}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number, got {shown(got)}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false, got {shown(got)}"
    if kind.startswith("date"):
        return f"must be a date written YYYY-MM-DD, got {shown(got)}"
    if kind == "string_type":
        return f"must be text, got {shown(got)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "list_type":
        return f"must be a list, got {shown(got)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of keys to values, got {shown(got)}"
    if kind == "extra_forbidden":
        return f"unknown key {key!r}"
    if kind == "value_error":
        message = str(err.get("msg", ""))
        return message.removeprefix("Value error, ")
    return f"{err.get('msg', 'invalid value')}, got {shown(got)}"


def input_error(
    exc: ValidationError,
    *,
    file: str | None,
    prefix: str = "",
    row: int | None = None,
) -> InputError:
    """One :class:`InputError` for a pydantic ``ValidationError``.

    Parameters
    ----------
    exc
        The error pydantic raised.
    file
        The file being read (``None`` for in-memory input).
    prefix
        Path of the validated object inside the file (``"lots[3]"``), prepended
        to pydantic's location.
    row
        For CSV rows: the 1-based line number; the path is then reported as the
        field name instead.
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first.get("loc") or ())
    message = _describe(first)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    if row is not None:
        field = format_path(loc) or None
        return InputError(message, file=file, row=row, field=field)
    path = format_path(loc, prefix) or None
    return InputError(message, file=file, row=path)
