"""Cell-level parsing and validation of tabular market data.

Every check raises :class:`~rebal.errors.InputError` naming the file, the row
and the column of the first bad cell. Rows are identified by ``row_ids``: the
1-based physical line number for CSV files (header = line 1) or a label such
as ``"row 7"`` for Parquet files (the 1-based data row).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rebal.errors import ConfigError, InputError
from rebal.types import DateArray, FloatArray

RowId = int | str

#: Cell texts read as "no value" (case-insensitive, surrounding blanks ignored).
MISSING_TEXTS = frozenset({"", "nan", "na", "n/a", "null", "none", "#n/a"})

# ISO 8601 calendar date, optionally followed by a time of day and a UTC offset;
# only the calendar date is kept.
_ISO_DATE = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*$"
)


def parse_dates(
    texts: Sequence[str] | npt.NDArray[np.object_],
    *,
    file: str,
    row_ids: Sequence[RowId],
    field: str,
) -> DateArray:
    """Parse ISO 8601 dates (``YYYY-MM-DD``, an optional time and offset ignored).

    Parameters
    ----------
    texts
        ``(n,)`` cell texts.
    file, row_ids, field
        Where the cells came from, for error messages.

    Returns
    -------
    DateArray
        ``(n,)`` ``datetime64[D]``.
    """
    out = np.empty(len(texts), dtype="datetime64[D]")
    for i, text in enumerate(texts):
        match = _ISO_DATE.match(str(text))
        try:
            if match is None:
                raise ValueError
            out[i] = np.datetime64(match.group(1), "D")
        except ValueError:
            raise InputError(
                f"unparsable date {str(text)!r} (expected YYYY-MM-DD)",
                file=file,
                row=row_ids[i],
                field=field,
            ) from None
    return out


def parse_day(text: str, *, option: str) -> np.datetime64:
    """A ``YYYY-MM-DD`` date given on the command line or in code as ``datetime64[D]``;
    :class:`~rebal.errors.ConfigError` naming ``option`` (``--start``) otherwise.

    Only the full form is accepted: ``2010``, ``2010/01/04`` and ``2010-02-30`` are
    refused rather than read as something the user did not mean."""
    raw = str(text)
    match = _ISO_DATE.match(raw)
    try:
        if match is None:
            raise ValueError
        return np.datetime64(match.group(1), "D")
    except ValueError:
        hint = "no such day" if match is not None else "expected YYYY-MM-DD, e.g. 2010-01-04"
        raise ConfigError(f"{option}: {raw[:40]!r} is not a date ({hint})") from None


def check_increasing(dates: DateArray, *, file: str, row_ids: Sequence[RowId], field: str) -> None:
    """Raise on the first date that does not strictly follow the one before it."""
    d = dates.astype(np.int64)
    bad = np.flatnonzero(np.diff(d) <= 0)
    if bad.size == 0:
        return
    i = int(bad[0]) + 1
    if d[i] == d[i - 1]:
        raise InputError(
            f"duplicate date {dates[i]} (also on {_where(row_ids[i - 1])})",
            file=file,
            row=row_ids[i],
            field=field,
        )
    raise InputError(
        f"dates must increase: {dates[i]} comes after {dates[i - 1]} ({_where(row_ids[i - 1])})",
        file=file,
        row=row_ids[i],
        field=field,
    )


def _where(row_id: RowId) -> str:
    return f"line {row_id}" if isinstance(row_id, int) else str(row_id)


def parse_numbers(
    cells: npt.NDArray[np.generic] | Sequence[object],
    *,
    file: str,
    row_ids: Sequence[RowId],
    field: str,
) -> FloatArray:
    """Parse cells as floats; missing markers (:data:`MISSING_TEXTS`, None, NaN) → NaN.

    Infinite values and texts that are not numbers raise :class:`InputError`.

    Returns
    -------
    FloatArray
        ``(n,)`` float64, NaN where the cell was missing.
    """
    arr = np.asarray(cells)
    out: FloatArray | None = None
    if arr.dtype.kind in "fiu":
        out = arr.astype(np.float64)
    elif arr.dtype.kind == "U" or (
        arr.dtype.kind == "O" and all(type(cell) is str for cell in arr.tolist())
    ):
        try:  # fast path: every text a number, parsed by float() (numpy casts with it)
            out = arr.astype(np.float64)
        except ValueError:  # a missing marker or a bad cell: the loop below says which
            out = None
    if out is None:
        out = np.empty(arr.shape[0], dtype=np.float64)
        for i, cell in enumerate(arr):
            if cell is None or (isinstance(cell, float) and np.isnan(cell)):
                out[i] = np.nan
                continue
            text = str(cell).strip()
            if text.lower() in MISSING_TEXTS:
                out[i] = np.nan
                continue
            try:
                out[i] = float(text)
            except ValueError:
                raise InputError(
                    f"non-numeric value {text!r}", file=file, row=row_ids[i], field=field
                ) from None
    inf = np.flatnonzero(np.isinf(out))
    if inf.size:
        i = int(inf[0])
        raise InputError(f"value {out[i]} is not finite", file=file, row=row_ids[i], field=field)
    return out


def check_prices_positive(
    values: FloatArray, *, file: str, row_ids: Sequence[RowId], field: str
) -> None:
    """Raise on the first price ≤ 0 (NaN cells are not checked here)."""
    bad = np.flatnonzero(values <= 0)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"non-positive price {values[i]:g}", file=file, row=row_ids[i], field=field
        )


def check_returns_above_minus_one(
    values: FloatArray, *, file: str, row_ids: Sequence[RowId], field: str
) -> None:
    """Raise on the first return ≤ −1 (a loss of 100 % or more ends the index)."""
    bad = np.flatnonzero(values <= -1.0)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"return {values[i]:g} is ≤ -1 (returns are fractions: -0.05 means -5%)",
            file=file,
            row=row_ids[i],
            field=field,
        )


def check_no_gap_after_start(
    values: FloatArray,
    dates: DateArray,
    *,
    file: str,
    row_ids: Sequence[RowId | None] | None,
    field: str,
    what: str = "price",
) -> int:
    """Check that ``values`` has no NaN after its first value; return that row.

    Parameters
    ----------
    values
        ``(n,)`` one asset's values, NaN where missing.
    dates
        ``(n,)`` the rows' dates, named in the message.
    what
        ``"price"`` or ``"return"``, for the message.
    row_ids
        Row labels, or ``None`` when a missing value has no row in the file
        (a long-layout file that simply lacks the (date, asset) pair).

    Returns
    -------
    int
        Index of the asset's first non-missing row.
    """
    present = ~np.isnan(values)
    if not present.any():
        raise InputError("the column holds no values", file=file, row=None, field=field)
    first = int(np.argmax(present))
    gaps = np.flatnonzero(~present[first:])
    if gaps.size:
        i = first + int(gaps[0])
        raise InputError(
            f"missing {what} for {field} on {dates[i]} (after its first {what} on {dates[first]})",
            file=file,
            row=None if row_ids is None else row_ids[i],
            field=field,
        )
    return first
